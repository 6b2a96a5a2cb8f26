"""GS1 identifiers, Digital Link labels and resolver, EPCIS 2.0 documents (issue 16 part A).

The documents and URIs are checked by GS1's own published tools, run with Node (scripts/gs1_validate.mjs):
epcis2.js `validateEpcisDocument` and digital-link.js `DigitalLink(uri).isValid()`. Only a missing `node` (or
`npm ci` never run) skips those checks, with the reason."""
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    Contract,
    Delivery,
    DeliveryStatus,
    GrowingZone,
    OcopProduct,
    Organisation,
    OrgKind,
    ProductLot,
    SupplyListing,
    User,
)
from market.services import contracts, epcis, gs1
from market.services.errors import ValidationFailed
from tests.conftest import csrf_token
from tests.conftest import log_in_en as log_in

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "scripts" / "gs1_validate.mjs"
GTIN = "08935049500018"  # GS1 Vietnam prefix 893, valid check digit
GLN = "8935049500001"
LINKSET = "application/linkset+json"


def gs1_tools(epcis_documents=(), digital_links=()) -> dict:
    if shutil.which("node") is None:
        pytest.skip("node is missing: GS1's validators (epcis2.js, digital-link.js) run on Node")
    if not (ROOT / "node_modules" / "epcis2.js").is_dir() or not (ROOT / "node_modules" / "digital-link.js").is_dir():
        pytest.skip("npm packages not installed: run scripts/bootstrap (npm ci)")
    run = subprocess.run(["node", str(VALIDATOR)], input=json.dumps(
        {"epcis": list(epcis_documents), "digital_links": list(digital_links)}), capture_output=True, text=True,
        cwd=ROOT, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def assert_valid_epcis(document: dict) -> None:
    verdict = gs1_tools(epcis_documents=[document])["epcis"][0]
    assert verdict["success"], verdict["errors"]


# --- check digits -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("8935049500018", GTIN),           # GTIN-13, Vietnam
    ("08935049500018", GTIN),          # GTIN-14
    ("893 5049 50001 8", GTIN),        # as printed, with spaces
    ("96385074", "00000096385074"),    # GTIN-8
    ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
    ("4006381333931", "04006381333931"),  # not 893: allowed
])
def test_valid_gtins_are_kept_as_gtin14(req_en, value, expected):
    assert gs1.clean_gtin(value) == expected


@pytest.mark.parametrize("value, message", [
    ("8935049500017", "check digit"),
    ("96385075", "check digit"),
    ("893504950001", "check digit"),      # 12 digits, wrong check digit
    ("89350495000", "8, 12, 13 or 14"),   # 11 digits
    ("893504950001A", "digits only"),
])
def test_invalid_gtins_say_why(req_en, value, message):
    with pytest.raises(gs1.BadIdentifier, match=message):
        gs1.clean_gtin(value)


def test_gln_and_lot_rules(req_en):
    assert gs1.clean_gln(GLN) == GLN
    with pytest.raises(gs1.BadIdentifier, match="check digit"):
        gs1.clean_gln("8935049500002")
    with pytest.raises(gs1.BadIdentifier, match="13 digits"):
        gs1.clean_gln("893504950000")
    assert gs1.clean_lot(" VAI-2026/01 ") == "VAI-2026/01"
    with pytest.raises(gs1.BadIdentifier, match="20"):
        gs1.clean_lot("L" * 21)
    with pytest.raises(gs1.BadIdentifier, match="without accents"):
        gs1.clean_lot("Lô 1")


def test_market_numbers_for_items_without_a_gtin_have_valid_check_digits(req_en):
    number = gs1.rcn(gs1.RCN_LISTING, 42)
    assert len(number) == 14 and number.startswith("0291") and gs1.has_valid_check_digit(number)
    assert gs1.rcn_target(number) == (gs1.RCN_LISTING, 42)
    assert gs1.rcn_target(GTIN) is None
    assert gs1.element_string(GTIN, "L1") == "(01)08935049500018(10)L1"
    assert gs1.gtin_display(GTIN) == "8935049500018"


