"""The declared capability "processes": an enterprise or cooperative says what its processing facility makes,
how much a year and where; the department checks it (a visit or the facility's documents) and the
verification record says who checked, when and against what. Only a verified capability makes an organisation
a processor for the linkage figure (services/targets.py), from the day it was verified; a withdrawal (the
facility stopped processing), by the department or by the organisation's owner or manager, ends it from the day
it took effect: today, or an earlier day named (models/history.py keeps the change with that day)."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.clock import today
from market.extensions import db
from market.labels import UNITS, status_label
from market.models import CapabilityStatus, Crop, Organisation, OrgKind, ProcessingCapability, Role, User
from market.models.history import takes_effect
from market.models.types import utcnow
from market.services import audit, facts, notifications
from market.services.errors import ValidationFailed
from market.services.organisations import require_department, require_role

PROCESSOR_KINDS = (OrgKind.ENTERPRISE, OrgKind.COOPERATIVE)
# What the organisation itself may withdraw: a declaration still waiting, or a verified facility that closed.
ORG_WITHDRAWABLE = (CapabilityStatus.PENDING, CapabilityStatus.VERIFIED)


class CheckedAgainst:
    VISIT = "visit"          # a visit to the facility
    DOCUMENT = "document"    # the facility's papers (business registration, food-safety certificate...)
    ALL = (VISIT, DOCUMENT)


CHECKED_AGAINST_LABELS = {CheckedAgainst.VISIT: _l("a visit to the facility"),
                          CheckedAgainst.DOCUMENT: _l("the facility's documents")}


def declare(actor: User, org: Organisation, data: dict) -> ProcessingCapability:
    """An owner or manager of an enterprise or cooperative declares its processing facility (pending)."""
    require_role(actor, org, *Role.ADMINS)
    errors: dict[str, list[str]] = {}
    if org.kind not in PROCESSOR_KINDS:
        errors["products"] = [_("Only enterprises and cooperatives declare a processing facility.")]
    products = " ".join((data.get("products") or "").split())
    if not products:
        errors["products"] = [_("Say what the facility makes.")]
    capacity = data.get("capacity")
    if not isinstance(capacity, int | float) or capacity <= 0:
        errors["capacity"] = [_("Enter the capacity per year, more than 0.")]
    unit = data.get("capacity_unit")
    if unit not in UNITS:
        errors["capacity_unit"] = [_("Choose a unit.")]
    address = " ".join((data.get("address") or "").split())
    if not address:
        errors["address"] = [_("Enter the facility's address.")]
    crop = db.session.get(Crop, int(data["crop_id"])) if str(data.get("crop_id") or "").isdigit() else None
    if errors:
        raise ValidationFailed(errors)
    capability = ProcessingCapability(organisation=org, products=products[:300], capacity=float(capacity),
                                      capacity_unit=unit, address=address[:255], crop=crop, declared_by_id=actor.id)
    db.session.add(capability)
    db.session.flush()
    audit.record("capability.declared", actor, organisation=org, obj=capability, products=products)
    return capability


def _decide(actor: User, capability: ProcessingCapability, status: str, allowed: tuple[str, ...],
            reason: str | None, action: str, *, need_reason: bool, **details) -> ProcessingCapability:
    require_department(actor)
    if capability.status not in allowed:
        raise ValidationFailed({"status": [_("This cannot be done while the status is %(status)s.",
                                             status=status_label(capability.status))]})
    reason = (reason or "").strip() or None
    if need_reason and (reason is None or len(reason) < 5):
        raise ValidationFailed({"reason": [_("Say why, so the applicant can put it right.")]})
    capability.status, capability.status_reason, capability.status_changed_at = status, reason, utcnow()
    audit.record(action, actor, organisation=capability.organisation, obj=capability, reason=reason, **details)
    return capability


def verify(actor: User, capability: ProcessingCapability, against: str = CheckedAgainst.VISIT) -> ProcessingCapability:
    """The department checked the facility: from today the organisation counts as a processor."""
    if against not in CheckedAgainst.ALL:
        raise ValidationFailed({"against": [_("Say what the facility was checked against.")]})
    _decide(actor, capability, CapabilityStatus.VERIFIED, (CapabilityStatus.PENDING, CapabilityStatus.REJECTED),
            None, "capability.verified", need_reason=False)
    capability.verified_against, capability.verified_at, capability.verified_by_id = against, utcnow(), actor.id
    notifications.notify(capability.organisation, "capability.decided",
                         _("The department verified your processing facility (%(products)s).",
                           products=capability.products))
    return capability


def reject(actor: User, capability: ProcessingCapability, reason: str) -> ProcessingCapability:
    _decide(actor, capability, CapabilityStatus.REJECTED, (CapabilityStatus.PENDING,), reason,
            "capability.rejected", need_reason=True)
    notifications.notify(capability.organisation, "capability.decided",
                         _("The department could not verify your processing facility: %(reason)s",
                           reason=capability.status_reason))
    return capability


def _closing_day(capability: ProcessingCapability, on) -> date:
    """The day a withdrawal takes effect: today unless an earlier day is named; never in the future, never
    before the capability was first verified (before that it never counted) or its last change of status."""
    if on is None or on == "":
        return today()
    if not isinstance(on, date):
        raise ValidationFailed({"closed_on": [_("Enter a date as dd/mm/yyyy.")]})
    if on > today():
        raise ValidationFailed({"closed_on": [_("The date cannot be in the future.")]})
    if capability.status == CapabilityStatus.PENDING:
        return on  # never counted: the day changes no figure
    changes = facts.history("processing_capability", [capability.id]).get(capability.id)
    floor = max([d for d in (facts.first_verified_on(capability, changes), facts.last_status_change_on(capability))
                 if d is not None], default=None)
    if floor is not None and on < floor:
        raise ValidationFailed({"closed_on": [_("The facility counted from %(day)s: it cannot close before that.",
                                                day=floor.strftime("%d/%m/%Y"))]})
    return on


def withdraw(actor: User, capability: ProcessingCapability, reason: str, closed_on: date | None = None
             ) -> ProcessingCapability:
    """The department found the facility no longer processes: it stops counting from `closed_on` (default
    today); earlier dates keep it."""
    require_department(actor)
    if capability.status != CapabilityStatus.VERIFIED or len((reason or "").strip()) < 5:
        return _decide(actor, capability, CapabilityStatus.WITHDRAWN, (CapabilityStatus.VERIFIED,), reason,
                       "capability.withdrawn", need_reason=True)  # refuses, with the status or reason message
    day = _closing_day(capability, closed_on)
    takes_effect(capability, day)  # set last: nothing below refuses
    return _decide(actor, capability, CapabilityStatus.WITHDRAWN, (CapabilityStatus.VERIFIED,), reason,
                   "capability.withdrawn", need_reason=True, effective_on=day.isoformat())


def withdraw_own(actor: User, capability: ProcessingCapability, reason: str, closed_on: date | None = None
                 ) -> ProcessingCapability:
    """An owner or manager says the facility closed (from `closed_on`, default today) or takes back a declaration
    still waiting for the department. A verified facility stops counting for the linkage figure from that day;
    the figures for earlier days keep it (the fact history records the day)."""
    require_role(actor, capability.organisation, *Role.ADMINS)
    if capability.status not in ORG_WITHDRAWABLE:
        raise ValidationFailed({"status": [_("This cannot be done while the status is %(status)s.",
                                             status=status_label(capability.status))]})
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise ValidationFailed({"reason": [_("Say why the facility is withdrawn (at least 5 characters).")]})
    day = _closing_day(capability, closed_on)
    was_verified = capability.status == CapabilityStatus.VERIFIED
    takes_effect(capability, day)
    capability.status, capability.status_reason, capability.status_changed_at = (
        CapabilityStatus.WITHDRAWN, reason[:2000], utcnow())
    audit.record("capability.withdrawn_by_organisation", actor, organisation=capability.organisation,
                 obj=capability, reason=reason, effective_on=day.isoformat())
    if was_verified:
        department = db.session.scalar(sa.select(Organisation).where(
            Organisation.kind == OrgKind.DEPARTMENT).order_by(Organisation.id).limit(1))
        if department is not None:
            notifications.notify(department, "capability.withdrawn",
                                 _("%(org)s says its processing facility (%(products)s) closed on %(day)s: "
                                   "%(reason)s", org=capability.organisation.name, products=capability.products,
                                   day=day.strftime("%d/%m/%Y"), reason=reason))
    return capability


def closed_on(capability: ProcessingCapability) -> date | None:
    """For a withdrawn capability, the day the withdrawal took effect (it may be earlier than it was entered)."""
    if capability.status != CapabilityStatus.WITHDRAWN:
        return None
    return facts.status_since(capability) or facts.local_day(capability.status_changed_at)


def queue() -> list[ProcessingCapability]:
    return list(db.session.scalars(sa.select(ProcessingCapability).where(
        ProcessingCapability.status == CapabilityStatus.PENDING).order_by(ProcessingCapability.created_at)))


def verified() -> list[ProcessingCapability]:
    return list(db.session.scalars(sa.select(ProcessingCapability).where(
        ProcessingCapability.status == CapabilityStatus.VERIFIED).order_by(ProcessingCapability.verified_at.desc())))


def of(org: Organisation) -> list[ProcessingCapability]:
    return list(db.session.scalars(sa.select(ProcessingCapability).where(
        ProcessingCapability.organisation_id == org.id).order_by(ProcessingCapability.id.desc())))
