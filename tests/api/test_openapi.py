"""The OpenAPI 3.1 document (/api/v1/openapi.json, made by flask-smorest from market/blueprints/api/schemas.py):
it is a valid OpenAPI 3.1 document, every /api/ route of the url_map is in it, and every response it documents
is what the route really answers: each (route, status) pair is called in a factory world and the body is
validated against the documented schema."""
import json
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.api.conftest import bearer, make_token

# Documented answers no factory world can produce here: the search engine being down (tests/search covers it).
NOT_PRODUCED = {("get", "/api/v1/search", "503")}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_the_document_is_valid_openapi_3_1_with_the_bearer_scheme(document, client):
    validate_openapi(document)  # raises on any error; picks the 3.1 validator from the `openapi` field
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "lsm_ personal access token",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"]}
    page = client.get("/developers/api")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/openapi.json" in html
    assert all(f"{path}</code>" in html for path in document["paths"])  # every route is on the readable page


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_documented(app, document):
    routes = {(method.lower(), _openapi_path(rule.rule)) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(method, path) for path, item in document["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert routes - documented == set(), "API routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented routes that do not exist"


# --- every documented response, called for real --------------------------------------------------------------

def _calls(app, w, factory) -> list[tuple[str, str, str, dict]]:
    """(method, documented path, expected status, request kwargs) for every documented answer."""
    p = w.parties
    buyer = bearer(make_token(app, p.buyer_owner, p.buyer))
    writer = bearer(make_token(app, p.buyer_owner, p.buyer, scope="write"))
    staff_id = factory.department_staff()
    with app.app_context():
        import sqlalchemy as sa

        from market.extensions import db
        from market.models import GrowingZone, Membership

        department = db.session.scalar(sa.select(Membership.organisation_id).where(Membership.user_id == staff_id))
        zone_code = db.session.get(GrowingZone, p.zone).code
    staff = bearer(make_token(app, staff_id, department))
    product = factory.product(p.seller, [p.zone])
    with app.app_context():
        from market.models import OcopProduct, SupplyListing
        from market.services import epcis

        listing = db.session.get(SupplyListing, p.listing)
        listing.lot_number = "HOI-API-01"
        harvest, item = epcis.listing_gtin(listing), epcis.product_gtin(db.session.get(OcopProduct, product))
        db.session.commit()
    confirm = "/api/v1/contracts/{contract_id}/deliveries/{delivery_id}/confirm"
    events = "/api/v1/organisations/{org_id}/epcis-events"
    lot = "/api/v1/epcis/01/{gtin}/10/{lot}"
    c, d0, d1 = w.contract, w.deliveries[0], w.deliveries[1]
    return [
        ("get", "/api/v1/listings", "200", {"path": "/api/v1/listings?limit=1"}),
        ("get", "/api/v1/listings", "400", {"path": "/api/v1/listings?limit=0"}),
        ("get", "/api/v1/listings/{listing_id}", "200", {"path": f"/api/v1/listings/{p.listing}"}),
        ("get", "/api/v1/listings/{listing_id}", "404", {"path": "/api/v1/listings/999999"}),
        ("get", "/api/v1/products", "200", {"path": "/api/v1/products"}),
        ("get", "/api/v1/products", "400", {"path": "/api/v1/products?stars=9"}),
        ("get", "/api/v1/products/{product_id}", "200", {"path": f"/api/v1/products/{product}"}),
        ("get", "/api/v1/products/{product_id}", "404", {"path": "/api/v1/products/999999"}),
        ("get", "/api/v1/zones", "200", {"path": "/api/v1/zones", "headers": buyer}),
        ("get", "/api/v1/zones", "400", {"path": "/api/v1/zones?commune=abc"}),
        ("get", "/api/v1/zones/{code}", "200", {"path": f"/api/v1/zones/{zone_code}"}),
        ("get", "/api/v1/zones/{code}", "404", {"path": "/api/v1/zones/LS-NOWHERE"}),
        ("get", "/api/v1/contracts", "200", {"path": "/api/v1/contracts", "headers": buyer}),
        ("get", "/api/v1/contracts", "400", {"path": "/api/v1/contracts?side=both", "headers": buyer}),
        ("get", "/api/v1/contracts", "401", {"path": "/api/v1/contracts"}),
        ("get", "/api/v1/contracts/{contract_id}", "200", {"path": f"/api/v1/contracts/{c}", "headers": buyer}),
        ("get", "/api/v1/contracts/{contract_id}", "401", {"path": f"/api/v1/contracts/{c}",
                                                          "headers": bearer("lsm_revoked-or-unknown")}),
        ("get", "/api/v1/contracts/{contract_id}", "404", {"path": f"/api/v1/contracts/{w.other_contract}",
                                                          "headers": buyer}),
        ("get", "/api/v1/deliveries", "200", {"path": "/api/v1/deliveries", "headers": buyer}),
        ("get", "/api/v1/deliveries", "400", {"path": "/api/v1/deliveries?status=lost", "headers": buyer}),
        ("get", "/api/v1/deliveries", "401", {"path": "/api/v1/deliveries"}),
        ("get", "/api/v1/orders", "200", {"path": "/api/v1/orders", "headers": bearer(
            make_token(app, w.chain_owner, w.chain))}),
        ("get", "/api/v1/orders", "400", {"path": "/api/v1/orders?limit=101", "headers": buyer}),
        ("get", "/api/v1/orders", "401", {"path": "/api/v1/orders"}),
        ("get", "/api/v1/me", "200", {"path": "/api/v1/me", "headers": buyer}),
        ("get", "/api/v1/me", "401", {"path": "/api/v1/me"}),
        ("post", confirm, "403", {"path": f"/api/v1/contracts/{c}/deliveries/{d0}/confirm", "headers": buyer}),
        ("post", confirm, "200", {"path": f"/api/v1/contracts/{c}/deliveries/{d0}/confirm", "headers": writer}),
        ("post", confirm, "400", {"path": f"/api/v1/contracts/{c}/deliveries/{d0}/confirm", "headers": writer}),
        ("post", confirm, "401", {"path": f"/api/v1/contracts/{c}/deliveries/{d1}/confirm",
                                  "headers": bearer("lsm_unknown")}),
        ("post", confirm, "404", {"path": f"/api/v1/contracts/{c}/deliveries/999999/confirm", "headers": writer}),
        ("get", "/api/v1/targets", "200", {"path": "/api/v1/targets", "headers": staff}),
        ("get", "/api/v1/targets", "400", {"path": "/api/v1/targets?as_of=soon", "headers": staff}),
        ("get", "/api/v1/targets", "401", {"path": "/api/v1/targets"}),
        ("get", "/api/v1/targets", "403", {"path": "/api/v1/targets", "headers": buyer}),
        ("get", "/api/v1/search", "200", {"path": "/api/v1/search?q=hoi"}),
        ("get", "/api/v1/search", "400", {"path": "/api/v1/search?kind=nonsense"}),
        ("get", "/api/v1/openapi.json", "200", {"path": "/api/v1/openapi.json"}),
        ("get", "/api/v1/epcis/01/{gtin}", "200", {"path": f"/api/v1/epcis/01/{item}", "headers": buyer}),
        ("get", "/api/v1/epcis/01/{gtin}", "400", {"path": "/api/v1/epcis/01/8935049500017"}),  # check digit
        ("get", "/api/v1/epcis/01/{gtin}", "404", {"path": "/api/v1/epcis/01/08935049500018", "headers": buyer}),
        ("get", lot, "200", {"path": f"/api/v1/epcis/01/{harvest}/10/HOI-API-01", "headers": buyer}),
        ("get", lot, "400", {"path": f"/api/v1/epcis/01/{harvest}/10/L%C3%B4%201"}),  # "Lô 1": not AI 10
        ("get", lot, "404", {"path": f"/api/v1/epcis/01/{harvest}/10/NO-SUCH-LOT", "headers": buyer}),
        ("get", events, "200", {"path": f"/api/v1/organisations/{p.buyer}/epcis-events", "headers": buyer}),
        ("get", events, "400", {"path": f"/api/v1/organisations/{p.buyer}/epcis-events?start=2026-02-01"
                                        "&end=2026-01-01", "headers": buyer}),
        ("get", events, "400", {"path": f"/api/v1/organisations/{p.buyer}/epcis-events?start=soon",
                                "headers": buyer}),
        ("get", events, "401", {"path": f"/api/v1/organisations/{p.buyer}/epcis-events"}),
        ("get", events, "403", {"path": f"/api/v1/organisations/{p.seller}/epcis-events", "headers": buyer}),
        ("get", events, "404", {"path": "/api/v1/organisations/999999/epcis-events", "headers": buyer}),
    ]


def _validator(document: dict, schema: dict) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator for `schema`, its `#/components/...` references read in the document."""
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(document, DRAFT202012))
    text = re.sub(r'"#/components/', '"urn:openapi#/components/', json.dumps(schema))
    return Draft202012Validator(json.loads(text), registry=registry)


def _documented_schema(document: dict, method: str, path: str, status: str) -> dict | None:
    response = document["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    content = response.get("content") or {}
    return next((body.get("schema") for kind, body in content.items() if kind.endswith("json")), None)


def _check(client, document, method, path, status, kwargs) -> None:
    response = client.open(kwargs["path"], method=method.upper(), headers=kwargs.get("headers", {}))
    assert str(response.status_code) == status, (method, kwargs["path"], response.get_data(as_text=True)[:300])
    schema = _documented_schema(document, method, path, status)
    if schema is None:
        return
    errors = sorted(_validator(document, schema).iter_errors(response.get_json()), key=str)
    assert not errors, f"{method.upper()} {kwargs['path']} {status}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_every_documented_response_is_what_the_route_answers(app, api_world, factory, document, monkeypatch):
    calls = _calls(app, api_world, factory)
    client = app.test_client()
    for method, path, status, kwargs in calls:
        _check(client, document, method, path, status, kwargs)

    # 429: every /api/ route shares the budget; once it is spent, each answers in the documented shape.
    monkeypatch.setitem(app.config, "API_ANONYMOUS_RATE_LIMIT", "1 per hour")
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "1 per hour")
    from market.extensions import limiter

    limiter.reset()
    client.get("/api/v1/openapi.json")
    throttled = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post") and "429" in operation["responses"]:
                url = re.sub(r"\{[^}]+\}", "1", path)
                # A header (of no valid token) so that a POST is judged without a CSRF token, as a program's is.
                _check(client, document, method, path, "429", {"path": url, "headers": bearer("lsm_unknown")})
                throttled.append((method, path, "429"))

    exercised = {(m, p, s) for m, p, s, _kwargs in calls} | set(throttled)
    documented = {(method, path, status) for path, item in document["paths"].items()
                  for method, operation in item.items() if method in ("get", "post")
                  for status in operation["responses"] if status != "default"}
    assert documented - exercised - NOT_PRODUCED == set(), "documented answers no test calls for"


# --- the readable page speaks the reader's language ----------------------------------------------------------

def _document_texts(document: dict) -> set[str]:
    """Every text of the document a person reads on /developers/api: the routes' summaries and descriptions,
    their arguments' and answers' descriptions, and the shapes' field descriptions."""
    texts = set()
    for item in document["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            texts.update(operation.get(key) for key in ("summary", "description"))
            for parameter in operation.get("parameters", []):
                texts.update((parameter.get("description"), (parameter.get("schema") or {}).get("description")))
            texts.update(response.get("description") for response in operation["responses"].values())
    components = document["components"]
    texts.update(response.get("description") for response in components.get("responses", {}).values())
    for schema in components["schemas"].values():
        texts.add(schema.get("description"))
        texts.update(field.get("description") for field in (schema.get("properties") or {}).values())
    return {text for text in texts if text}


def _page_text(html: str) -> str:
    """The page's words, <code> included, with the `names` of the descriptions read as the page writes them."""
    import html as html_module

    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _as_written(text: str) -> str:
    return " ".join(re.sub(r"`([^`]+)`", r" \1 ", text).split())


def test_the_api_page_is_vietnamese_in_vietnamese_and_english_in_english(app, client):
    """The JSON stays English for programs whatever the request's language; the page shows every summary and
    description in the reader's language, and not one of the English ones on the Vietnamese page."""
    from flask_babel import force_locale, gettext

    english = client.get("/api/v1/openapi.json", headers={"Accept-Language": "vi"}).get_json()
    operations = [op for item in english["paths"].values() for method, op in item.items()
                  if method in ("get", "post", "put", "patch", "delete")]
    assert all(op.get("summary") for op in operations), "every route has a summary"
    texts = _document_texts(english)
    assert "Listings everyone sees in the catalog." in texts and "Items per page, 1 to 100." in texts
    assert len(texts) > 40

    html = client.get("/developers/api").get_data(as_text=True)
    assert "tham số -&gt; vấn đề" in html, "the texts are escaped (a lazy string is not markup)"
    vietnamese = _page_text(html)
    left = sorted(text for text in texts if _as_written(text) in vietnamese)
    assert left == [], "English left on the Vietnamese page"
    with app.test_request_context(), force_locale("vi"):
        translated = {text: gettext(text) for text in texts}
    assert all(translated[text] != text for text in texts), "every text has a Vietnamese translation"
    assert all(_as_written(translated[text]) in vietnamese for text in texts)
    assert "Các tin chào bán mọi người đều thấy trong danh mục." in vietnamese
    assert "số nguyên" in vietnamese and "integer" not in vietnamese  # the types in words too

    with client.session_transaction() as session:
        session["lang"] = "en"
    in_english = _page_text(client.get("/developers/api").get_data(as_text=True))
    assert [text for text in texts if _as_written(text) not in in_english] == []
