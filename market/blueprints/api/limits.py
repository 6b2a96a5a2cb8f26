"""Rate limits of the API: one budget per token (every /api/ route shares it), else one per address.

API_RATE_LIMIT (a token's budget) and API_ANONYMOUS_RATE_LIMIT (an address's, cookies included) are
Flask-Limiter strings (market/config.py), e.g. "300 per minute". A request over budget gets 429 in the API's error shape, with
Retry-After in seconds.
"""
import math
import time

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from market.blueprints.api.auth import token
from market.blueprints.api.errors import json_error
from market.extensions import limiter


def rate_key() -> str:
    found = token()
    return f"token:{found.id}" if found is not None else f"address:{get_remote_address()}"


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT" if token() is not None else "API_ANONYMOUS_RATE_LIMIT"]


def too_many_requests(exc):
    current = limiter.current_limit
    wait = max(1, math.ceil(current.reset_at - time.time())) if current is not None else 60
    return json_error(429, _("Too many requests: wait %(seconds)d seconds and try again.", seconds=wait),
                      headers={"Retry-After": str(wait)})


# One object, so that building the app again (tests) does not count each request twice.
SHARED = limiter.shared_limit(rate_limit, scope="api", key_func=rate_key)


def init_app(app: Flask) -> None:
    """Give every blueprint with a route under /api/ the shared limit (call once every blueprint is in)."""
    names = {rule.endpoint.rsplit(".", 1)[0] for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/api/") and "." in rule.endpoint}
    for name in sorted(names):
        SHARED(app.blueprints[name])
