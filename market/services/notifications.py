"""Telling people: an in-app inbox row per member, and an e-mail sent only after the commit succeeds."""
import sqlalchemy as sa
from flask import current_app

from market.extensions import db
from market.models import Notification, Organisation, User
from market.models.types import utcnow
from market.services import mail


def notify(org: Organisation, kind: str, message: str, link: str | None = None, *, roles=None,
           exclude: User | None = None, once_until_read: bool = False) -> int:
    """Inbox rows for the members of `org` (optionally only some roles), e-mail queued for after commit.
    `once_until_read`: skip whoever still has an unread notification of the same kind and link (a batch:
    ten messages in a thread before someone reads it make one inbox row and one e-mail)."""
    session = db.session
    count = 0
    waiting = set()
    if once_until_read:
        waiting = set(session.scalars(sa.select(Notification.user_id).where(
            Notification.kind == kind, Notification.link == link, Notification.read_at.is_(None))))
    for membership in org.memberships:
        if roles and membership.role not in roles:
            continue
        if exclude is not None and membership.user_id == exclude.id:
            continue
        if membership.user_id in waiting:
            continue
        session.add(Notification(user_id=membership.user_id, organisation_id=org.id, kind=kind,
                                 message=message, link=link))
        url = (current_app.config.get("PUBLIC_URL", "") + link) if link else ""
        mail.send_after_commit(membership.user.email, message[:120], f"{message}\n\n{url}".strip())
        count += 1
    return count


def notify_person(user_id: int, kind: str, message: str, link: str | None = None) -> None:
    """One inbox row for one person, no e-mail (saved-search alerts: their e-mail is a daily digest)."""
    db.session.add(Notification(user_id=user_id, kind=kind, message=message[:1000], link=link))


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


def mark_read(user: User, link: str) -> None:
    """The notifications of `user` that lead to `link` are read (they read the page it leads to)."""
    db.session.execute(sa.update(Notification).where(Notification.user_id == user.id, Notification.link == link,
                                                     Notification.read_at.is_(None)).values(read_at=utcnow()))
