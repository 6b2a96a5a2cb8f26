"""Public verification pages and printable labels, reached by the QR code on a product or a harvest.
No login: the public id in the address is unguessable; drafts are shown only to their organisation
and the department, as a preview."""
import sqlalchemy as sa
from flask import Blueprint, abort, make_response, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from market import access
from market.extensions import db
from market.models import ProductLot
from market.services import epcis, gs1, traceability

bp = Blueprint("trace", __name__)

def _listing_or_404(public_id: str):
    listing = traceability.find_listing(public_id)
    if listing is None or not traceability.may_view(current_user, listing):
        abort(404)
    return listing


def _product_or_404(public_id: str):
    product = traceability.find_product(public_id)
    if product is None or not traceability.may_view(current_user, product):
        abort(404)
    return product


def _page(template: str, trace: dict, **context):
    response = make_response(render_template(template, trace=trace,
                                             format_decimal=format_decimal, **context))
    if not trace["public"]:  # a preview of a draft: for the signed-in viewer only, not cached, not indexed
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/listing/<public_id>")
@access.rule(access.TOKEN)
def listing(public_id: str):
    trace = traceability.listing_trace(_listing_or_404(public_id))
    return _page("trace/listing.html", trace)


@bp.get("/product/<public_id>")
@access.rule(access.TOKEN)
def product(public_id: str):
    trace = traceability.product_trace(_product_or_404(public_id))
    return _page("trace/product.html", trace)


@bp.get("/listing/<public_id>/label")
@access.rule(access.TOKEN)
def listing_label(public_id: str):
    listing = _listing_or_404(public_id)
    trace = traceability.listing_trace(listing)
    # The QR code carries the GS1 Digital Link of the harvest lot (services/gs1.py), which resolves here.
    url = epcis.listing_link(listing)
    return _page("trace/label.html", trace, name=trace["title"], url=url,
                 back=url_for("trace.listing", public_id=public_id),
                 element=gs1.element_string(epcis.listing_gtin(listing), listing.lot_number),
                 gtin=gs1.gtin_display(epcis.listing_gtin(listing)), lot=listing.lot_number, gtin_is_rcn=True,
                 qr=Markup(traceability.qr_svg(url, label=_("QR code: %(url)s", url=url))))


@bp.get("/product/<public_id>/label")
@access.rule(access.TOKEN)
def product_label(public_id: str):
    product = _product_or_404(public_id)
    trace = traceability.product_trace(product)
    # ?lot=: the label of one of the product's lots (a lot the producer recorded; any other is refused).
    lot = request.args.get("lot") or None
    if lot is not None and db.session.scalar(sa.select(ProductLot.id).where(
            ProductLot.product_id == product.id, ProductLot.lot_number == lot)) is None:
        abort(404)
    url = epcis.product_link(product, lot)
    return _page("trace/label.html", trace, name=trace["name"], url=url,
                 back=url_for("trace.product", public_id=public_id),
                 element=gs1.element_string(epcis.product_gtin(product), lot),
                 gtin=gs1.gtin_display(epcis.product_gtin(product)), lot=lot, gtin_is_rcn=not product.gtin,
                 qr=Markup(traceability.qr_svg(url, label=_("QR code: %(url)s", url=url))))
