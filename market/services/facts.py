"""Effective-dated facts: every state a plan figure depends on, as it stood on a day.

The choice (docs/architecture.md, "Monitoring"): rows keep their current values, and every later change
of a tracked field is a `FactChange` record (models/monitoring.py, written by the flush hook in
models/history.py) holding the values before and after and the day the change took effect in the world.
`values_on(row, day)` is the row with every change effective after `day` undone, newest first. So:

- a recall, a rejection, a withdrawal, a cancellation recorded today changes nothing before today;
- an accepted correction of a verified zone (a revision) changes the zone's area, crop or commune from the
  acceptance day on; earlier days keep the values it had (they are in the change's `before`);
- verification is a check of a fact that already held, not a new fact: when a department verifies a pending
  zone, zone certificate, OCOP certificate or organisation, the record counts from its own real dates (the
  certificate's issue day...), so a register imported today with certificates issued in 2024 counts for
  2024 too. Such late entries change past figures; the dashboard says which, against the report sent
  (`targets.late_changes`). The department's check of a processing capability is the exception: the
  capability counts from the day it was verified (what the department saw then), never before.
Dated facts with their own real dates (contracts' activation and end, declared chains' start and end,
deliveries' day, shelf placements' since/until) are read from those dates.
"""
from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from market.clock import LOCAL_TZ
from market.extensions import db
from market.models import FactChange
from market.models.history import TRACKED, decode

# Subjects whose first verification counts from the record's own dates (see the module docstring).
RETROACTIVE = {"ocop_certificate", "certificate", "growing_zone", "organisation"}
PENDING, VERIFIED = "pending", "verified"


def history(subject: str, ids=None) -> dict[int, list[FactChange]]:
    """subject_id -> its changes, oldest first."""
    query = sa.select(FactChange).where(FactChange.subject == subject)
    if ids is not None:
        ids = list(ids)
        if not ids:
            return {}
        query = query.where(FactChange.subject_id.in_(ids))
    out: dict[int, list[FactChange]] = defaultdict(list)
    for change in db.session.scalars(query.order_by(FactChange.effective_on, FactChange.id)):
        out[change.subject_id].append(change)
    return out


def values_on(row, on: date, changes: list[FactChange] | None) -> dict:
    """The tracked fields of `row` as they stood on `on`: now, with every change effective after `on` undone."""
    subject = row.__tablename__
    values = {name: getattr(row, name) for name in TRACKED[subject]}
    for change in reversed(changes or []):
        if change.effective_on <= on:
            break
        for name, old in change.before.items():
            if (name == "status" and subject in RETROACTIVE and old == PENDING
                    and change.after.get("status") == VERIFIED):
                continue  # verification counts from the record's own dates
            values[name] = decode(name, old)
    return values


def first_verified_on(row, changes: list[FactChange] | None) -> date | None:
    """The day a capability (or any record with `verified_at`) was first verified."""
    days = [c.effective_on for c in changes or [] if c.after.get("status") == VERIFIED]
    if row.verified_at is not None:
        days.append(row.verified_at.astimezone(LOCAL_TZ).date())
    return min(days) if days else None


def local_day(moment) -> date | None:
    return moment.astimezone(LOCAL_TZ).date() if moment is not None else None


def status_since(row) -> date | None:
    """The day `row`'s present status took effect in the world (a recall may be entered days after it took
    effect, back-dated): the newest recorded change that set it; None when the row was created in it."""
    for change in reversed(history(row.__tablename__, [row.id]).get(row.id, [])):
        if change.after.get("status") == row.status:
            return change.effective_on
    return None


def last_status_change_on(row) -> date | None:
    """The effective day of the newest change of `row`'s status that counts for the figures (a first
    verification of a retroactive record counts from the record's own dates, so it is left out): a later
    back-dated change may not go before it, or the history would contradict itself."""
    subject = row.__tablename__
    days = [c.effective_on for c in history(subject, [row.id]).get(row.id, []) if "status" in c.before
            and not (subject in RETROACTIVE and c.before.get("status") == PENDING
                     and c.after.get("status") == VERIFIED)]
    return max(days) if days else None
