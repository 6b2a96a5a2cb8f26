"""JSON API, version 1. Same visibility rules as the pages; errors are JSON with a status and message."""
import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, url_for
from flask_login import current_user

from market import access
from market.clock import today
from market.extensions import db
from market.models import GrowingZone, OcopProduct, SupplyListing
from market.models.trust import TrustState
from market.services import ocop
from market.services.visibility import can_see_listing, can_see_product, can_see_zone

bp = Blueprint("api", __name__)


def _certificate(c, on):
    return {"kind": c.kind, "number": c.number, "issuer": c.issuer, "issued_on": c.issued_on.isoformat(),
            "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            "status": c.status, "valid": c.is_valid(on)}


def _org(org):
    return {"id": org.id, "name": org.name, "kind": org.kind, "verified": org.is_verified,
            "commune": org.commune.name if org.commune else None}


def zone_json(zone: GrowingZone, on) -> dict:
    return {
        "code": zone.code, "kind": zone.kind, "name": zone.name, "state": zone.state(on),
        "organisation": _org(zone.organisation), "commune": zone.commune.name, "crop": zone.crop.key,
        "area_ha": zone.area_ha, "households": zone.households,
        "location": ({"lat": zone.latitude, "lon": zone.longitude} if zone.latitude is not None else None),
        "certificates": [_certificate(c, on) for c in zone.certificates],
        "url": url_for("catalog.zone", code=zone.code, _external=True),
    }


def listing_json(listing: SupplyListing, on) -> dict:
    return {
        "id": listing.id, "title": listing.title, "status": listing.status, "crop": listing.crop.key,
        "product_form": listing.product_form, "organisation": _org(listing.organisation),
        "harvest_start": listing.harvest_start.isoformat(), "harvest_end": listing.harvest_end.isoformat(),
        "quantity": listing.quantity, "unit": listing.unit, "grade": listing.grade,
        "price_per_unit": listing.price_per_unit, "currency": listing.currency, "negotiable": listing.price_per_unit is None,
        "min_order_qty": listing.min_order_qty, "ends_on": listing.ends_on.isoformat() if listing.ends_on else None,
        "zones": [{"code": z.code, "state": z.state(on), "commune": z.commune.name} for z in listing.zones],
        "valid_certificates": [_certificate(c, on) for c in listing.valid_certificates(on)],
        "url": url_for("catalog.listing", listing_id=listing.id, _external=True),
    }


def _ocop(product: OcopProduct, on) -> dict:
    standing = ocop.standing(product, on)
    return {"number": standing["number"], "issued_on": standing["issued_on"].isoformat(),
            "expires_on": standing["expires_on"].isoformat(), "valid": standing["verified"],
            "state": standing["state"], "verified_stars": standing["stars"] if standing["verified"] else None,
            "verified_against": standing["against"],
            "verified_at": standing["verified_at"].isoformat() if standing["verified_at"] else None,
            "reason": standing["reason"] if standing["state"] in (TrustState.RECALLED, TrustState.REJECTED) else None}


def product_json(product: OcopProduct, on) -> dict:
    return {
        "id": product.id, "name": product.name, "category": product.category, "stars": product.stars,
        "status": product.status, "organisation": _org(product.organisation),
        # What the department vouches for: `valid` only with a verified certificate valid on the date.
        "certificate": _ocop(product, on),
        "unit": product.unit, "price": product.price, "currency": product.currency,
        "min_order_qty": product.min_order_qty, "stock": product.stock,
        "tourist_shops_allowed": product.tourist_shops_allowed,
        "retail_chains": [p.chain.name for p in product.shelf_placements if p.on_shelf(on)],
        "zones": [z.code for z in product.zones],
        "url": url_for("catalog.product", product_id=product.id, _external=True),
    }


@bp.get("/listings/<int:listing_id>")
@access.rule(access.visible("listing"))
def listing(listing_id: int):
    item = db.session.get(SupplyListing, listing_id)
    if item is None or not can_see_listing(current_user, item):
        abort(404)
    return jsonify(listing_json(item, today()))


@bp.get("/products/<int:product_id>")
@access.rule(access.visible("product"))
def product(product_id: int):
    item = db.session.get(OcopProduct, product_id)
    if item is None or not can_see_product(current_user, item):
        abort(404)
    return jsonify(product_json(item, today()))


@bp.get("/zones/<path:code>")
@access.rule(access.visible("zone"))
def zone(code: str):
    item = db.session.scalar(sa.select(GrowingZone).where(GrowingZone.code == code.upper()))
    if item is None or not can_see_zone(current_user, item):
        abort(404)
    return jsonify(zone_json(item, today()))