def test_vietnamese_message_for_a_wrong_check_digit(req):
    with pytest.raises(gs1.BadIdentifier) as caught:  # Vietnamese is the default language
        gs1.clean_gtin("8935049500017")
    assert "Sai số kiểm tra" in str(caught.value) and "kết thúc bằng 8" in str(caught.value)


# --- the world ----------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def english(request):
    """Pages in English, so that the assertions read the msgids (the Vietnamese ones are checked above)."""
    if "client" in request.fixturenames:
        client = request.getfixturevalue("client")
        with client.session_transaction() as session:
            session["lang"] = "en"


@pytest.fixture
def world(app, factory):
    """A cooperative with a GLN, a verified zone with a certificate, a harvested listing with a lot, an OCOP
    product with a GTIN and a lot made from the harvest, and a buyer that received a delivery of the harvest."""
    seller = factory.org(name="HTX Hồi Văn Quan GS1")
    buyer = factory.org(kind=OrgKind.ENTERPRISE, name="Công ty Chế biến Hồi GS1")
    stranger = factory.org(name="HTX khác GS1")
    zone = factory.zone(seller, code="LS-VQ-HOI-01")
    certificate = factory.certificate(zone)
    seller_owner, buyer_owner = factory.member(seller), factory.member(buyer)
    stranger_owner = factory.member(stranger)
    listing = factory.listing(seller, [zone])
    product = factory.product(seller, [zone])
    with app.app_context():
        db.session.get(Organisation, seller).gln = GLN
        row = db.session.get(SupplyListing, listing)
        row.harvest_start, row.lot_number = today() - timedelta(days=20), "HOI-2026-01"
        db.session.get(OcopProduct, product).gtin = GTIN
        contract = Contract(reference="HD-GS1-0001", buyer_id=buyer, seller_id=seller, state="active",
                            listing_id=listing)
        terms = {"contract": "HD-GS1-0001", "currency": "VND", "buyer": {"id": buyer, "name": "B", "tax_code": None},
                 "seller": {"id": seller, "name": "S", "tax_code": None},
                 "items": [{"crop": "hoi", "crop_name": "Hồi", "product_form": "dried", "grade": None,
                            "quantity": 5.0, "unit": "tan", "price_per_unit": 95000}],
                 "delivery_windows": [{"start": "2026-01-01", "end": "2026-12-31", "quantity": 5.0}],
                 "zone_codes": [], "deposit_pct": 0, "payment_days": 15, "payment_terms": "15 ngày.",
                 "cancellation_terms": "Không."}
        from market.models import ContractVersion
        from market.services import contracts
        contract.versions.append(ContractVersion(number=1, terms=terms, terms_hash=contracts.terms_hash(terms),
                                                 proposed_by_id=buyer))
        db.session.add(contract)
        delivery = Delivery(contract=contract, public_id="GH-GS1-1", quantity=2.0,
                            delivered_on=today() - timedelta(days=10), lot_code="HOI-2026-01-D1",
                            status=DeliveryStatus.CONFIRMED, answered_at=datetime.now(UTC) - timedelta(days=9),
                            accepted_quantity=1.8, received_quantity=2.0, rejected_quantity=0.2,
                            inspected_at=datetime.now(UTC) - timedelta(days=9),
                            zones=[db.session.get(GrowingZone, zone)])
        db.session.add(delivery)
        db.session.flush()
        lot = ProductLot(product_id=product, lot_number="TD-2026-01", produced_on=today() - timedelta(days=5),
                         quantity=500, source_listing_id=listing, input_quantity=0.3)
        db.session.add(lot)
        db.session.commit()
        ids = {"contract": contract.id, "delivery": delivery.id, "lot": lot.id}
    return {"seller": seller, "buyer": buyer, "stranger": stranger, "zone": zone, "certificate": certificate,
            "listing": listing, "product": product, "seller_owner": seller_owner, "buyer_owner": buyer_owner,
            "stranger_owner": stranger_owner, **ids}


