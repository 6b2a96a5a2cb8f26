"""JSON API v1 (market/blueprints/api/routes.py): fields, validity flags, and JSON 404s for what is hidden."""
from datetime import timedelta

import pytest

from market.clock import today
from market.models import CertificateKind, ListingStatus, OrgKind, OrgStatus, ProductStatus, ReviewStatus, Role
from tests.conftest import log_in


@pytest.fixture
def coop(factory):
    return factory.org(name="HTX Hồi Văn Quan")


@pytest.fixture
def zone(cat, coop):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0001", area=120.5)
    cat.certificate(zone_id, kind=CertificateKind.PLANTING_AREA_CODE, number="MSVT-LS-0001",
                    issued_on=today() - timedelta(days=400), expires_on=today() + timedelta(days=700))
    cat.certificate(zone_id, kind=CertificateKind.ORGANIC, number="HC-OLD",
                    issued_on=today() - timedelta(days=800), expires_on=today() - timedelta(days=1))
    cat.certificate(zone_id, kind=CertificateKind.VIETGAP, number="VG-PENDING", status=ReviewStatus.PENDING)
    cat.certificate(zone_id, kind=CertificateKind.GEOGRAPHICAL_INDICATION, number="CDDL-00045",
                    issued_on=today() - timedelta(days=3000), expires_on=None)
    return zone_id


def assert_json_404(response):
    assert response.status_code == 404
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == 404 and body["error"]["message"]


def test_listing_json(client, cat, coop, zone):
    pending = cat.zone(coop, code="LS-VQ-HOI-0002", status=ReviewStatus.PENDING)
    listing_id = cat.listing(coop, [zone, pending], status=ListingStatus.OPEN, price=95_000, quantity=12,
                             title="Hoa hồi khô vụ mùa", ends_on=today() + timedelta(days=30))
    response = client.get(f"/api/v1/listings/{listing_id}")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["id"] == listing_id and body["status"] == "open" and body["title"] == "Hoa hồi khô vụ mùa"
    assert body["price_per_unit"] == 95_000 and body["currency"] == "VND" and body["negotiable"] is False
    assert body["quantity"] == 12 and body["unit"] == "tan" and body["crop"] == "hoi"
    assert body["ends_on"] == (today() + timedelta(days=30)).isoformat()
    assert body["organisation"]["id"] == coop and body["organisation"]["verified"] is True
    assert body["zones"] == [{"code": "LS-VQ-HOI-0001", "state": "verified", "commune": "Văn Quan"},
                             {"code": "LS-VQ-HOI-0002", "state": "pending", "commune": "Văn Quan"}]
    valid = body["valid_certificates"]
    assert sorted(c["number"] for c in valid) == ["CDDL-00045", "MSVT-LS-0001"]
    assert all(c["valid"] is True and c["status"] == "verified" for c in valid)
    assert next(c for c in valid if c["number"] == "CDDL-00045")["expires_on"] is None
    assert body["url"].endswith(f"/listings/{listing_id}")


def test_negotiable_listing_json(client, cat, coop, zone):
    listing_id = cat.listing(coop, [zone], status=ListingStatus.SOLD_OUT, price=None)
    body = client.get(f"/api/v1/listings/{listing_id}").get_json()
    assert body["status"] == "sold_out" and body["price_per_unit"] is None and body["negotiable"] is True
    assert body["currency"] == "VND"


def test_listing_with_an_expired_zone_code_reports_the_state(client, cat, coop):
    expired = cat.zone(coop, code="LS-VQ-HOI-0003")
    cat.certificate(expired, issued_on=today() - timedelta(days=800), expires_on=today() - timedelta(days=1))
    listing_id = cat.listing(coop, [expired], status=ListingStatus.OPEN)
    body = client.get(f"/api/v1/listings/{listing_id}").get_json()
    assert body["zones"][0]["state"] == "expired" and body["valid_certificates"] == []


@pytest.mark.parametrize("status", [ListingStatus.DRAFT, ListingStatus.CLOSED])
def test_unpublished_listing_is_a_json_404(client, cat, coop, zone, status):
    listing_id = cat.listing(coop, [zone], status=status)
    assert_json_404(client.get(f"/api/v1/listings/{listing_id}"))


def test_open_listing_of_an_unverified_organisation_is_a_json_404(client, cat, factory):
    org = factory.org(status=OrgStatus.PENDING)
    listing_id = cat.listing(org, [cat.zone(org)], status=ListingStatus.OPEN)
    assert_json_404(client.get(f"/api/v1/listings/{listing_id}"))


def test_draft_listing_json_is_for_members_only(client, cat, factory, coop, zone):
    listing_id = cat.listing(coop, [zone], status=ListingStatus.DRAFT)
    log_in(client, factory.member(factory.org()))
    assert_json_404(client.get(f"/api/v1/listings/{listing_id}"))
    log_in(client, factory.member(coop, Role.MEMBER))
    assert client.get(f"/api/v1/listings/{listing_id}").get_json()["status"] == "draft"


