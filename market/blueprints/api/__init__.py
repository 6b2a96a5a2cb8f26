"""The JSON API: routes (routes.py), tokens (auth.py), limits (limits.py), one error shape (errors.py), and its
OpenAPI 3.1 document, made by flask-smorest from the routes' schemas and served at /api/v1/openapi.json,
with a readable page at /developers/api.

`init_app(app)` runs once every other blueprint is registered: it registers the API blueprint through
flask-smorest, documents the /api/ routes other blueprints own (search, targets: `OTHER_ROUTES`), and puts
the rate limit on every blueprint with a route under /api/.
"""
import http
import re

from flask import Blueprint, Flask, current_app, json, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from markupsafe import Markup, escape

from market import access
from market.blueprints.api import schemas

API_TITLE = "Lạng Sơn linkage market API"
DESCRIPTION = """Listings, OCOP products and growing zones (public), and an organisation's own contracts,
deliveries and orders, as JSON. Sign in with a personal access token made in your account page:
`Authorization: Bearer lsm_...`. Lists are pages of `{"items": [...], "next": url-or-null}`; follow `next`.
Every error is `{"error": {"status", "code", "message", "fields"?}}`. Each token has a rate limit; over it, 429
with Retry-After."""


# The error answers the routes document (components/responses), in words a person reads on /developers/api.
ERROR_ANSWERS = {
    400: _l("The arguments are not valid: `fields` says which and why."),
    401: _l("No valid token: missing, unknown, revoked or expired."),
    403: _l("The token's owner may not do this (or the token is read-only)."),
    404: _l("Nothing found, or not visible to the token's owner."),
    429: _l("Too many requests for this token: wait the seconds `Retry-After` says."),
}


class MarketApi(Api):
    """flask-smorest's Api, with the market's error shape in the document and market.errors answering errors.
    Every text of the document is `_l(...)`: the JSON is rendered in English (`english_document`), the page
    /developers/api in the reader's language."""

    ERROR_SCHEMA = schemas.Error

    def _register_error_handlers(self):
        pass  # market.errors answers every error, in the shape of api/errors.py

    def _register_responses(self):
        """flask-smorest's error responses (one per HTTP status, registered when a route refers to it), with
        descriptions a person can read in either language instead of the bare HTTP phrase."""
        for status in http.HTTPStatus:
            response = {"description": ERROR_ANSWERS.get(status.value, status.phrase)}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": _l("Any other error, in the same shape."), "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _document_other_routes(app: Flask, api: MarketApi) -> None:
    """The /api/ routes of other blueprints (plain Flask views): their path and path parameters come from the
    url_map, their answers are described here. A route missing here fails tests/api/test_openapi.py."""
    spec = api.spec
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    spec.components.schema("TargetFigure", schema=schemas.TargetFigure)
    spec.components.schema("TargetsReport", schema=schemas.TargetsReport)
    spec.components.schema("SearchResult", schema=schemas.SearchResult)
    ok = {"content": {"application/json": {"schema": {}}}}
    errors = {str(code): {"$ref": f"#/components/responses/{name}"} for code, name in
              ((400, "BAD_REQUEST"), (401, "UNAUTHORIZED"), (403, "FORBIDDEN"), (429, "TOO_MANY_REQUESTS"))}
    spec.path(rule=rules["api_docs.openapi_json"], operations={"get": {
        "tags": ["api"], "summary": _l("This document (OpenAPI 3.1)."), "security": [{}],
        "responses": {"200": {**ok, "description": _l("The document."), "content": {"application/json": {"schema": {
            "type": "object", "required": ["openapi", "info", "paths"]}}}}, "429": errors["429"]}}})
    spec.path(rule=rules["targets_api.api_targets"], operations={"get": {
        "tags": ["targets"], "summary": _l("The plan's figures (department and commune staff; a staff token)."),
        "security": [{"bearerAuth": []}],
        "parameters": [
            {"in": "query", "name": "as_of", "schema": {"type": "string", "format": "date"},
             "description": _l("The day the figures are computed for; today when left out.")},
            {"in": "query", "name": "commune", "schema": {"type": "integer"}, "description": _l("A commune id.")},
            {"in": "query", "name": "crop", "schema": {"type": "integer"}, "description": _l("A crop id.")}],
        "responses": {"200": {**ok, "description": _l("The figures."), "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/TargetsReport"}}}}, **errors}}})
    spec.path(rule=rules["search_api.api"], operations={"get": {
        "tags": ["search"], "summary": _l("Full-text search of listings, products and zones."),
        "security": [{}, {"bearerAuth": []}],
        "parameters": [{"in": "query", "name": "q", "schema": {"type": "string"},
                        "description": _l("The words searched for, as people type them.")},
                       {"in": "query", "name": "page", "schema": {"type": "integer"},
                        "description": _l("The page of results, from 1.")}],
        "responses": {"200": {**ok, "description": _l("The results."), "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/SearchResult"}}}}, "400": errors["400"], "429": errors["429"],
            "503": {"description": _l("Search is unavailable for a moment."), "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}}}})


def _one_error_shape(response):
    """A safety net for /api/ routes that write their own error JSON (other blueprints): add the `code`."""
    if response.status_code >= 400 and response.is_json and request.path.startswith("/api/"):
        from market.blueprints.api.errors import CODES

        body = response.get_json(silent=True)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and "code" not in error:
            error["code"] = CODES.get(response.status_code, "error")
            error.setdefault("status", response.status_code)
            response.set_data(json.dumps(body))
    return response


def _api(app: Flask) -> MarketApi:
    return app.extensions["market.api"]


docs_bp = Blueprint("api_docs", __name__)


def english_document() -> dict:
    """The OpenAPI document as programs read it: every text in English, whatever the request's language."""
    with force_locale("en"):
        return json.loads(json.dumps(_api(current_app).spec.to_dict()))  # every _l(...) resolved now


@docs_bp.get("/api/v1/openapi.json")
@access.rule(access.PUBLIC)
def openapi_json():
    return jsonify(english_document())


# The words of the document's types, formats and places, as the page shows them.
TYPE_WORDS = {"string": _l("text"), "integer": _l("whole number"), "number": _l("number"),
              "boolean": _l("true or false"), "object": _l("object"), "array": _l("list"), "null": _l("empty (`null`)")}
FORMAT_WORDS = {"date": _l("date, YYYY-MM-DD"), "date-time": _l("date and time, ISO 8601"), "uri": _l("web address"),
                "int32": None, "int64": None}
PLACE_WORDS = {"query": _l("after the ?"), "path": _l("in the path"), "header": _l("a header")}
STATUS_WORDS = {"default": _l("Other statuses")}  # OpenAPI's catch-all answer; numbered statuses show as is


def _ticks(text) -> Markup:
    """A description with `names` as code: the names a program reads stay as they are, the words around them
    are translated."""
    # str() first: a lazy string has __html__, which escape() would trust as markup.
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(str(text or "")))))


