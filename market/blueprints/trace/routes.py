"""Public verification pages and printable labels, reached by the QR code on a product or a harvest.
No login: the public id in the address is unguessable; drafts are shown only to their organisation
and the department, as a preview."""
from flask import Blueprint, abort, make_response, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from market import access
from market.services import traceability

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
    trace = traceability.listing_trace(_listing_or_404(public_id))
    url = url_for("trace.listing", public_id=public_id, _external=True)
    return _page("trace/label.html", trace, name=trace["title"], url=url,
                 qr=Markup(traceability.qr_svg(url, label=_("QR code: %(url)s", url=url))))


@bp.get("/product/<public_id>/label")
@access.rule(access.TOKEN)
def product_label(public_id: str):
    trace = traceability.product_trace(_product_or_404(public_id))
    url = url_for("trace.product", public_id=public_id, _external=True)
    return _page("trace/label.html", trace, name=trace["name"], url=url,
                 qr=Markup(traceability.qr_svg(url, label=_("QR code: %(url)s", url=url))))
