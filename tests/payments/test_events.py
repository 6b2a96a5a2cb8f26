"""Payments below the services: market.payments imports neither contracts nor orders, announces what happened
(`payment_received`, `payment_refunded`) for them to react, refunds after the commit (a refund Stripe could not
make stays `refunding` for `flask market retry-refunds`), and a bug in handling a webhook is a 500, never a
400 "malformed event"."""
import socket

import grimp
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, OrderStatus, PaymentStatus, StripeEvent
from market.payments import events, webhook
from tests.conftest import log_in_en, submit
from tests.payments.conftest import event, post_event, session_completed


def closed_port() -> str:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def audited(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_payments_know_nothing_of_contracts_or_orders():
    graph = grimp.build_graph("market", cache_dir=None)
    for service in ("market.services.contracts", "market.services.orders"):
        assert not graph.chain_exists(importer="market.payments", imported=service, as_packages=True), service
        assert graph.chain_exists(importer=service, imported="market.payments", as_packages=True)


def test_a_received_payment_is_announced_and_the_order_reacts(app, client, shop, order_id, webhook_secret):
    payment = shop.payment(shop.stripe_payment(order_id))
    heard = []

    def receiver(sender, **extra):
        heard.append((sender.id, sender.status, extra))

    with events.payment_received.connected_to(receiver):
        response = post_event(client, event("checkout.session.completed", session_completed(payment)))
    assert response.get_json() == {"outcome": "received"}
    assert heard == [(payment.id, PaymentStatus.SUCCEEDED, {"actor": None})]
    assert shop.order(order_id).status == OrderStatus.PAID  # orders subscribed; payments did not call them


def test_a_refund_reported_by_stripe_is_announced(app, client, shop, order_id, webhook_secret):
    payment_id = shop.stripe_payment(order_id, status=PaymentStatus.REFUNDING)
    heard = []
    charge = {"id": "ch_test_1", "object": "charge", "metadata": {"payment_id": str(payment_id)}}
    with events.payment_refunded.connected_to(lambda sender, **_: heard.append(sender.id)):
        response = post_event(client, event("charge.refunded", charge))
    assert response.get_json() == {"outcome": "refunded"}
    assert heard == [payment_id]
    payment = shop.payment(payment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_at is not None


def test_a_bug_while_handling_an_event_is_a_500_and_records_nothing(app, client, shop, order_id, webhook_secret,
                                                                    monkeypatch):
    payment = shop.payment(shop.stripe_payment(order_id))

    def broken(payment, obj):
        return obj["no such key"]  # a programming error, on a well-formed event

    monkeypatch.setitem(webhook.HANDLERS, "checkout.session.completed", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = post_event(client, event("checkout.session.completed", session_completed(payment)))
    assert response.status_code == 500
    assert shop.count(StripeEvent) == 0  # Stripe retries it once the bug is fixed
    assert shop.payment(payment.id).status == PaymentStatus.PENDING
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT


def test_a_late_payment_whose_refund_failed_is_refunded_by_retry_refunds(app, client, shop, buyer_user, order_id,
                                                                         stripe_mock, monkeypatch):
    payment = shop.payment(shop.stripe_payment(order_id))
    log_in_en(client, buyer_user)
    submit(client, f"/orders/{order_id}/status", {"status": "cancelled", "confirmed": "1"}, form_page=f"/orders/{order_id}")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", closed_port())
    response = post_event(client, event("checkout.session.completed", session_completed(payment)))
    # The event is handled and recorded; the refund, tried after the commit, failed and stays visible.
    assert response.status_code == 200 and response.get_json() == {"outcome": "refunding late payment"}
    assert shop.payment(payment.id).status == PaymentStatus.REFUNDING
    assert audited(app, "payment.refund_failed") == 1 and shop.count(StripeEvent) == 1

    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_mock)  # Stripe is back
    result = app.test_cli_runner().invoke(args=["market", "retry-refunds"])
    assert result.exit_code == 0 and "1 made, 0 still queued" in result.output, result.output
    refunded = shop.payment(payment.id)
    assert refunded.status == PaymentStatus.REFUNDED and refunded.stripe_refund_id.startswith("re_")
    assert audited(app, "payment.refunded") == 1
    # Nothing left: running it again does nothing.
    again = app.test_cli_runner().invoke(args=["market", "retry-refunds"])
    assert again.exit_code == 0 and "0 made, 0 still queued" in again.output


def test_retry_refunds_says_when_stripe_still_fails(app, shop, order_id, stripe_mock, monkeypatch):
    shop.stripe_payment(order_id, status=PaymentStatus.REFUNDING)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", closed_port())
    result = app.test_cli_runner().invoke(args=["market", "retry-refunds"])
    assert result.exit_code == 1 and "0 made, 1 still queued" in result.output


@pytest.mark.parametrize("payment_id", ["9" * 40, "１２"])  # too long for a bigint; not ASCII digits
def test_odd_metadata_is_input_not_a_bug(client, shop, order_id, webhook_secret, payment_id):
    payment = shop.payment(shop.stripe_payment(order_id))
    obj = session_completed(payment, id="cs_test_unknown", metadata={"payment_id": payment_id})
    response = post_event(client, event("checkout.session.completed", obj))
    assert response.status_code == 200 and response.get_json() == {"outcome": "ignored"}
