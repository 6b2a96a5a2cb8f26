"""The public verification pages and printable labels: no login, every state shown as it is on the
day (valid on the expiry day, expired the day after), 404 for unknown ids and unpublished drafts."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    CertificateKind,
    ListingStatus,
    OcopProduct,
    OrgStatus,
    ProductStatus,
    ReviewStatus,
    Role,
    SupplyListing,
)
from market.services import epcis
from tests.conftest import log_in
from tests.trace.conftest import expected_modules, svg_modules

VIETGAP = CertificateKind.VIETGAP


@pytest.fixture
def seller(factory):
    return factory.org(name="HTX Hồi Văn Quan")


def states(html: str) -> dict[str, str]:
    """Certificate number -> the state its badge shows."""
    return dict(re.findall(r'data-certificate="([^"]+)" data-state="([^"]+)"', html))


def test_listing_page_shows_zones_certificates_and_producer(client, factory, seller):
    zone = factory.zone(seller, code="LS-VQ-HOI-0012")
    soon = today() + timedelta(days=3)
    factory.certificate(zone, kind=VIETGAP, number="VG-TODAY", expires_on=today())
    factory.certificate(zone, kind=VIETGAP, number="VG-YESTERDAY", expires_on=today() - timedelta(days=1))
    factory.certificate(zone, kind=VIETGAP, number="VG-PENDING", expires_on=soon, status=ReviewStatus.PENDING)
    factory.certificate(zone, kind=VIETGAP, number="VG-RECALLED", expires_on=soon, status=ReviewStatus.RECALLED)
    factory.certificate(zone, number="ORG-SOON", kind=CertificateKind.ORGANIC, expires_on=soon)
    public_id = factory.public_listing(seller, [zone], title="Hoa hồi khô vụ thu 2026")

    response = client.get(f"/verify/listing/{public_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="vi"' in html
    assert "Hoa hồi khô vụ thu 2026" in html and "HTX Hồi Văn Quan" in html and "xã Văn Quan" in html
    assert 'data-producer-verified="yes"' in html
    assert 'data-zone="LS-VQ-HOI-0012" data-state="valid"' in html
    assert states(html) == {"VG-TODAY": "valid", "VG-YESTERDAY": "expired", "VG-PENDING": "pending",
                            "VG-RECALLED": "recalled", "ORG-SOON": "valid"}
    assert 'data-verdict="verified"' in html
    assert "12,5 ha" in html  # Vietnamese decimal comma
    assert "data-preview" not in html and "no-store" not in response.headers.get("Cache-Control", "")


def test_listing_page_in_english(client, factory, seller):
    zone = factory.zone(seller)
    factory.certificate(zone, kind=VIETGAP, number="VG-TODAY", expires_on=today())
    public_id = factory.public_listing(seller, [zone])
    client.get("/lang/en")
    html = client.get(f"/verify/listing/{public_id}").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Valid" in html and "Last day of validity" in html and "Star anise" in html


def test_expired_zone_code_warns_the_buyer(client, factory, seller):
    zone = factory.zone(seller, code="LS-VQ-HOI-0031")
    factory.certificate(zone, kind=CertificateKind.PLANTING_AREA_CODE, number="MSVT-31",
                        expires_on=today() - timedelta(days=1))
    html = client.get(f"/verify/listing/{factory.public_listing(seller, [zone])}").get_data(as_text=True)
    assert 'data-zone="LS-VQ-HOI-0031" data-state="expired"' in html
    assert 'data-verdict="warning"' in html and "LS-VQ-HOI-0031" in html


@pytest.mark.parametrize("expires_in, state", [(0, "valid"), (-1, "expired")])
def test_product_page_ocop_certificate_on_and_after_expiry(client, factory, seller, expires_in, state):
    public_id = factory.public_product(seller, name="Tinh dầu hồi Văn Quan", stars=4,
                                expires_on=today() + timedelta(days=expires_in))
    response = client.get(f"/verify/product/{public_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Tinh dầu hồi Văn Quan" in html and "★★★★<" in html
    assert f'data-ocop-state="{state}"' in html
    assert 'data-producer-verified="yes"' in html


def test_product_page_lists_its_zones(client, factory, seller):
    zone = factory.zone(seller, code="LS-VQ-HOI-0077")
    factory.certificate(zone, kind=VIETGAP, number="VG-77", expires_on=today() + timedelta(days=30))
    html = client.get(f"/verify/product/{factory.public_product(seller, [zone])}").get_data(as_text=True)
    assert 'data-zone="LS-VQ-HOI-0077"' in html and states(html) == {"VG-77": "valid"}


@pytest.mark.parametrize("path", ["/verify/listing/{}", "/verify/listing/{}/label",
                                  "/verify/product/{}", "/verify/product/{}/label"])
def test_unknown_ids_are_404(client, path):
    assert client.get(path.format("khong-co-ma-nay")).status_code == 404


@pytest.mark.parametrize("org_status, status", [
    (OrgStatus.PENDING, "draft"),  # a draft of an unverified organisation
    (OrgStatus.VERIFIED, "draft"),  # not yet published
    (OrgStatus.REJECTED, "draft"),
])
@pytest.mark.parametrize("kind", ["listing", "product"])
def test_unpublished_drafts_are_404_for_the_public(client, factory, org_status, status, kind):
    org = factory.org(status=org_status)
    public_id = (factory.public_listing(org, [factory.zone(org)], status=ListingStatus.DRAFT) if kind == "listing"
                 else factory.public_product(org, status=ProductStatus.DRAFT))
    for path in (f"/verify/{kind}/{public_id}", f"/verify/{kind}/{public_id}/label"):
        assert client.get(path).status_code == 404
    log_in(client, factory.member(factory.org(), Role.OWNER))
    for path in (f"/verify/{kind}/{public_id}", f"/verify/{kind}/{public_id}/label"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("kind", ["listing", "product"])
def test_members_and_department_preview_their_drafts(client, factory, kind):
    org = factory.org(status=OrgStatus.PENDING)
    public_id = (factory.public_listing(org, [factory.zone(org)], status=ListingStatus.DRAFT) if kind == "listing"
                 else factory.public_product(org, status=ProductStatus.DRAFT))
    for viewer in (factory.member(org, Role.MEMBER), factory.department_staff()):
        log_in(client, viewer)
        response = client.get(f"/verify/{kind}/{public_id}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "data-preview" in html and 'data-producer-verified="no"' in html
        assert "no-store" in response.headers["Cache-Control"] and response.headers["X-Robots-Tag"] == "noindex"
        label = client.get(f"/verify/{kind}/{public_id}/label")
        assert label.status_code == 200 and "no-store" in label.headers["Cache-Control"]


def test_closed_listing_and_withdrawn_product_stay_verifiable(client, factory, seller):
    listing = factory.public_listing(seller, [factory.zone(seller)], status=ListingStatus.CLOSED)
    product = factory.public_product(seller, status=ProductStatus.WITHDRAWN)
    assert client.get(f"/verify/listing/{listing}").status_code == 200
    assert client.get(f"/verify/product/{product}").status_code == 200


def test_label_link_is_shown_to_members_only(client, factory, seller):
    public_id = factory.public_listing(seller, [factory.zone(seller)])
    label = f"/verify/listing/{public_id}/label"
    assert label not in client.get(f"/verify/listing/{public_id}").get_data(as_text=True)
    log_in(client, factory.member(seller, Role.MEMBER))
    assert label in client.get(f"/verify/listing/{public_id}").get_data(as_text=True)


def _qr(html: str) -> str:
    return re.search(r"<svg.*?</svg>", html, re.S).group(0)


def test_listing_label_has_qr_code_and_absolute_url(client, factory, seller):
    zones = [factory.zone(seller, code="LS-VQ-HOI-0101"), factory.zone(seller, code="LS-VQ-HOI-0102")]
    public_id = factory.public_listing(seller, zones, title="Hoa hồi khô loại 1")
    response = client.get(f"/verify/listing/{public_id}/label")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The QR code encodes the harvest's GS1 Digital Link on the market's domain (issue 16a), which resolves to
    # the verification page (tests/gs1).
    with client.application.app_context():
        url = epcis.listing_link(db.session.scalar(sa.select(SupplyListing).where(
            SupplyListing.public_id == public_id)))
    assert url.startswith(client.application.config["PUBLIC_URL"].rstrip("/") + "/01/029")
    assert "<svg" in html and url in html
    assert svg_modules(_qr(html)) == expected_modules(url)
    assert "Hoa hồi khô loại 1" in html and "HTX Hồi Văn Quan" in html
    assert "LS-VQ-HOI-0101" in html and "LS-VQ-HOI-0102" in html
    assert re.search(r"css/print-label(\.[0-9a-f]{12})?\.css", html)  # @page and @media print live there (no inline style under the CSP)
    assert "<script" not in html.lower() and "css/site.css" not in html  # the label alone, not the site's layout


def test_product_label_has_stars_qr_code_and_absolute_url(client, factory, seller):
    public_id = factory.public_product(seller, name="Tinh dầu hồi Văn Quan", stars=5)
    html = client.get(f"/verify/product/{public_id}/label").get_data(as_text=True)
    with client.application.app_context():
        url = epcis.product_link(db.session.scalar(sa.select(OcopProduct).where(
            OcopProduct.public_id == public_id)))
    assert "<svg" in html and url in html and svg_modules(_qr(html)) == expected_modules(url)
    assert "Tinh dầu hồi Văn Quan" in html and "★★★★★" in html and "<script" not in html.lower()
