"""The declared capability "processes": an enterprise or cooperative says what its processing facility makes,
how much a year and where; the department checks it (a visit or the facility's documents) and the
verification record says who checked, when and against what. Only a verified capability makes an organisation
a processor for the linkage figure (services/targets.py), from the day it was verified; a withdrawal (the
facility stopped processing) ends it from the day it is recorded (models/history.py keeps the change)."""
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.extensions import db
from market.labels import UNITS, status_label
from market.models import CapabilityStatus, Crop, Organisation, OrgKind, ProcessingCapability, Role, User
from market.models.types import utcnow
from market.services import audit, notifications
from market.services.errors import ValidationFailed
from market.services.organisations import require_department, require_role

PROCESSOR_KINDS = (OrgKind.ENTERPRISE, OrgKind.COOPERATIVE)


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
            reason: str | None, action: str, *, need_reason: bool) -> ProcessingCapability:
    require_department(actor)
    if capability.status not in allowed:
        raise ValidationFailed({"status": [_("This cannot be done while the status is %(status)s.",
                                             status=status_label(capability.status))]})
    reason = (reason or "").strip() or None
    if need_reason and (reason is None or len(reason) < 5):
        raise ValidationFailed({"reason": [_("Say why, so the applicant can put it right.")]})
    capability.status, capability.status_reason, capability.status_changed_at = status, reason, utcnow()
    audit.record(action, actor, organisation=capability.organisation, obj=capability, reason=reason)
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


def withdraw(actor: User, capability: ProcessingCapability, reason: str) -> ProcessingCapability:
    """The facility no longer processes: it stops counting from today (earlier dates keep it)."""
    return _decide(actor, capability, CapabilityStatus.WITHDRAWN, (CapabilityStatus.VERIFIED,), reason,
                   "capability.withdrawn", need_reason=True)


def queue() -> list[ProcessingCapability]:
    return list(db.session.scalars(sa.select(ProcessingCapability).where(
        ProcessingCapability.status == CapabilityStatus.PENDING).order_by(ProcessingCapability.created_at)))


def verified() -> list[ProcessingCapability]:
    return list(db.session.scalars(sa.select(ProcessingCapability).where(
        ProcessingCapability.status == CapabilityStatus.VERIFIED).order_by(ProcessingCapability.verified_at.desc())))


def of(org: Organisation) -> list[ProcessingCapability]:
    return list(db.session.scalars(sa.select(ProcessingCapability).where(
        ProcessingCapability.organisation_id == org.id).order_by(ProcessingCapability.id.desc())))
