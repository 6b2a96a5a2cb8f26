"""Telling people: an in-app inbox row per member, and an e-mail sent only after the commit succeeds."""
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event

from market.extensions import db
from market.models import Notification, Organisation, User
from market.models.types import utcnow

_MAIL_QUEUE = "mail_after_commit"


def notify(org: Organisation, kind: str, message: str, link: str | None = None, *, roles=None,
           exclude: User | None = None) -> int:
    """Inbox rows for the members of `org` (optionally only some roles), e-mail queued for after commit."""
    session = db.session
    count = 0
    for membership in org.memberships:
        if roles and membership.role not in roles:
            continue
        if exclude is not None and membership.user_id == exclude.id:
            continue
        session.add(Notification(user_id=membership.user_id, organisation_id=org.id, kind=kind,
                                 message=message, link=link))
        session.info.setdefault(_MAIL_QUEUE, []).append((membership.user.email, message, link))
        count += 1
    return count


def page(endpoint: str, **values) -> str:
    """The path of a page for a notification's link, from its route name (`page("contracts.show",
    contract_id=7)` -> "/contracts/7"). Built from the URL map, so it is the same inside a request, in a CLI
    job and in a test; the e-mail puts PUBLIC_URL in front."""
    return current_app.url_map.bind("").build(endpoint, values)


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def inbox(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(user: User) -> None:
    db.session.execute(sa.update(Notification).where(Notification.user_id == user.id,
                                                     Notification.read_at.is_(None)).values(read_at=utcnow()))


def _send_queued(session) -> None:
    from market.services import mail

    queued = session.info.pop(_MAIL_QUEUE, [])
    for email, message, link in queued:
        try:
            url = (current_app.config.get("PUBLIC_URL", "") + link) if link else ""
            mail.send(email, message[:120], f"{message}\n\n{url}".strip())
        except Exception:  # noqa: BLE001 - the change is saved; a mail server problem must not undo it
            current_app.logger.exception("notification e-mail to %s failed", email)


def _drop_queued(session, *_args) -> None:
    session.info.pop(_MAIL_QUEUE, None)


def init_app(app) -> None:
    if not getattr(init_app, "done", False):
        event.listen(db.session, "after_commit", _send_queued)
        event.listen(db.session, "after_soft_rollback", _drop_queued)
        init_app.done = True
