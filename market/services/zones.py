"""Growing zones and their certificates: registering, editing, and the department's review."""
import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.labels import label, status_label
from market.models import (
    Certificate,
    CertificateKind,
    Commune,
    Crop,
    GrowingZone,
    Organisation,
    OrgKind,
    ReviewStatus,
    Revision,
    RevisionStatus,
    Role,
    User,
    ZoneKind,
)
from market.models.types import utcnow
from market.numbers import clean_number
from market.services import audit, plausibility, revisions
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_department, require_role

# Codes as issued (e.g. "LS-VQ-HOI-0012", "VN-LSOR-0012"): letters, digits, and . - / as separators.
ZONE_CODE = re.compile(r"^[A-Z0-9]+(?:[.\-/][A-Z0-9]+)*$")
MAX_AREA_HA = 100_000  # more than any single zone in the province: catches unit mistakes (m² typed as ha)
MAX_HOUSEHOLDS = 100_000
EDITORS = (Role.OWNER, Role.MANAGER, Role.SIGNER, Role.MEMBER)  # any member prepares the catalogue


def normalize_code(raw: str) -> str:
    return re.sub(r"\s+", "", (raw or "")).upper()


def clean_zone(data: dict, *, exclude_id: int | None = None, known: GrowingZone | None = None) -> dict:
    """The zone's fields from a form or a row, or ValidationFailed. `known`: the zone being edited, whose area
    the department already accepted is not questioned again while area, kind and crop stay as they are."""
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
    unchanged = known is not None and (known.area_ha, known.kind, known.crop_id) == (fields["area_ha"], kind,
                                                                                   fields["crop_id"])
    if "area_ha" not in errors and kind in ZoneKind.ALL and not unchanged:
        _check_area(errors, kind, crop, fields["area_ha"], confirmed=bool(data.get("confirm_area")))
    if errors:
        raise ValidationFailed(errors)
    return fields


def _check_area(errors: dict, kind: str, crop: Crop | None, area: float, *, confirmed: bool) -> None:
    """Refused above the hard limit; above the warning, only with the person's explicit confirmation."""
    if refused := plausibility.area_refused(kind, crop, area):
        errors["area_ha"] = [refused]
    elif (warning := plausibility.area_warning(kind, crop, area)) and not confirmed:
        errors["confirm_area"] = [warning]


def register_zone(actor: User, org: Organisation, data: dict) -> GrowingZone:
    require_role(actor, org, *EDITORS)
    if org.kind not in OrgKind.SELLERS:
        raise PermissionDenied(_("Only cooperatives and farm household groups register growing zones."))
    zone = GrowingZone(organisation=org, status=ReviewStatus.PENDING, **clean_zone(data))
    db.session.add(zone)
    db.session.flush()
    audit.record("zone.registered", actor, organisation=org, obj=zone, code=zone.code)
    return zone


# A verified zone's material fields: a change to one of them waits for the department (a Revision).
MATERIAL = ("code", "kind", "commune_id", "crop_id", "area_ha", "latitude", "longitude")
REVISION_OBJECT = "growing_zone"


def pending_revision(zone: GrowingZone) -> Revision | None:
    return revisions.pending(REVISION_OBJECT, zone.id)


def pending_revisions(org: Organisation | None = None) -> list[Revision]:
    query = sa.select(Revision).where(Revision.object_type == REVISION_OBJECT,
                                      Revision.status == RevisionStatus.PENDING).order_by(Revision.created_at)
    if org is not None:
        query = query.where(Revision.organisation_id == org.id)
    return list(db.session.scalars(query))


def revision_zone(revision: Revision) -> GrowingZone | None:
    return db.session.get(GrowingZone, revision.object_id) if revision.object_type == REVISION_OBJECT else None


def revision_changes(revision: Revision) -> list[dict]:
    """What a revision changes, for people: [{field, old, new}] with names, not ids."""
    names = {"commune_id": (Commune, "display_name"), "crop_id": (Crop, "name_vi")}
    rows = []
    for key, new in revision.proposed.items():
        old = revision.previous.get(key)
        if old == new:
            continue
        if key in names:
            model, attribute = names[key]
            old, new = (getattr(db.session.get(model, v), attribute, v) if v is not None else None for v in (old, new))
        elif key == "kind":
            old, new = label("zone_kind", old), label("zone_kind", new)
        else:  # numbers as the locale writes them ("1.234,5" in Vietnamese)
            old, new = (format_decimal(v) if isinstance(v, int | float) else v for v in (old, new))
        rows.append({"field": key, "old": old, "new": new})
    return rows


def _check_certificates_fit(zone: GrowingZone, kind: str) -> None:
    """A zone cannot change kind while it holds certificates the new kind may not hold."""
    for certificate in zone.certificates:
        if certificate.status in (ReviewStatus.PENDING, ReviewStatus.VERIFIED) \
                and plausibility.certificate_refused(kind, certificate.kind):
            raise ValidationFailed({"kind": [_(
                "The zone holds a %(certificate)s certificate, which this kind of zone cannot hold.",
                certificate=label("certificate", certificate.kind))]})


