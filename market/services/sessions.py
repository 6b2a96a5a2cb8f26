"""Log-in sessions that can be revoked.

Flask-Login keeps `user.get_id()` in the session cookie and in the remember-me cookie. Here that id is
"<user id>:<token>", the token naming one `LoginSession` row (one log-in on one device). The loader accepts a
cookie only while its row is not revoked, so:

- logging out revokes this device's session: a copy of its session or remember-me cookie opens nothing;
- a password change or reset, and "log out everywhere", revoke every session of the user (the device that
  changed the password gets a fresh one);
- the cookies are signed with SECRET_KEY as before, and the table keeps only a hash of each token.
"""
import hashlib
import secrets

import sqlalchemy as sa

from market.extensions import db
from market.models import LoginSession, User
from market.models.types import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_for(user: User) -> str:
    """A new session for `user` (in the current transaction); `user.get_id()` names it from now on."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_hash(token)))
    user.login_token = token
    return token


def load(user_id: str) -> User | None:
    """The user a cookie's id names, if its session is still open; None otherwise (Flask-Login's loader)."""
    uid, _, token = (user_id or "").partition(":")
    if not token or not uid.isdigit():
        return None  # ids from before revocable sessions, or forged: log in again
    row = db.session.scalar(sa.select(LoginSession).where(LoginSession.token_hash == _hash(token),
                                                          LoginSession.revoked_at.is_(None)))
    if row is None or row.user_id != int(uid):
        return None
    user = db.session.get(User, row.user_id)
    if user is not None:
        user.login_token = token
    return user


def revoke(user: User) -> None:
    """Close the session this user object was loaded with (logging out on this device)."""
    token = getattr(user, "login_token", None)
    if token:
        db.session.execute(sa.update(LoginSession).where(LoginSession.token_hash == _hash(token),
                                                         LoginSession.revoked_at.is_(None))
                           .values(revoked_at=utcnow()))
        user.login_token = None


def revoke_all(user: User) -> int:
    """Close every session of the user, on every device; returns how many were open."""
    result = db.session.execute(sa.update(LoginSession).where(LoginSession.user_id == user.id,
                                                              LoginSession.revoked_at.is_(None))
                                .values(revoked_at=utcnow()))
    user.login_token = None
    return result.rowcount or 0


def open_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))) or 0


def prune(now=None) -> int:
    """Close sessions older than the remember-me cookie's life, and forget those closed a month ago."""
    from datetime import timedelta

    from flask import current_app

    now = now or utcnow()
    lifetime = current_app.config.get("REMEMBER_COOKIE_DURATION") or 30 * 86400
    lifetime = lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=lifetime)
    closed = db.session.execute(sa.update(LoginSession).where(LoginSession.revoked_at.is_(None),
                                                              LoginSession.created_at < now - lifetime)
                                .values(revoked_at=now)).rowcount or 0
    db.session.execute(sa.delete(LoginSession).where(LoginSession.revoked_at < now - timedelta(days=30)))
    return closed
