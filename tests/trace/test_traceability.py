"""The traceability service: certificate, zone and OCOP states judged on a given day (the expiry day
itself still counts), the summary a buyer sees, and the QR code's SVG."""
from datetime import timedelta

import pytest

from market.clock import today
from market.models import CertificateKind, OcopProduct, OrgStatus, ProductStatus, ReviewStatus, SupplyListing
from market.services import traceability
from tests.trace.conftest import expected_modules, svg_modules

VIETGAP = CertificateKind.VIETGAP


@pytest.fixture
def seller(factory):
    return factory.org(name="HTX Hồi Văn Quan")


def trace_listing(app, public_id, on=None) -> dict:
    with app.test_request_context():
        listing = traceability.find_listing(public_id)
        return traceability.listing_trace(listing, on)


def trace_product(app, public_id, on=None) -> dict:
    with app.test_request_context():
        return traceability.product_trace(traceability.find_product(public_id), on)


def certificate(trace: dict, number: str) -> dict:
    return next(c for z in trace["zones"] for c in z["certificates"] if c["number"] == number)


def test_certificate_is_valid_on_its_expiry_day_and_expired_the_day_after(app, factory, seller):
    day = today() + timedelta(days=10)
    zone = factory.zone(seller)
    factory.certificate(zone, kind=VIETGAP, number="VG-EXP", issued_on=day - timedelta(days=365), expires_on=day)
    listing = factory.public_listing(seller, [zone])

    on_the_day = certificate(trace_listing(app, listing, on=day), "VG-EXP")
    assert on_the_day["state"] == ReviewStatus.VERIFIED and on_the_day["badge"] == "valid"
    assert on_the_day["valid"] is True and on_the_day["days_left"] == 0

    day_after = certificate(trace_listing(app, listing, on=day + timedelta(days=1)), "VG-EXP")
    assert day_after["badge"] == "expired" and day_after["valid"] is False and day_after["days_left"] is None

    before_issue = certificate(trace_listing(app, listing, on=day - timedelta(days=366)), "VG-EXP")
    assert before_issue["badge"] == "not_yet_valid" and before_issue["valid"] is False


@pytest.mark.parametrize("status, badge", [
    (ReviewStatus.PENDING, "pending"),
    (ReviewStatus.RECALLED, "recalled"),
    (ReviewStatus.REJECTED, "rejected"),
    (ReviewStatus.VERIFIED, "valid"),
])
def test_review_status_decides_the_badge(app, factory, seller, status, badge):
    zone = factory.zone(seller)
    factory.certificate(zone, kind=VIETGAP, number="VG-1", expires_on=today() + timedelta(days=100), status=status)
    trace = trace_listing(app, factory.public_listing(seller, [zone]))
    found = certificate(trace, "VG-1")
    assert found["badge"] == badge and found["valid"] is (badge == "valid")


def test_certificate_fields_and_geographical_indication_without_expiry(app, factory, seller):
    zone = factory.zone(seller, code="LS-VQ-HOI-0012")
    factory.certificate(zone, kind=CertificateKind.GEOGRAPHICAL_INDICATION, number="GI-00085",
                        issued_on=today() - timedelta(days=3000), expires_on=None)
    trace = trace_listing(app, factory.public_listing(seller, [zone]))
    gi = certificate(trace, "GI-00085")
    assert gi["kind"] == CertificateKind.GEOGRAPHICAL_INDICATION and gi["issuer"]
    assert gi["expires_on"] is None and gi["badge"] == "valid" and gi["days_left"] is None


def test_zone_fields_and_state(app, factory, seller):
    verified = factory.zone(seller, code="LS-VQ-HOI-0001", area=12.5)
    pending = factory.zone(seller, code="LS-VQ-HOI-0002", status=ReviewStatus.PENDING)
    lapsed = factory.zone(seller, code="LS-VQ-HOI-0003")
    factory.certificate(lapsed, kind=CertificateKind.PLANTING_AREA_CODE, number="MSVT-3",
                        issued_on=today() - timedelta(days=800), expires_on=today() - timedelta(days=1))
    trace = trace_listing(app, factory.public_listing(seller, [lapsed, pending, verified]))

    zones = {z["code"]: z for z in trace["zones"]}
    assert [z["code"] for z in trace["zones"]] == ["LS-VQ-HOI-0001", "LS-VQ-HOI-0002", "LS-VQ-HOI-0003"]
    first = zones["LS-VQ-HOI-0001"]
    assert first["kind"] == "planting_area" and first["commune"] == "xã Văn Quan" and first["area_ha"] == 12.5
    assert first["crop"]["key"] == "hoi" and first["badge"] == "valid" and first["verified"]
    assert zones["LS-VQ-HOI-0002"]["badge"] == "pending"
    assert zones["LS-VQ-HOI-0003"]["state"] == "expired" and zones["LS-VQ-HOI-0003"]["badge"] == "expired"
    assert trace["zones_verified"] is False
    assert trace["warnings"] == ["LS-VQ-HOI-0002", "LS-VQ-HOI-0003"]


