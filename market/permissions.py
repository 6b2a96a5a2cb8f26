"""Who may do what: every `can_*` predicate in one place, used by routes, services and templates alike
(templates call them through the `can` global). Each takes the acting user first and never raises; services
that must refuse call the matching `require_*`, which raises PermissionDenied with the reason."""

# --- organisations and members ---------------------------------------------------------------------

# --- catalogue: zones, certificates, products, listings ---------------------------------------------

# --- contracts, payments and shop orders ------------------------------------------------------------
