"""Seasonal supply listings: what a cooperative will harvest, from which of its zones, and when."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.labels import PRODUCT_FORMS, UNITS, status_label
from market.models import Crop, GrowingZone, ListingStatus, Organisation, OrgKind, ReviewStatus, SupplyListing, User
from market.numbers import clean_number
from market.services import audit, gs1
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_role
from market.services.zones import EDITORS

MAX_QUANTITY = 10_000_000
MAX_PRICE_VND = 1_000_000_000
MAX_HARVEST_DAYS = 366

# Status changes a member may make; publishing is checked separately (verified seller, sound dates).
TRANSITIONS = {
    ListingStatus.DRAFT: (ListingStatus.OPEN, ListingStatus.CLOSED),
    ListingStatus.OPEN: (ListingStatus.RESERVED, ListingStatus.SOLD_OUT, ListingStatus.CLOSED),
    ListingStatus.RESERVED: (ListingStatus.OPEN, ListingStatus.SOLD_OUT, ListingStatus.CLOSED),
    ListingStatus.SOLD_OUT: (ListingStatus.OPEN, ListingStatus.CLOSED),
    ListingStatus.CLOSED: (),
}


def clean_listing(org: Organisation, data: dict) -> tuple[dict, list[GrowingZone]]:  # noqa: C901 - one check per field, read top to bottom
    errors: dict[str, list[str]] = {}
    fields: dict = {}
    crop = db.session.get(Crop, int(data["crop_id"])) if str(data.get("crop_id") or "").isdigit() else None
    if crop is None or not crop.tradable:
        errors["crop_id"] = [_("Choose the crop.")]
    fields["crop_id"] = crop.id if crop else None
    if data.get("product_form") not in PRODUCT_FORMS:
        errors["product_form"] = [_("Choose the product form.")]
    fields["product_form"] = data.get("product_form")
    fields["title"] = " ".join((data.get("title") or "").split())
    if not fields["title"]:
        errors["title"] = [_("Give the listing a title.")]
    fields["description"] = (data.get("description") or "").strip() or None
    fields["grade"] = (data.get("grade") or "").strip() or None
    if "lot_number" in data:
        try:
            fields["lot_number"] = gs1.clean_lot(data.get("lot_number"))
        except gs1.BadIdentifier as exc:
            errors["lot_number"] = [str(exc)]

    start, end = data.get("harvest_start"), data.get("harvest_end")
    if not isinstance(start, date):
        errors["harvest_start"] = [_("Enter the first harvest day.")]
    if not isinstance(end, date):
        errors["harvest_end"] = [_("Enter the last harvest day.")]
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors["harvest_end"] = [_("The harvest ends before it starts.")]
        elif (end - start).days > MAX_HARVEST_DAYS:
            errors["harvest_end"] = [_("A harvest window is at most one year; list each season separately.")]
    fields["harvest_start"], fields["harvest_end"] = start, end
    ends_on = data.get("ends_on")
    if ends_on is not None and not isinstance(ends_on, date):
        errors["ends_on"] = [_("Enter a date.")]
    fields["ends_on"] = ends_on

    fields["quantity"] = clean_number(errors, "quantity", data.get("quantity"), minimum=0.01, maximum=MAX_QUANTITY)
    if data.get("unit") not in UNITS:
        errors["unit"] = [_("Choose the unit.")]
    fields["unit"] = data.get("unit")
    if data.get("negotiable") or data.get("price_per_unit") in (None, ""):
        fields["price_per_unit"] = None
    else:
        fields["price_per_unit"] = clean_number(errors, "price_per_unit", data.get("price_per_unit"), minimum=0,
                                                maximum=MAX_PRICE_VND, integer=True)
    fields["min_order_qty"] = clean_number(errors, "min_order_qty", data.get("min_order_qty"), minimum=0.01,
                                           maximum=MAX_QUANTITY, required=False)
    if fields["min_order_qty"] and fields["quantity"] and fields["min_order_qty"] > fields["quantity"]:
        errors["min_order_qty"] = [_("The minimum order is larger than the quantity offered.")]

    zone_ids = [int(z) for z in data.get("zone_ids") or [] if str(z).isdigit()]
    zones = list(db.session.scalars(sa.select(GrowingZone).where(GrowingZone.id.in_(zone_ids)))) if zone_ids else []
    if not zones:
        errors["zone_ids"] = [_("Choose the zone or zones the harvest comes from.")]
    elif len(zones) != len(set(zone_ids)) or any(z.organisation_id != org.id for z in zones):
        errors["zone_ids"] = [_("You can only list harvests from your own organisation's zones.")]
    elif crop and any(z.crop_id != crop.id for z in zones):
        errors["zone_ids"] = [_("Every zone must grow the listed crop.")]
    elif any(z.status in (ReviewStatus.RECALLED, ReviewStatus.REJECTED) for z in zones):
        errors["zone_ids"] = [_("A recalled or rejected zone cannot supply a listing.")]
    if errors:
        raise ValidationFailed(errors)
    return fields, zones


def create_listing(actor: User, org: Organisation, data: dict) -> SupplyListing:
    require_role(actor, org, *EDITORS)
    if org.kind not in OrgKind.SELLERS:
        raise PermissionDenied(_("Only cooperatives and farm household groups list harvests."))
    fields, zones = clean_listing(org, data)
    listing = SupplyListing(organisation=org, status=ListingStatus.DRAFT, zones=zones, **fields)
    db.session.add(listing)
    db.session.flush()
    audit.record("listing.created", actor, organisation=org, obj=listing, title=listing.title)
    return listing


def update_listing(actor: User, listing: SupplyListing, data: dict) -> SupplyListing:
    require_role(actor, listing.organisation, *EDITORS)
    if listing.status == ListingStatus.CLOSED:
        raise ValidationFailed({"status": _("A closed listing cannot be edited; create a new one.")})
    fields, zones = clean_listing(listing.organisation, data)
    for key, value in fields.items():
        setattr(listing, key, value)
    listing.zones = zones
    audit.record("listing.updated", actor, organisation=listing.organisation, obj=listing)
    return listing


def change_status(actor: User, listing: SupplyListing, status: str, *, on: date | None = None) -> SupplyListing:
    require_role(actor, listing.organisation, *EDITORS)
    if status not in TRANSITIONS.get(listing.status, ()):
        raise ValidationFailed({"status": _("A listing cannot go from %(old)s to %(new)s.",
                                            old=status_label(listing.status), new=status_label(status))})
    if status == ListingStatus.OPEN:
        if not listing.organisation.can_publish:
            raise PermissionDenied(_("Your organisation must be verified by the department before it publishes."))
        unusable = [z.code for z in listing.zones if z.status in (ReviewStatus.RECALLED, ReviewStatus.REJECTED)]
        if unusable:
            raise ValidationFailed({"zone_ids": _("A recalled or rejected zone cannot supply a listing: %(codes)s.",
                                                  codes=", ".join(unusable))})
        if listing.ends_on and listing.ends_on < (on or today()):
            raise ValidationFailed({"ends_on": _("The listing's end date has passed; change it before publishing.")})
    old = listing.status
    listing.status = status
    audit.record("listing.status_changed", actor, organisation=listing.organisation, obj=listing, old=old, new=status)
    return listing


def is_public(listing: SupplyListing) -> bool:
    return listing.status in ListingStatus.PUBLIC and listing.organisation.is_verified