def test_listing_trace_producer_and_defaults(app, factory, seller):
    zone = factory.zone(seller)
    factory.certificate(zone, kind=VIETGAP, expires_on=today() + timedelta(days=5))
    trace = trace_listing(app, factory.public_listing(seller, [zone], title="Hoa hồi khô vụ thu 2026"))
    assert trace["on"] == today()
    assert trace["title"] == "Hoa hồi khô vụ thu 2026" and trace["type"] == "listing" and trace["public"]
    assert trace["producer"] == {"id": seller, "name": "HTX Hồi Văn Quan", "kind": "cooperative",
                                 "commune": "xã Văn Quan", "verified": True}
    assert trace["zones_verified"] and trace["valid_certificates"] == 1 and trace["warnings"] == []


def test_product_ocop_certificate_on_its_expiry_day_and_after(app, factory, seller):
    day = today()
    product = factory.public_product(seller, stars=5, issued_on=day - timedelta(days=1000), expires_on=day)

    trace = trace_product(app, product, on=day)
    assert trace["stars"] == 5 and trace["type"] == "product"
    assert trace["ocop"]["valid"] is True and trace["ocop"]["badge"] == "valid" and trace["ocop"]["days_left"] == 0
    after = trace_product(app, product, on=day + timedelta(days=1))["ocop"]
    assert after["valid"] is False and after["badge"] == "expired"
    before = trace_product(app, product, on=day - timedelta(days=1001))["ocop"]
    assert before["badge"] == "not_yet_valid"
    assert trace_product(app, product)["ocop"]["valid"] is True  # default: today


def test_product_with_zones(app, factory, seller):
    zone = factory.zone(seller, code="LS-VQ-HOI-0099")
    trace = trace_product(app, factory.public_product(seller, [zone]))
    assert [z["code"] for z in trace["zones"]] == ["LS-VQ-HOI-0099"]


@pytest.mark.parametrize("org_status, item_status, public", [
    (OrgStatus.VERIFIED, "open", True),
    (OrgStatus.VERIFIED, "closed", True),
    (OrgStatus.VERIFIED, "draft", False),
    (OrgStatus.PENDING, "draft", False),
    (OrgStatus.REJECTED, "open", False),
])
def test_what_is_public(app, factory, org_status, item_status, public):
    org = factory.org(status=org_status)
    listing = factory.public_listing(org, [factory.zone(org)], status=item_status)
    with app.test_request_context():
        item = traceability.find_listing(listing)
        assert isinstance(item, SupplyListing) and traceability.is_public(item) is public
        assert traceability.may_view(None, item) is public


def test_unknown_ids_are_not_found(app):
    with app.test_request_context():
        assert traceability.find_listing("nope") is None and traceability.find_product("nope") is None


def test_withdrawn_product_stays_public(app, factory, seller):
    product = factory.public_product(seller, status=ProductStatus.WITHDRAWN)
    with app.test_request_context():
        item = traceability.find_product(product)
        assert isinstance(item, OcopProduct) and traceability.is_public(item)


# --- the QR code -------------------------------------------------------------------------------------

def test_qr_svg_is_inline_scalable_and_encodes_the_url():
    url = "https://cho.langson.gov.vn/verify/listing/AbCdEfGhIjKl"
    svg = traceability.qr_svg(url, label='QR "1" <a>')
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "mm" not in svg.split(">", 1)[0]
    assert 'viewBox="0 0 ' in svg and 'shape-rendering="crispEdges"' in svg and 'role="img"' in svg
    assert 'aria-label="QR &quot;1&quot; &lt;a>"' in svg
    assert 'id="qr-path"' not in svg
    assert svg.count("<path") == 1 and len(svg) < 12_000
    assert svg_modules(svg) == expected_modules(url)
