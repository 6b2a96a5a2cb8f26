"""Payments for contract deposits and shop orders: Stripe Checkout, or a bank transfer confirmed by the
receiving side. Only a verified webhook (or that confirmation) marks money as received, once.

Payments sit below the services: contracts and orders decide whether something may be paid or refunded and
call `start` or `refund`; payments record the money and announce what happened through `market.payments.events`
(`payment_received`, `payment_refunded`), to which contracts and orders react. Calls to Stripe that the user's
answer does not need (refunds) run after the commit (`market.effects.after_commit`) and record their outcome in
their own transaction; a refund Stripe did not make stays `refunding` until `flask market retry-refunds`."""
from market.payments.events import payment_received, payment_refunded
from market.payments.gateway import PaymentGatewayError
from market.payments.service import (
    cancel_unpaid,
    confirm_bank_transfer,
    mark_received,
    mark_refunded,
    received_payment,
    refund,
    refund_now,
    retry_refunds,
    start,
)
from market.payments.webhook import handle_webhook
from market.permissions import PAYERS, RECEIVERS

__all__ = ["PAYERS", "RECEIVERS", "PaymentGatewayError", "start", "confirm_bank_transfer", "mark_received",
           "cancel_unpaid", "received_payment", "refund", "refund_now", "mark_refunded", "retry_refunds",
           "handle_webhook", "payment_received", "payment_refunded"]