def update_zone(actor: User, zone: GrowingZone, data: dict) -> GrowingZone:
    """Members edit their own zones. On a verified zone, the name and households change at once and the
    zone stays verified; a change to a material field (code, kind, crop, commune, area, location) becomes a
    pending revision: the verified values keep counting and showing until the department decides."""
    require_role(actor, zone.organisation, *EDITORS)
    if zone.status == ReviewStatus.RECALLED:
        raise PermissionDenied(_("A recalled zone cannot be edited; contact the department."))
    fields = clean_zone(data, exclude_id=zone.id, known=zone)
    if fields["kind"] != zone.kind:
        _check_certificates_fit(zone, fields["kind"])
    changed = {k: [getattr(zone, k), v] for k, v in fields.items() if getattr(zone, k) != v}
    if zone.status == ReviewStatus.VERIFIED:
        for key in ("name", "households"):
            setattr(zone, key, fields[key])
        if any(k in changed for k in MATERIAL):
            revision = revisions.propose(actor, REVISION_OBJECT, zone, zone.organisation,
                                         {k: fields[k] for k in MATERIAL})
            audit.record("zone.revision_submitted", actor, organisation=zone.organisation, obj=zone,
                         revision=revision.id, changes={k: [str(a), str(b)] for k, (a, b) in changed.items()
                                                        if k in MATERIAL})
        else:  # the member put the verified values back (or changed none): nothing left to review
            revisions.withdraw(actor, REVISION_OBJECT, zone)
    else:
        for key, value in fields.items():
            setattr(zone, key, value)
        if zone.status == ReviewStatus.REJECTED and any(k in changed for k in MATERIAL):
            zone.status, zone.status_reason = ReviewStatus.PENDING, None
    audit.record("zone.updated", actor, organisation=zone.organisation, obj=zone,
                 changes={k: [str(a), str(b)] for k, (a, b) in changed.items()})
    return zone


def _apply_revision(actor: User, zone: GrowingZone, proposed: dict) -> None:
    """The department accepted a material change: the zone takes the new values and stays verified."""
    taken = db.session.scalar(sa.select(GrowingZone.id).where(GrowingZone.code == proposed["code"],
                                                              GrowingZone.id != zone.id))
    if taken:
        raise ValidationFailed({"code": [_("This code is already registered.")]})
    if proposed["kind"] != zone.kind:
        _check_certificates_fit(zone, proposed["kind"])
    changes = {k: [str(getattr(zone, k)), str(proposed[k])] for k in MATERIAL if getattr(zone, k) != proposed[k]}
    for key in MATERIAL:
        setattr(zone, key, proposed[key])
    zone.status_changed_at, zone.status_changed_by_id = utcnow(), actor.id
    audit.record("zone.revision_accepted", actor, organisation=zone.organisation, obj=zone, changes=changes)


revisions.register(REVISION_OBJECT, GrowingZone, _apply_revision)


def accept_revision(actor: User, revision: Revision) -> GrowingZone:
    """The department accepts a zone's material change (revisions.accept applies it through _apply_revision)."""
    if revision_zone(revision) is None:
        raise ValidationFailed({"status": [_("This is not a zone's revision.")]})
    revisions.accept(actor, revision)
    return revision_zone(revision)


def reject_revision(actor: User, revision: Revision, reason: str) -> Revision:
    """The department rejects a zone's material change: the zone keeps its verified values (the holder is told
    by revisions.reject, as for every kind of revision)."""
    if revision_zone(revision) is None:
        raise ValidationFailed({"status": [_("This is not a zone's revision.")]})
    return revisions.reject(actor, revision, reason)


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
    if refused := plausibility.certificate_refused(zone.kind, fields["kind"]):
        raise ValidationFailed({"kind": [refused]})
    if fields["expires_on"] is not None and fields["expires_on"] < today():
        raise ValidationFailed({"expires_on": _("This certificate has already expired; it cannot be offered as valid.")})
    certificate = Certificate(zone=zone, status=ReviewStatus.PENDING, document=document, **fields)
    db.session.add(certificate)
    db.session.flush()
    audit.record("certificate.added", actor, organisation=zone.organisation, obj=certificate,
                 zone=zone.code, kind=certificate.kind, number=certificate.number)
    return certificate


def _review(actor: User, item, status: str, reason: str | None, action: str, **details):
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
    audit.record(action, actor, organisation=org, obj=item, reason=reason, **details)
    return item


def verify_zone(actor, zone):
    return _review(actor, zone, ReviewStatus.VERIFIED, None, "zone.verified")


def reject_zone(actor, zone, reason):
    return _review(actor, zone, ReviewStatus.REJECTED, reason, "zone.rejected")


def recall_zone(actor, zone, reason, **details):
    return _review(actor, zone, ReviewStatus.RECALLED, reason, "zone.recalled", **details)


def verify_certificate(actor, certificate):
    return _review(actor, certificate, ReviewStatus.VERIFIED, None, "certificate.verified")


def reject_certificate(actor, certificate, reason):
    return _review(actor, certificate, ReviewStatus.REJECTED, reason, "certificate.rejected")


def recall_certificate(actor, certificate, reason, **details):
    return _review(actor, certificate, ReviewStatus.RECALLED, reason, "certificate.recalled", **details)


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
