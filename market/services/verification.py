"""What exactly was checked, for every badge a page shows: who verified it, when, against what, valid until;
or "declared by the seller, not verified"; or "recalled on DATE: reason". No tick without a record.

`record(item, on)` answers for a zone, a zone certificate or an OCOP certificate as plain values:
state (verified, declared, rejected, recalled, expired, not_yet_valid), verified_by (the department's name),
verified_at, against ("register" or "document"), valid_until, reason, changed_at.

Zones and zone certificates keep no verification columns of their own: a department decision on one of
them is an audit event ("zone.verified", "certificate.verified": a review of the documents); those the
department imported from its register were created verified, with no such event.
"""
from datetime import date

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import gettext as _

from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.models import (
    AuditEvent,
    Certificate,
    GrowingZone,
    OcopCertificate,
    Organisation,
    OrgKind,
    OrgStatus,
    ReviewStatus,
    VerifiedAgainst,
)
from market.services import facts


def department_name() -> str:
    """The verified department's name (once per request: every badge of a page names it)."""
    if has_app_context() and "department_name" in g:
        return g.department_name
    name = db.session.scalar(sa.select(Organisation.name).where(Organisation.kind == OrgKind.DEPARTMENT,
                                                                Organisation.status == OrgStatus.VERIFIED)
                             .order_by(Organisation.id).limit(1))
    name = name or _("Department of Agriculture and Environment")
    if has_app_context():
        g.department_name = name
    return name


def _review_event(item) -> AuditEvent | None:
    action = "zone.verified" if isinstance(item, GrowingZone) else "certificate.verified"
    return db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == type(item).__name__,
        AuditEvent.object_id == str(item.id)).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(1))


def record(item, on: date | None = None) -> dict:
    on = on or today()
    if isinstance(item, OcopCertificate):
        state = item.state(on)
        verified_at, against = item.verified_at, item.verified_against
        until = item.expires_on
    else:
        state = item.state(on)
        event = _review_event(item) if item.status in (ReviewStatus.VERIFIED, ReviewStatus.RECALLED) else None
        if event is not None:
            verified_at, against = event.created_at, VerifiedAgainst.DOCUMENT
        elif item.status in (ReviewStatus.VERIFIED, ReviewStatus.RECALLED):
            verified_at, against = item.created_at, VerifiedAgainst.REGISTER
        else:
            verified_at, against = None, None
        until = item.expires_on if isinstance(item, Certificate) else None
        if isinstance(item, GrowingZone):
            codes = [c for c in item.certificates if c.status == ReviewStatus.VERIFIED and c.expires_on]
            until = max((c.expires_on for c in codes), default=None)
    if state == ReviewStatus.PENDING:
        state = "declared"
    return {
        "state": state,
        "verified": state == ReviewStatus.VERIFIED,
        "verified_by": department_name() if verified_at else None,
        "verified_at": verified_at,
        "against": against,
        "valid_until": until,
        "reason": item.status_reason,
        "changed_at": item.status_changed_at,
        "effective_on": recalled_on(item),
        "entered_on": facts.local_day(item.status_changed_at),
    }


local_day = facts.local_day


def recalled_on(item) -> date | None:
    """For a recalled item, the day its recall took effect (entered on `status_changed_at`, maybe later)."""
    if item.status != ReviewStatus.RECALLED:
        return None
    return facts.status_since(item) or (item.status_changed_at.astimezone(LOCAL_TZ).date()
                                         if item.status_changed_at else None)
