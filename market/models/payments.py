"""Money: payments for contract deposits and shop orders, by Stripe or bank transfer, and the Stripe
events that alone mark card payments as received."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation
from market.models.types import UTCDateTime, utcnow


class PaymentStatus:
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDING = "refunding"  # a card refund decided and committed, Stripe not yet done (see payments.refund)
    REFUNDED = "refunded"
    ALL = (PENDING, SUCCEEDED, FAILED, CANCELLED, REFUNDING, REFUNDED)


class PaymentMethod:
    STRIPE = "stripe"
    BANK_TRANSFER = "bank_transfer"
    ALL = (STRIPE, BANK_TRANSFER)


class Payment(db.Model):
    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)  # quoted on bank transfers
    purpose: Mapped[str] = mapped_column(sa.String(10))  # "deposit" or "order"
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contract.id", ondelete="SET NULL"), index=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shop_order.id", ondelete="SET NULL"), index=True)
    payer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    payee_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    amount: Mapped[int]  # minor units of currency; VND is zero-decimal
    currency: Mapped[str] = mapped_column(sa.String(3), default="VND")
    method: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(10), default=PaymentStatus.PENDING, index=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(255))
    checkout_url: Mapped[str | None] = mapped_column(sa.Text)
    # The payee's bank account a transfer goes to (its default verified account when the payment started).
    payee_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payee_account.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payer: Mapped[Organisation] = relationship(foreign_keys=[payer_id])
    payee: Mapped[Organisation] = relationship(foreign_keys=[payee_id])
    payee_account = relationship("PayeeAccount")

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("(contract_id IS NULL) != (order_id IS NULL)", name="for_one_thing"),
    )


class StripeEvent(db.Model):
    """Each webhook event once: a replay finds its id here and changes nothing."""

    __tablename__ = "stripe_event"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(sa.String(40))
