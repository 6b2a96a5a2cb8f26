"""What a payer sees: each amount to pay by transfer shows the payee's own account, the exact amount, the
reference and a VietQR code of the three (a cart of two sellers gives two payments, each to its seller); a card
is offered only within Stripe's per-currency limits (market.payments.limits), otherwise the page says why."""
import re

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import Contract, ContractState, Payment, PaymentMethod, PaymentStatus, ShopOrder, User
from market.payments import limits, transfer, vietqr
from market.services.errors import ValidationFailed
from market.services.orders import start_payment
from tests.conftest import log_in_en, submit
from tests.factories import ContractBuilder, contract_parties, payee_account


def qr_payload_in(page: str) -> None:
    assert re.search(r'<svg[^>]*role="img"[^>]*class="qr"', page)


def test_stripe_limits_for_vnd(req_en):
    smallest, largest = limits.card_range("VND")
    assert largest == 99_999_999  # eight digits (Stripe, "Minimum and maximum charge amounts")
    assert limits.card_refusal(largest) is None and limits.card_refusal(smallest) is None
    assert "at most 99,999,999 VND" in limits.card_refusal(largest + 1)
    assert "at least" in limits.card_refusal(smallest - 1)


def test_the_minimum_can_be_set_without_a_release(app, req_en, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_MIN_AMOUNT_VND", 20_000)
    assert limits.card_range("VND")[0] == 20_000 and limits.card_refusal(15_000) is not None


def test_a_card_payment_above_the_maximum_is_refused_and_nothing_saved(app, req_en, shop, seller, buyer, buyer_user,
                                                                       stripe_mock):
    product = shop.product(seller, stock=10, price=60_000_000)
    (order_id,) = shop.place(buyer_user, buyer, {product: 2})  # 120.000.000 ₫
    with pytest.raises(ValidationFailed) as refused:
        start_payment(db.session.get(User, buyer_user), db.session.get(ShopOrder, order_id), PaymentMethod.STRIPE)
    db.session.rollback()
    assert re.search(r"Stripe .* 99[.,]999[.,]999 VND", refused.value.errors["method"][0])  # said in either language
    assert shop.payments(order_id) == []


def test_the_order_page_says_why_no_card_and_offers_the_transfer(app, client, shop, seller, buyer, buyer_user,
                                                                 stripe_mock):
    product = shop.product(seller, stock=10, price=60_000_000)
    (order_id,) = shop.place(buyer_user, buyer, {product: 2})
    log_in_en(client, buyer_user)
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Pay by card (Stripe)" not in page and "Stripe takes at most 99,999,999 VND" in page
    assert "Pay by bank transfer" in page


def test_within_the_limits_the_card_still_goes_to_stripe(app, client, shop, product, buyer, buyer_user,
                                                         stripe_mock):
    (order_id,) = shop.place(buyer_user, buyer, {product: 2})  # 100.000 ₫
    log_in_en(client, buyer_user)
    assert "Pay by card (Stripe)" in client.get(f"/orders/{order_id}").get_data(as_text=True)
    response = submit(client, f"/orders/{order_id}/pay", {"method": PaymentMethod.STRIPE},
                      form_page=f"/orders/{order_id}")
    assert response.status_code == 303 and response.location.startswith("https://")


def test_a_cart_of_two_sellers_gives_two_payments_each_to_its_sellers_account(app, client, shop, buyer,
                                                                             buyer_user):
    first, second = shop.seller(name="HTX Hồi Bình Gia"), shop.seller(name="HTX Quế Văn Yên")
    payee_account(app, first, bank_code="VBA", number="8800205123456", holder="HTX HOI BINH GIA")
    payee_account(app, second, bank_code="BIDV", number="12010000987654", holder="HTX QUE VAN YEN")
    a, b = shop.product(first, price=40_000), shop.product(second, price=70_000)
    orders = shop.place(buyer_user, buyer, {a: 3, b: 1})
    assert len(orders) == 2
    log_in_en(client, buyer_user)
    seen = {}
    for order_id in orders:
        response = submit(client, f"/orders/{order_id}/pay", {"method": PaymentMethod.BANK_TRANSFER},
                          form_page=f"/orders/{order_id}", follow_redirects=True)
        (payment,) = shop.payments(order_id)
        page = response.get_data(as_text=True)
        qr_payload_in(page)
        seen[shop.order(order_id).seller_id] = (payment, page)
    payment, page = seen[first]
    assert payment.amount == 120_000 and payment.payee_id == first
    assert "8800205123456" in page and "HTX HOI BINH GIA" in page and payment.reference in page
    assert "12010000987654" not in page
    payment, page = seen[second]
    assert payment.amount == 70_000 and "12010000987654" in page and "8800205123456" not in page
    with app.app_context():
        shown = transfer.instructions(db.session.get(Payment, payment.id))
        fields = vietqr.parse(shown.payload)
        assert vietqr.split(vietqr.split(fields["38"])["01"]) == {"00": "970418", "01": "12010000987654"}
        assert fields["54"] == "70000" and vietqr.split(fields["62"]) == {"08": payment.reference}


@pytest.fixture
def big_deposit(app, factory):
    """A signed contract whose deposit (30 % of 50 t × 30.000.000 ₫) is far above Stripe's maximum."""
    parties = contract_parties(factory)
    contract_id = ContractBuilder(app, parties).contract(ContractState.SIGNED, quantity="50",
                                                         price_per_unit="30000000", deposit_pct="30")
    payee_account(app, parties.seller, bank_code="VCB", number="0071000123456", holder="HTX HOI VAN QUAN")
    return parties, contract_id


def test_a_large_deposit_is_paid_by_the_vietqr_shown(app, client, big_deposit, stripe_mock):
    parties, contract_id = big_deposit
    log_in_en(client, parties.buyer_owner)
    page = client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Stripe takes at most" in page and 'value="stripe"' not in page
    response = submit(client, f"/contracts/{contract_id}/deposit", {"method": PaymentMethod.BANK_TRANSFER},
                      form_page=f"/contracts/{contract_id}", follow_redirects=True)
    page = response.get_data(as_text=True)
    qr_payload_in(page)
    assert "0071000123456" in page and "450,000,000" in page.replace(".", ",")
    with app.app_context():
        assert db.session.get(Contract, contract_id).state == ContractState.SIGNED  # until the money is in
        (payment,) = db.session.scalars(sa.select(Payment).where(Payment.contract_id == contract_id)).all()
        assert payment.amount == 450_000_000 and payment.status == PaymentStatus.PENDING
        assert payment.payee_account_id is not None and payment.payee_id == parties.seller