def _listing_link(app, world) -> str:
    with app.test_request_context():
        return epcis.listing_link(db.session.get(SupplyListing, world["listing"]))


# --- labels and Digital Link URIs ---------------------------------------------------------------

def test_product_and_lot_labels_carry_digital_links_that_gs1_accepts(client, app, world):
    with app.app_context():
        public_id = db.session.get(OcopProduct, world["product"]).public_id
        listing_public = db.session.get(SupplyListing, world["listing"]).public_id
    base = app.config["PUBLIC_URL"].rstrip("/")
    label = client.get(f"/verify/product/{public_id}/label?lot=TD-2026-01")
    assert label.status_code == 200
    html = label.get_data(as_text=True)
    assert f"{base}/01/{GTIN}/10/TD-2026-01" in html  # the QR's text, shown under it too
    assert "(01)</span> 08935049500018" in html and "(10)</span> TD-2026-01" in html
    assert client.get(f"/verify/product/{public_id}/label?lot=NO-SUCH").status_code == 404
    listing_label = client.get(f"/verify/listing/{listing_public}/label").get_data(as_text=True)
    listing_link = _listing_link(app, world)
    assert listing_link in listing_label and "(10)</span> HOI-2026-01" in listing_label

    with app.test_request_context():
        delivery = db.session.get(Delivery, world["delivery"])
        links = [f"{base}/01/{GTIN}", f"{base}/01/{GTIN}/10/TD-2026-01", listing_link, epcis.delivery_link(delivery),
                 epcis.product_link(db.session.get(OcopProduct, world["product"]))]
    verdicts = gs1_tools(digital_links=links + [f"{base}/01/08935049500017/10/X"])["digital_links"]
    assert [v["valid"] for v in verdicts] == [True] * len(links) + [False]  # the last: wrong check digit


# --- the resolver ------------------------------------------------------------------------------

def test_resolver_sends_people_to_the_verification_page(client, app, world):
    with app.app_context():
        public_id = db.session.get(OcopProduct, world["product"]).public_id
    item = client.get(f"/01/{GTIN}")
    assert item.status_code == 307 and item.headers["Location"].endswith(f"/verify/product/{public_id}")
    short = client.get("/01/8935049500018")  # GTIN-13 as printed: the same product
    assert short.status_code == 307
    lot = client.get(f"/01/{GTIN}/10/TD-2026-01")
    assert lot.status_code == 200
    html = lot.get_data(as_text=True)
    assert "TD-2026-01" in html and "HOI-2026-01" in html and 'data-event="transformation"' in html
    assert 'data-event="shipping"' not in html  # the contract's events are the parties' business


def test_linkset_lists_the_links_of_a_lot(client, world):
    response = client.get(f"/01/{GTIN}/10/TD-2026-01", headers={"Accept": LINKSET})
    assert response.status_code == 200 and response.mimetype == LINKSET
    entry = response.get_json()["linkset"][0]
    assert entry["anchor"].endswith(f"/01/{GTIN}/10/TD-2026-01")
    assert entry["https://gs1.org/voc/defaultLink"][0]["href"].endswith(f"/01/{GTIN}/10/TD-2026-01")
    assert "/verify/product/" in entry["https://gs1.org/voc/pip"][0]["href"]
    assert entry["https://gs1.org/voc/epcis"][0]["type"] == "application/ld+json"
    assert f"#certificate-{world['certificate']}" in entry["https://gs1.org/voc/certificationInfo"][0]["href"]
    same = client.get(f"/01/{GTIN}/10/TD-2026-01?linkType=linkset")
    assert same.get_json() == response.get_json()
    epcis_link = client.get(f"/01/{GTIN}/10/TD-2026-01?linkType=gs1:epcis")
    assert epcis_link.status_code == 307 and "/gs1/epcis/01/" in epcis_link.headers["Location"]


