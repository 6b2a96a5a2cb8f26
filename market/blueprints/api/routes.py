"""JSON API, version 1. Same visibility rules as the pages (services/visibility.py); errors in one JSON shape
(market/blueprints/api/errors.py); signed in by a cookie or a personal access token (api/auth.py).

Lists are pages of `{"items": [...], "next": url-or-null}`, oldest first (by id), with an opaque cursor:
follow `next` until it is null. The schemas in api/schemas.py describe every answer in the OpenAPI document.
"""
import base64
import binascii

import sqlalchemy as sa
from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from market import access, permissions
from market.blueprints import write
from market.blueprints.api import schemas
from market.blueprints.api.auth import token
from market.blueprints.api.errors import json_error
from market.clock import today
from market.extensions import db
from market.models import (
    Contract,
    Crop,
    Delivery,
    GrowingZone,
    OcopProduct,
    Organisation,
    ShopOrder,
    SupplyListing,
)
from market.models.trust import TrustState
from market.services import contracts, ocop, visibility
from market.services.visibility import can_see_listing, can_see_product, can_see_zone


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # bad arguments are a 400 with `fields`, as everywhere in the market


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


bp = ApiBlueprint("api", __name__, description="The market's data for other systems (JSON).")

BEARER = [{"bearerAuth": []}]
OPTIONAL_BEARER = [{}, {"bearerAuth": []}]
ROLE = _l("Your role does not allow this on the contract.")


def _errors(*statuses: int):
    """Document the error answers a route gives (all in the Error shape)."""
    names = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 429: "TOO_MANY_REQUESTS"}

    def decorate(view):
        for status in statuses:
            view = bp.alt_response(status, response=names[status])(view)
        return view

    return decorate


def _answers(schema, *, summary, answer, public: bool = True, content_type: str | None = None):
    """Document the route (`summary`), its 200 answer (`answer`, with `schema`) and who may call (a token is
    optional on public routes). Both texts are `_l(...)`: English in the document, translated on the page."""
    def decorate(view):
        view = bp.alt_response(200, schema=schema, description=answer, success=True, content_type=content_type)(view)
        return bp.doc(summary=summary, security=OPTIONAL_BEARER if public else BEARER)(view)

    return decorate


# --- the JSON of each kind of object ------------------------------------------------------------------------

