"""Growing zones and their certificates: registering, editing, and the department's review."""
import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.labels import status_label
from market.models import (
    Certificate,
    CertificateKind,
    Commune,
    Crop,
    GrowingZone,
    Organisation,
    OrgKind,
    ReviewStatus,
    Role,
    User,
    ZoneKind,
)
from market.models.types import utcnow
from market.numbers import clean_number
from market.services import audit
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_department, require_role

# Codes as issued (e.g. "LS-VQ-HOI-0012", "VN-LSOR-0012"): letters, digits, and . - / as separators.
ZONE_CODE = re.compile(r"^[A-Z0-9]+(?:[.\-/][A-Z0-9]+)*$")
MAX_AREA_HA = 100_000  # more than any single zone in the province: catches unit mistakes (m² typed as ha)
MAX_HOUSEHOLDS = 100_000
EDITORS = (Role.OWNER, Role.MANAGER, Role.SIGNER, Role.MEMBER)  # any member prepares the catalogue


def normalize_code(raw: str) -> str:
    return re.sub(r"\s+", "", (raw or "")).upper()


def clean_zone(data: dict, *, exclude_id: int | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    fields = {}
    code = normalize_code(data.get("code", ""))
    if not code:
        errors["code"] = [_("Enter the code as issued.")]
    elif len(code) > 40 or not ZONE_CODE.match(code):
        errors["code"] = [_("A code has letters, digits and the separators . - / only, e.g. LS-VQ-HOI-0012.")]
    else:
        taken = sa.select(GrowingZone.id).where(GrowingZone.code == code)
        if exclude_id:
            taken = taken.where(GrowingZone.id != exclude_id)
        if db.session.scalar(taken):
            errors["code"] = [_("This code is already registered.")]
    fields["code"] = code
    kind = data.get("kind") or ZoneKind.PLANTING_AREA
    if kind not in ZoneKind.ALL:
        errors["kind"] = [_("Choose the kind of zone.")]
    fields["kind"] = kind
    commune = db.session.get(Commune, int(data["commune_id"])) if str(data.get("commune_id") or "").isdigit() else None
    if commune is None:
        errors["commune_id"] = [_("Choose the commune or ward.")]
    crop = db.session.get(Crop, int(data["crop_id"])) if str(data.get("crop_id") or "").isdigit() else None
    if crop is None or not crop.tradable:
        errors["crop_id"] = [_("Choose the crop.")]
    fields["commune_id"] = commune.id if commune else None
    fields["crop_id"] = crop.id if crop else None
    fields["name"] = (data.get("name") or "").strip() or None
    fields["area_ha"] = clean_number(errors, "area_ha", data.get("area_ha"), minimum=0.01, maximum=MAX_AREA_HA)
    fields["households"] = clean_number(errors, "households", data.get("households"), minimum=0,
                                        maximum=MAX_HOUSEHOLDS, integer=True, required=False)
    lat = clean_number(errors, "latitude", data.get("latitude"), minimum=-90, maximum=90, required=False)
    lon = clean_number(errors, "longitude", data.get("longitude"), minimum=-180, maximum=180, required=False)
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        errors["longitude" if lon is None else "latitude"] = [_("Give both latitude and longitude, or neither.")]
    fields["latitude"], fields["longitude"] = lat, lon
    if errors:
        raise ValidationFailed(errors)
    return fields


def register_zone(actor: User, org: Organisation, data: dict) -> GrowingZone:
    require_role(actor, org, *EDITORS)
    if org.kind not in OrgKind.SELLERS:
        raise PermissionDenied(_("Only cooperatives and farm household groups register growing zones."))
    zone = GrowingZone(organisation=org, status=ReviewStatus.PENDING, **clean_zone(data))
    db.session.add(zone)
    db.session.flush()
    audit.record("zone.registered", actor, organisation=org, obj=zone, code=zone.code)
    return zone


def update_zone(actor: User, zone: GrowingZone, data: dict) -> GrowingZone:
    """Members edit their own zones. A change to what the department verified sends it back for review."""
    require_role(actor, zone.organisation, *EDITORS)
    if zone.status == ReviewStatus.RECALLED:
        raise PermissionDenied(_("A recalled zone cannot be edited; contact the department."))
    fields = clean_zone(data, exclude_id=zone.id)
    reviewed = ("code", "kind", "commune_id", "crop_id", "area_ha")
    changed = {k: [getattr(zone, k), v] for k, v in fields.items() if getattr(zone, k) != v}
    for key, value in fields.items():
        setattr(zone, key, value)
    if zone.status in (ReviewStatus.VERIFIED, ReviewStatus.REJECTED) and any(k in changed for k in reviewed):
        zone.status, zone.status_reason = ReviewStatus.PENDING, None
    audit.record("zone.updated", actor, organisation=zone.organisation, obj=zone,
                 changes={k: [str(a), str(b)] for k, (a, b) in changed.items()})
    return zone


def clean_certificate(data: dict, *, on: date | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in CertificateKind.ALL:
        errors["kind"] = [_("Choose the kind of certificate.")]
    number = (data.get("number") or "").strip()
    if not number:
        errors["number"] = [_("Enter the certificate number.")]
    issuer = (data.get("issuer") or "").strip()
    if not issuer:
        errors["issuer"] = [_("Enter who issued it.")]
    issued_on, expires_on = data.get("issued_on"), data.get("expires_on")
    if not isinstance(issued_on, date):
        errors["issued_on"] = [_("Enter the issue date.")]
    elif issued_on > (on or today()):
        errors["issued_on"] = [_("The issue date cannot be in the future.")]
    if expires_on is None and kind != CertificateKind.GEOGRAPHICAL_INDICATION:
        errors["expires_on"] = [_("Enter the expiry date.")]
    elif isinstance(issued_on, date) and isinstance(expires_on, date) and expires_on < issued_on:
        errors["expires_on"] = [_("The expiry date is before the issue date.")]
    if errors:
        raise ValidationFailed(errors)
    return {"kind": kind, "number": number, "issuer": issuer, "issued_on": issued_on, "expires_on": expires_on}


def add_certificate(actor: User, zone: GrowingZone, data: dict, document=None) -> Certificate:
    """A member adds a certificate; it counts as valid only after the department verifies it."""
    require_role(actor, zone.organisation, *EDITORS)
    fields = clean_certificate(data)
    if fields["expires_on"] is not None and fields["expires_on"] < today():
        raise ValidationFailed({"expires_on": _("This certificate has already expired; it cannot be offered as valid.")})
    certificate = Certificate(zone=zone, status=ReviewStatus.PENDING, document=document, **fields)
    db.session.add(certificate)
    db.session.flush()
    audit.record("certificate.added", actor, organisation=zone.organisation, obj=certificate,
                 zone=zone.code, kind=certificate.kind, number=certificate.number)
    return certificate


def _review(actor: User, item, status: str, reason: str | None, action: str):
    require_department(actor)
    allowed = {
        ReviewStatus.VERIFIED: (ReviewStatus.PENDING, ReviewStatus.REJECTED),
        ReviewStatus.REJECTED: (ReviewStatus.PENDING,),
        ReviewStatus.RECALLED: (ReviewStatus.VERIFIED,),
    }[status]
    if item.status not in allowed:
        raise ValidationFailed({"status": _("This cannot be done while the status is %(status)s.", status=status_label(item.status))})
    if status in (ReviewStatus.REJECTED, ReviewStatus.RECALLED):
        reason = (reason or "").strip()
        if len(reason) < 5:
            raise ValidationFailed({"reason": _("Say why, so the applicant can put it right.")})
    item.status, item.status_reason = status, reason or None
    item.status_changed_at, item.status_changed_by_id = utcnow(), actor.id
    org = item.organisation if isinstance(item, GrowingZone) else item.zone.organisation
    audit.record(action, actor, organisation=org, obj=item, reason=reason)
    return item


def verify_zone(actor, zone):
    return _review(actor, zone, ReviewStatus.VERIFIED, None, "zone.verified")


def reject_zone(actor, zone, reason):
    return _review(actor, zone, ReviewStatus.REJECTED, reason, "zone.rejected")


def recall_zone(actor, zone, reason):
    return _review(actor, zone, ReviewStatus.RECALLED, reason, "zone.recalled")


def verify_certificate(actor, certificate):
    return _review(actor, certificate, ReviewStatus.VERIFIED, None, "certificate.verified")


def reject_certificate(actor, certificate, reason):
    return _review(actor, certificate, ReviewStatus.REJECTED, reason, "certificate.rejected")


def recall_certificate(actor, certificate, reason):
    return _review(actor, certificate, ReviewStatus.RECALLED, reason, "certificate.recalled")


def expiring_certificates(org: Organisation | None = None, *, within_days: int = 60, on: date | None = None):
    """Verified certificates whose expiry falls in the next `within_days` days (the reminder list)."""
    on = on or today()
    query = (sa.select(Certificate).join(GrowingZone)
             .where(Certificate.status == ReviewStatus.VERIFIED,
                    Certificate.expires_on >= on, Certificate.expires_on <= on + timedelta(days=within_days))
             .order_by(Certificate.expires_on))
    if org is not None:
        query = query.where(GrowingZone.organisation_id == org.id)
    return list(db.session.scalars(query))


def review_queue():
    zones = db.session.scalars(sa.select(GrowingZone).where(GrowingZone.status == ReviewStatus.PENDING)
                               .order_by(GrowingZone.created_at))
    certificates = db.session.scalars(sa.select(Certificate).where(Certificate.status == ReviewStatus.PENDING)
                                      .order_by(Certificate.created_at))
    return list(zones), list(certificates)