@pytest.mark.parametrize("path", ["/api/v1/listings/987654", "/api/v1/products/987654", "/api/v1/zones/LS-NOPE-1",
                                  "/api/v1/nothing-here"])
def test_unknown_ids_are_json_404s(client, path):
    assert_json_404(client.get(path))


def test_product_json(client, cat, factory, coop, zone):
    product_id = cat.product(coop, status=ProductStatus.PUBLISHED, stars=5, price=180_000,
                             name="Tinh dầu hồi Văn Quan", expires_on=today())
    body = client.get(f"/api/v1/products/{product_id}").get_json()
    assert body["id"] == product_id and body["status"] == "published" and body["stars"] == 5
    assert body["price"] == 180_000 and body["currency"] == "VND" and body["name"] == "Tinh dầu hồi Văn Quan"
    assert body["certificate"]["valid"] is True and body["certificate"]["expires_on"] == today().isoformat()
    assert body["organisation"]["verified"] is True and body["url"].endswith(f"/products/{product_id}")


def test_published_product_with_an_expired_certificate_says_so(client, cat, coop):
    product_id = cat.product(coop, status=ProductStatus.PUBLISHED, issued_on=today() - timedelta(days=900),
                             expires_on=today() - timedelta(days=1))
    assert client.get(f"/api/v1/products/{product_id}").get_json()["certificate"]["valid"] is False


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.WITHDRAWN])
def test_unpublished_product_is_a_json_404(client, cat, coop, status):
    product_id = cat.product(coop, status=status)
    assert_json_404(client.get(f"/api/v1/products/{product_id}"))


def test_product_of_an_unverified_organisation_is_a_json_404(client, cat, factory):
    org = factory.org(kind=OrgKind.ENTERPRISE, status=OrgStatus.PENDING)
    assert_json_404(client.get(f"/api/v1/products/{cat.product(org, status=ProductStatus.PUBLISHED)}"))


@pytest.mark.both_engines
@pytest.mark.parametrize("code", ["LS-VQ-HOI-0001", "ls-vq-hoi-0001"])
def test_zone_json(client, coop, zone, code):
    response = client.get(f"/api/v1/zones/{code}")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["code"] == "LS-VQ-HOI-0001" and body["state"] == "verified" and body["area_ha"] == 120.5
    assert body["organisation"]["name"] == "HTX Hồi Văn Quan" and body["crop"] == "hoi"
    validity = {c["number"]: (c["status"], c["valid"]) for c in body["certificates"]}
    assert validity == {"MSVT-LS-0001": ("verified", True), "HC-OLD": ("verified", False),
                        "VG-PENDING": ("pending", False), "CDDL-00045": ("verified", True)}
    assert body["location"] is None


def test_zone_json_reports_an_expired_code(client, cat, coop):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0004")
    cat.certificate(zone_id, issued_on=today() - timedelta(days=800), expires_on=today() - timedelta(days=1))
    assert client.get("/api/v1/zones/LS-VQ-HOI-0004").get_json()["state"] == "expired"


def test_zone_of_an_unverified_organisation_is_a_json_404(client, cat, factory):
    org = factory.org(status=OrgStatus.PENDING)
    cat.zone(org, code="LS-LB-MC-0001", status=ReviewStatus.PENDING)
    assert_json_404(client.get("/api/v1/zones/LS-LB-MC-0001"))


def test_zone_with_a_slash_in_its_code_is_served(client, app, cat, coop):
    """Codes may use / as a separator (zones.ZONE_CODE), so the API route must accept it."""
    from flask import url_for
    cat.zone(coop, code="LS/VQ/0012")
    with app.test_request_context():
        url = url_for("api.zone", code="LS/VQ/0012")
    response = client.get(url)
    assert response.status_code == 200 and response.get_json()["code"] == "LS/VQ/0012"


@pytest.mark.parametrize("query,field,vietnamese,english", [
    ("limit=abc", "limit", "Vui lòng nhập số nguyên.", "Enter a whole number."),
    ("limit=0", "limit", "Vui lòng nhập số từ 1 đến 100.", "Enter a number between 1 and 100."),
    ("limit=100000", "limit", "Vui lòng nhập số từ 1 đến 100.", "Enter a number between 1 and 100."),
])
def test_argument_errors_are_in_the_readers_language_not_the_librarys_english(client, query, field, vietnamese,
                                                                                english):
    answer = client.get(f"/api/v1/listings?{query}")  # Vietnamese by default
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"] == {field: vietnamese}
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert client.get(f"/api/v1/listings?{query}").get_json()["error"]["fields"] == {field: english}
