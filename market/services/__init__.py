"""Rules that are not HTTP: routes call these, tests reach them directly."""
