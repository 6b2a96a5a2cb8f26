"""Sourcing requests: a buyer posts a need; cooperatives whose zones fit answer with offers."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.labels import PRODUCT_FORMS, UNITS, unit_label
from market.models import (
    CertificateKind,
    Commune,
    Crop,
    GrowingZone,
    OfferStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    RequestStatus,
    ReviewStatus,
    SourcingOffer,
    SourcingRequest,
    User,
)
from market.numbers import clean_number, format_number
from market.services import audit, holds, notifications
from market.services.contracts import MAX_PRICE, MAX_QUANTITY, NEGOTIATORS
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_role


def create_request(actor: User, buyer: Organisation, data: dict) -> SourcingRequest:  # noqa: C901 - one check per field, read top to bottom
    require_role(actor, buyer, *NEGOTIATORS)
    if buyer.kind not in OrgKind.BUYERS:
        raise PermissionDenied(_("Only processing enterprises, retail chains and shops post sourcing requests."))
    if not buyer.is_verified:
        raise PermissionDenied(_("Your organisation must be verified by the department before it publishes."))
    errors: dict[str, list[str]] = {}
    crop = db.session.get(Crop, int(data["crop_id"])) if str(data.get("crop_id") or "").isdigit() else None
    if crop is None or not crop.tradable:
        errors["crop_id"] = [_("Choose the crop.")]
    if data.get("product_form") not in PRODUCT_FORMS:
        errors["product_form"] = [_("Choose the product form.")]
    if data.get("unit") not in UNITS:
        errors["unit"] = [_("Choose the unit.")]
    title = " ".join((data.get("title") or "").split())
    if not title:
        errors["title"] = [_("Give the request a title.")]
    quantity = clean_number(errors, "quantity", data.get("quantity"), minimum=0.01, maximum=MAX_QUANTITY)
    max_price = None
    if data.get("max_price_per_unit") not in (None, ""):
        max_price = clean_number(errors, "max_price_per_unit", data["max_price_per_unit"], minimum=0,
                                 maximum=MAX_PRICE, integer=True)
    start, end = data.get("delivery_start"), data.get("delivery_end")
    if not isinstance(start, date):
        errors["delivery_start"] = [_("Enter the first delivery day.")]
    elif start < today():
        errors["delivery_start"] = [_("The delivery window has already begun; choose a later date.")]
    if not isinstance(end, date):
        errors["delivery_end"] = [_("Enter the last delivery day.")]
    elif isinstance(start, date) and end < start:
        errors["delivery_end"] = [_("The last delivery day is before the first.")]
    certificates = [c for c in data.get("required_certificates") or [] if c]
    if any(c not in CertificateKind.ALL for c in certificates):
        errors["required_certificates"] = [_("Choose certificates from the list.")]
    commune_ids = [int(c) for c in data.get("preferred_commune_ids") or [] if str(c).isdigit()]
    if commune_ids and db.session.scalar(sa.select(sa.func.count(Commune.id)).where(
            Commune.id.in_(commune_ids))) != len(set(commune_ids)):
        errors["preferred_commune_ids"] = [_("Choose communes from the list.")]
    if errors:
        raise ValidationFailed(errors)
    request = SourcingRequest(buyer=buyer, crop=crop, product_form=data["product_form"], title=title,
                              quantity=quantity, unit=data["unit"], grade=(data.get("grade") or "").strip() or None,
                              delivery_start=start, delivery_end=end, required_certificates=sorted(set(certificates)),
                              preferred_commune_ids=sorted(set(commune_ids)), max_price_per_unit=max_price,
                              note=(data.get("note") or "").strip() or None, created_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    audit.record("sourcing.requested", actor, organisation=buyer, obj=request, title=title)
    for seller in matching_sellers(request):
        notifications.notify(seller, "sourcing.request", _("%(org)s is looking for %(title)s.", org=buyer.name,
                                                            title=title),
                             notifications.page("sourcing.show", request_id=request.id))
    return request


def fitting_zones(request: SourcingRequest, seller: Organisation) -> list[GrowingZone]:
    """The seller's zones that fit: the crop, verified, holding every required certificate valid today, and no
    recall of one of its certificates standing (services/holds.py)."""
    on = today()
    zones = db.session.scalars(sa.select(GrowingZone).where(
        GrowingZone.organisation_id == seller.id, GrowingZone.crop_id == request.crop_id,
        GrowingZone.status == ReviewStatus.VERIFIED)).all()
    needed = set(request.required_certificates)
    return [z for z in zones if needed <= {c.kind for c in z.valid_certificates(on)} and z.state(on) == "verified"
            and not holds.zone_holds(z)]


def matching_sellers(request: SourcingRequest) -> list[Organisation]:
    sellers = db.session.scalars(
        sa.select(Organisation).join(GrowingZone, GrowingZone.organisation_id == Organisation.id)
        .where(GrowingZone.crop_id == request.crop_id, Organisation.status == OrgStatus.VERIFIED).distinct()).all()
    fitting = [s for s in sellers if fitting_zones(request, s)]
    if request.preferred_commune_ids:
        fitting.sort(key=lambda s: s.commune_id not in request.preferred_commune_ids)
    return fitting


def open_requests_for(seller: Organisation) -> list[SourcingRequest]:
    """Open requests this cooperative could answer."""
    requests = db.session.scalars(sa.select(SourcingRequest).where(SourcingRequest.status == RequestStatus.OPEN)
                                  .order_by(SourcingRequest.delivery_start)).all()
    return [r for r in requests if fitting_zones(r, seller)]


def make_offer(actor: User, request: SourcingRequest, seller: Organisation, data: dict) -> SourcingOffer:
    require_role(actor, seller, *NEGOTIATORS)
    if not seller.is_verified:
        raise PermissionDenied(_("Your organisation must be verified by the department before it publishes."))
    if request.status != RequestStatus.OPEN:
        raise ValidationFailed({"request": _("This request is closed.")})
    errors: dict[str, list[str]] = {}
    quantity = clean_number(errors, "quantity", data.get("quantity"), minimum=0.01, maximum=MAX_QUANTITY)
    price = clean_number(errors, "price_per_unit", data.get("price_per_unit"), minimum=0, maximum=MAX_PRICE,
                         integer=True)
    fitting = {z.id: z for z in fitting_zones(request, seller)}
    zone_ids = [int(z) for z in data.get("zone_ids") or [] if str(z).isdigit()]
    if not zone_ids:
        errors["zone_ids"] = [_("Choose the zones the goods will come from.")]
    elif any(z not in fitting for z in zone_ids):
        errors["zone_ids"] = [_("Only your verified zones of this crop with the required certificates can supply it.")]
    if errors:
        raise ValidationFailed(errors)
    offer = SourcingOffer(request=request, seller=seller, quantity=quantity, price_per_unit=price,
                          note=(data.get("note") or "").strip() or None, zones=[fitting[z] for z in zone_ids],
                          created_by_id=actor.id)
    db.session.add(offer)
    db.session.flush()
    audit.record("sourcing.offered", actor, organisation=seller, obj=offer, request=request.id)
    notifications.notify(request.buyer, "sourcing.offer", _("%(org)s offers %(n)s %(unit)s for “%(title)s”.",
                                                             org=seller.name, n=format_number(quantity),
                                                             unit=unit_label(request.unit),
                                                             title=request.title),
                         notifications.page("sourcing.show", request_id=request.id))
    return offer


def withdraw_offer(actor: User, offer: SourcingOffer) -> None:
    require_role(actor, offer.seller, *NEGOTIATORS)
    if offer.status != OfferStatus.SUBMITTED:
        raise ValidationFailed({"offer": _("This offer is no longer open.")})
    offer.status = OfferStatus.WITHDRAWN
    audit.record("sourcing.offer_withdrawn", actor, organisation=offer.seller, obj=offer)


def can_view_request(user: User, request: SourcingRequest) -> bool:
    """Open requests are for every signed-in member; a closed one stays visible to the buyer, to the
    cooperatives that offered, and to the department."""
    if request.status == RequestStatus.OPEN:
        return True
    return bool(user.membership_in(request.buyer) or user.is_department_staff
                or any(user.membership_in(o.seller) for o in request.offers))


def can_view_offer(user: User, offer: SourcingOffer) -> bool:
    return bool(user.membership_in(offer.request.buyer) or user.membership_in(offer.seller)
                or user.is_department_staff)


def close_request(actor: User, request: SourcingRequest) -> None:
    require_role(actor, request.buyer, *NEGOTIATORS)
    request.status = RequestStatus.CLOSED
    for offer in request.offers:
        if offer.status == OfferStatus.SUBMITTED:
            offer.status = OfferStatus.DECLINED
    audit.record("sourcing.closed", actor, organisation=request.buyer, obj=request)
