"""Signing in to the API with a personal access token (`Authorization: Bearer lsm_...`), in one place.

- Only /api/ paths read the header. There the token decides, cookies are ignored: a request with a header
  and a bad token is anonymous (401), even from a browser that is logged in.
- Flask-Login's loaders call `load()`: every route under /api/, whichever blueprint adds it, sees the token's
  owner as `current_user`, and `access.rule` works as for a cookie.
- The person acts for the token's organisation only: while the request runs, their memberships in other
  organisations are not loaded (`with_loader_criteria`), so every `user.memberships`, `membership_in`,
  `is_department_staff`, `can_*` answers as if that organisation were their only one.
- A read-only token is refused on any method but GET/HEAD/OPTIONS (403). A token request needs no CSRF token
  (`TokenAwareCSRF`): a browser cannot be made to send the header to another site.
"""
import re

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session, with_loader_criteria

from market.extensions import db
from market.models import ApiToken, Membership, TokenScope, User
from market.services import api_tokens

_BEARER = re.compile(r"Bearer[ \t]+(\S+)[ \t]*\Z", re.IGNORECASE)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_NOT_LOADED = object()


def carries_token() -> bool:
    """This request asks to be signed in by a token: an /api/ path with an Authorization header."""
    return has_request_context() and request.path.startswith("/api/") and "Authorization" in request.headers


def token() -> ApiToken | None:
    """The token that signed this request in, if one did (read from the header on first use: the rate
    limiter asks before Flask-Login does)."""
    if not carries_token():
        return None
    if g.get("api_token", _NOT_LOADED) is _NOT_LOADED:
        load()
    return g.api_token


def load() -> User | None:
    """The token's owner, for Flask-Login (once per request); None when the token is missing or unusable."""
    found = g.get("api_token", _NOT_LOADED)
    if found is _NOT_LOADED:
        match = _BEARER.match(request.headers.get("Authorization", ""))
        found = api_tokens.authenticate(match.group(1) if match else None)
        if found is not None:
            api_tokens.touch(found)
            g.api_token_scope = (found.user_id, found.organisation_id)
        g.api_token = found
    if found is None:
        return None
    user = db.session.get(User, g.api_token_scope[0])
    db.session.expire(user, ["memberships"])  # loaded again, restricted to the token's organisation
    return user


def _restrict_memberships(state) -> None:
    scope = g.get("api_token_scope") if has_request_context() else None
    if scope is None or not state.is_select:
        return
    user_id, org_id = scope
    state.statement = state.statement.options(with_loader_criteria(
        Membership, sa.or_(Membership.user_id != user_id, Membership.organisation_id == org_id),
        include_aliases=True))


def refuse_read_only():
    """A write with a read-only token: 403 in the API's error shape."""
    from market.blueprints.api.errors import json_error

    found = token()
    if found is not None and found.scope == TokenScope.READ and request.method not in SAFE_METHODS:
        return json_error(403, _("This token is read-only: make a read and write token to change data."),
                          code="read_only_token")
    return None


def init_app(app: Flask) -> None:
    from market.extensions import login_manager

    login_manager.request_loader(lambda _request: load() if carries_token() else None)
    if not sa.event.contains(Session, "do_orm_execute", _restrict_memberships):
        sa.event.listen(Session, "do_orm_execute", _restrict_memberships)

    @app.before_request
    def _api_token_scope():
        if carries_token():
            from flask_login import current_user

            current_user._get_current_object()  # sign in by the token now, before the view and its rules
            return refuse_read_only()
        return None