def _certificate(c, on):
    return {"kind": c.kind, "number": c.number, "issuer": c.issuer, "issued_on": c.issued_on.isoformat(),
            "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            "status": c.status, "valid": c.is_valid(on)}


def _org(org):
    return {"id": org.id, "name": org.name, "kind": org.kind, "verified": org.is_verified,
            "commune": org.commune.name if org.commune else None}


def _iso(moment):
    return moment.isoformat() if moment is not None else None


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


def contract_json(contract: Contract) -> dict:
    terms = contract.current.terms if contract.versions else None
    return {
        "id": contract.id, "reference": contract.reference, "state": contract.state,
        "buyer": _org(contract.buyer), "seller": _org(contract.seller),
        "crop": contract.crop.key if contract.crop else None,
        "quantity": terms.total_quantity if terms else None, "unit": terms.item.unit if terms else None,
        "total_value": terms.total_value if terms else None,
        "delivered": contracts.delivered_quantity(contract),
        "created_at": _iso(contract.created_at), "signed_at": _iso(contract.signed_at),
        "activated_at": _iso(contract.activated_at), "completed_at": _iso(contract.completed_at),
        "cancelled_at": _iso(contract.cancelled_at),
        "url": url_for("contracts.show", contract_id=contract.id, _external=True),
    }


def delivery_json(delivery: Delivery) -> dict:
    contract = delivery.contract
    return {
        "id": delivery.id, "contract_id": contract.id, "contract_reference": contract.reference,
        "quantity": delivery.quantity,
        "unit": contract.current.terms.item.unit if contract.versions else None,
        "delivered_on": delivery.delivered_on.isoformat(), "lot_code": delivery.lot_code, "status": delivery.status,
        "received_quantity": delivery.received_quantity, "accepted_quantity": delivery.accepted_quantity,
        "rejected_quantity": delivery.rejected_quantity, "zones": [z.code for z in delivery.zones],
        "answered_at": _iso(delivery.answered_at),
        "verify_url": url_for("contracts.public_delivery", public_id=delivery.public_id, _external=True),
    }


def order_json(order: ShopOrder) -> dict:
    return {
        "id": order.id, "reference": order.reference, "status": order.status,
        "buyer": _org(order.buyer), "seller": _org(order.seller), "total": order.total, "currency": order.currency,
        "created_at": _iso(order.created_at), "paid_at": _iso(order.paid_at),
        "items": [{"product_id": i.product_id, "name": i.product_name, "quantity": i.quantity,
                   "unit_price": i.unit_price} for i in order.items],
        "url": url_for("orders.show", order_id=order.id, _external=True),
    }


# --- cursor pages -------------------------------------------------------------------------------------------

def _cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int:
    """The id a cursor stands for (0 for the first page); a cursor we did not make is a 400."""
    if not cursor:
        return 0
    try:
        version, _sep, last = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        if version == "v1" and last.isdigit() and int(last) < 2**31:
            return int(last)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    abort(json_error(400, _("Some arguments are not valid."),
                     fields={"cursor": _("This cursor is not one of ours: follow the `next` link of a page.")}))


def _page(query, model, args: dict, to_json) -> dict:
    """A page of `query` after the cursor, oldest first, and the link to the next one."""
    limit = args["limit"]
    rows = db.session.scalars(query.where(model.id > _after(args.get("cursor")))
                              .order_by(model.id).limit(limit + 1)).unique().all()
    more = len(rows) > limit
    rows = rows[:limit]
    following = None
    if more:
        kept = {k: v for k, v in request.args.items() if k not in ("cursor", "limit")}
        following = url_for(request.endpoint, **kept, limit=limit, cursor=_cursor(rows[-1].id), _external=True)
    return {"items": [to_json(r) for r in rows], "next": following}


def _crop_id(key: str | None):
    return db.session.scalar(sa.select(Crop.id).where(Crop.key == key)) if key else None


def _filtered(query, args: dict, columns: dict):
    """Equality filters for the query arguments given, by argument name (a crop is given by its key)."""
    for name, column in columns.items():
        if name in args:
            query = query.where(column == (_crop_id(args[name]) if name == "crop" else args[name]))
    return query


# --- public data ------------------------------------------------------------------------------------------

@bp.get("/listings")
@access.rule(access.PUBLIC)
@bp.arguments(schemas.ListingArgs, location="query", as_kwargs=True)
@_answers(schemas.ListingPage, summary=_l("Listings everyone sees in the catalog."),
          answer=_l("A page of listings."))
@_errors(400, 429)
def listings(**args):
    query = _filtered(visibility.public_listings(), args, {
        "crop": SupplyListing.crop_id, "commune": Organisation.commune_id,
        "organisation": SupplyListing.organisation_id, "status": SupplyListing.status})
    on = today()
    return jsonify(_page(query, SupplyListing, args, lambda item: listing_json(item, on)))


@bp.get("/listings/<int:listing_id>")
@access.rule(access.visible("listing"))
@_answers(schemas.Listing, summary=_l("A listing (its organisation's members also see it unpublished)."),
          answer=_l("The listing."))
@_errors(404, 429)
def listing(listing_id: int):
    item = db.session.get(SupplyListing, listing_id)
    if item is None or not can_see_listing(current_user, item):
        abort(404)
    return jsonify(listing_json(item, today()))


@bp.get("/products")
@access.rule(access.PUBLIC)
@bp.arguments(schemas.ProductArgs, location="query", as_kwargs=True)
@_answers(schemas.ProductPage, summary=_l("OCOP products everyone sees in the catalog."),
          answer=_l("A page of OCOP products."))
@_errors(400, 429)
def products(**args):
    query = _filtered(visibility.public_products(), args, {
        "stars": OcopProduct.stars, "category": OcopProduct.category, "organisation": OcopProduct.organisation_id})
    on = today()
    return jsonify(_page(query, OcopProduct, args, lambda item: product_json(item, on)))


@bp.get("/products/<int:product_id>")
@access.rule(access.visible("product"))
@_answers(schemas.Product, summary=_l("An OCOP product and the department's word on its certificate."),
          answer=_l("The product."))
@_errors(404, 429)
def product(product_id: int):
    item = db.session.get(OcopProduct, product_id)
    if item is None or not can_see_product(current_user, item):
        abort(404)
    return jsonify(product_json(item, today()))


@bp.get("/zones")
@access.rule(access.PUBLIC)
@bp.arguments(schemas.ZoneArgs, location="query", as_kwargs=True)
@_answers(schemas.ZonePage, summary=_l("Growing zones of verified organisations, with their certificates."),
          answer=_l("A page of growing zones."))
@_errors(400, 429)
def zones(**args):
    query = _filtered(visibility.public_zones(), args, {
        "crop": GrowingZone.crop_id, "commune": GrowingZone.commune_id, "organisation": GrowingZone.organisation_id})
    on = today()
    return jsonify(_page(query, GrowingZone, args, lambda item: zone_json(item, on)))


@bp.get("/zones/<path:code>")
@access.rule(access.visible("zone"))
@_answers(schemas.Zone, summary=_l("A growing zone by its code."),
          answer=_l("The growing zone."))
@_errors(404, 429)
def zone(code: str):
    item = db.session.scalar(sa.select(GrowingZone).where(GrowingZone.code == code.upper()))
    if item is None or not can_see_zone(current_user, item):
        abort(404)
    return jsonify(zone_json(item, today()))


# --- the organisation's own business ------------------------------------------------------------------------

def _side(query, model, side: str | None):
    org_ids = [m.organisation_id for m in current_user.memberships]
    if side == "buyer":
        return query.where(model.buyer_id.in_(org_ids))
    if side == "seller":
        return query.where(model.seller_id.in_(org_ids))
    return query


@bp.get("/contracts")
@access.rule(access.LOGGED_IN)
@bp.arguments(schemas.ContractArgs, location="query", as_kwargs=True)
@_answers(schemas.ContractPage, summary=_l("The organisation's contracts (department staff: every one)."),
          answer=_l("A page of contracts."),
          public=False)
@_errors(400, 401, 429)
def contract_list(**args):
    query = _filtered(_side(visibility.contracts_for(current_user), Contract, args.get("side")), args,
                      {"state": Contract.state})
    return jsonify(_page(query, Contract, args, contract_json))


@bp.get("/contracts/<int:contract_id>")
@access.rule(access.party("contract", department=True))
@_answers(schemas.Contract, summary=_l("One of the organisation's contracts."),
          answer=_l("The contract."), public=False)
@_errors(401, 404, 429)
def contract(contract_id: int):
    item = db.session.get(Contract, contract_id)
    if item is None or not contracts.can_view(current_user, item):
        abort(404)
    return jsonify(contract_json(item))


@bp.get("/deliveries")
@access.rule(access.LOGGED_IN)
@bp.arguments(schemas.DeliveryArgs, location="query", as_kwargs=True)
@_answers(schemas.DeliveryPage, summary=_l("Deliveries on the organisation's contracts."),
          answer=_l("A page of deliveries."), public=False)
@_errors(400, 401, 429)
def deliveries(**args):
    visible = visibility.contracts_for(current_user).with_only_columns(Contract.id)
    query = _filtered(sa.select(Delivery).where(Delivery.contract_id.in_(visible)), args,
                      {"contract": Delivery.contract_id, "status": Delivery.status})
    return jsonify(_page(query, Delivery, args, delivery_json))


@bp.post("/contracts/<int:contract_id>/deliveries/<int:delivery_id>/confirm")
@access.rule(access.party("contract", *permissions.NEGOTIATORS, side="buyer", why=ROLE))
@_answers(schemas.DeliverySummary, summary=_l("The buyer confirms a delivery (a read and write token)."),
          answer=_l("The delivery, confirmed."),
          public=False)
@_errors(400, 401, 403, 404, 429)
def confirm_delivery(contract_id: int, delivery_id: int):
    item = db.session.get(Delivery, delivery_id)
    if item is None or item.contract_id != contract_id:
        abort(404)
    done = write.run_json(lambda: contracts.confirm_delivery(current_user, item))
    return jsonify(delivery_json(done.value))


@bp.get("/orders")
@access.rule(access.LOGGED_IN)
@bp.arguments(schemas.OrderArgs, location="query", as_kwargs=True)
@_answers(schemas.OrderPage, summary=_l("The organisation's shop orders, bought and sold."),
          answer=_l("A page of orders."), public=False)
@_errors(400, 401, 429)
def orders(**args):
    query = _filtered(_side(visibility.orders_for(current_user), ShopOrder, args.get("side")), args,
                      {"status": ShopOrder.status})
    return jsonify(_page(query, ShopOrder, args, order_json))


@bp.get("/me")
@access.rule(access.LOGGED_IN)
@_answers(schemas.Me, summary=_l("Who is signed in, for which organisations, and with which token."),
          answer=_l("Who is signed in."),
          public=False)
@_errors(401, 429)
def me():
    found = token()
    return jsonify({
        "user": {"id": current_user.id, "full_name": current_user.full_name},
        "organisations": [_org(m.organisation) for m in current_user.memberships],
        "token": None if found is None else {
            "id": found.id, "name": found.name, "prefix": found.prefix, "scope": found.scope,
            "expires_on": found.expires_on.isoformat(), "organisation_id": found.organisation_id},
    })
