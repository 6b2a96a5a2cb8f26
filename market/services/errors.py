"""Errors the services raise; blueprints turn them into inline messages or 403 pages."""


class PermissionDenied(Exception):
    """The acting user may not do this. The message says why, in words a user understands."""


class ValidationFailed(Exception):
    """Input breaks a rule. `errors` maps a field name to its messages."""

    def __init__(self, errors: dict[str, list[str]] | dict[str, str]):
        self.errors = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items()))


class ExternalServiceFailed(Exception):
    """A service outside the market (Stripe, a bank, a mail server) refused or could not be reached. The
    message says so in words a user understands; nothing was saved (the write path rolls back)."""
