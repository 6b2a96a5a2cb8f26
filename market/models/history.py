"""The flush hook that keeps the history of every state a plan figure depends on (models/monitoring.py:
FactChange). It watches the tracked fields of the tracked tables and, whenever one changes on a row already
stored, records the fields' values before and after with the day the change took effect: the day it is
recorded in Lạng Sơn, or the day a service names with `takes_effect(row, day)` (a recall effective from a
given date, say). Rows inserted already in a state need no record: their own dates say when they hold."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy.orm import Session

from market.clock import today
from market.models.monitoring import FactChange

# table -> the fields a figure reads (services/targets.py, services/facts.py).
TRACKED = {
    "ocop_certificate": ("status", "stars", "issued_on", "expires_on", "organisation_id"),
    "certificate": ("status", "kind", "issued_on", "expires_on", "zone_id"),
    "growing_zone": ("status", "area_ha", "crop_id", "commune_id", "kind", "organisation_id"),
    "organisation": ("status", "kind", "commune_id"),
    "processing_capability": ("status",),
    "contract": ("state",),
    "declared_chain": ("started_on", "ended_on", "role", "organisation_id", "crop_id"),
    "shelf_placement": ("status", "since", "ended_on"),
    "delivery": ("status", "quantity", "accepted_quantity", "delivered_on"),
}
DATE_FIELDS = {"issued_on", "expires_on", "started_on", "ended_on", "since", "delivered_on"}
EFFECTIVE_ATTR = "_fact_effective_on"


def takes_effect(row, on: date) -> None:
    """Say that the change about to be flushed on `row` took effect on `on` (not on the day it is typed)."""
    setattr(row, EFFECTIVE_ATTR, on)


def encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def decode(field: str, value):
    if value is not None and field in DATE_FIELDS and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _actor_id() -> int | None:
    if not has_request_context():
        return None
    from flask_login import current_user

    try:
        return current_user.id if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - no user loader in a bare context: the change is still recorded
        return None


def _keep_old_values() -> None:
    """Load a tracked field's stored value before it is overwritten, even on a row a commit expired (SQLAlchemy
    skips that by default, and the history would miss the change)."""
    from market.extensions import db

    for mapper in db.Model.registry.mappers:
        fields = TRACKED.get(mapper.local_table.name)
        for name in fields or ():
            sa.event.listen(getattr(mapper.class_, name), "set", _noop, active_history=True)


def _noop(_target, value, _old, _initiator):
    return value


_keep_old_values()


@sa.event.listens_for(Session, "before_flush")
def _record_changes(session, _context, _instances):
    for row in list(session.dirty):
        fields = TRACKED.get(getattr(row, "__tablename__", None))
        if not fields or row.id is None:
            continue
        state = sa.inspect(row)
        before, after = {}, {}
        for name in fields:
            history = state.attrs[name].history
            if not history.deleted:
                continue
            old, new = history.deleted[0], history.added[0] if history.added else None
            if old != new:
                before[name], after[name] = encode(old), encode(new)
        # The day a service named holds for this change only: a later change of the row in the same session
        # takes effect when it is recorded unless a service says otherwise again.
        effective_on = row.__dict__.pop(EFFECTIVE_ATTR, None)
        if before:
            session.add(FactChange(subject=row.__tablename__, subject_id=row.id, before=before, after=after,
                                   effective_on=effective_on or today(), recorded_by_id=_actor_id()))