@pytest.mark.parametrize("path, status, words", [
    ("/01/08935049500017", 400, "check digit"),
    ("/01/08935049500017/10/TD-2026-01", 400, "check digit"),
    ("/01/89350495", 400, "check digit"),
    ("/01/abc", 400, "Malformed"),
    (f"/01/{GTIN}/21/123", 400, "Malformed"),
    (f"/01/{GTIN}/10/{'L' * 21}", 400, "Malformed"),
    (f"/01/{GTIN}/10/NO-SUCH-LOT", 404, "Unknown lot"),
    ("/01/04006381333931", 404, "No product"),
])
@pytest.mark.both_engines
def test_bad_links_answer_400_or_404_in_html_and_json(client, world, path, status, words):
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == status and page.mimetype == "text/html"
    assert words in page.get_data(as_text=True)
    data = client.get(path, headers={"Accept": LINKSET})
    assert data.status_code == status and data.is_json
    assert words in data.get_json()["error"]["message"]


def test_drafts_are_not_resolved_for_strangers(client, app, world):
    with app.app_context():
        db.session.get(OcopProduct, world["product"]).status = "draft"
        db.session.commit()
    assert client.get(f"/01/{GTIN}/10/TD-2026-01").status_code == 404
    log_in(client, world["seller_owner"])
    assert client.get(f"/01/{GTIN}/10/TD-2026-01").status_code == 200


# --- EPCIS documents ---------------------------------------------------------------------------

@pytest.mark.both_engines
def test_a_lots_history_is_an_epcis_document_gs1_accepts(client, world):
    public = client.get(f"/gs1/epcis/01/{GTIN}/10/TD-2026-01")
    assert public.status_code == 200 and public.mimetype == "application/ld+json"
    document = json.loads(public.data)
    kinds = [(e["type"], e.get("bizStep")) for e in document["epcisBody"]["eventList"]]
    assert kinds == [("ObjectEvent", "commissioning"), ("TransformationEvent", "commissioning")]
    harvest, transformation = document["epcisBody"]["eventList"]
    assert harvest["readPoint"]["id"].endswith(f"/414/{GLN}/254/LS-VQ-HOI-01")
    assert harvest["certificationInfo"][0].endswith(f"/gs1/zones/{world['zone']}#certificate-{world['certificate']}")
    assert transformation["inputQuantityList"][0]["epcClass"].endswith("/10/HOI-2026-01")
    assert transformation["outputQuantityList"][0] == {
        "epcClass": transformation["outputQuantityList"][0]["epcClass"], "quantity": 500.0, "uom": "H87"}
    assert_valid_epcis(document)


def test_the_harvest_lots_history_shows_deliveries_to_the_parties_only(client, app, world):
    path = "/gs1/epcis" + _listing_link(app, world).split(app.config["PUBLIC_URL"].rstrip("/"), 1)[1]
    public = json.loads(client.get(path).data)
    assert {e.get("bizStep") for e in public["epcisBody"]["eventList"]} == {"commissioning"}
    log_in(client, world["buyer_owner"])
    seen = json.loads(client.get(path).data)
    events = seen["epcisBody"]["eventList"]
    shipping = next(e for e in events if e.get("bizStep") == "shipping")
    receiving = next(e for e in events if e.get("bizStep") == "receiving")
    assert receiving["quantityList"][0]["quantity"] == 1.8 and receiving["quantityList"][0]["uom"] == "TNE"
    assert shipping["quantityList"][0]["quantity"] == 2.0
    assert shipping["bizTransactionList"][0]["type"] == "po"
    assert shipping["bizTransactionList"][0]["bizTransaction"].endswith(f"/contracts/{world['contract']}")
    assert shipping["sourceList"][0]["source"].endswith(f"/417/{GLN}")
    assert_valid_epcis(seen)


