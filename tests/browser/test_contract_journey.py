"""A buyer proposes an offtake contract from a harvest listing, the cooperative counter-proposes a higher
price, both sign with their password, the buyer pays the deposit by bank transfer, the cooperative confirms
the money arrived, and the contract is active."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from market.extensions import db
from market.models import Contract, OrgKind, Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, email):
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def _sign(page):
    page.fill("#sign input[name=password]", PASSWORD)
    page.click("#sign button[type=submit]")


def test_propose_counter_sign_pay_deposit_and_activate(page, browser, live_server, factory):
    buyer = factory.org(kind=OrgKind.ENTERPRISE, name="Công ty Chế biến Hồi Đồng Đăng", commune="Đồng Đăng")
    coop = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Hồi Tân Tri", commune="Văn Quan")
    buyer_user = factory.member(buyer, Role.OWNER, full_name="Vi Văn Mua")
    coop_user = factory.member(coop, Role.OWNER, full_name="Hoàng Thị Hồi")
    zone = factory.zone(coop, code="LS-VQ-HOI-0777")
    factory.certificate(zone, number="MSVT-0777")
    listing = factory.listing(coop, [zone], title="Hoa hồi khô Tân Tri", quantity=10, price=90_000)
    with factory.app.app_context():
        buyer_email = db.session.get(User, buyer_user).email
        coop_email = db.session.get(User, coop_user).email

    # The buyer opens the proposal form from the listing: it is filled from the listing.
    _log_in(page, buyer_email)
    page.goto(f"/contracts/new?listing={listing}")
    assert page.input_value("#quantity") == "10"
    assert page.input_value("#price_per_unit") == "90000"
    assert page.locator(f"input[name=zone_ids][value='{zone}']").is_checked()
    page.fill("#deposit_pct", "10")
    page.fill("#payment_terms", "Chuyển khoản trong 30 ngày sau mỗi lần giao")
    page.fill("#note", "Đề nghị bao tiêu cả vụ")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/contracts/\d+$"))
    contract_url = page.url
    expect(page.locator(".badge-proposed").first).to_be_visible()

    # The cooperative, in its own browser, finds the proposal on its list and asks a higher price.
    coop_context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN")
    coop_page = coop_context.new_page()
    coop_page.set_default_timeout(10_000)
    _log_in(coop_page, coop_email)
    coop_page.goto("/contracts/")
    coop_page.click("section[data-state=proposed] td a")
    coop_page.wait_for_url(contract_url)
    coop_page.click("#counter summary")
    assert coop_page.input_value("#counter-price_per_unit") == "90000"
    coop_page.fill("#counter-price_per_unit", "98000")
    coop_page.fill("#counter-note", "Giá hồi năm nay cao hơn")
    coop_page.click("#counter button[type=submit]")
    expect(coop_page.locator("[data-version='2'] [data-term='price_per_unit']")).to_be_visible()

    # The buyer reloads, reads what changed, and signs version 2 with the password.
    page.goto(contract_url)
    change = page.locator("[data-version='2'] [data-term='price_per_unit']")
    assert "90.000" in change.inner_text() or "90,000" in change.inner_text()
    assert "98.000" in change.inner_text() or "98,000" in change.inner_text()
    _sign(page)
    expect(page.locator("#signatures tbody tr")).to_have_count(1)
    expect(page.locator("#sign")).to_have_count(0)

    # The cooperative signs the same version: the contract is signed, the deposit now due.
    coop_page.reload()
    _sign(coop_page)
    expect(coop_page.locator("h1 + p .badge-signed")).to_be_visible()
    expect(coop_page.locator("#signatures tbody tr")).to_have_count(2)

    # The buyer pays the deposit by bank transfer and sees the reference to quote.
    page.reload()
    page.click("#deposit button[value=bank_transfer]")
    expect(page.locator("[data-payment-reference]")).to_have_text(re.compile(r"^TT-"))
    reference = page.locator("[data-payment-reference]").inner_text()

    # The cooperative sees the same reference and confirms the money arrived.
    coop_page.reload()
    expect(coop_page.locator("[data-payment-reference]")).to_have_text(reference)
    coop_page.click("form[action$='/deposit/confirm'] button")
    expect(coop_page.locator("[data-deposit=paid]")).to_be_visible()

    # The buyer's page shows the deposit paid and the contract active.
    page.reload()
    expect(page.locator("[data-deposit=paid]")).to_contain_text(reference)
    expect(page.locator("h1 + p .badge-active")).to_be_visible()
    coop_context.close()

    with factory.app.app_context():
        contract = db.session.scalar(sa.select(Contract))
        assert contract.state == "active" and contract.current.number == 2
        assert contract.current.terms.item.price_per_unit == 98_000
        assert len(contract.signatures_of(contract.current)) == 2
