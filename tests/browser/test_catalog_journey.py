"""A cooperative registers a zone with a certificate, lists a harvest from it, and a visitor opens its
QR verification page."""
from datetime import timedelta

import pytest

from market.clock import today
from market.extensions import db
from market.models import OrgKind, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_zone_certificate_listing_and_qr_verification(page, browser, live_server, factory):
    org_id = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Hồi Khánh Khê", commune="Khánh Khê")
    user_id = factory.member(org_id)
    with factory.app.app_context():
        email = db.session.get(User, user_id).email
    on = today()

    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)

    # The workspace opens straight on the only organisation.
    page.goto("/workspace/")
    page.click(f"a[href='/workspace/{org_id}/zones/new']")
    page.fill("#code", "ls-kk-hoi-0042")
    page.select_option("#crop_id", label="Hồi")
    page.select_option("#commune_id", label="xã Khánh Khê")
    page.fill("#area_ha", "12,5")
    page.fill("#households", "9")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"**/workspace/{org_id}/")
    assert page.locator("td a", has_text="LS-KK-HOI-0042").is_visible()

    page.click("a[href*='/certificates/new']")
    page.select_option("#kind", "organic")
    page.fill("#number", "HC-2026-777")
    page.fill("#issuer", "Trung tâm Chứng nhận QUACERT")
    page.fill("#issued_on", (on - timedelta(days=30)).isoformat())
    page.fill("#expires_on", (on + timedelta(days=700)).isoformat())
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"**/workspace/{org_id}/")
    page.goto("/zones/LS-KK-HOI-0042")
    assert page.locator("td", has_text="HC-2026-777").is_visible()

    # List a harvest from the zone, then publish it.
    page.goto(f"/workspace/{org_id}/listings/new")
    page.fill("#title", "Hoa hồi khô Khánh Khê")
    page.select_option("#crop_id", label="Hồi")
    page.select_option("#product_form", "dried")
    page.check("input[name=zone_ids]")
    page.fill("#harvest_start", (on + timedelta(days=10)).isoformat())
    page.fill("#harvest_end", (on + timedelta(days=70)).isoformat())
    page.fill("#quantity", "3")
    page.select_option("#unit", "tan")
    page.fill("#price_per_unit", "92000")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"**/workspace/{org_id}/")
    page.locator("form:has(input[name=status][value=open]) button").first.click()
    assert page.locator("td .badge-open").count() == 1
    listing_link = page.locator("td a", has_text="Hoa hồi khô Khánh Khê")
    listing_url = listing_link.get_attribute("href")

    # A visitor (no account) opens the listing, its printable label, and the QR's verification page.
    visitor = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    visit = visitor.new_page()
    visit.goto(listing_url)
    assert visit.locator("h1").inner_text() == "Hoa hồi khô Khánh Khê"
    visit.click("a[href*='/label']")
    assert visit.locator("svg").count() >= 1
    verify_url = visit.locator("a[href*='/verify/listing/']").first.get_attribute("href")
    visit.goto(verify_url)
    html = visit.content()
    assert "LS-KK-HOI-0042" in html
    assert "HTX Hồi Khánh Khê" in html
    assert "HC-2026-777" in html
    visitor.close()
