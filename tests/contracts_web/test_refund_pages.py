"""Cancelling a contract whose deposit was paid by card while Stripe cannot be reached: the page answers
(no 500), the contract is cancelled, and the deposit shows as being refunded until the refund is made."""
import os
import socket

import pytest
import sqlalchemy as sa

from market import payments
from market.extensions import db
from market.models import Payment, PaymentStatus
from tests.conftest import require_service, submit


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def stripe_base(app, monkeypatch):
    base = os.environ.get("MARKET_TEST_STRIPE_API_BASE")
    if not base:
        require_service("stripe-mock", "MARKET_TEST_STRIPE_API_BASE is not set")
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_123")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", base)
    return base


def test_cancelling_a_card_paid_contract_while_stripe_is_down(app, deal, stripe_base, monkeypatch):
    contract_id = deal.signed()
    page = f"/contracts/{contract_id}"
    response = submit(deal.buyer_client, f"{page}/deposit", {"method": "stripe"}, form_page=page)
    assert response.status_code == 303  # to Stripe's Checkout page
    with app.app_context():  # Stripe's webhook says the money arrived
        payment = db.session.scalar(sa.select(Payment).where(Payment.contract_id == contract_id))
        payments.mark_received(payment, None)
        db.session.commit()
        payment_id = payment.id
    assert deal.state(contract_id) == "active"

    monkeypatch.setitem(app.config, "STRIPE_API_BASE", closed_port())
    response = submit(deal.seller_client, f"{page}/cancel", {"reason": "Mất mùa do sương muối", "confirmed": "1"}, form_page=page)
    assert response.status_code == 302
    assert deal.state(contract_id) == "cancelled"
    html = deal.buyer_client.get(page).get_data(as_text=True)
    assert 'data-deposit="refunding"' in html and "Refund under way" in html

    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_base)
    with app.app_context():
        assert payments.retry_refunds() == (1, 0)
        assert db.session.get(Payment, payment_id).status == PaymentStatus.REFUNDED
    assert 'data-deposit="refunded"' in deal.buyer_client.get(page).get_data(as_text=True)
