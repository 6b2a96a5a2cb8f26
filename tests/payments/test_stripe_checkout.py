"""Card payments through Stripe Checkout, against stripe-mock (Stripe's official API mock; ./scripts/test
starts it, scripts/services/stripe_mock.sh): starting creates one Checkout Session and sends the buyer to it;
starting again reuses it; the signed webhook then marks the order paid."""
import pytest

from market.models import OrderStatus, PaymentMethod, PaymentStatus
from market.payments import gateway
from tests.conftest import log_in_en, submit
from tests.payments.conftest import event, post_event, session_completed


def pay_by_card(client, order_id):
    return submit(client, f"/orders/{order_id}/pay", {"method": PaymentMethod.STRIPE},
                  form_page=f"/orders/{order_id}")


@pytest.fixture
def sessions_created(monkeypatch):
    """Counts the Checkout Sessions asked of Stripe (the calls still go to stripe-mock)."""
    calls = []
    real = gateway.create_checkout

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(gateway, "create_checkout", counting)
    return calls


def test_starting_a_card_payment_creates_a_checkout_session_and_redirects_to_it(app, client, shop, buyer_user,
                                                                               order_id, stripe_mock,
                                                                               sessions_created):
    log_in_en(client, buyer_user)
    assert "Pay by card (Stripe)" in client.get(f"/orders/{order_id}").get_data(as_text=True)
    response = pay_by_card(client, order_id)
    (payment,) = shop.payments(order_id)
    assert payment.method == PaymentMethod.STRIPE and payment.status == PaymentStatus.PENDING
    assert payment.stripe_checkout_session_id and payment.stripe_checkout_session_id.startswith("cs_")
    assert payment.checkout_url and payment.checkout_url.startswith("https://")
    assert payment.stripe_payment_intent_id == "pi_1PgafyB7WZ01zgkWSjxsAJo3"  # stripe-mock's fixed id
    assert response.status_code == 303 and response.headers["Location"] == payment.checkout_url
    (call,) = sessions_created
    assert call["amount"] == 100_000 and call["currency"] == "VND" and call["payment_id"] == payment.id
    assert call["idempotency_key"] == payment.idempotency_key
    assert call["success_url"].endswith(f"/orders/{order_id}?paid=1")
    assert call["cancel_url"].endswith(f"/orders/{order_id}")
    # The page offers to go back to Stripe rather than to start another payment.
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Continue to card payment" in page and payment.checkout_url in page
    assert "Pay by card (Stripe)" not in page

    # Starting again (a double click, a reload): the same payment and session, no second session.
    again = pay_by_card(client, order_id)
    assert again.status_code == 303 and again.headers["Location"] == payment.checkout_url
    assert [p.id for p in shop.payments(order_id)] == [payment.id]
    assert shop.payment(payment.id).stripe_checkout_session_id == payment.stripe_checkout_session_id
    assert len(sessions_created) == 1


def test_the_signed_webhook_completes_the_card_payment(client, shop, seller_owner, buyer_user, order_id,
                                                       stripe_mock):
    log_in_en(client, buyer_user)
    pay_by_card(client, order_id)
    (payment,) = shop.payments(order_id)
    response = post_event(client, event("checkout.session.completed", session_completed(payment)))
    assert response.get_json() == {"outcome": "received"}
    assert shop.payment(payment.id).status == PaymentStatus.SUCCEEDED
    assert shop.order(order_id).status == OrderStatus.PAID
    page = client.get(f"/orders/{order_id}?paid=1").get_data(as_text=True)
    assert "as soon as Stripe confirms" not in page and "Pay by card" not in page


def test_back_from_stripe_before_the_webhook_the_buyer_is_told_to_wait(client, shop, buyer_user, order_id,
                                                                       stripe_mock):
    log_in_en(client, buyer_user)
    pay_by_card(client, order_id)
    page = client.get(f"/orders/{order_id}?paid=1").get_data(as_text=True)
    assert "as soon as Stripe confirms the payment" in page
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT  # the return address proves nothing


def test_switching_to_bank_transfer_abandons_the_card_payment(client, shop, buyer_user, order_id, stripe_mock):
    log_in_en(client, buyer_user)
    pay_by_card(client, order_id)
    submit(client, f"/orders/{order_id}/pay", {"method": PaymentMethod.BANK_TRANSFER},
           form_page=f"/orders/{order_id}")
    card, transfer = shop.payments(order_id)
    assert card.status == PaymentStatus.CANCELLED and transfer.status == PaymentStatus.PENDING
    assert transfer.method == PaymentMethod.BANK_TRANSFER


def test_when_stripe_cannot_be_reached_nothing_is_saved(app, client, shop, buyer_user, order_id, stripe_mock,
                                                        monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", closed)
    log_in_en(client, buyer_user)
    response = submit(client, f"/orders/{order_id}/pay", {"method": PaymentMethod.STRIPE},
                      form_page=f"/orders/{order_id}", follow_redirects=True)
    assert "Card payment could not be started" in response.get_data(as_text=True)
    assert shop.payments(order_id) == [] and shop.order(order_id).status == OrderStatus.PENDING_PAYMENT


def test_a_card_payment_completed_after_the_buyer_cancelled_is_refunded(client, shop, product, buyer_user, order_id,
                                                                       stripe_mock):
    log_in_en(client, buyer_user)
    pay_by_card(client, order_id)  # Stripe's page is open in another tab...
    submit(client, f"/orders/{order_id}/status", {"status": "cancelled", "confirmed": "1"}, form_page=f"/orders/{order_id}")
    (payment,) = shop.payments(order_id)
    assert payment.status == PaymentStatus.CANCELLED and shop.stock(product) == 10
    # ...and the buyer pays there all the same.
    response = post_event(client, event("checkout.session.completed", session_completed(payment)))
    assert response.status_code == 200 and response.get_json() == {"outcome": "refunding late payment"}
    refunded = shop.payment(payment.id)
    assert refunded.status == PaymentStatus.REFUNDED and refunded.stripe_refund_id.startswith("re_")
    assert refunded.refunded_at is not None
    assert shop.order(order_id).status == OrderStatus.CANCELLED and shop.stock(product) == 10
