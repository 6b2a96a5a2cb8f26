"""Product lots: a producer records what it made on a day under an OCOP product's GTIN, from which harvest
lot (its own listing's, or a delivery it received). Each lot gets a GS1 Digital Link and a label."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.models import Contract, Delivery, OcopProduct, ProductLot, SupplyListing, User
from market.numbers import clean_number
from market.services import audit, gs1
from market.services.errors import ValidationFailed
from market.services.organisations import require_role
from market.services.zones import EDITORS

MAX_QUANTITY = 10_000_000


def sources(product: OcopProduct) -> list[tuple[str, str]]:
    """(value, label) of the harvest lots the product's organisation may name as input: its own listings
    with a lot number, and the deliveries with a lot number it received as a buyer."""
    org_id = product.organisation_id
    listings = db.session.scalars(sa.select(SupplyListing).where(
        SupplyListing.organisation_id == org_id, SupplyListing.lot_number.is_not(None)).order_by(
        SupplyListing.harvest_start.desc()))
    deliveries = db.session.scalars(sa.select(Delivery).join(Contract).where(
        Contract.buyer_id == org_id, Delivery.lot_code.is_not(None)).order_by(Delivery.delivered_on.desc()))
    return ([(f"listing:{x.id}", f"{x.lot_number} · {x.title}") for x in listings]
            + [(f"delivery:{d.id}", f"{d.lot_code} · {d.contract.reference} · {d.contract.seller.name}")
               for d in deliveries])


def add_lot(actor: User, product: OcopProduct, data: dict) -> ProductLot:
    require_role(actor, product.organisation, *EDITORS)
    errors: dict[str, list[str]] = {}
    lot_number = None
    try:
        lot_number = gs1.clean_lot(data.get("lot_number"))
        if lot_number is None:
            errors["lot_number"] = [_("Enter the lot number.")]
    except gs1.BadIdentifier as exc:
        errors["lot_number"] = [str(exc)]
    if lot_number and db.session.scalar(sa.select(ProductLot.id).where(
            ProductLot.product_id == product.id, ProductLot.lot_number == lot_number)):
        errors["lot_number"] = [_("This product already has a lot with this number.")]
    produced_on = data.get("produced_on")
    if not isinstance(produced_on, date):
        errors["produced_on"] = [_("Enter the production date.")]
    elif produced_on > today():
        errors["produced_on"] = [_("A lot cannot be recorded before it is made.")]
    quantity = clean_number(errors, "quantity", data.get("quantity"), minimum=0.01, maximum=MAX_QUANTITY,
                            required=False)
    input_quantity = clean_number(errors, "input_quantity", data.get("input_quantity"), minimum=0.01,
                                  maximum=MAX_QUANTITY, required=False)
    source = data.get("source") or ""
    listing = delivery = None
    if source:
        allowed = dict(sources(product))
        kind, _sep, number = source.partition(":")
        if source not in allowed or not number.isdigit():
            errors["source"] = [_("Choose one of your harvest lots or a delivery you received.")]
        elif kind == "listing":
            listing = db.session.get(SupplyListing, int(number))
        else:
            delivery = db.session.get(Delivery, int(number))
    if errors:
        raise ValidationFailed(errors)
    lot = ProductLot(product=product, lot_number=lot_number, produced_on=produced_on, quantity=quantity,
                     source_listing=listing, source_delivery=delivery, input_quantity=input_quantity,
                     created_by_id=actor.id)
    db.session.add(lot)
    db.session.flush()
    audit.record("product_lot.created", actor, organisation=product.organisation, obj=product, lot=lot_number)
    return lot
