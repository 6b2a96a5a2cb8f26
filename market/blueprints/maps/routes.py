"""Growing zones on a map: the department's map of every zone by crop and certificate state, search
results on a map, and the JSON the map script reads. Every page lists what the map shows, so it reads
the same when the tiles or the script cannot load."""
import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from market import access
from market.clock import today
from market.extensions import db
from market.i18n import select_locale
from market.inputs import int_arg
from market.models import Crop, GrowingZone, OcopProduct, SupplyListing
from market.search import QueryError, SearchUnavailable, get_backend, parse_args
from market.services import zone_map

bp = Blueprint("maps", __name__)


def _filters():
    crop_id = int_arg("crop")
    cert = request.args.get("cert")
    return crop_id, cert if cert in zone_map.CERT_STATES else None


@bp.get("/")
@access.rule(access.PUBLIC)
def zones():
    crop_id, cert = _filters()
    points = zone_map.all_zones(current_user, today(), select_locale(), crop_id, cert)
    crops = db.session.scalars(sa.select(Crop).order_by(Crop.name_vi))
    by_crop: dict[str, list[dict]] = {}
    for p in points:
        by_crop.setdefault(p["crop"], []).append(p)
    return render_template("maps/zones.html", points=points, by_crop=sorted(by_crop.items()), crops=list(crops),
                           crop_id=crop_id, cert=cert, cert_states=zone_map.CERT_STATES)


@bp.get("/zones.json")
@access.rule(access.PUBLIC)
def zones_json():
    crop_id, cert = _filters()
    return jsonify({"zones": zone_map.all_zones(current_user, today(), select_locale(), crop_id, cert)})


@bp.get("/search")
@access.rule(access.PUBLIC)
def search():
    """The search page's results, as zones on a map: the zones behind each listing and product found."""
    errors, unavailable, hits, points = {}, False, [], []
    try:
        query = parse_args(request.args)
        result = get_backend().search(query)
        hits = result.hits
    except QueryError as exc:
        errors = exc.errors
    except SearchUnavailable:
        unavailable = True
    listing_ids = [h.object_id for h in hits if h.kind == "listing"]
    product_ids = [h.object_id for h in hits if h.kind == "product"]
    zones: dict[int, GrowingZone] = {}
    for model, ids in ((SupplyListing, listing_ids), (OcopProduct, product_ids)):
        if ids:
            for item in db.session.scalars(sa.select(model).where(model.id.in_(ids))):
                zones.update({z.id: z for z in item.zones})
    points = zone_map.points(sorted(zones.values(), key=lambda z: z.code), current_user, today(), select_locale())
    status = 400 if errors else 503 if unavailable else 200
    return render_template("maps/search.html", hits=hits, points=points, errors=errors, unavailable=unavailable,
                           q=request.args.get("q", ""), args=request.args), status


@bp.app_template_global()
def zone_points(zones) -> list[dict]:
    """For a page's map: the zones it shows (a zone page, a listing's zones) as map points."""
    return zone_map.points(list(zones), current_user, today(), select_locale())
