"""A producer asks a retail chain to confirm that it stocks an OCOP product; a member of the chain confirms
it on "Sản phẩm trên quầy của chúng tôi"; the product page and its QR page show it as confirmed by the chain."""
from datetime import timedelta

import pytest

from market.clock import today
from market.extensions import db
from market.models import OcopProduct, OrgKind, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, email: str) -> None:
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def test_a_chain_member_confirms_a_shelf_placement_asked_by_the_producer(page, browser, live_server, factory):
    coop = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Hồi Văn Quan")
    producer = factory.member(coop)
    product_id = factory.product(coop, name="Tinh dầu hồi Văn Quan", stars=4)
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi siêu thị Nông sản Sạch", commune="Kỳ Lừa")
    buyer = factory.member(chain, role="member")
    with factory.app.app_context():
        producer_email, buyer_email = db.session.get(User, producer).email, db.session.get(User, buyer).email
        public_id = db.session.get(OcopProduct, product_id).public_id

    # The producer asks, from the product's shelf page (linked from the workspace).
    log_in(page, producer_email)
    page.goto(f"/workspace/{coop}/")
    page.click(f"a[href='/shelves/products/{product_id}']")
    page.select_option("#chain_id", label="Chuỗi siêu thị Nông sản Sạch")
    page.fill("#note", "Sản phẩm đang bày bán tại quầy đặc sản.")
    page.click("form.form button[type=submit]")
    assert page.get_by_text("Chờ chuỗi xác nhận").first.is_visible()
    page.goto(f"/products/{product_id}")
    assert page.get_by_text("người sản xuất tự khai, chuỗi chưa xác nhận").is_visible()

    # A member of the chain answers from its own page, reached from the menu.
    chain_context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN")
    chain_page = chain_context.new_page()
    log_in(chain_page, buyer_email)
    chain_page.click("nav.menu a[href='/shelves/']")
    assert chain_page.locator("h1").inner_text() == "Sản phẩm trên quầy của chúng tôi"
    request_row = chain_page.locator("#requests tr", has_text="Tinh dầu hồi Văn Quan")
    assert request_row.get_by_text("Sản phẩm đang bày bán tại quầy đặc sản.").is_visible()
    since = today() - timedelta(days=14)
    request_row.locator("input[name=since]").fill(since.isoformat())
    request_row.get_by_role("button", name="Xác nhận: chúng tôi có bày bán").click()
    chain_page.wait_for_url(f"**/shelves/chains/{chain}/")
    assert chain_page.locator("#current", has_text="Tinh dầu hồi Văn Quan").is_visible()
    assert chain_page.locator("#requests", has_text="Tinh dầu hồi Văn Quan").count() == 0
    chain_context.close()

    # Anyone sees it confirmed by the chain: the product page and the QR verification page.
    visitor = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN")
    visit = visitor.new_page()
    visit.goto(f"/products/{product_id}")
    confirmed = visit.locator(".shelf-confirmed")
    assert confirmed.count() == 1
    assert "Chuỗi siêu thị Nông sản Sạch · chuỗi đã xác nhận: có trên quầy từ ngày" in confirmed.inner_text()
    assert visit.get_by_text("chuỗi chưa xác nhận").count() == 0
    visit.goto(f"/verify/product/{public_id}")
    assert "Chuỗi siêu thị Nông sản Sạch" in visit.locator("[data-shelves]").inner_text()
    visitor.close()