@pytest.mark.both_engines
def test_an_organisation_exports_its_own_events_for_a_date_range(client, app, world):
    start, end = (today() - timedelta(days=30)).isoformat(), today().isoformat()
    url = f"/gs1/orgs/{world['seller']}/events.jsonld?start={start}&end={end}"
    log_in(client, world["seller_owner"])
    page = client.get(f"/gs1/orgs/{world['seller']}/events?start={start}&end={end}")
    assert page.status_code == 200 and "4 " in page.get_data(as_text=True)
    document = json.loads(client.get(url).data)
    steps = sorted(e.get("bizStep") for e in document["epcisBody"]["eventList"])
    assert steps == ["commissioning", "commissioning", "receiving", "shipping"]
    assert_valid_epcis(document)
    # a narrower range leaves the harvest (20 days ago) out
    later = json.loads(client.get(f"/gs1/orgs/{world['seller']}/events.jsonld?start="
                                  f"{(today() - timedelta(days=12)).isoformat()}&end={end}").data)
    assert len(later["epcisBody"]["eventList"]) == 3
    assert client.get(f"/gs1/orgs/{world['seller']}/events.jsonld?start={end}&end={start}").status_code == 400


def test_an_organisation_exports_only_its_own_events(client, app, world):
    log_in(client, world["stranger_owner"])
    assert client.get(f"/gs1/orgs/{world['seller']}/events.jsonld").status_code in (403, 404)
    assert client.get(f"/gs1/orgs/{world['seller']}/events").status_code in (403, 404)
    mine = json.loads(client.get(f"/gs1/orgs/{world['stranger']}/events.jsonld").data)
    assert mine["epcisBody"]["eventList"] == []
    client.get("/auth/logout")
    log_in(client, world["buyer_owner"])
    bought = json.loads(client.get(f"/gs1/orgs/{world['buyer']}/events.jsonld").data)
    assert sorted(e["bizStep"] for e in bought["epcisBody"]["eventList"]) == ["receiving", "shipping"]


