"""GS1 on the market's own domain: the Digital Link resolver (`/01/{gtin}[/10/{lot}]`, what every QR label
encodes), the linkset of a key, EPCIS 2.0 documents (a lot's history, an organisation's events for a date
range), zone location pages, and the producer's product lots. Rules live in services/gs1.py, epcis.py, lots.py.

The resolver, as GS1 resolvers do: a person (Accept: text/html) is sent on to the verification page, or sees
the lot's page; `Accept: application/linkset+json` (or `?linkType=linkset`) answers the RFC 9264 linkset;
`?linkType=gs1:epcis` redirects to the EPCIS document. A malformed link or a wrong check digit answers 400,
an unknown or hidden key 404; HTML for people, JSON for linkset requests.
"""
import json

from flask import Blueprint, Response, abort, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from market import access
from market.blueprints import write
from market.blueprints.forms import Form, NumberField
from market.clock import today
from market.extensions import db
from market.models import GrowingZone, OcopProduct, Organisation, ProductLot
from market.services import epcis, gs1, lots, traceability
from market.services.zones import EDITORS

bp = Blueprint("gs1", __name__)

LINKSET = "application/linkset+json"
JSON_LD = "application/ld+json"
VOC = "https://gs1.org/voc/"


# --- answering errors --------------------------------------------------------------------------------

def _wants_linkset() -> bool:
    if request.args.get("linkType") in ("linkset", "all"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", LINKSET, "application/json"])
    return best in (LINKSET, "application/json") and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _problem(status: int, message: str) -> Response:
    if _wants_linkset():
        response = jsonify({"error": {"status": status, "message": message}})
    else:
        title = _("Malformed or wrong GS1 link") if status == 400 else _("Nothing found for this code")
        response = make_response(render_template("errors/error.html", status=status, title=title, message=message))
    response.status_code = status
    response.headers["Vary"] = "Accept"
    return response


def _resolve(gtin: str, lot: str | None):
    """(lot, None) or (None, the error response)."""
    try:
        return epcis.lookup(gtin, lot, current_user), None
    except gs1.BadIdentifier as exc:
        return None, _problem(400, str(exc))
    except epcis.NotFound as exc:
        return None, _problem(404, str(exc))


# --- the linkset ---------------------------------------------------------------------------------

def _link(href: str, title: str, kind: str = "text/html") -> dict:
    return {"href": href, "title": title, "type": kind, "hreflang": ["vi", "en"]}


def _page_of(found: epcis.Lot) -> str:
    """The verification page for people."""
    if found.kind in ("product_lot", "listing", "delivery") and found.lot is not None:
        return _lot_url(found)
    if found.product is not None:
        return url_for("trace.product", public_id=found.product.public_id, _external=True)
    if found.listing is not None:
        return url_for("trace.listing", public_id=found.listing.public_id, _external=True)
    return url_for("contracts.show", contract_id=found.contract.id, _external=True)


def _lot_url(found: epcis.Lot) -> str:
    return url_for("gs1.resolve_lot", gtin=found.gtin14, lot=found.lot, _external=True)


def _epcis_url(found: epcis.Lot) -> str:
    if found.lot is not None:
        return url_for("gs1.lot_history", gtin=found.gtin14, lot=found.lot, _external=True)
    return url_for("gs1.item_history", gtin=found.gtin14, _external=True)


def linkset(found: epcis.Lot) -> dict:
    anchor = gs1.digital_link(epcis.base_url(), found.gtin14, found.lot)
    page = _page_of(found)
    item_page = _page_of_item(found, external=True)
    entry: dict = {
        "anchor": anchor,
        "itemDescription": found.name,
        VOC + "defaultLink": [_link(page, _("Origin and certificates"))],
        VOC + "pip": [_link(item_page or page,
                            _("Product information: %(name)s", name=found.name))],
        VOC + "epcis": [_link(_epcis_url(found), _("EPCIS 2.0 event history"), JSON_LD)],
        VOC + "traceability": [_link(_epcis_url(found), _("Traceability events (EPCIS 2.0)"), JSON_LD)],
    }
    zones = found.zones
    certificates = [(zone, c) for zone in zones for c in zone.valid_certificates(today())]
    if certificates:
        entry[VOC + "certificationInfo"] = [
            _link(url_for("gs1.zone", zone_id=zone.id, _external=True) + f"#certificate-{c.id}",
                  f"{c.number} · {zone.code}") for zone, c in certificates]
    return {"linkset": [entry]}


def _answer(found: epcis.Lot) -> Response:
    link_type = request.args.get("linkType")
    if link_type in ("gs1:epcis", "gs1:traceability", VOC + "epcis", VOC + "traceability"):
        return redirect(_epcis_url(found), code=307)
    if _wants_linkset():
        response = Response(json.dumps(linkset(found), ensure_ascii=False), mimetype=LINKSET)
    elif found.lot is not None and found.kind != "contract":
        response = make_response(_lot_page(found))
    else:
        response = redirect(_page_of(found), code=307)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = f'<{request.base_url}?linkType=linkset>; rel="linkset"; type="{LINKSET}"'
    return response


def _lot_page(found: epcis.Lot) -> str:
    events = epcis.history(found, current_user)
    trace = None
    if found.product is not None:
        trace = traceability.product_trace(found.product)
    elif found.listing is not None:
        trace = traceability.listing_trace(found.listing)
    return render_template("gs1/lot.html", found=found, trace=trace, events=events,
                           gtin=gs1.gtin_display(found.gtin14), element=gs1.element_string(found.gtin14, found.lot),
                           page=None if found.kind == "listing" else _page_of_item(found),
                           epcis_url=_epcis_url(found))


def _page_of_item(found: epcis.Lot, external: bool = False) -> str | None:
    if found.product is not None:
        return url_for("trace.product", public_id=found.product.public_id, _external=external)
    if found.listing is not None:
        return url_for("trace.listing", public_id=found.listing.public_id, _external=external)
    return None


@bp.get("/01/<gtin>")
@access.rule(access.TOKEN)
def resolve(gtin: str):
    found, problem = _resolve(gtin, None)
    return problem or _answer(found)


@bp.get("/01/<gtin>/10/<path:lot>")
@access.rule(access.TOKEN)
def resolve_lot(gtin: str, lot: str):
    found, problem = _resolve(gtin, lot)
    return problem or _answer(found)


@bp.get("/01/<gtin>/<path:rest>")
@access.rule(access.TOKEN)
def malformed(gtin: str, rest: str):
    return _problem(400, _("Malformed GS1 Digital Link: after the GTIN this market reads only /10/ and a lot "
                           "number, e.g. /01/08935049500018/10/LOT01."))


# --- EPCIS documents -----------------------------------------------------------------------------

def _jsonld(document: dict, filename: str) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype=JSON_LD)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _history(gtin: str, lot: str | None):
    found, problem = _resolve(gtin, lot)
    if problem:
        return problem
    return _jsonld(epcis.document(epcis.history(found, current_user)), epcis.file_name(found))


