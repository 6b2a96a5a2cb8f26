"""EPCIS 2.0 documents for programs, with a token: a lot's or an item's whole history and an organisation's own
events for a date range. The same documents as the downloads people use under /gs1/ (blueprints/gs1), from the
same services (services/epcis.py), answered as `application/ld+json`; errors in the API's one shape."""
from flask import Response, abort, json
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from market import access
from market.blueprints.api import schemas
from market.blueprints.api.errors import json_error
from market.blueprints.api.routes import _answers, _errors, bp
from market.extensions import db
from market.models import Organisation
from market.services import epcis, gs1

JSON_LD = "application/ld+json"


def _document(events: list[epcis.Event]) -> Response:
    response = Response(json.dumps(epcis.document(events), ensure_ascii=False), mimetype=JSON_LD)
    response.headers["Cache-Control"] = "private, no-store"  # a party's events are theirs
    return response


def _history(gtin: str, lot: str | None) -> Response:
    try:
        found = epcis.lookup(gtin, lot, current_user)
    except gs1.BadIdentifier as exc:
        abort(json_error(400, str(exc), code="invalid_identifier"))
    except epcis.NotFound as exc:
        abort(json_error(404, str(exc)))
    return _document(epcis.history(found, current_user))


@bp.get("/epcis/01/<gtin>")
@access.rule(access.TOKEN)
@_answers(schemas.EpcisDocument, content_type=JSON_LD, summary=_l(
    "An item's whole history as an EPCIS 2.0 document: the GTIN of a product, or the market's number of an item "
    "without one (the parties to a contract also see its shipping and receiving)."),
    answer=_l("The EPCIS 2.0 document (JSON-LD)."))
@_errors(400, 404, 429)
def epcis_item(gtin: str):
    return _history(gtin, None)


@bp.get("/epcis/01/<gtin>/10/<path:lot>")
@access.rule(access.TOKEN)
@_answers(schemas.EpcisDocument, content_type=JSON_LD, summary=_l(
    "A lot's whole history as an EPCIS 2.0 document, upstream and downstream, as its GS1 Digital Link names it "
    "(`/01/{gtin}/10/{lot}`)."), answer=_l("The EPCIS 2.0 document (JSON-LD)."))
@_errors(400, 404, 429)
def epcis_lot(gtin: str, lot: str):
    return _history(gtin, lot)


@bp.get("/organisations/<int:org_id>/epcis-events")
@access.rule(access.member())
@bp.arguments(schemas.EventsArgs, location="query", as_kwargs=True)
@_answers(schemas.EpcisDocument, content_type=JSON_LD, public=False, summary=_l(
    "The organisation's own EPCIS 2.0 events for a date range: its harvests, product lots and the deliveries it "
    "shipped or received (its members' tokens)."), answer=_l("The EPCIS 2.0 document (JSON-LD)."))
@_errors(400, 401, 403, 404, 429)
def epcis_events(org_id: int, start=None, end=None):
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    start, end, problem = epcis.export_range(start, end)
    if problem:
        abort(json_error(400, _("Some arguments are not valid."), fields={"end": problem}))
    return _document(epcis.organisation_events(org, start, end))
