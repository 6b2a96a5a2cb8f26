"""Stripe through the official client. STRIPE_API_BASE points it at stripe-mock in tests."""
import stripe
from flask import current_app

from market.services.errors import ExternalServiceFailed


class PaymentGatewayError(ExternalServiceFailed):
    """Stripe refused or could not be reached; nothing was charged."""


def enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    config = current_app.config
    base = config.get("STRIPE_API_BASE")
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], base_addresses={"api": base} if base else None,
                               max_network_retries=2)


def create_checkout(*, payment_id: int, reference: str, name: str, amount: int, currency: str,
                    success_url: str, cancel_url: str, idempotency_key: str, expires_at: int | None = None):
    """A Checkout Session for one amount. VND is zero-decimal: `amount` is whole đồng, sent as is."""
    params = {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": currency.lower(), "unit_amount": amount,
                                       "product_data": {"name": name}}, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": reference,
        "metadata": {"payment_id": str(payment_id), "reference": reference},
        "payment_intent_data": {"metadata": {"payment_id": str(payment_id), "reference": reference}},
    }
    if expires_at:
        params["expires_at"] = expires_at
    try:
        return client().v1.checkout.sessions.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise PaymentGatewayError(str(exc.user_message or exc)) from exc


def refund(*, payment_intent: str, amount: int, idempotency_key: str):
    try:
        return client().v1.refunds.create(params={"payment_intent": payment_intent, "amount": amount},
                                          options={"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise PaymentGatewayError(str(exc.user_message or exc)) from exc


def verify_event(payload: bytes, signature: str | None):
    """The event, if the signature is Stripe's (STRIPE_WEBHOOK_SECRET); raises ValueError otherwise."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise ValueError("webhooks are not configured")
    try:
        return stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise ValueError("bad signature") from exc
    except (AttributeError, TypeError, KeyError, ValueError) as exc:  # signed, but not a JSON object
        raise ValueError("malformed event") from exc