@docs_bp.get("/developers/api")
@access.rule(access.PUBLIC)
def openapi_page():
    """The document, readable in the reader's language: every route, its arguments and answers, and the shapes
    (no script, no CDN). The texts are the same `_l(...)` as the JSON's, translated as the page renders."""
    document = _api(current_app).spec.to_dict()
    return render_template("api/docs.html", doc=document, title=_l("API for other systems"),
                           methods=("get", "post", "put", "patch", "delete"), type_words=TYPE_WORDS,
                           format_words=FORMAT_WORDS, place_words=PLACE_WORDS, status_words=STATUS_WORDS,
                           responses=document.get("components", {}).get("responses", {}), ticks=_ticks)


def init_app(app: Flask) -> None:
    from market.blueprints.api import epcis as _epcis_routes  # noqa: F401 - its routes join the blueprint
    from market.blueprints.api import limits
    from market.blueprints.api.routes import bp
    from market.blueprints.api.tokens import bp as tokens_bp
    from market.inputs import INT_MAX, BoundedInt

    api = MarketApi(spec_kwargs={
        "title": API_TITLE, "version": "1", "openapi_version": "3.1.0",
        "info": {"description": DESCRIPTION},
        "components": {"securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer", "bearerFormat": "lsm_ personal access token",
            "description": "A personal access token, made in your account page (read-only or read and write)."}}},
    })
    api.init_app(app)
    # flask-smorest's page-number pagination shape: the market's lists are cursor pages (schemas.page_of).
    api.spec.components.schemas.pop("PaginationMetadata", None)
    api.register_converter(BoundedInt, lambda converter: {"type": "integer", "minimum": 0, "maximum": INT_MAX})
    api.register_blueprint(bp, url_prefix="/api/v1")
    app.register_blueprint(docs_bp)
    app.register_blueprint(tokens_bp, url_prefix="/auth/account/tokens")
    _document_other_routes(app, api)
    app.extensions["market.api"] = api
    app.after_request(_one_error_shape)
    limits.init_app(app)
