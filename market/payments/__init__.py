"""Payments for contract deposits and shop orders: Stripe Checkout, or a bank transfer confirmed by the
receiving side. Only a verified webhook (or that confirmation) marks money as received, once."""
import json
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from market.extensions import db
from market.models import (
    Contract,
    ContractState,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Role,
    ShopOrder,
    StripeEvent,
    User,
)
from market.models.types import utcnow
from market.payments import gateway
from market.payments.gateway import PaymentGatewayError
from market.services import audit, notifications
from market.services.errors import ValidationFailed
from market.services.organisations import require_role

__all__ = ["PaymentGatewayError", "start_deposit", "start_order_payment", "confirm_bank_transfer",
           "handle_webhook", "refund_deposit"]

PAYERS = (Role.OWNER, Role.MANAGER, Role.SIGNER)
RECEIVERS = (Role.OWNER, Role.MANAGER)


def _reference(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


def _open_payment(**where) -> Payment | None:
    return db.session.scalar(sa.select(Payment).filter_by(**where).where(
        Payment.status.in_((PaymentStatus.PENDING, PaymentStatus.SUCCEEDED))))


def _start(actor: User, *, purpose: str, payer, payee, amount: int, method: str, name: str, contract=None,
           order=None, return_url: str, expires_at=None) -> Payment:
    if method not in PaymentMethod.ALL:
        raise ValidationFailed({"method": _("Choose how to pay.")})
    if method == PaymentMethod.STRIPE and not gateway.enabled():
        raise ValidationFailed({"method": _("Card payment is not available here; pay by bank transfer.")})
    existing = _open_payment(contract_id=contract.id) if contract else _open_payment(order_id=order.id)
    if existing is not None and existing.status == PaymentStatus.SUCCEEDED:
        raise ValidationFailed({"payment": _("This is already paid.")})
    if existing is not None and existing.method == method:
        return existing  # the same payment again (a double click, a reload): never a second charge
    if existing is not None:
        existing.status = PaymentStatus.CANCELLED  # switching method: the unpaid one is abandoned
    payment = Payment(reference=_reference("TT"), purpose=purpose, contract_id=contract.id if contract else None,
                      order_id=order.id if order else None, payer_id=payer.id, payee_id=payee.id, amount=amount,
                      currency="VND", method=method, status=PaymentStatus.PENDING,
                      idempotency_key=secrets.token_hex(16), created_by_id=actor.id)
    db.session.add(payment)
    db.session.flush()
    if method == PaymentMethod.STRIPE:
        session = gateway.create_checkout(
            payment_id=payment.id, reference=payment.reference, name=name, amount=amount, currency="VND",
            success_url=return_url + "?paid=1", cancel_url=return_url, idempotency_key=payment.idempotency_key,
            expires_at=int(expires_at.timestamp()) if expires_at else None)
        payment.stripe_checkout_session_id = session.id
        payment.stripe_payment_intent_id = getattr(session, "payment_intent", None)
        payment.checkout_url = session.url
    audit.record("payment.started", actor, organisation=payer, obj=payment, purpose=purpose, amount=amount,
                 method=method)
    if method == PaymentMethod.BANK_TRANSFER:
        notifications.notify(payee, "payment.transfer_announced", _(
            "%(org)s will pay %(amount)s VND by bank transfer with the reference %(ref)s: confirm it when it arrives.",
            org=payer.name, amount=format_decimal(amount), ref=payment.reference))
    return payment


def start_deposit(actor: User, contract: Contract, method: str) -> Payment:
    from market.services.contracts import deposit_amount

    require_role(actor, contract.buyer, *PAYERS)
    if contract.state != ContractState.SIGNED:
        raise ValidationFailed({"payment": _("The deposit is paid once both parties have signed.")})
    amount = deposit_amount(contract.current.terms)
    if amount <= 0:
        raise ValidationFailed({"payment": _("This contract has no deposit.")})
    return _start(actor, purpose="deposit", payer=contract.buyer, payee=contract.seller, amount=amount,
                  method=method, contract=contract, name=_("Deposit for contract %(ref)s", ref=contract.reference),
                  return_url=url_for("contracts.show", contract_id=contract.id, _external=True))


def start_order_payment(actor: User, order: ShopOrder, method: str) -> Payment:
    require_role(actor, order.buyer, *PAYERS, Role.MEMBER)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise ValidationFailed({"payment": _("This order is not waiting for payment.")})
    return _start(actor, purpose="order", payer=order.buyer, payee=order.seller, amount=order.total, method=method,
                  order=order, name=_("Order %(ref)s", ref=order.reference),
                  return_url=url_for("orders.show", order_id=order.id, _external=True),
                  expires_at=order.reserved_until if order.reserved_until and
                  order.reserved_until > utcnow() + timedelta(minutes=31) else None)


def _received(payment: Payment, actor: User | None) -> None:
    """Money is in: the contract becomes active, the order paid. Idempotent."""
    if payment.status == PaymentStatus.SUCCEEDED:
        return
    payment.status, payment.succeeded_at = PaymentStatus.SUCCEEDED, utcnow()
    payment.confirmed_by_id = actor.id if actor else None
    audit.record("payment.received", actor, organisation=payment.payee, obj=payment, amount=payment.amount,
                 method=payment.method)
    if payment.contract_id:
        from market.services.contracts import activate

        contract = db.session.get(Contract, payment.contract_id)
        activate(contract)
    if payment.order_id:
        from market.services import orders

        orders.mark_paid(db.session.get(ShopOrder, payment.order_id))
    for org in (payment.payer, payment.payee):
        notifications.notify(org, "payment.received", _("Payment %(ref)s of %(amount)s VND was received.",
                                                         ref=payment.reference, amount=format_decimal(payment.amount)))


def confirm_bank_transfer(actor: User, payment: Payment) -> Payment:
    """The receiving side confirms a bank transfer arrived (it quotes the payment's reference)."""
    require_role(actor, payment.payee, *RECEIVERS)
    if payment.method != PaymentMethod.BANK_TRANSFER:
        raise ValidationFailed({"payment": _("Card payments are confirmed by Stripe, not by hand.")})
    db.session.refresh(payment, with_for_update=True)  # one confirmation, even on a double click
    if payment.status != PaymentStatus.PENDING:
        raise ValidationFailed({"payment": _("This payment is not waiting for confirmation.")})
    _received(payment, actor)
    return payment


def refund_deposit(contract: Contract, actor: User | None) -> Payment | None:
    """On cancellation: give back a received deposit (Stripe refund; for a transfer, the seller is told)."""
    payment = db.session.scalar(sa.select(Payment).where(Payment.contract_id == contract.id,
                                                        Payment.status == PaymentStatus.SUCCEEDED))
    pending = db.session.scalars(sa.select(Payment).where(Payment.contract_id == contract.id,
                                                          Payment.status == PaymentStatus.PENDING))
    for unpaid in pending:
        unpaid.status = PaymentStatus.CANCELLED
    if payment is None:
        return None
    if payment.method == PaymentMethod.STRIPE and payment.stripe_payment_intent_id:
        refund = gateway.refund(payment_intent=payment.stripe_payment_intent_id, amount=payment.amount,
                                idempotency_key=f"refund-{payment.idempotency_key}")
        payment.stripe_refund_id = refund.id
        payment.status, payment.refunded_at = PaymentStatus.REFUNDED, utcnow()
    else:
        notifications.notify(contract.seller, "payment.refund_due", _(
            "Contract %(ref)s was cancelled: return the deposit of %(amount)s VND to %(org)s by bank transfer.",
            ref=contract.reference, amount=format_decimal(payment.amount), org=contract.buyer.name))
    audit.record("payment.refund", actor, organisation=contract.seller, obj=payment, method=payment.method)
    return payment


# --- the webhook -----------------------------------------------------------------------------------

def _payment_for(obj: dict) -> Payment | None:
    """The payment an event is about, locked: Stripe sends several events for one payment at once."""
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    if str(metadata.get("payment_id", "")).isdigit():
        return db.session.get(Payment, int(metadata["payment_id"]), with_for_update=True, populate_existing=True)
    if obj.get("object") == "checkout.session" and isinstance(obj.get("id"), str):
        return db.session.scalar(sa.select(Payment).where(Payment.stripe_checkout_session_id == obj["id"])
                                 .with_for_update().execution_options(populate_existing=True))
    return None


def handle_webhook(payload: bytes, signature: str | None) -> tuple[str, int]:  # noqa: C901 - TODO split by event type (issue 15 payments work)
    """(outcome, HTTP status). Verified by signature; each event id is handled once."""
    try:
        gateway.verify_event(payload, signature)
    except ValueError as exc:
        return str(exc), 400
    body = json.loads(payload)
    event_id, event_type = body.get("id"), body.get("type")
    obj = body["data"].get("object") if isinstance(body.get("data"), dict) else None
    if not (isinstance(event_id, str) and 0 < len(event_id) <= 255 and isinstance(event_type, str)
            and len(event_type) <= 80 and isinstance(obj, dict)):
        return "malformed event", 400
    if db.session.get(StripeEvent, event_id) is not None:
        return "duplicate", 200
    payment = _payment_for(obj)
    outcome = "ignored"
    if payment is not None and event_type in ("checkout.session.completed", "payment_intent.succeeded",
                                              "checkout.session.async_payment_succeeded"):
        amount = obj.get("amount_total", obj.get("amount_received", obj.get("amount")))
        paid = obj.get("payment_status", "paid") == "paid" and obj.get("status", "succeeded") in (
            "succeeded", "complete", "paid")
        if amount != payment.amount or str(obj.get("currency", "")).upper() != payment.currency:
            outcome = "amount mismatch"
        elif not paid:
            outcome = "not paid yet"
        elif payment.status == PaymentStatus.CANCELLED and obj.get("payment_intent"):
            # Paid after the contract or order was cancelled: Stripe holds money nobody owes, give it back.
            refund = gateway.refund(payment_intent=obj["payment_intent"], amount=payment.amount,
                                    idempotency_key=f"refund-{payment.idempotency_key}")
            payment.stripe_payment_intent_id, payment.stripe_refund_id = obj["payment_intent"], refund.id
            payment.status, payment.refunded_at = PaymentStatus.REFUNDED, utcnow()
            outcome = "refunded late payment"
        elif payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):  # a retry after a declined card
            if obj.get("payment_intent"):
                payment.stripe_payment_intent_id = obj["payment_intent"]
            elif obj.get("object") == "payment_intent":
                payment.stripe_payment_intent_id = obj["id"]
            _received(payment, None)
            outcome = "received"
        else:
            outcome = f"already {payment.status}"
    elif (payment is not None and event_type == "payment_intent.payment_failed"
          and payment.stripe_checkout_session_id):
        outcome = "attempt failed"  # Checkout lets the buyer retry; only checkout.session.expired ends it
    elif payment is not None and event_type in ("checkout.session.expired", "payment_intent.payment_failed"):
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED if "failed" in event_type else PaymentStatus.CANCELLED
            outcome = payment.status
    elif payment is not None and event_type == "charge.refunded":
        if payment.status == PaymentStatus.SUCCEEDED:
            payment.status, payment.refunded_at = PaymentStatus.REFUNDED, utcnow()
        outcome = "refunded"
    db.session.add(StripeEvent(id=event_id, type=event_type, payment_id=payment.id if payment else None,
                               outcome=outcome))
    return outcome, 200
