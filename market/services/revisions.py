"""Pending revisions of verified records: a material edit waits for the department, the verified version
keeps showing and counting meanwhile.

Generic over the record: a kind registers how to apply an accepted proposal (`register(kind, model,
apply)`); `propose` keeps one pending revision per record (a new edit replaces the proposal, keeping what it
replaces as first seen); `accept` applies it, `reject` drops it, each with the department as actor and an
audit event. Values are stored as JSON (dates as ISO text): `apply` receives them as stored.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from market.extensions import db
from market.models import Organisation, Revision, RevisionStatus, User
from market.models.types import utcnow
from market.services import audit, notifications
from market.services.errors import ValidationFailed
from market.services.organisations import require_department


@dataclass(frozen=True)
class Kind:
    model: type
    apply: Callable[[User, object, dict], None]


KINDS: dict[str, Kind] = {}


def register(kind: str, model: type, apply: Callable[[User, object, dict], None]) -> None:
    KINDS[kind] = Kind(model, apply)


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def pending(kind: str, object_id: int) -> Revision | None:
    return db.session.scalar(sa.select(Revision).where(Revision.object_type == kind, Revision.object_id == object_id,
                                                       Revision.status == RevisionStatus.PENDING))


def propose(actor: User, kind: str, obj, organisation: Organisation, proposed: dict) -> Revision:
    """Record (or replace) the pending revision of `obj`; `proposed` maps field -> new value."""
    revision = pending(kind, obj.id)
    previous = {key: _json(getattr(obj, key)) for key in proposed}
    if revision is None:
        revision = Revision(object_type=kind, object_id=obj.id, organisation=organisation,
                            status=RevisionStatus.PENDING, previous=previous)
        db.session.add(revision)
    else:
        previous = {**previous, **(revision.previous or {})}
        revision.previous = previous
    revision.proposed = {key: _json(value) for key, value in proposed.items()}
    revision.proposed_by_id = actor.id
    db.session.flush()
    audit.record("revision.proposed", actor, organisation=organisation, obj=revision, kind=kind,
                 object_id=obj.id, proposed=revision.proposed)
    return revision


def withdraw(actor: User, kind: str, obj) -> None:
    """The editor put the material fields back as verified: nothing is left to review."""
    revision = pending(kind, obj.id)
    if revision is not None:
        revision.status, revision.decided_at, revision.decided_by_id = RevisionStatus.WITHDRAWN, utcnow(), actor.id
        audit.record("revision.withdrawn", actor, organisation=revision.organisation, obj=revision)


def target(revision: Revision):
    return db.session.get(KINDS[revision.object_type].model, revision.object_id)


def _decide(actor: User, revision: Revision, status: str, reason: str | None) -> Revision:
    require_department(actor)
    if revision.status != RevisionStatus.PENDING:
        raise ValidationFailed({"status": [_("This revision was already decided.")]})
    reason = (reason or "").strip() or None
    if status == RevisionStatus.REJECTED and (reason is None or len(reason) < 5):
        raise ValidationFailed({"reason": [_("Say why, so the applicant can put it right.")]})
    revision.status, revision.reason = status, reason
    revision.decided_at, revision.decided_by_id = utcnow(), actor.id
    audit.record(f"revision.{status}", actor, organisation=revision.organisation, obj=revision,
                 kind=revision.object_type, object_id=revision.object_id, proposed=revision.proposed, reason=reason)
    return revision


def accept(actor: User, revision: Revision) -> Revision:
    _decide(actor, revision, RevisionStatus.ACCEPTED, None)
    KINDS[revision.object_type].apply(actor, target(revision), dict(revision.proposed))
    notifications.notify(revision.organisation, "revision.decided",
                         _("The department accepted your change under review; it is now shown."))
    return revision


def reject(actor: User, revision: Revision, reason: str) -> Revision:
    _decide(actor, revision, RevisionStatus.REJECTED, reason)
    notifications.notify(revision.organisation, "revision.decided",
                         _("The department rejected your change under review: %(reason)s", reason=revision.reason))
    return revision


def queue(kind: str | None = None) -> list[Revision]:
    query = sa.select(Revision).where(Revision.status == RevisionStatus.PENDING)
    if kind:
        query = query.where(Revision.object_type == kind)
    return list(db.session.scalars(query.order_by(Revision.created_at, Revision.id)))