def test_programs_get_the_epcis_documents_with_a_read_only_token(client, app, world):
    """/api/v1 answers the same EPCIS documents as the downloads people use under /gs1/, to a read-only token and
    no cookie, as application/ld+json that GS1's validator accepts; errors come in the API's one shape."""
    from tests.api.conftest import bearer, make_token

    seller = bearer(make_token(app, world["seller_owner"], world["seller"]))  # read scope
    buyer = bearer(make_token(app, world["buyer_owner"], world["buyer"]))
    stranger = bearer(make_token(app, world["stranger_owner"], world["stranger"]))
    start, end = (today() - timedelta(days=30)).isoformat(), today().isoformat()
    harvest_path = _listing_link(app, world).split(app.config["PUBLIC_URL"].rstrip("/"), 1)[1]
    program = app.test_client()  # no cookie, ever

    def document(path, headers=None):
        response = program.get(path, headers=headers or {})
        assert response.status_code == 200 and response.mimetype == "application/ld+json", response.data[:300]
        assert "Set-Cookie" not in response.headers
        return json.loads(response.data)

    events = document(f"/api/v1/organisations/{world['seller']}/epcis-events?start={start}&end={end}", seller)
    lot = document(f"/api/v1/epcis/01/{GTIN}/10/TD-2026-01")
    harvest_public = document(f"/api/v1/epcis{harvest_path}")
    harvest_party = document(f"/api/v1/epcis{harvest_path}", buyer)
    item = document(f"/api/v1/epcis/01/{GTIN}", seller)

    # The same events as people's downloads (ids are stable across exports).
    log_in(client, world["seller_owner"])
    people = json.loads(client.get(f"/gs1/orgs/{world['seller']}/events.jsonld?start={start}&end={end}").data)
    ids = [e["eventID"] for e in events["epcisBody"]["eventList"]]
    assert ids == [e["eventID"] for e in people["epcisBody"]["eventList"]] and len(ids) == 4
    assert [e["eventID"] for e in lot["epcisBody"]["eventList"]] == [
        e["eventID"] for e in json.loads(client.get(f"/gs1/epcis/01/{GTIN}/10/TD-2026-01").data)["epcisBody"]["eventList"]]
    # The contract's shipping and receiving go to its parties' tokens only.
    assert {e.get("bizStep") for e in harvest_public["epcisBody"]["eventList"]} == {"commissioning"}
    assert {"shipping", "receiving"} <= {e.get("bizStep") for e in harvest_party["epcisBody"]["eventList"]}

    verdicts = gs1_tools(epcis_documents=[events, lot, harvest_public, harvest_party, item])["epcis"]
    assert all(v["success"] for v in verdicts), [v["errors"] for v in verdicts]

    def error(path, headers, status, code):
        response = program.get(path, headers=headers)
        body = response.get_json()
        assert response.status_code == status and body["error"]["status"] == status, response.data[:300]
        assert body["error"]["code"] == code and body["error"]["message"]
        return body["error"]

    assert "8935049500017" in error("/api/v1/epcis/01/8935049500017", {}, 400, "invalid_identifier")["message"]
    assert "TD-2099" in error(f"/api/v1/epcis/01/{GTIN}/10/TD-2099", seller, 404, "not_found")["message"]
    assert "end" in error(f"/api/v1/organisations/{world['seller']}/epcis-events?start={end}&end={start}", seller,
                          400, "invalid")["fields"]
    assert "start" in error(f"/api/v1/organisations/{world['seller']}/epcis-events?start=soon", seller,
                            400, "invalid")["fields"]
    error(f"/api/v1/organisations/{world['seller']}/epcis-events", stranger, 403, "forbidden")
    # Dates at the calendar's ends are dates: no overflow (the default start is 90 days back), never a 500.
    assert document(f"/api/v1/organisations/{world['seller']}/epcis-events?end=0001-01-02",
                    seller)["epcisBody"]["eventList"] == []
    assert document(f"/api/v1/organisations/{world['seller']}/epcis-events?start=9999-12-31&end=9999-12-31",
                    seller)["epcisBody"]["eventList"] == []
    assert client.get(f"/gs1/orgs/{world['seller']}/events.jsonld?end=0001-01-02").status_code == 200
    assert client.get(f"/gs1/orgs/{world['seller']}/events?end=0001-01-02").status_code == 200
    error(f"/api/v1/organisations/{world['seller']}/epcis-events", {}, 401, "unauthorized")
    error(f"/api/v1/organisations/{world['seller']}/epcis-events", bearer("lsm_revoked-or-unknown"), 401,
          "invalid_token")


# --- forms ---------------------------------------------------------------------------------------

@pytest.mark.both_engines
def test_product_gtin_is_checked_and_unique(req_en, world):
    from market.services import products

    product = db.session.get(OcopProduct, world["product"])
    with pytest.raises(ValidationFailed) as caught:
        products.clean_product(product.organisation, {"gtin": "8935049500017"}, product)
    assert "check digit" in caught.value.errors["gtin"][0]
    other = OcopProduct(organisation_id=product.organisation_id)
    with pytest.raises(ValidationFailed) as caught:
        products.clean_product(product.organisation, {"gtin": "8935049500018"}, other)
    assert "another product" in caught.value.errors["gtin"][0]
    with pytest.raises(ValidationFailed) as caught:  # other fields missing, but the GTIN itself is fine
        products.clean_product(product.organisation, {"gtin": "8935049500018"}, product)
    assert "gtin" not in caught.value.errors


