"""Stripe's webhook (POST /payments/stripe/webhook -> market.payments.handle_webhook): only a body signed with
STRIPE_WEBHOOK_SECRET is believed, each event id acts once, and the amount must match. Malformed input is a
400 or ignored, never a 500 (a bug is: tests/payments/test_events.py)."""

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Notification, OrderStatus, PaymentStatus, StripeEvent
from tests.payments.conftest import WEBHOOK_SECRET, event, post_event, session_completed, sign

# Both engines: each event id is recorded once (a unique constraint) and payments are locked FOR UPDATE.
pytestmark = pytest.mark.both_engines


@pytest.fixture
def card_payment(shop, order_id, webhook_secret):
    """A card payment whose Checkout Session Stripe has created (as start_order_payment leaves it)."""
    return shop.payment(shop.stripe_payment(order_id))


def unchanged(shop, order_id, payment_id) -> bool:
    return (shop.order(order_id).status == OrderStatus.PENDING_PAYMENT
            and shop.payment(payment_id).status == PaymentStatus.PENDING)


def received_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "payment.received"))


def notification_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Notification))


# --- signatures ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["missing", "wrong secret", "tampered body", "old timestamp", "garbage"])
def test_a_bad_signature_is_400_and_changes_nothing(app, client, shop, order_id, card_payment, how):
    payload = event("checkout.session.completed", session_completed(card_payment))
    notes = notification_count(app)
    signature = {"missing": None, "wrong secret": sign(payload, "whsec_other"),
                 "tampered body": sign(payload.replace(b'"paid"', b'"unpaid"', 1)),
                 "old timestamp": sign(payload, timestamp=1_600_000_000),
                 "garbage": "t=abc,v1=zzz"}[how]
    response = post_event(client, payload, signature)
    assert response.status_code == 400 and response.get_json() == {"outcome": "bad signature"}
    assert unchanged(shop, order_id, card_payment.id)
    assert shop.count(StripeEvent) == 0 and notification_count(app) == notes


def test_without_a_webhook_secret_nothing_is_believed(app, client, shop, order_id):
    payment = shop.payment(shop.stripe_payment(order_id))
    assert not app.config.get("STRIPE_WEBHOOK_SECRET")
    payload = event("checkout.session.completed", session_completed(payment))
    response = post_event(client, payload, sign(payload, WEBHOOK_SECRET))
    assert response.status_code == 400
    assert unchanged(shop, order_id, payment.id)


# --- a real payment -------------------------------------------------------------------------------------

