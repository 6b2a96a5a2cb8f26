"""The seller's workspace over HTTP (market/blueprints/workspace/routes.py): real forms with CSRF tokens."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    Certificate,
    GrowingZone,
    ListingStatus,
    OcopProduct,
    OrgStatus,
    ProductStatus,
    ReviewStatus,
    Role,
    SupplyListing,
)
from tests.conftest import log_in, submit
from tests.factories import commune_id, crop_id, input_value


@pytest.fixture
def coop(factory):
    return factory.org(name="HTX Hồi Văn Quan")


@pytest.fixture
def member(client, factory, coop):
    user_id = factory.member(coop, Role.MEMBER)
    log_in(client, user_id)
    return user_id


def ids(app):
    with app.app_context():
        return {"hoi": str(crop_id("hoi")), "na": str(crop_id("na")), "van_quan": str(commune_id("Văn Quan"))}


def zone_form(app, **changes) -> dict:
    refs = ids(app)
    data = {"code": "LS-VQ-HOI-0012", "kind": "planting_area", "name": "Đồi hồi Bản Chang", "crop_id": refs["hoi"],
            "commune_id": refs["van_quan"], "area_ha": "12,5", "households": "14", "latitude": "", "longitude": ""}
    data.update(changes)
    return data


def zones_in_db(app) -> list[GrowingZone]:
    with app.app_context():
        return db.session.scalars(sa.select(GrowingZone).order_by(GrowingZone.id)).all()


def zone_state(app, zone_id):
    with app.app_context():
        zone = db.session.get(GrowingZone, zone_id)
        return zone.status, zone.area_ha


# --- access ---------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_log_in(client, coop):
    response = client.get(f"/workspace/{coop}/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_workspace_home_redirects_to_the_only_seller_organisation(client, coop, member):
    response = client.get("/workspace/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/workspace/{coop}/")


def test_a_user_of_another_organisation_gets_403(client, cat, factory, coop):
    theirs = cat.zone(coop, code="LS-VQ-HOI-0099")
    other = factory.org(name="HTX khác")
    log_in(client, factory.member(other))
    assert client.get(f"/workspace/{coop}/").status_code == 403
    assert client.get(f"/workspace/{coop}/zones/new").status_code == 403
    assert client.get(f"/workspace/{coop}/zones/{theirs}/edit").status_code == 403
    # Under one's own organisation's address, another organisation's zone does not exist.
    assert client.get(f"/workspace/{other}/zones/{theirs}/edit").status_code == 404
    assert client.get(f"/workspace/{other}/zones/{theirs}/certificates/new").status_code == 404
    assert client.get(f"/workspace/{other}/").status_code == 200


def test_posting_to_another_organisations_zone_changes_nothing(client, app, cat, factory, coop):
    theirs = cat.zone(coop, code="LS-VQ-HOI-0099", area=12.5)
    other = factory.org(name="HTX khác")
    log_in(client, factory.member(other))
    response = submit(client, f"/workspace/{other}/zones/{theirs}/edit", zone_form(app, area_ha="999"),
                      form_page=f"/workspace/{other}/zones/new")
    assert response.status_code == 404
    response = submit(client, f"/workspace/{coop}/zones/{theirs}/edit", zone_form(app, area_ha="999"),
                      form_page=f"/workspace/{other}/zones/new")
    assert response.status_code == 403
    assert zone_state(app, theirs) == (ReviewStatus.VERIFIED, 12.5)


def test_a_post_without_csrf_token_is_400(client, app, coop, member):
    response = client.post(f"/workspace/{coop}/zones/new", data=zone_form(app))
    assert response.status_code == 400
    assert zones_in_db(app) == []


# --- zones ----------------------------------------------------------------------------------------

def test_a_member_registers_a_zone_and_sees_it(client, app, coop, member):
    response = submit(client, f"/workspace/{coop}/zones/new", zone_form(app, code="ls-vq-hoi-0012"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/workspace/{coop}/")
    [zone] = zones_in_db(app)
    assert (zone.code, zone.status, zone.area_ha, zone.households) == ("LS-VQ-HOI-0012", "pending", 12.5, 14)
    assert zone.organisation_id == coop
    html = client.get(f"/workspace/{coop}/").get_data(as_text=True)
    assert "LS-VQ-HOI-0012" in html and "badge-pending" in html
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "zone.registered"))
        assert event.actor_id == member and event.organisation_id == coop


@pytest.mark.parametrize("changes, field", [
    ({"area_ha": "abc"}, "area_ha"),
    ({"area_ha": "0"}, "area_ha"),
    ({"area_ha": "-2"}, "area_ha"),
    ({"area_ha": "1e9"}, "area_ha"),
    ({"area_ha": "NaN"}, "area_ha"),
    ({"households": "-4"}, "households"),
    ({"code": "LS VQ#12"}, "code"),
    ({"code": ""}, "code"),
    ({"latitude": "21,85"}, "longitude"),
])
def test_bad_zone_input_is_shown_by_the_field_and_nothing_is_saved(client, app, coop, member, changes, field):
    response = submit(client, f"/workspace/{coop}/zones/new", zone_form(app, **changes))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">' in html
    assert html.count('<p class="error"') == 1
    assert zones_in_db(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


@pytest.mark.both_engines
def test_a_taken_code_is_shown_by_the_code_field(client, app, cat, factory, coop, member):
    cat.zone(factory.org(), code="LS-VQ-HOI-0012")
    html = submit(client, f"/workspace/{coop}/zones/new", zone_form(app, code="ls-vq-hoi-0012")).get_data(as_text=True)
    assert '<p class="error" id="code-error">' in html
    assert len(zones_in_db(app)) == 1


def test_a_buyer_organisation_cannot_register_a_zone(client, app, factory):
    from market.models import OrgKind
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN)
    log_in(client, factory.member(chain))
    assert submit(client, f"/workspace/{chain}/zones/new", zone_form(app)).status_code == 403
    assert zones_in_db(app) == []


def test_editing_the_area_of_a_verified_zone_waits_for_the_department(client, app, cat, coop, member):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0012", area=12.5)
    response = submit(client, f"/workspace/{coop}/zones/{zone_id}/edit", zone_form(app, area_ha="15"))
    assert response.status_code == 302
    assert zone_state(app, zone_id) == (ReviewStatus.VERIFIED, 12.5)
    page = client.get(f"/workspace/{coop}/zones/{zone_id}/edit").get_data(as_text=True)
    assert input_value(page, "area_ha") == "15"  # the form goes on from the values under review
    assert "LS-VQ-HOI-0012" in client.get(f"/workspace/{coop}/").get_data(as_text=True)


def test_editing_a_recalled_zone_is_refused(client, app, cat, coop, member):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0012", area=12.5, status=ReviewStatus.RECALLED)
    response = submit(client, f"/workspace/{coop}/zones/{zone_id}/edit", zone_form(app, area_ha="15"))
    assert response.status_code == 403
    assert zone_state(app, zone_id) == (ReviewStatus.RECALLED, 12.5)


def test_saving_the_edit_form_unchanged_keeps_a_verified_zone_verified(client, app, cat, coop, member):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0012", area=12.5, households=14)
    page = client.get(f"/workspace/{coop}/zones/{zone_id}/edit").get_data(as_text=True)
    assert input_value(page, "area_ha") == "12,5"
    response = submit(client, f"/workspace/{coop}/zones/{zone_id}/edit",
                      zone_form(app, area_ha=input_value(page, "area_ha"), name=""))
    assert response.status_code == 302
    assert zone_state(app, zone_id) == (ReviewStatus.VERIFIED, 12.5)


def test_saving_an_unchanged_large_zone_keeps_its_area_and_status(client, app, cat, coop, member):
    """The edit form must show the area in full: 12345.67 ha shown as 12345.7 would change it on save
    and send the verified zone back to pending."""
    zone_id = cat.zone(coop, code="LS-DL-RT-0012", area=12345.67, households=14)
    page = client.get(f"/workspace/{coop}/zones/{zone_id}/edit").get_data(as_text=True)
    response = submit(client, f"/workspace/{coop}/zones/{zone_id}/edit",
                      zone_form(app, code="LS-DL-RT-0012", area_ha=input_value(page, "area_ha"), name=""))
    assert response.status_code == 302
    assert zone_state(app, zone_id) == (ReviewStatus.VERIFIED, 12345.67)


# --- certificates ---------------------------------------------------------------------------------

def test_adding_a_certificate(client, app, cat, coop, member):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0012")
    data = {"kind": "vietgap", "number": "VG-LS-2026-001", "issuer": "Trung tâm Chứng nhận",
            "issued_on": (today() - timedelta(days=10)).isoformat(),
            "expires_on": (today() + timedelta(days=700)).isoformat()}
    response = submit(client, f"/workspace/{coop}/zones/{zone_id}/certificates/new", data)
    assert response.status_code == 302
    with app.app_context():
        cert = db.session.scalar(sa.select(Certificate))
        assert cert.zone_id == zone_id and cert.status == ReviewStatus.PENDING and cert.document_id is None


@pytest.mark.parametrize("issued, expires, field", [
    (-10, -11, "expires_on"), (5, 700, "issued_on"), (-800, -1, "expires_on"), (-10, None, "expires_on"),
])
def test_bad_certificates_are_shown_by_the_field(client, app, cat, coop, member, issued, expires, field):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0012")
    data = {"kind": "vietgap", "number": "VG-1", "issuer": "Trung tâm",
            "issued_on": (today() + timedelta(days=issued)).isoformat(),
            "expires_on": (today() + timedelta(days=expires)).isoformat() if expires is not None else ""}
    response = submit(client, f"/workspace/{coop}/zones/{zone_id}/certificates/new", data)
    assert response.status_code == 200
    assert f'<p class="error" id="{field}-error">' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


# --- listings -------------------------------------------------------------------------------------

def listing_form(app, zones, **changes) -> dict:
    data = {"title": "Hoa hồi khô vụ mùa", "crop_id": ids(app)["hoi"], "product_form": "dried",
            "zone_ids": [str(z) for z in zones], "harvest_start": (today() + timedelta(days=10)).isoformat(),
            "harvest_end": (today() + timedelta(days=70)).isoformat(), "quantity": "12", "unit": "tan",
            "grade": "Loại 1", "price_per_unit": "95000", "min_order_qty": "0,5", "ends_on": "", "description": ""}
    data.update(changes)
    return data


def listing_rows(app) -> list[SupplyListing]:
    with app.app_context():
        return db.session.scalars(sa.select(SupplyListing)).all()


def test_create_then_publish_a_listing(client, app, cat, coop, member):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0012")
    response = submit(client, f"/workspace/{coop}/listings/new", listing_form(app, [zone_id]))
    assert response.status_code == 302
    [listing] = listing_rows(app)
    assert listing.status == ListingStatus.DRAFT and listing.quantity == 12 and listing.min_order_qty == 0.5
    assert listing.price_per_unit == 95_000
    assert "Hoa hồi khô vụ mùa" in client.get(f"/workspace/{coop}/").get_data(as_text=True)
    assert client.application.test_client().get(f"/listings/{listing.id}").status_code == 404  # a draft

    response = submit(client, f"/workspace/{coop}/listings/{listing.id}/status", {"status": "open"},
                      form_page=f"/workspace/{coop}/")
    assert response.status_code == 302
    assert listing_rows(app)[0].status == ListingStatus.OPEN
    assert client.application.test_client().get(f"/api/v1/listings/{listing.id}").get_json()["status"] == "open"


def test_negotiable_box_drops_the_price(client, app, cat, coop, member):
    zone_id = cat.zone(coop)
    submit(client, f"/workspace/{coop}/listings/new", listing_form(app, [zone_id], negotiable="y"))
    assert listing_rows(app)[0].price_per_unit is None


@pytest.mark.parametrize("changes, field", [
    ({"harvest_end": (today() + timedelta(days=5)).isoformat()}, "harvest_end"),
    ({"quantity": "0"}, "quantity"),
    ({"price_per_unit": "-5"}, "price_per_unit"),
    ({"min_order_qty": "20"}, "min_order_qty"),
    ({"zone_ids": []}, "zone_ids"),
])
def test_bad_listing_input_is_shown_by_the_field(client, app, cat, coop, member, changes, field):
    zone_id = cat.zone(coop)
    response = submit(client, f"/workspace/{coop}/listings/new", listing_form(app, [zone_id], **changes))
    assert response.status_code == 200
    assert f'<p class="error" id="{field}-error">' in response.get_data(as_text=True)
    assert listing_rows(app) == []


def test_a_zone_of_another_organisation_cannot_be_posted(client, app, cat, factory, coop, member):
    theirs = cat.zone(factory.org(), code="LS-CL-HOI-0001")
    response = submit(client, f"/workspace/{coop}/listings/new", listing_form(app, [theirs]))
    # Not among the form's choices: the form refuses it before the service sees it.
    assert response.status_code == 200 and '<p class="error" id="zone_ids-error">' in response.get_data(as_text=True)
    assert listing_rows(app) == []


def test_a_pending_organisation_cannot_publish(client, app, cat, factory):
    org = factory.org(status=OrgStatus.PENDING)
    log_in(client, factory.member(org))
    listing_id = cat.listing(org, [cat.zone(org)], status=ListingStatus.DRAFT)
    response = submit(client, f"/workspace/{org}/listings/{listing_id}/status", {"status": "open"},
                      form_page=f"/workspace/{org}/")
    assert response.status_code == 403
    assert listing_rows(app)[0].status == ListingStatus.DRAFT


def test_a_refused_transition_is_flashed_and_changes_nothing(client, app, cat, coop, member):
    listing_id = cat.listing(coop, [cat.zone(coop)], status=ListingStatus.CLOSED)
    response = submit(client, f"/workspace/{coop}/listings/{listing_id}/status", {"status": "open"},
                      form_page=f"/workspace/{coop}/", follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert listing_rows(app)[0].status == ListingStatus.CLOSED


def test_status_post_without_csrf_is_400(client, app, cat, coop, member):
    listing_id = cat.listing(coop, [cat.zone(coop)], status=ListingStatus.DRAFT)
    assert client.post(f"/workspace/{coop}/listings/{listing_id}/status", data={"status": "open"}).status_code == 400
    assert listing_rows(app)[0].status == ListingStatus.DRAFT


def test_another_organisations_listing_status_cannot_be_changed(client, app, cat, factory, coop):
    listing_id = cat.listing(coop, [cat.zone(coop)], status=ListingStatus.DRAFT)
    other = factory.org(name="HTX khác")
    log_in(client, factory.member(other))
    response = submit(client, f"/workspace/{other}/listings/{listing_id}/status", {"status": "open"},
                      form_page=f"/workspace/{other}/")
    assert response.status_code == 404
    response = submit(client, f"/workspace/{coop}/listings/{listing_id}/status", {"status": "open"},
                      form_page=f"/workspace/{other}/")
    assert response.status_code == 403
    assert listing_rows(app)[0].status == ListingStatus.DRAFT


# --- products -------------------------------------------------------------------------------------

def product_form(**changes) -> dict:
    data = {"name": "Tinh dầu hồi Văn Quan", "category": "spice", "stars": "5", "certificate_number": "OCOP-LS-5S-001",
            "certificate_issued_on": (today() - timedelta(days=100)).isoformat(),
            "certificate_expires_on": (today() + timedelta(days=900)).isoformat(), "crop_id": "", "unit": "chai",
            "price": "180000", "min_order_qty": "2", "stock": "400", "tourist_shops_allowed": "y", "description": ""}
    data.update(changes)
    return data


def test_create_then_publish_a_product(client, app, coop, member):
    assert submit(client, f"/workspace/{coop}/products/new", product_form()).status_code == 302
    with app.app_context():
        product = db.session.scalar(sa.select(OcopProduct))
        assert (product.stars, product.price, product.stock, product.status) == (5, 180_000, 400, "draft")
    response = submit(client, f"/workspace/{coop}/products/{product.id}/status", {"status": "published"},
                      form_page=f"/workspace/{coop}/")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(OcopProduct, product.id).status == ProductStatus.PUBLISHED


def test_publishing_a_product_with_an_expired_certificate_is_refused(client, app, cat, coop, member):
    product_id = cat.product(coop, status=ProductStatus.DRAFT, issued_on=today() - timedelta(days=900),
                             expires_on=today() - timedelta(days=1))
    response = submit(client, f"/workspace/{coop}/products/{product_id}/status", {"status": "published"},
                      form_page=f"/workspace/{coop}/", follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(OcopProduct, product_id).status == ProductStatus.DRAFT


def test_bad_product_dates_are_shown_by_the_field(client, app, coop, member):
    response = submit(client, f"/workspace/{coop}/products/new", product_form(
        certificate_issued_on=(today() - timedelta(days=10)).isoformat(),
        certificate_expires_on=(today() - timedelta(days=20)).isoformat()))
    assert '<p class="error" id="certificate_expires_on-error">' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OcopProduct)) == 0


def test_saving_an_unchanged_listing_keeps_its_quantity(client, app, cat, coop, member):
    """The edit form must show the quantity in full (not 1.23457e+06), or saving it changes the offer."""
    zone_id = cat.zone(coop)
    listing_id = cat.listing(coop, [zone_id], status=ListingStatus.OPEN, quantity=1_234_567)
    page = client.get(f"/workspace/{coop}/listings/{listing_id}/edit").get_data(as_text=True)
    with app.app_context():
        listing = db.session.get(SupplyListing, listing_id)
        data = listing_form(app, [zone_id], title=listing.title, unit="kg", grade="",
                            harvest_start=listing.harvest_start.isoformat(),
                            harvest_end=listing.harvest_end.isoformat(), price_per_unit="95000",
                            quantity=input_value(page, "quantity"), min_order_qty="")
    assert submit(client, f"/workspace/{coop}/listings/{listing_id}/edit", data).status_code == 302
    assert listing_rows(app)[0].quantity == 1_234_567


def test_editing_a_listing_keeps_a_negotiable_price_negotiable(client, app, cat, coop, member):
    zone_id = cat.zone(coop)
    listing_id = cat.listing(coop, [zone_id], status=ListingStatus.OPEN, price=None, quantity=12)
    page = client.get(f"/workspace/{coop}/listings/{listing_id}/edit").get_data(as_text=True)
    assert input_value(page, "quantity") == "12" and input_value(page, "price_per_unit") == ""
    data = listing_form(app, [zone_id], price_per_unit="", negotiable="y", quantity="15")
    assert submit(client, f"/workspace/{coop}/listings/{listing_id}/edit", data).status_code == 302
    [listing] = listing_rows(app)
    assert listing.price_per_unit is None and listing.quantity == 15 and listing.status == ListingStatus.OPEN


def test_a_closed_listing_cannot_be_edited(client, app, cat, coop, member):
    zone_id = cat.zone(coop)
    listing_id = cat.listing(coop, [zone_id], status=ListingStatus.CLOSED, quantity=12)
    response = submit(client, f"/workspace/{coop}/listings/{listing_id}/edit", listing_form(app, [zone_id], quantity="15"))
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert listing_rows(app)[0].quantity == 12
