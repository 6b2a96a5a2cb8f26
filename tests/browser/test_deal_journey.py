"""Issue 11 part B at phone size (360 px wide), without the payment step (issue 11 part A joins it): a retail
chain's buyer finds a listing, asks the cooperative a question, the cooperative answers from its to-do home, the
buyer proposes a contract from the listing, both sign, the cooperative records a delivery, the buyer inspects it
and rejects part, the cooperative disputes the rejection, the buyer answers, they settle on a quantity, and the
dashboard's delivered volume shows the accepted quantity."""
import re

import pytest
from playwright.sync_api import expect

from market.extensions import db
from market.models import OrgKind, Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def _phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _log_in(page, email):
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, page.url


def test_from_a_question_to_a_settled_dispute_at_phone_size(browser, live_server, factory):
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Siêu thị Xanh Lạng Sơn", commune="Lương Văn Tri")
    coop = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Hồi Bình Gia", commune="Văn Quan")
    buyer_user = factory.member(chain, Role.OWNER, full_name="Lương Thị Mua")
    coop_user = factory.member(coop, Role.OWNER, full_name="Hoàng Văn Hồi")
    staff_user = factory.department_staff()
    zone = factory.zone(coop, code="LS-VQ-HOI-0888")
    factory.certificate(zone, number="MSVT-0888")
    factory.listing(coop, [zone], title="Hoa hồi khô Bình Gia", quantity=10, price=90_000)
    with factory.app.app_context():
        buyer_email, coop_email, staff_email = (db.session.get(User, u).email
                                                for u in (buyer_user, coop_user, staff_user))
    buyer_context, buyer = _phone(browser, live_server)
    coop_context, seller = _phone(browser, live_server)

    # 1. The buyer lands on its to-do home, finds the listing in the harvests and asks the seller.
    _log_in(buyer, buyer_email)
    assert buyer.url.endswith("/todo/")
    buyer.goto("/listings")
    buyer.click("text=Hoa hồi khô Bình Gia")
    buyer.wait_for_url(re.compile(r"/listings/\d+$"))
    listing_url = buyer.url
    _no_sideways_scroll(buyer)
    buyer.click("#next >> text=Hỏi người bán")
    buyer.fill("textarea[name=body]", "Hồi khô còn đủ 10 tấn không, độ ẩm bao nhiêu?")
    buyer.click("main form button[type=submit]")
    buyer.wait_for_url(re.compile(r"/messages/\d+"))
    expect(buyer.locator("li.message")).to_have_count(1)

    # 2. The cooperative sees an unread conversation on its to-do home and answers it.
    _log_in(seller, coop_email)
    expect(seller.locator("[data-todo=messages]")).to_be_visible()
    seller.click("[data-todo=messages] a")
    seller.click("li.unread a")
    seller.fill("#reply textarea[name=body]", "Còn đủ 10 tấn, độ ẩm dưới 13%.")
    seller.click("#reply button[type=submit]")
    expect(seller.locator("li.message")).to_have_count(2)
    _no_sideways_scroll(seller)

    # 3. The buyer reads the answer, goes back to the listing and proposes a contract (no deposit: payment is 11a's).
    buyer.reload()
    expect(buyer.locator("li.message")).to_have_count(2)
    buyer.goto(listing_url)
    buyer.click("#next >> text=Đề xuất hợp đồng")
    buyer.wait_for_url(re.compile(r"/contracts/new\?listing=\d+"))
    buyer.fill("#deposit_pct", "0")
    buyer.click("form.form button[type=submit]")
    buyer.wait_for_url(re.compile(r"/contracts/\d+$"))
    contract_url = buyer.url

    # 4. Both sign with their password; with no deposit the contract is active at once.
    buyer.fill("#sign input[name=password]", PASSWORD)
    buyer.click("#sign button[type=submit]")
    expect(buyer.locator("#sign")).to_have_count(0)
    seller.goto("/todo/")
    seller.click("[data-todo=sign] a")
    seller.fill("#sign input[name=password]", PASSWORD)
    seller.click("#sign button[type=submit]")
    expect(seller.locator(".badge-active").first).to_be_visible()

    # 5. The cooperative records a delivery of 10 t.
    seller.click("#deliveries details summary")
    seller.fill("#delivery-quantity", "10")
    seller.click("#deliveries details button[type=submit]")
    expect(seller.locator("#deliveries tbody tr")).to_have_count(1)

    # 6. The buyer inspects it from its to-do home: 10 received, 8 accepted, 2 rejected.
    buyer.goto("/todo/")
    buyer.click("[data-todo=inspect] a")
    buyer.fill("#received_quantity", "10")
    buyer.fill("#accepted_quantity", "8")
    buyer.fill("#rejected_quantity", "2")
    buyer.fill("#rejection_reason", "Hồi bị ẩm, cánh gãy")
    buyer.fill("#weigh_ticket", "PC-0888")
    _no_sideways_scroll(buyer)
    buyer.click("main form button[type=submit]")
    buyer.wait_for_url(re.compile(r"/contracts/\d+"))
    expect(buyer.locator("[data-inspection]")).to_contain_text("8")

    # 7. The cooperative disputes the rejection of that delivery.
    seller.goto(contract_url)
    seller.click("#disputes details summary")
    seller.select_option("#dispute-about", index=1)
    seller.fill("#dispute-reason", "Hồi đạt loại 1, chỉ 1 tấn bị ẩm")
    seller.click("#disputes details button[type=submit]")
    expect(seller.locator("[data-dispute][data-state=open]")).to_have_count(1)

    # 8. The buyer answers; the cooperative records the agreement: 9 t accepted.
    buyer.goto(contract_url)
    buyer.fill("[data-dispute] textarea[name=answer]", "Đồng ý nhận thêm 1 tấn sau khi phơi lại")
    buyer.click("[data-dispute] form button[type=submit]")
    expect(buyer.locator("[data-dispute][data-state=answered]")).to_have_count(1)
    seller.goto(contract_url)
    seller.click("[data-dispute] details summary")
    seller.fill("[data-dispute] textarea[name=outcome]", "Thống nhất nhận 9 tấn")
    seller.fill("[data-dispute] input[name=accepted_quantity]", "9")
    seller.click("[data-dispute] details button[type=submit]")
    expect(seller.locator("[data-dispute][data-state=settled]")).to_have_count(1)
    expect(seller.locator(".badge-active").first).to_be_visible()
    # The dispute is in the contract's thread too.
    seller.goto("/messages/")
    expect(seller.locator("ul.threads li")).to_have_count(2)

    # 9. The department's dashboard counts the accepted 9 t as delivered.
    buyer_context.close()
    coop_context.close()
    staff_context, staff = _phone(browser, live_server)
    _log_in(staff, staff_email)
    staff.goto("/dashboard/")
    row = staff.locator("table[data-volumes] tbody tr").filter(has_text="Hồi").last
    cells = row.locator("td")
    assert cells.nth(2).inner_text().startswith("10") and cells.nth(4).inner_text().startswith("9"), row.inner_text()
    staff_context.close()
