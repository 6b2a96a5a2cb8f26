"""Public pages of the catalogue: supply listings, OCOP products and growing zones."""
import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user

from market import access
from market.clock import today
from market.extensions import db
from market.inputs import int_arg, page_arg
from market.models import (
    Crop,
    GrowingZone,
    OcopProduct,
    SupplyListing,
)
from market.services import holds, ocop, verification, visibility, zones
from market.services import products as product_service
from market.services.visibility import can_see_listing, can_see_product, can_see_zone
from market.web import public_page

bp = Blueprint("catalog", __name__)

@bp.get("/listings")
@access.rule(access.PUBLIC)
@public_page
def listings():
    crop_id = int_arg("crop")
    query = visibility.public_listings()
    if crop_id:
        query = query.where(SupplyListing.crop_id == crop_id)
    # Each card shows the crop, the seller and the zones' certificates: loaded in three queries, not 60.
    query = query.options(sa.orm.joinedload(SupplyListing.crop), sa.orm.joinedload(SupplyListing.organisation),
                          sa.orm.selectinload(SupplyListing.zones).selectinload(GrowingZone.certificates))
    page = db.paginate(query.order_by(SupplyListing.harvest_start.desc(), SupplyListing.id), page=page_arg(),
                       per_page=20,
                       error_out=False)
    crops = db.session.scalars(sa.select(Crop).where(Crop.tradable).order_by(Crop.name_vi))
    return render_template("catalog/listings.html", page=page, crops=crops, crop_id=crop_id, on=today())


@bp.get("/listings/<int:listing_id>")
@access.rule(access.visible("listing"))
@public_page
def listing(listing_id: int):
    item = db.get_or_404(SupplyListing, listing_id)
    if not can_see_listing(current_user, item):
        abort(404)
    held = holds.listing_holds(item)
    return render_template("catalog/listing.html", listing=item, on=today(), record=verification.record,
                           held=held, why_held=holds.why(held) if held else None,
                           alternatives=holds.alternatives_url(item.crop.key, "listing"))


@bp.get("/products")
@access.rule(access.PUBLIC)
@public_page
def products():
    stars = int_arg("stars")
    query = visibility.public_products()
    if stars in (3, 4, 5):
        query = query.where(OcopProduct.stars == stars)
    page = db.paginate(query.order_by(OcopProduct.stars.desc(), OcopProduct.name), page=page_arg(), per_page=20,
                       error_out=False)
    return render_template("catalog/products.html", page=page, stars=stars, on=today(), standing=ocop.standing)


@bp.get("/products/<int:product_id>")
@access.rule(access.visible("product"))
@public_page
def product(product_id: int):
    item = db.get_or_404(OcopProduct, product_id)
    if not can_see_product(current_user, item):
        abort(404)
    on = today()
    held = holds.product_holds(item)
    return render_template("catalog/product.html", product=item, on=on, standing=ocop.standing(item, on),
                           revision=product_service.pending_revision(item), held=held,
                           why_held=holds.why(held) if held else None,
                           alternatives=holds.alternatives_url(item.crop.key if item.crop else None, "product"))


@bp.get("/zones/<path:code>")
@access.rule(access.visible("zone"))
@public_page
def zone(code: str):
    item = db.session.scalar(sa.select(GrowingZone).where(GrowingZone.code == code.upper()))
    if item is None or not can_see_zone(current_user, item):
        abort(404)
    revision = zones.pending_revision(item)
    mine = current_user.is_authenticated and (current_user.membership_in(item.organisation) is not None
                                              or current_user.is_department_staff)
    return render_template("catalog/zone.html", zone=item, on=today(), record=verification.record,
                           revision=revision, show_changes=mine,
                           revision_changes=zones.revision_changes(revision) if revision and mine else [])
