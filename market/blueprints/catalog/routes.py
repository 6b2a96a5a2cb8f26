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
    ListingStatus,
    OcopProduct,
    Organisation,
    OrgStatus,
    ProductStatus,
    SupplyListing,
)
from market.services.visibility import can_see_listing, can_see_product, can_see_zone

bp = Blueprint("catalog", __name__)

@bp.get("/listings")
@access.rule(access.PUBLIC)
def listings():
    crop_id = int_arg("crop")
    query = (sa.select(SupplyListing).join(Organisation)
             .where(SupplyListing.status.in_(ListingStatus.PUBLIC), Organisation.status == OrgStatus.VERIFIED))
    if crop_id:
        query = query.where(SupplyListing.crop_id == crop_id)
    page = db.paginate(query.order_by(SupplyListing.harvest_start.desc(), SupplyListing.id), page=page_arg(), per_page=20,
                       error_out=False)
    crops = db.session.scalars(sa.select(Crop).where(Crop.tradable).order_by(Crop.name_vi))
    return render_template("catalog/listings.html", page=page, crops=crops, crop_id=crop_id, on=today())


@bp.get("/listings/<int:listing_id>")
@access.rule(access.visible("listing"))
def listing(listing_id: int):
    item = db.get_or_404(SupplyListing, listing_id)
    if not can_see_listing(current_user, item):
        abort(404)
    return render_template("catalog/listing.html", listing=item, on=today())


@bp.get("/products")
@access.rule(access.PUBLIC)
def products():
    stars = int_arg("stars")
    query = (sa.select(OcopProduct).join(Organisation)
             .where(OcopProduct.status == ProductStatus.PUBLISHED, Organisation.status == OrgStatus.VERIFIED))
    if stars in (3, 4, 5):
        query = query.where(OcopProduct.stars == stars)
    page = db.paginate(query.order_by(OcopProduct.stars.desc(), OcopProduct.name), page=page_arg(), per_page=20, error_out=False)
    return render_template("catalog/products.html", page=page, stars=stars, on=today())


@bp.get("/products/<int:product_id>")
@access.rule(access.visible("product"))
def product(product_id: int):
    item = db.get_or_404(OcopProduct, product_id)
    if not can_see_product(current_user, item):
        abort(404)
    return render_template("catalog/product.html", product=item, on=today())


@bp.get("/zones/<path:code>")
@access.rule(access.visible("zone"))
def zone(code: str):
    item = db.session.scalar(sa.select(GrowingZone).where(GrowingZone.code == code.upper()))
    if item is None or not can_see_zone(current_user, item):
        abort(404)
    return render_template("catalog/zone.html", zone=item, on=today())
