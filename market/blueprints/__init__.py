"""One package per part of the site: routes.py (thin) and forms.py."""
