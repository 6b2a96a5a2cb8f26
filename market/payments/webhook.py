"""Stripe's webhook: the only thing that marks a card payment received. Each event is checked for its
signature and its shape first: only malformed input is refused (400); what a well-formed event then does is
ordinary code, and a bug in it is a 500 like anywhere else, never passed off as "malformed event". Each event
id is handled once (`StripeEvent`). One handler per event type."""
import json
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from market.extensions import db
from market.models import Payment, PaymentStatus, StripeEvent
from market.payments import gateway
from market.payments.service import mark_received, mark_refunded, queue_refund

MAX_ID = 255  # Stripe ids and our columns for them


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    obj: dict  # data.object: a Checkout Session, a PaymentIntent or a Charge


def parse(payload: bytes, signature: str | None) -> Event:
    """The event, if Stripe signed it and it has the shape of an event; ValueError (its text is the answer)
    otherwise."""
    gateway.verify_event(payload, signature)
    body = json.loads(payload)
    event_id, event_type = body.get("id"), body.get("type")
    obj = body["data"].get("object") if isinstance(body.get("data"), dict) else None
    if not (_text(event_id) and _text(event_type, 80) and isinstance(obj, dict)):
        raise ValueError("malformed event")
    return Event(event_id, event_type, obj)


def _text(value, longest: int = MAX_ID) -> str | None:
    """`value` if it is an id-like string that fits our columns, else None (malformed input is not a bug)."""
    return value if isinstance(value, str) and 0 < len(value) <= longest else None


def _payment_for(obj: dict) -> Payment | None:
    """The payment an event is about, locked: Stripe sends several events for one payment at once."""
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    payment_id = str(metadata.get("payment_id", ""))
    if payment_id.isdigit() and len(payment_id) <= 18:
        return db.session.get(Payment, int(payment_id), with_for_update=True, populate_existing=True)
    if obj.get("object") == "checkout.session" and _text(obj.get("id")):
        return db.session.scalar(sa.select(Payment).where(Payment.stripe_checkout_session_id == obj["id"])
                                 .with_for_update().execution_options(populate_existing=True))
    return None


# --- one handler per event type: (payment, data.object) -> outcome --------------------------------------------

def _succeeded(payment: Payment, obj: dict) -> str:
    amount = obj.get("amount_total", obj.get("amount_received", obj.get("amount")))
    paid = obj.get("payment_status", "paid") == "paid" and obj.get("status", "succeeded") in (
        "succeeded", "complete", "paid")
    intent = _text(obj.get("payment_intent"))
    if amount != payment.amount or str(obj.get("currency", "")).upper() != payment.currency:
        return "amount mismatch"
    if not paid:
        return "not paid yet"
    if payment.status == PaymentStatus.CANCELLED and intent:
        # Paid after the contract or order was cancelled: Stripe holds money nobody owes, give it back
        # (after the commit; a refund Stripe refuses stays `refunding` for `flask market retry-refunds`).
        payment.stripe_payment_intent_id = intent
        queue_refund(payment)
        return "refunding late payment"
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):  # a retry after a declined card
        if intent:
            payment.stripe_payment_intent_id = intent
        elif obj.get("object") == "payment_intent" and _text(obj.get("id")):
            payment.stripe_payment_intent_id = obj["id"]
        mark_received(payment, None)
        return "received"
    return f"already {payment.status}"


def _attempt_failed(payment: Payment, obj: dict) -> str:
    if payment.stripe_checkout_session_id:
        return "attempt failed"  # Checkout lets the buyer retry; only checkout.session.expired ends it
    return _ended(payment, PaymentStatus.FAILED)


def _expired(payment: Payment, obj: dict) -> str:
    return _ended(payment, PaymentStatus.CANCELLED)


def _ended(payment: Payment, status: str) -> str:
    if payment.status != PaymentStatus.PENDING:
        return "ignored"
    payment.status = status
    return status


def _refunded(payment: Payment, obj: dict) -> str:
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDING):
        mark_refunded(payment)
    return "refunded"


HANDLERS: dict[str, Callable[[Payment, dict], str]] = {
    "checkout.session.completed": _succeeded,
    "checkout.session.async_payment_succeeded": _succeeded,
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _attempt_failed,
    "checkout.session.expired": _expired,
    "charge.refunded": _refunded,
}


def handle_webhook(payload: bytes, signature: str | None) -> tuple[str, int]:
    """(outcome, HTTP status). 400 only for a bad signature or a body that is not an event."""
    try:
        event = parse(payload, signature)
    except ValueError as exc:
        return str(exc), 400
    if db.session.get(StripeEvent, event.id) is not None:
        return "duplicate", 200
    payment = _payment_for(event.obj)
    handler = HANDLERS.get(event.type)
    outcome = handler(payment, event.obj) if payment is not None and handler is not None else "ignored"
    db.session.add(StripeEvent(id=event.id, type=event.type, payment_id=payment.id if payment else None,
                               outcome=outcome))
    return outcome, 200
