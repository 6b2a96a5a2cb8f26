"""Personal access tokens for the JSON API: made and revoked by their owner, shown once, stored hashed.

    token, secret = api_tokens.create(user, org, name="ERP", scope=TokenScope.READ, expires_on=date(...))
    api_tokens.authenticate(secret)  # the ApiToken, or None when unknown, revoked, expired or no longer a member

A secret is `lsm_` + 43 URL-safe characters (256 random bits): the prefix lets secret scanners and people
recognise it. The table keeps its first 12 characters (to find the row and to show the owner which token is
which) and the sha256 of the whole secret, compared in constant time.
"""
import hashlib
import hmac
import secrets
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.inputs import text_problem
from market.models import ApiToken, Membership, Organisation, Role, TokenScope, User
from market.models.types import utcnow
from market.services import audit
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_role

PREFIX = "lsm_"
SHOWN = 12  # characters of the secret kept in clear: "lsm_" and 8 random ones
MAX_DAYS = 366  # a token lives a year at most: its owner makes a new one, on purpose
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _clean(name: str | None, scope: str | None, expires_on: date | None) -> tuple[str, str, date]:
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("Give the token a name that says where it is used.")
    elif problem := text_problem(name, 80):
        errors["name"] = str(problem)
    if scope not in TokenScope.ALL:
        errors["scope"] = _("Choose read-only or read and write.")
    if expires_on is None:
        errors["expires_on"] = _("Choose the last day the token works.")
    elif expires_on < today():
        errors["expires_on"] = _("The last day cannot be in the past.")
    elif expires_on > today() + timedelta(days=MAX_DAYS):
        errors["expires_on"] = _("A token works for one year at most.")
    if errors:
        raise ValidationFailed(errors)
    return name, scope, expires_on


def create(actor: User, org: Organisation, *, name: str | None, scope: str | None,
           expires_on: date | None) -> tuple[ApiToken, str]:
    """A new token of `actor` for `org` (any member may make one: the token can do no more than its owner
    in that organisation), and its secret, which is never shown again."""
    require_role(actor, org)
    name, scope, expires_on = _clean(name, scope, expires_on)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, organisation_id=org.id, name=name, scope=scope, prefix=secret[:SHOWN],
                     token_hash=_hash(secret), expires_on=expires_on)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", actor, organisation=org, obj=token, name=name, scope=scope,
                 expires_on=expires_on.isoformat(), prefix=token.prefix)
    return token, secret


def can_revoke(actor: User, token: ApiToken) -> bool:
    """Its owner, or an owner or manager of its organisation (a member who left, a leaked key)."""
    return token.user_id == actor.id or actor.has_role(token.organisation_id, *Role.ADMINS)


def revoke(actor: User, token: ApiToken) -> ApiToken:
    if not can_revoke(actor, token):
        raise PermissionDenied(_("Only the token's owner or an administrator of its organisation may revoke it."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token.revoked", actor, organisation=token.organisation, obj=token, prefix=token.prefix)
    return token


def of_user(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they say when they stopped)."""
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def is_usable(token: ApiToken) -> bool:
    """Not revoked, not past its last day, its owner active and still a member of its organisation (asked
    in one query: the owner's memberships are loaded later, restricted to that organisation)."""
    if token.revoked_at is not None or token.expires_on < today() or not token.user.active:
        return False
    return db.session.scalar(sa.select(sa.exists().where(Membership.user_id == token.user_id,
                                                         Membership.organisation_id == token.organisation_id)))


ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"


def state(token: ApiToken) -> str:
    """ACTIVE, EXPIRED or REVOKED, for the account page."""
    if token.revoked_at is not None:
        return REVOKED
    return ACTIVE if token.expires_on >= today() else EXPIRED


def authenticate(secret: str | None) -> ApiToken | None:
    """The usable token whose secret this is, or None (unknown, revoked, expired, owner gone)."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    digest = _hash(secret)
    found = None
    for row in db.session.scalars(sa.select(ApiToken).where(ApiToken.prefix == secret[:SHOWN])):
        if hmac.compare_digest(row.token_hash, digest):
            found = row
    return found if found is not None and is_usable(found) else None


def touch(token: ApiToken) -> None:
    """Remember when the token was last used (at most once a minute, in its own small commit)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
