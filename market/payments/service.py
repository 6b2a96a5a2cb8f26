"""Recording money: starting a payment, receiving it, refunding it. See the package docstring."""
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from market import jobs
from market.extensions import db
from market.models import Organisation, PayeeAccount, Payment, PaymentMethod, PaymentStatus, User
from market.models.types import utcnow
from market.payments import gateway, limits
from market.payments.events import payment_received, payment_refunded
from market.payments.gateway import PaymentGatewayError
from market.permissions import RECEIVERS
from market.services import audit, notifications
from market.services.errors import ValidationFailed
from market.services.organisations import require_role


def _reference(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


def _open_payment(**where) -> Payment | None:
    return db.session.scalar(sa.select(Payment).filter_by(**where).where(
        Payment.status.in_((PaymentStatus.PENDING, PaymentStatus.SUCCEEDED))))


def payee_account(org: Organisation) -> PayeeAccount | None:
    """The account transfers to `org` go to: its default verified account (None when it has none yet)."""
    return db.session.scalar(sa.select(PayeeAccount).where(
        PayeeAccount.organisation_id == org.id, PayeeAccount.verified_at.is_not(None),
        PayeeAccount.removed_at.is_(None)).order_by(PayeeAccount.is_default.desc(), PayeeAccount.id).limit(1))


def transfer_account(payment: Payment) -> PayeeAccount | None:
    """Where a transfer for `payment` goes: the account chosen when it started, if still in use, else the
    payee's default verified account (registered since)."""
    account = payment.payee_account
    if account is not None and account.removed_at is None and account.is_verified:
        return account
    return payee_account(payment.payee)


def start(actor: User, *, purpose: str, payer: Organisation, payee: Organisation, amount: int, method: str,
          name: str, return_url: str, contract_id: int | None = None, order_id: int | None = None,
          expires_at=None) -> Payment:
    """A payment from `payer` to `payee` for one contract or one order, whose service already decided it is due.
    Asking again with the same method gives the same payment (a double click, a reload): never a second charge.
    A card payment opens a Stripe Checkout Session now: its URL is the answer the buyer waits for."""
    if method not in PaymentMethod.ALL:
        raise ValidationFailed({"method": _("Choose how to pay.")})
    if method == PaymentMethod.STRIPE and not gateway.enabled():
        raise ValidationFailed({"method": _("Card payment is not available here; pay by bank transfer.")})
    if method == PaymentMethod.STRIPE and (why := limits.card_refusal(amount, "VND")):
        raise ValidationFailed({"method": why})
    existing = _open_payment(contract_id=contract_id) if contract_id else _open_payment(order_id=order_id)
    if existing is not None and existing.status == PaymentStatus.SUCCEEDED:
        raise ValidationFailed({"payment": _("This is already paid.")})
    if existing is not None and existing.method == method:
        return existing
    if existing is not None:
        existing.status = PaymentStatus.CANCELLED  # switching method: the unpaid one is abandoned
    payment = Payment(reference=_reference("TT"), purpose=purpose, contract_id=contract_id, order_id=order_id,
                      payer_id=payer.id, payee_id=payee.id, amount=amount, currency="VND", method=method,
                      status=PaymentStatus.PENDING, idempotency_key=secrets.token_hex(16), created_by_id=actor.id)
    if method == PaymentMethod.BANK_TRANSFER:
        account = payee_account(payee)
        payment.payee_account_id = account.id if account else None
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


def mark_received(payment: Payment, actor: User | None) -> None:
    """Money is in: recorded, both sides told, and `payment_received` sent (the contract becomes active, the
    order paid). Idempotent."""
    if payment.status == PaymentStatus.SUCCEEDED:
        return
    payment.status, payment.succeeded_at = PaymentStatus.SUCCEEDED, utcnow()
    payment.confirmed_by_id = actor.id if actor else None
    audit.record("payment.received", actor, organisation=payment.payee, obj=payment, amount=payment.amount,
                 method=payment.method)
    payment_received.send(payment, actor=actor)
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
    mark_received(payment, actor)
    return payment


def _for(contract_id: int | None, order_id: int | None):
    if (contract_id is None) == (order_id is None):
        raise ValueError("a payment is for one contract or one order")
    return Payment.contract_id == contract_id if contract_id is not None else Payment.order_id == order_id


def cancel_unpaid(*, contract_id: int | None = None, order_id: int | None = None) -> None:
    """The contract or order was cancelled: payments still waiting are abandoned (a transfer can no longer be
    confirmed; a card paid on a Checkout page still open is refunded by the webhook)."""
    where = _for(contract_id, order_id)
    for unpaid in db.session.scalars(sa.select(Payment).where(where, Payment.status == PaymentStatus.PENDING)):
        unpaid.status = PaymentStatus.CANCELLED


def received_payment(*, contract_id: int | None = None, order_id: int | None = None) -> Payment | None:
    where = _for(contract_id, order_id)
    return db.session.scalar(sa.select(Payment).where(where, Payment.status == PaymentStatus.SUCCEEDED).limit(1))


# --- refunds: decided in the transaction, made after the commit -------------------------------------------------

def refund(payment: Payment, actor: User | None) -> bool:
    """Give back a received payment. A card payment is marked `refunding` and Stripe is asked after the commit
    (True); money that came by bank transfer goes back by hand, so the payment stays received and the caller
    tells the payee what to do (False)."""
    audit.record("payment.refund", actor, organisation=payment.payee, obj=payment, method=payment.method)
    if payment.method != PaymentMethod.STRIPE or not payment.stripe_payment_intent_id:
        return False
    queue_refund(payment)
    return True


def queue_refund(payment: Payment) -> None:
    """Mark a card payment `refunding` and queue the refund job once this transaction has committed."""
    payment.status = PaymentStatus.REFUNDING
    jobs.enqueue_after_commit(refund_job, payment.id, what=f"refund of payment {payment.id}")


# Stripe unreachable: retried after 10 s, 20 s, 40 s ... (about 3 hours in all); past that the periodic
# `retry_refunds` (market/periodic.py) asks again every 10 minutes, for as long as the payment is `refunding`.
@jobs.task(retries=10, retry_delay=10, retry_backoff=2)
def refund_job(payment_id: int) -> None:
    refund_now(payment_id)


def refund_now(payment_id: int) -> Payment | None:
    """Ask Stripe for a refund that was decided and committed, and record the outcome in a transaction of its
    own. The idempotency key makes a retry safe: Stripe refunds once. When Stripe fails the payment stays
    `refunding`, the failure is audited, and PaymentGatewayError is raised (the effect runner logs it)."""
    payment = db.session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    if payment is None or payment.status != PaymentStatus.REFUNDING:
        db.session.rollback()
        return payment
    try:
        made = gateway.refund(payment_intent=payment.stripe_payment_intent_id, amount=payment.amount,
                              idempotency_key=f"refund-{payment.idempotency_key}")
    except PaymentGatewayError as exc:
        db.session.rollback()
        payment = db.session.get(Payment, payment_id)
        audit.record("payment.refund_failed", None, organisation=payment.payee, obj=payment, error=str(exc)[:500])
        db.session.commit()
        raise
    payment.stripe_refund_id = made.id
    mark_refunded(payment)
    db.session.commit()
    return payment


def mark_refunded(payment: Payment) -> None:
    """Stripe gave the money back (our refund, or one made in Stripe's dashboard): recorded, and announced."""
    if payment.status == PaymentStatus.REFUNDED:
        return
    payment.status, payment.refunded_at = PaymentStatus.REFUNDED, utcnow()
    audit.record("payment.refunded", None, organisation=payment.payee, obj=payment, amount=payment.amount)
    payment_refunded.send(payment)


def retry_refunds() -> tuple[int, int]:
    """Every refund still `refunding` (Stripe failed, or the process stopped before asking): (made, failed)."""
    ids = list(db.session.scalars(sa.select(Payment.id).where(Payment.status == PaymentStatus.REFUNDING)
                                  .order_by(Payment.id)))
    db.session.rollback()
    made = failed = 0
    for payment_id in ids:
        try:
            refund_now(payment_id)
        except PaymentGatewayError:
            current_app.logger.warning("refund of payment %s failed again; it stays queued", payment_id)
            failed += 1
        else:
            made += 1
    return made, failed
