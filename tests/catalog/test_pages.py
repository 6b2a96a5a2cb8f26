"""Public catalogue pages (market/blueprints/catalog/routes.py) and who may see what."""
import re
from datetime import timedelta

import pytest

from market.clock import today
from market.models import CertificateKind, ListingStatus, OrgStatus, ProductStatus, ReviewStatus, Role
from tests.conftest import log_in


@pytest.fixture
def coop(factory):
    return factory.org(name="HTX Hồi Văn Quan")


@pytest.fixture
def zone(cat, coop):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0001")
    cat.certificate(zone_id, kind=CertificateKind.PLANTING_AREA_CODE, number="MSVT-LS-0001")
    return zone_id


def as_anonymous(client, factory, coop):
    return None


def as_other_org(client, factory, coop):
    log_in(client, factory.member(factory.org(name="HTX khác")))


def as_member(client, factory, coop):
    log_in(client, factory.member(coop, Role.MEMBER))


def as_staff(client, factory, coop):
    log_in(client, factory.department_staff())


OUTSIDERS = [as_anonymous, as_other_org]
INSIDERS = [as_member, as_staff]


# --- listings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", OUTSIDERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("status", [ListingStatus.DRAFT, ListingStatus.CLOSED])
def test_unpublished_listing_is_hidden_from_outsiders(client, cat, factory, coop, zone, viewer, status):
    listing_id = cat.listing(coop, [zone], status=status, title="Hoa hồi bí mật")
    viewer(client, factory, coop)
    response = client.get(f"/listings/{listing_id}")
    assert response.status_code == 404
    assert "Hoa hồi bí mật" not in response.get_data(as_text=True)
    assert "Hoa hồi bí mật" not in client.get("/listings").get_data(as_text=True)


@pytest.mark.parametrize("viewer", INSIDERS, ids=lambda f: f.__name__)
def test_draft_listing_is_visible_to_members_and_staff(client, cat, factory, coop, zone, viewer):
    listing_id = cat.listing(coop, [zone], status=ListingStatus.DRAFT, title="Hoa hồi bản nháp")
    viewer(client, factory, coop)
    response = client.get(f"/listings/{listing_id}")
    assert response.status_code == 200
    assert "Hoa hồi bản nháp" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ListingStatus.PUBLIC)