@bp.get("/gs1/epcis/01/<gtin>")
@access.rule(access.TOKEN)
def item_history(gtin: str):
    return _history(gtin, None)


@bp.get("/gs1/epcis/01/<gtin>/10/<path:lot>")
@access.rule(access.TOKEN)
def lot_history(gtin: str, lot: str):
    return _history(gtin, lot)


# --- locations and parties -----------------------------------------------------------------------

@bp.get("/gs1/zones/<int:zone_id>")
@access.rule(access.PUBLIC)
def zone(zone_id: int):
    """A zone as an EPCIS location: its identifiers and certificates (the anchors certificationInfo names)."""
    found = db.get_or_404(GrowingZone, zone_id)
    if not found.organisation.is_verified:
        abort(404)
    base = epcis.base_url()
    return render_template("gs1/zone.html", zone=found, on=today(), location=gs1.location_uri(base, found),
                           extension=gs1.gln_extension(found), market_uri=f"{base}/gs1/zones/{found.id}")


@bp.get("/gs1/parties/<int:org_id>")
@access.rule(access.PUBLIC)
def party(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    return redirect(url_for("orgs.show", org_id=org.id))


@bp.get("/414/<gln>")
@bp.get("/417/<gln>")
@access.rule(access.PUBLIC)
def gln(gln: str):
    """A GLN on the market's domain (a location, AI 414, or a party, AI 417): the organisation's page."""
    try:
        number = gs1.clean_gln(gln)
    except gs1.BadIdentifier as exc:
        return _problem(400, str(exc))
    org = db.session.scalar(db.select(Organisation).where(Organisation.gln == number)) if number else None
    if org is None:
        return _problem(404, _("No organisation with GLN %(gln)s is registered here.", gln=gln))
    return redirect(url_for("orgs.show", org_id=org.id), code=307)


@bp.get("/414/<gln>/254/<path:extension>")
@access.rule(access.PUBLIC)
def zone_by_gln(gln: str, extension: str):
    try:
        number = gs1.clean_gln(gln)
    except gs1.BadIdentifier as exc:
        return _problem(400, str(exc))
    org = db.session.scalar(db.select(Organisation).where(Organisation.gln == number)) if number else None
    zones = [z for z in db.session.scalars(db.select(GrowingZone).where(GrowingZone.organisation_id == org.id))
             if gs1.gln_extension(z) == extension] if org is not None else []
    if not zones:
        return _problem(404, _("No zone %(extension)s is registered under GLN %(gln)s.", extension=extension, gln=gln))
    return redirect(url_for("gs1.zone", zone_id=zones[0].id), code=307)


# --- an organisation's events --------------------------------------------------------------------

class ExportForm(Form):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


@bp.get("/gs1/orgs/<int:org_id>/events")
@access.rule(access.member())
def events(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = ExportForm(request.args)
    form.validate()
    start, end, problem = epcis.export_range(form.start.data, form.end.data)
    found = [] if problem else epcis.organisation_events(org, start, end)
    if problem:
        form.end.errors = list(form.end.errors) + [problem]
    return render_template("gs1/events.html", org=org, form=form, events=found, start=start, end=end,
                           problem=problem)


@bp.get("/gs1/orgs/<int:org_id>/events.jsonld")
@access.rule(access.member())
def events_download(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = ExportForm(request.args)
    form.validate()
    start, end, problem = epcis.export_range(form.start.data, form.end.data)
    if problem or form.errors:
        return jsonify({"error": {"status": 400, "message": problem or _("Enter dates as YYYY-MM-DD.")}}), 400
    document = epcis.document(epcis.organisation_events(org, start, end))
    return _jsonld(document, f"epcis-org{org.id}-{start.isoformat()}-{end.isoformat()}.jsonld")


# --- product lots --------------------------------------------------------------------------------

class LotForm(Form):
    product_id = SelectField(_l("Product"), validators=[DataRequired()])
    lot_number = StringField(_l("Lot number"), validators=[DataRequired(), Length(max=40)],
                             description=_l("Up to 20 letters without accents, digits or - . / _, e.g. VAI-2026-01"))
    produced_on = DateField(_l("Made on"), validators=[DataRequired()])
    quantity = NumberField(_l("Quantity made (in the product's unit, optional)"), validators=[Optional()],
                           minimum=0.01, maximum=lots.MAX_QUANTITY)
    source = SelectField(_l("Made from the harvest lot (optional)"), validators=[Optional()])
    input_quantity = NumberField(_l("Quantity of the harvest lot used (optional)"), validators=[Optional()],
                                 minimum=0.01, maximum=lots.MAX_QUANTITY)


def _products(org: Organisation) -> list[OcopProduct]:
    return list(db.session.scalars(db.select(OcopProduct).where(OcopProduct.organisation_id == org.id)
                                   .order_by(OcopProduct.name)))


@bp.route("/gs1/orgs/<int:org_id>/lots", methods=["GET", "POST"])
@access.rule(access.member(), POST=access.member(*EDITORS))
def product_lots(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    products = _products(org)
    form = LotForm()
    form.product_id.choices = [(str(p.id), p.name) for p in products]
    chosen = next((p for p in products if str(p.id) == (form.product_id.data or "")), products[0] if products else None)
    form.source.choices = [("", _("— not recorded —"))] + (lots.sources(chosen) if chosen else [])
    if request.method == "POST" and chosen is not None and form.validate_on_submit():
        data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        if write.run(lambda: lots.add_lot(current_user, chosen, data), form=form, success=_("Lot saved.")):
            return redirect(url_for("gs1.product_lots", org_id=org.id))
    membership = current_user.membership_in(org.id)
    recorded = list(db.session.scalars(db.select(ProductLot).join(OcopProduct).where(
        OcopProduct.organisation_id == org.id).order_by(ProductLot.produced_on.desc(), ProductLot.id.desc())))
    return render_template("gs1/lots.html", org=org, form=form, lots=recorded, products=products,
                           link=lambda lot: epcis.product_link(lot.product, lot.lot_number),
                           element=lambda lot: gs1.element_string(epcis.product_gtin(lot.product), lot.lot_number),
                           editor=membership is not None and membership.role in EDITORS)