def test_a_signed_checkout_session_completed_marks_the_order_paid_once(app, client, shop, seller_owner, buyer_user,
                                                                      order_id, card_payment):
    payload = event("checkout.session.completed", session_completed(card_payment), "evt_test_paid_1")
    response = post_event(client, payload)  # no CSRF token: Stripe has none
    assert response.status_code == 200 and response.get_json() == {"outcome": "received"}
    payment, order = shop.payment(card_payment.id), shop.order(order_id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.succeeded_at is not None
    assert payment.stripe_payment_intent_id == "pi_1PgafyB7WZ01zgkWSjxsAJo3" and payment.confirmed_by_id is None
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert "order.paid" in shop.inbox(seller_owner) and "payment.received" in shop.inbox(buyer_user)
    assert shop.count(StripeEvent) == 1 and received_count(app) == 1
    notes = notification_count(app)

    # The same event again (Stripe retries): nothing more happens.
    response = post_event(client, payload)
    assert response.status_code == 200 and response.get_json() == {"outcome": "duplicate"}
    assert shop.payment(card_payment.id).succeeded_at == payment.succeeded_at
    assert shop.count(StripeEvent) == 1 and received_count(app) == 1 and notification_count(app) == notes

    # Another event about the same money (payment_intent.succeeded follows the session): nothing more either.
    intent = {"id": "pi_1PgafyB7WZ01zgkWSjxsAJo3", "object": "payment_intent", "amount": payment.amount,
              "amount_received": payment.amount, "currency": "vnd", "status": "succeeded",
              "metadata": {"payment_id": str(payment.id), "reference": payment.reference}}
    for payload in (event("payment_intent.succeeded", intent),
                    event("checkout.session.completed", session_completed(card_payment))):
        response = post_event(client, payload)
        assert response.status_code == 200 and response.get_json() == {"outcome": "already succeeded"}
    assert shop.order(order_id).status == OrderStatus.PAID
    assert received_count(app) == 1 and notification_count(app) == notes and shop.count(StripeEvent) == 3


def test_the_session_is_found_by_its_id_without_metadata(client, shop, order_id, card_payment):
    obj = session_completed(card_payment, metadata={})
    assert post_event(client, event("checkout.session.completed", obj)).get_json() == {"outcome": "received"}
    assert shop.order(order_id).status == OrderStatus.PAID


@pytest.mark.parametrize("changes", [{"amount_total": 1}, {"amount_total": 100_001}, {"currency": "usd"},
                                     {"amount_total": None}])
def test_an_amount_that_does_not_match_is_not_a_payment(client, shop, order_id, card_payment, changes):
    payload = event("checkout.session.completed", session_completed(card_payment, **changes))
    response = post_event(client, payload)
    assert response.status_code == 200 and response.get_json() == {"outcome": "amount mismatch"}
    assert unchanged(shop, order_id, card_payment.id)
    assert shop.count(StripeEvent) == 1  # recorded, so that a replay does not try again


def test_an_unpaid_session_is_not_a_payment(client, shop, order_id, card_payment):
    payload = event("checkout.session.completed", session_completed(card_payment, payment_status="unpaid"))
    assert post_event(client, payload).get_json() == {"outcome": "not paid yet"}
    assert unchanged(shop, order_id, card_payment.id)


@pytest.mark.parametrize("event_type", ["customer.created", "invoice.paid", "charge.succeeded"])
def test_an_unknown_event_type_is_200_and_ignored(client, shop, order_id, card_payment, event_type):
    payload = event(event_type, session_completed(card_payment))
    response = post_event(client, payload)
    assert response.status_code == 200 and response.get_json() == {"outcome": "ignored"}
    assert unchanged(shop, order_id, card_payment.id)


def test_an_event_about_no_payment_of_ours_is_ignored(client, shop, order_id, card_payment):
    obj = session_completed(card_payment, id="cs_test_someone_else", metadata={"payment_id": "999999"})
    assert post_event(client, event("checkout.session.completed", obj)).get_json() == {"outcome": "ignored"}
    assert unchanged(shop, order_id, card_payment.id)


def test_an_expired_session_cancels_the_pending_payment(client, shop, order_id, card_payment):
    obj = session_completed(card_payment, status="expired", payment_status="unpaid")
    assert post_event(client, event("checkout.session.expired", obj)).get_json() == {"outcome": "cancelled"}
    assert shop.payment(card_payment.id).status == PaymentStatus.CANCELLED
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT  # the buyer may still pay


@pytest.mark.parametrize("body", [
    b"not json at all", b"\xff\xfe\x00", b"[]", b'"event"', b"{}", b'{"id": "evt_1"}',
    b'{"id": "evt_1", "type": "checkout.session.completed"}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {}}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": "cs_1"}}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"metadata": "x"}}}',
    b'{"id": 5, "type": ["x"], "data": {"object": {}}}',
    b'{"id": ["evt_1"], "type": "x", "data": {"object": {}}}',
    b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"metadata": {"payment_id": "1"}, '
    b'"amount_total": {"x": 1}, "currency": 7}}}',
    ('{"id": "evt_%s", "type": "%s", "data": {"object": {}}}' % ("x" * 300, "t" * 300)).encode(),
])
def test_a_malformed_body_with_a_valid_signature_is_not_a_500(app, client, shop, order_id, card_payment, body):
    response = post_event(client, body)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert set(response.get_json()) == {"outcome"}
    assert unchanged(shop, order_id, card_payment.id)


def test_the_webhook_answers_json_even_to_a_browser(client, webhook_secret):
    response = client.post("/payments/stripe/webhook", data=b"{}", headers={"Accept": "text/html"})
    assert response.status_code == 400 and response.is_json
    assert client.get("/payments/stripe/webhook").status_code == 405


def test_late_money_whose_refund_cannot_be_made_stays_queued_for_a_retry(app, client, shop, buyer_user, order_id,
                                                                         card_payment):
    """Paid on Stripe's page after the buyer cancelled: the service refunds it, after the commit. When Stripe
    cannot be reached for that refund (here: no API key), the event is still recorded and the payment stays
    `refunding`, visible, for `flask market retry-refunds` (tests/payments/test_events.py)."""
    from tests.conftest import log_in_en, submit

    log_in_en(client, buyer_user)
    submit(client, f"/orders/{order_id}/status", {"status": "cancelled", "confirmed": "1"}, form_page=f"/orders/{order_id}")
    response = post_event(client, event("checkout.session.completed", session_completed(card_payment)))
    assert response.status_code == 200 and response.get_json() == {"outcome": "refunding late payment"}
    assert shop.payment(card_payment.id).status == PaymentStatus.REFUNDING
    assert shop.count(StripeEvent) == 1


def test_a_declined_card_then_a_successful_retry_pays_the_order(client, shop, order_id, card_payment):
    declined = {"id": "pi_1PgafyB7WZ01zgkWSjxsAJo3", "object": "payment_intent", "amount": card_payment.amount,
                "currency": "vnd", "status": "requires_payment_method",
                "last_payment_error": {"code": "card_declined"},
                "metadata": {"payment_id": str(card_payment.id), "reference": card_payment.reference}}
    assert post_event(client, event("payment_intent.payment_failed", declined)).status_code == 200
    response = post_event(client, event("checkout.session.completed", session_completed(card_payment)))
    assert response.get_json() == {"outcome": "received"}  # fails: "already failed"
    assert shop.order(order_id).status == OrderStatus.PAID
