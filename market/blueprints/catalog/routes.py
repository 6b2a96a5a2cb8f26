"""Public pages of the catalogue: supply listings, OCOP products and growing zones."""
import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from market.blueprints.workspace.forms import CERTIFICATE_LABELS, ZONE_KIND_LABELS
from market.clock import today
from market.extensions import db
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
from market.services.listings import PRODUCT_FORMS, UNITS
from market.services.products import CATEGORIES, PRODUCT_UNITS
from market.services.visibility import can_see_listing, can_see_product, can_see_zone

bp = Blueprint("catalog", __name__)

LABELS = {"certificate_labels": CERTIFICATE_LABELS, "zone_kinds": ZONE_KIND_LABELS, "forms": PRODUCT_FORMS,
          "units": UNITS, "categories": CATEGORIES, "product_units": PRODUCT_UNITS}


@bp.get("/listings")
def listings():
    crop_id = request.args.get("crop", type=int)
    query = (sa.select(SupplyListing).join(Organisation)
             .where(SupplyListing.status.in_(ListingStatus.PUBLIC), Organisation.status == OrgStatus.VERIFIED))
    if crop_id:
        query = query.where(SupplyListing.crop_id == crop_id)
    page = db.paginate(query.order_by(SupplyListing.harvest_start.desc(), SupplyListing.id), per_page=20,
                       error_out=False)
    crops = db.session.scalars(sa.select(Crop).where(Crop.tradable).order_by(Crop.name_vi))
    return render_template("catalog/listings.html", page=page, crops=crops, crop_id=crop_id, on=today(), **LABELS)


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int):
    item = db.get_or_404(SupplyListing, listing_id)
    if not can_see_listing(item):
        abort(404)
    return render_template("catalog/listing.html", listing=item, on=today(), **LABELS)


@bp.get("/products")
def products():
    stars = request.args.get("stars", type=int)
    query = (sa.select(OcopProduct).join(Organisation)
             .where(OcopProduct.status == ProductStatus.PUBLISHED, Organisation.status == OrgStatus.VERIFIED))
    if stars in (3, 4, 5):
        query = query.where(OcopProduct.stars == stars)
    page = db.paginate(query.order_by(OcopProduct.stars.desc(), OcopProduct.name), per_page=20, error_out=False)
    return render_template("catalog/products.html", page=page, stars=stars, on=today(), **LABELS)


@bp.get("/products/<int:product_id>")
def product(product_id: int):
    item = db.get_or_404(OcopProduct, product_id)
    if not can_see_product(item):
        abort(404)
    return render_template("catalog/product.html", product=item, on=today(), **LABELS)


@bp.get("/zones/<path:code>")
def zone(code: str):
    item = db.session.scalar(sa.select(GrowingZone).where(GrowingZone.code == code.upper()))
    if item is None or not can_see_zone(item):
        abort(404)
    return render_template("catalog/zone.html", zone=item, on=today(), **LABELS)
