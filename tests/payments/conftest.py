"""Fixtures for the payment tests (the shop's cast and stripe_mock come from tests/conftest.py): an order
waiting for payment, the webhook secret put on the app and taken off again, and a signer for webhook bodies (Stripe's scheme:
"t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<body>' keyed with the endpoint secret>")."""
import hashlib
import hmac
import json
import time
import uuid

import pytest

from tests.conftest import WEBHOOK_SECRET, set_stripe


@pytest.fixture
def order_id(shop, product, buyer, buyer_user):
    """A 2 × 50,000 ₫ order waiting for payment."""
    (order_id,) = shop.place(buyer_user, buyer, {product: 2})
    return order_id


@pytest.fixture
def webhook_secret(app):
    """Webhooks verified with whsec_test; no Stripe API needed (and none configured)."""
    saved = set_stripe(app, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield WEBHOOK_SECRET
    app.config.update(saved)


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def event(event_type: str, obj: dict, event_id: str | None = None) -> bytes:
    return json.dumps({"id": event_id or f"evt_test_{uuid.uuid4().hex[:24]}", "object": "event",
                       "type": event_type, "api_version": "2025-03-31.basil", "created": int(time.time()),
                       "livemode": False, "data": {"object": obj}}).encode()


def session_completed(payment, **changes) -> dict:
    """The Checkout Session of `payment` as checkout.session.completed carries it."""
    obj = {"id": payment.stripe_checkout_session_id, "object": "checkout.session", "mode": "payment",
           "amount_total": payment.amount, "currency": "vnd", "payment_status": "paid", "status": "complete",
           "payment_intent": "pi_1PgafyB7WZ01zgkWSjxsAJo3", "client_reference_id": payment.reference,
           "metadata": {"payment_id": str(payment.id), "reference": payment.reference}}
    obj.update(changes)
    return obj


def post_event(client, payload: bytes, signature: str | None = "sign"):
    headers = {}
    if signature == "sign":
        signature = sign(payload)
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/payments/stripe/webhook", data=payload, headers=headers, content_type="application/json")
