"""At phone size: the buyer of a signed contract pays its deposit, above what Stripe takes, by the VietQR code
shown with the cooperative's own account; the cooperative uploads its bank statement, which marks the deposit
paid and the contract active; the receipt is numbered and printable."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from market.extensions import db
from market.models import Contract, ContractState, Payment, User
from tests.browser.test_contract_journey import _log_in
from tests.factories import ContractBuilder, contract_parties, payee_account

pytestmark = pytest.mark.browser


def test_deposit_paid_by_vietqr_and_reconciled_by_statement(page, browser, live_server, factory, stripe_mock,
                                                            tmp_path):
    parties = contract_parties(factory)
    contract_id = ContractBuilder(factory.app, parties).contract(ContractState.SIGNED)  # deposit 190.000.000 ₫
    payee_account(factory.app, parties.seller, bank_code="VBA", number="8800205123456", holder="HTX HOI VAN QUAN")
    with factory.app.app_context():
        buyer_email = db.session.get(User, parties.buyer_owner).email
        coop_email = db.session.get(User, parties.seller_owner).email

    page.set_viewport_size({"width": 360, "height": 780})
    _log_in(page, buyer_email)
    page.goto(f"/contracts/{contract_id}")
    expect(page.locator("[data-card-refused]")).to_be_visible()  # 190.000.000 ₫ is above Stripe's maximum
    expect(page.locator("#deposit button[value=stripe]")).to_have_count(0)
    page.click("#deposit button[value=bank_transfer]")
    expect(page.locator("svg.qr")).to_be_visible()
    expect(page.locator("[data-account-number]")).to_have_text("8800205123456")
    expect(page.locator("[data-amount]")).to_have_attribute("data-amount", "190000000")
    reference = page.locator("[data-payment-reference]").first.inner_text().strip()
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)
        .slice(0, 12).map(e => e.tagName + '.' + e.className + (e.closest('.transfer') ? '[T]' : '') + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert width <= 360, f"the payment page is {width}px wide at 360px: {wide}"

    # The money arrives; the cooperative's bank statement (Agribank layout) says so.
    statement = tmp_path / "agribank.csv"
    statement.write_text("NGÂN HÀNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN VIỆT NAM\n"
                         "Ngày GD,Số CT,Phát sinh nợ,Phát sinh có,Số dư,Nội dung\n"
                         f"20/11/2026,CT001,,190000000,190000000,CTY TINH DAU XU LANG CK {reference.replace('-', '')}\n",
                         encoding="utf-8")
    coop = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 780}, locale="vi-VN")
    coop_page = coop.new_page()
    coop_page.set_default_timeout(10_000)
    _log_in(coop_page, coop_email)
    coop_page.goto(f"/workspace/{parties.seller}/statements")
    coop_page.set_input_files("input[type=file]", str(statement))
    coop_page.click("form[enctype] button[type=submit]")
    expect(coop_page.locator("#report [data-outcome=matched]")).to_have_count(1)
    coop.close()

    page.goto(f"/contracts/{contract_id}")
    expect(page.locator("[data-deposit=paid]")).to_contain_text(reference)
    with factory.app.app_context():
        assert db.session.get(Contract, contract_id).state == ContractState.ACTIVE
        assert db.session.scalar(sa.select(Payment.status).where(Payment.contract_id == contract_id)) == "succeeded"
    page.locator("#documents a").first.click()
    expect(page.locator("[data-doc-code]")).to_have_text("PT-000001")
    expect(page.locator("[data-total]")).to_have_attribute("data-total", "190000000")
