"""Webhooks delivered at the same moment, on PostgreSQL (SQLite lets one writer at a time into the whole
file, so these skip there). Stripe sends checkout.session.completed and payment_intent.succeeded for the same
money within milliseconds, and may deliver one event twice."""
import threading

import pytest
import sqlalchemy as sa

import market.payments.webhook as payments_module
from market.extensions import db
from market.models import AuditEvent, OrderStatus, PaymentStatus, StripeEvent
from tests.payments.conftest import event, post_event, session_completed

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_only(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises every writer on the whole database, so deliveries cannot overlap there; "
                    "the race runs on PostgreSQL")


def deliver_together(app, bodies) -> list:
    responses = [None] * len(bodies)

    def deliver(i):
        responses[i] = post_event(app.test_client(), bodies[i])

    threads = [threading.Thread(target=deliver, args=(i,), daemon=True) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a delivery is stuck"
    return responses


def received_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "payment.received"))


@pytest.fixture
def both_in_flight(monkeypatch):
    """Both deliveries reach the point of recording the money before either goes on, if they can (a
    delivery that waits for the other's lock instead lets the other go on after a short wait)."""
    barrier = threading.Barrier(2)
    real = payments_module.mark_received

    def meet_then_receive(payment, actor):
        try:
            barrier.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return real(payment, actor)

    monkeypatch.setattr(payments_module, "mark_received", meet_then_receive)


def test_the_same_event_delivered_twice_at_once_is_recorded_once(app, shop, seller_owner, order_id,
                                                                 webhook_secret, postgres_only, both_in_flight):
    payment = shop.payment(shop.stripe_payment(order_id))
    body = event("checkout.session.completed", session_completed(payment), "evt_test_twice")
    responses = deliver_together(app, [body, body])
    assert sorted(r.status_code for r in responses) == [200, 200]
    assert sorted(r.get_json()["outcome"] for r in responses) == ["duplicate", "received"]
    assert shop.count(StripeEvent) == 1
    assert shop.payment(payment.id).status == PaymentStatus.SUCCEEDED
    assert shop.order(order_id).status == OrderStatus.PAID
    assert shop.inbox(seller_owner).count("order.paid") == 1


def test_two_events_for_the_same_money_at_once_record_it_once(app, shop, seller_owner, order_id, webhook_secret,
                                                               postgres_only, both_in_flight):
    payment = shop.payment(shop.stripe_payment(order_id))
    intent = {"id": "pi_1PgafyB7WZ01zgkWSjxsAJo3", "object": "payment_intent", "amount": payment.amount,
              "amount_received": payment.amount, "currency": "vnd", "status": "succeeded",
              "metadata": {"payment_id": str(payment.id), "reference": payment.reference}}
    responses = deliver_together(app, [event("checkout.session.completed", session_completed(payment)),
                                       event("payment_intent.succeeded", intent)])
    assert [r.status_code for r in responses] == [200, 200]
    assert shop.order(order_id).status == OrderStatus.PAID
    assert sorted(r.get_json()["outcome"] for r in responses) == ["already succeeded", "received"]
    assert received_count(app) == 1
    assert shop.inbox(seller_owner).count("order.paid") == 1
