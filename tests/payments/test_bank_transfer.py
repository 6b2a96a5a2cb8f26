"""Bank transfers (POST /orders/<id>/pay, POST /payments/<id>/confirm-transfer): the buyer quotes the payment's
reference, the seller's owner or manager confirms it arrived, which marks the order paid, once."""
import pytest
from flask_babel import force_locale

from market.extensions import db
from market.models import OrderStatus, Payment, PaymentMethod, PaymentStatus, Role, ShopOrder, User
from market.services.errors import ValidationFailed
from market.services.orders import start_payment as start_order_payment
from tests.conftest import log_in_en, submit


def pay(client, order_id, method=PaymentMethod.BANK_TRANSFER, follow=True):
    return submit(client, f"/orders/{order_id}/pay", {"method": method}, form_page=f"/orders/{order_id}",
                  follow_redirects=follow)


def confirm(client, payment_id, order_id, follow=True):
    return submit(client, f"/payments/{payment_id}/confirm-transfer", {}, form_page=f"/orders/{order_id}",
                  follow_redirects=follow)


@pytest.fixture
def transfer(client, shop, buyer_user, order_id):
    log_in_en(client, buyer_user)
    pay(client, order_id)
    (payment,) = shop.payments(order_id)
    return payment


def test_the_seller_confirms_the_transfer_and_the_order_is_paid(client, shop, seller_owner, buyer_user, order_id,
                                                               transfer):
    log_in_en(client, seller_owner)
    response = confirm(client, transfer.id, order_id)
    assert response.status_code == 200 and f"Transfer {transfer.reference} confirmed" in response.get_data(as_text=True)
    payment, order = shop.payment(transfer.id), shop.order(order_id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.confirmed_by_id == seller_owner
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert "order.paid" in shop.inbox(seller_owner) and "payment.received" in shop.inbox(buyer_user)
    page = response.get_data(as_text=True)
    assert "Confirm the transfer arrived" not in page and "Mark as packed" in page
    # Confirming again changes nothing.
    response = confirm(client, transfer.id, order_id)
    assert "This payment is not waiting for confirmation." in response.get_data(as_text=True)
    assert shop.inbox(seller_owner).count("order.paid") == 1


def test_a_manager_may_confirm(client, shop, seller, order_id, transfer):
    log_in_en(client, shop.member(seller, Role.MANAGER))
    confirm(client, transfer.id, order_id)
    assert shop.order(order_id).status == OrderStatus.PAID


def test_the_buyer_cannot_confirm_its_own_transfer(client, shop, buyer, buyer_user, order_id, transfer):
    for user in (buyer_user, shop.member(buyer, Role.OWNER)):
        log_in_en(client, user)
        response = confirm(client, transfer.id, order_id, follow=False)
        assert response.status_code == 403
        assert "You are not a member of HTX Hồi Văn Quan." in response.get_data(as_text=True)
    assert shop.payment(transfer.id).status == PaymentStatus.PENDING
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT


def test_a_plain_member_of_the_seller_cannot_confirm(client, shop, seller, order_id, transfer):
    log_in_en(client, shop.member(seller, Role.MEMBER))
    assert confirm(client, transfer.id, order_id, follow=False).status_code == 403
    assert shop.payment(transfer.id).status == PaymentStatus.PENDING


def test_outsiders_get_404(client, shop, order_id, transfer):
    log_in_en(client, shop.member(shop.seller(name="HTX khác")))
    assert submit(client, f"/payments/{transfer.id}/confirm-transfer", {}, form_page="/orders/").status_code == 404
    assert submit(client, "/payments/999999/confirm-transfer", {}, form_page="/orders/").status_code == 404
    assert shop.payment(transfer.id).status == PaymentStatus.PENDING


def test_a_card_payment_is_not_confirmed_by_hand(client, shop, seller_owner, order_id):
    card = shop.stripe_payment(order_id)
    log_in_en(client, seller_owner)
    response = confirm(client, card, order_id)
    assert "Card payments are confirmed by Stripe, not by hand." in response.get_data(as_text=True)
    assert shop.payment(card).status == PaymentStatus.PENDING
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT


@pytest.mark.both_engines
def test_a_second_payment_for_a_paid_order_is_refused(app, client, shop, seller_owner, buyer_user, order_id,
                                                      transfer):
    log_in_en(client, seller_owner)
    confirm(client, transfer.id, order_id)
    log_in_en(client, buyer_user)
    response = pay(client, order_id)
    assert "This order is not waiting for payment." in response.get_data(as_text=True)
    assert [p.id for p in shop.payments(order_id)] == [transfer.id]
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Pay by bank transfer" not in page and "Cancel the order" not in page
    # The service itself refuses too, whatever the order's status says.
    with app.test_request_context():
        order = db.session.get(ShopOrder, order_id)
        with pytest.raises(ValidationFailed):
            start_order_payment(db.session.get(User, buyer_user), order, PaymentMethod.BANK_TRANSFER)
        order.status = OrderStatus.PENDING_PAYMENT  # as if the order had lost track: the payment still counts
        with pytest.raises(ValidationFailed, match="already paid"), force_locale("en"):
            start_order_payment(db.session.get(User, buyer_user), order, PaymentMethod.BANK_TRANSFER)
        db.session.rollback()
    assert shop.count(Payment) == 1


def test_card_payment_is_refused_when_stripe_is_off(client, shop, buyer_user, order_id):
    log_in_en(client, buyer_user)
    response = pay(client, order_id, PaymentMethod.STRIPE)
    assert "Card payment is not available here; pay by bank transfer." in response.get_data(as_text=True)
    assert shop.payments(order_id) == []


def test_a_cancelled_order_cannot_be_paid(client, shop, buyer_user, order_id):
    log_in_en(client, buyer_user)
    submit(client, f"/orders/{order_id}/status", {"status": "cancelled", "confirmed": "1"}, form_page=f"/orders/{order_id}")
    response = pay(client, order_id)
    assert "This order is not waiting for payment." in response.get_data(as_text=True)
    assert shop.payments(order_id) == []