def test_the_lot_form_records_a_lot_from_a_harvest(client, app, world):
    log_in(client, world["seller_owner"])
    url = f"/gs1/orgs/{world['seller']}/lots"
    token = csrf_token(client, url)
    bad = client.post(url, data={"csrf_token": token, "product_id": str(world["product"]), "lot_number": "Lô 2",
                                 "produced_on": today().isoformat()})
    assert bad.status_code == 200 and "without accents" in bad.get_data(as_text=True)
    good = client.post(url, data={"csrf_token": token, "product_id": str(world["product"]),
                                  "lot_number": "TD-2026-02", "produced_on": today().isoformat(),
                                  "quantity": "120", "source": f"listing:{world['listing']}"})
    assert good.status_code == 302
    with app.app_context():
        lot = db.session.scalar(sa.select(ProductLot).where(ProductLot.lot_number == "TD-2026-02"))
        assert lot.source_listing_id == world["listing"] and lot.quantity == 120
    assert client.get(f"/01/{GTIN}/10/TD-2026-02").status_code == 200


def test_a_delivery_lot_code_follows_ai_10(req_en, world):
    contract = db.session.get(Contract, world["contract"])
    with pytest.raises(ValidationFailed) as caught:
        contracts.record_delivery(db.session.get(User, world["seller_owner"]), contract,
                                  {"quantity": "1", "delivered_on": today(), "zone_ids": [str(world["zone"])],
                                   "lot_code": "LÔ HÀNG 1"})
    assert list(caught.value.errors) == ["lot_code"]  # only the lot number is wrong


def test_the_validators_do_refuse_what_is_wrong(req_en):
    """The checks above can fail: GS1's validator refuses an event without its required fields or with a
    business step outside the CBV, and a Digital Link with a lot that is too long."""
    broken = {"@context": [epcis.CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
              "creationDate": "2026-01-01T00:00:00+07:00",
              "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2026-01-01T00:00:00+07:00",
                                           "eventTimeZoneOffset": "+07:00", "epcList": [], "bizStep": "harvesting"}]}}
    results = gs1_tools(epcis_documents=[broken], digital_links=[f"https://cho.example.vn/01/{GTIN}/10/{'L' * 21}"])
    assert not results["epcis"][0]["success"] and results["epcis"][0]["errors"]
    assert results["digital_links"][0]["valid"] is False


def test_a_harvest_lot_and_a_zone_resolve_for_people(client, app, world):
    link = _listing_link(app, world)
    path = link.split(app.config["PUBLIC_URL"].rstrip("/"), 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "HOI-2026-01" in page.get_data(as_text=True)
    assert 'data-event="harvest"' in page.get_data(as_text=True)
    zone = client.get(f"/414/{GLN}/254/LS-VQ-HOI-01")
    assert zone.status_code == 307 and zone.headers["Location"].endswith(f"/gs1/zones/{world['zone']}")
    html = client.get(f"/gs1/zones/{world['zone']}").get_data(as_text=True)
    assert f'id="certificate-{world["certificate"]}"' in html and f"/414/{GLN}/254/LS-VQ-HOI-01" in html
    assert client.get(f"/417/{GLN}").status_code == 307
    assert client.get("/417/8935049500002").status_code == 400


def test_a_lot_with_a_slash_resolves_encoded_or_not(client, app, world):
    with app.app_context():
        db.session.add(ProductLot(product_id=world["product"], lot_number="TD/2026/03", produced_on=today()))
        db.session.commit()
        link = epcis.product_link(db.session.get(OcopProduct, world["product"]), "TD/2026/03")
    assert link.endswith(f"/01/{GTIN}/10/TD%2F2026%2F03")  # a slash in a lot is percent-encoded in the URI
    assert gs1_tools(digital_links=[link])["digital_links"][0]["valid"]
    for path in (f"/01/{GTIN}/10/TD%2F2026%2F03", f"/01/{GTIN}/10/TD/2026/03"):
        response = client.get(path, headers={"Accept": LINKSET})
        assert response.status_code == 200, path
        assert response.get_json()["linkset"][0]["anchor"] == link