def test_public_listing_of_a_verified_organisation_is_public(client, cat, coop, zone, status):
    listing_id = cat.listing(coop, [zone], status=status, title="Hoa hồi khô vụ mùa", price=95_000)
    response = client.get(f"/listings/{listing_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Hoa hồi khô vụ mùa" in html and "LS-VQ-HOI-0001" in html and "HTX Hồi Văn Quan" in html
    assert "flash-error" not in html  # its zone is verified with a valid code: no warning
    assert "Hoa hồi khô vụ mùa" in client.get("/listings").get_data(as_text=True)


def test_open_listing_of_an_unverified_organisation_is_hidden(client, cat, factory):
    org = factory.org(status=OrgStatus.PENDING)
    listing_id = cat.listing(org, [cat.zone(org)], status=ListingStatus.OPEN, title="Hồi chưa xác minh")
    assert client.get(f"/listings/{listing_id}").status_code == 404
    assert "Hồi chưa xác minh" not in client.get("/listings").get_data(as_text=True)


def test_unknown_listing_is_404(client):
    assert client.get("/listings/987654").status_code == 404


def test_listing_from_an_unverified_zone_shows_a_warning(client, cat, coop, zone):
    pending = cat.zone(coop, code="LS-VQ-HOI-0002", status=ReviewStatus.PENDING)
    listing_id = cat.listing(coop, [zone, pending], status=ListingStatus.OPEN)
    html = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert 'class="flash flash-error"' in html
    assert re.search(r"LS-VQ-HOI-0002: [^<,]+", html) and "LS-VQ-HOI-0002: pending" not in html  # by its label
    assert "LS-VQ-HOI-0001: " not in html


def test_listing_from_a_zone_with_an_expired_code_shows_a_warning(client, cat, coop):
    expired = cat.zone(coop, code="LS-VQ-HOI-0003")
    cat.certificate(expired, issued_on=today() - timedelta(days=800), expires_on=today() - timedelta(days=1))
    listing_id = cat.listing(coop, [expired], status=ListingStatus.OPEN)
    html = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert "LS-VQ-HOI-0003: Hết hạn" in html or "LS-VQ-HOI-0003: Đã hết hạn" in html, "the state by its label"


def test_listings_page_filters_by_crop(client, cat, coop, zone):
    from tests.factories import crop_id
    na_zone = cat.zone(coop, crop="na")
    cat.listing(coop, [zone], title="Hồi lô một")
    cat.listing(coop, [na_zone], crop="na", title="Na lô một")
    with client.application.app_context():
        na = crop_id("na")
    html = client.get(f"/listings?crop={na}").get_data(as_text=True)
    assert "Na lô một" in html and "Hồi lô một" not in html


# --- products -------------------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", OUTSIDERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.WITHDRAWN])
def test_unpublished_product_is_hidden_from_outsiders(client, cat, factory, coop, viewer, status):
    product_id = cat.product(coop, status=status, name="Tinh dầu hồi nháp")
    viewer(client, factory, coop)
    assert client.get(f"/products/{product_id}").status_code == 404
    assert "Tinh dầu hồi nháp" not in client.get("/products").get_data(as_text=True)


@pytest.mark.parametrize("viewer", INSIDERS, ids=lambda f: f.__name__)
def test_draft_product_is_visible_to_members_and_staff(client, cat, factory, coop, viewer):
    product_id = cat.product(coop, status=ProductStatus.DRAFT, name="Tinh dầu hồi nháp")
    viewer(client, factory, coop)
    response = client.get(f"/products/{product_id}")
    assert response.status_code == 200 and "Tinh dầu hồi nháp" in response.get_data(as_text=True)


def test_published_product_of_a_verified_organisation_is_public(client, cat, coop):
    product_id = cat.product(coop, status=ProductStatus.PUBLISHED, name="Tinh dầu hồi Văn Quan", stars=5)
    response = client.get(f"/products/{product_id}")
    assert response.status_code == 200 and "Tinh dầu hồi Văn Quan" in response.get_data(as_text=True)
    assert "Tinh dầu hồi Văn Quan" in client.get("/products?stars=5").get_data(as_text=True)
    assert "Tinh dầu hồi Văn Quan" not in client.get("/products?stars=3").get_data(as_text=True)


def test_published_product_of_an_unverified_organisation_is_hidden(client, cat, factory):
    org = factory.org(status=OrgStatus.PENDING)
    product_id = cat.product(org, status=ProductStatus.PUBLISHED)
    assert client.get(f"/products/{product_id}").status_code == 404


# --- zones ----------------------------------------------------------------------------------------

@pytest.mark.both_engines
@pytest.mark.parametrize("path", ["/zones/LS-VQ-HOI-0001", "/zones/ls-vq-hoi-0001", "/zones/Ls-Vq-Hoi-0001"])
def test_zone_page_finds_the_code_ignoring_case(client, coop, zone, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "LS-VQ-HOI-0001" in html and "MSVT-LS-0001" in html and "HTX Hồi Văn Quan" in html


def test_unknown_zone_is_404(client):
    assert client.get("/zones/LS-NOPE-0001").status_code == 404


def test_zone_of_an_unverified_organisation_is_hidden_from_anonymous(client, cat, factory):
    org = factory.org(status=OrgStatus.PENDING)
    cat.zone(org, code="LS-LB-MC-0001", status=ReviewStatus.PENDING)
    assert client.get("/zones/LS-LB-MC-0001").status_code == 404
    log_in(client, factory.member(factory.org()))
    assert client.get("/zones/LS-LB-MC-0001").status_code == 404


@pytest.mark.parametrize("viewer", INSIDERS, ids=lambda f: f.__name__)
def test_zone_of_an_unverified_organisation_is_visible_to_insiders(client, cat, factory, viewer):
    org = factory.org(status=OrgStatus.PENDING)
    cat.zone(org, code="LS-LB-MC-0001", status=ReviewStatus.PENDING)
    viewer(client, factory, org)
    assert client.get("/zones/LS-LB-MC-0001").status_code == 200


def test_zone_page_shows_expired_and_valid_certificates(client, cat, coop):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0009")
    cat.certificate(zone_id, number="MSVT-OLD", issued_on=today() - timedelta(days=800),
                    expires_on=today() - timedelta(days=1))
    html = client.get("/zones/LS-VQ-HOI-0009").get_data(as_text=True)
    assert "MSVT-OLD" in html and "badge-expired" in html


def test_zone_with_a_slash_in_its_code_has_a_public_page(client, app, cat, coop):
    """Codes may use / as a separator (zones.ZONE_CODE), so the route must accept it."""
    from flask import url_for
    cat.zone(coop, code="LS/VQ/0012")
    with app.test_request_context():
        url = url_for("catalog.zone", code="LS/VQ/0012")
    assert client.get(url).status_code == 200
