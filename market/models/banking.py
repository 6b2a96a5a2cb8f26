"""Where money goes and what proves it: the payee's bank accounts (NAPAS banks), the bank statements a payee
uploads and each of their lines (reconciliation), and the numbered documents (delivery notes, receipts, order
documents) with their per-seller counters."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation
from market.models.types import UTCDateTime, utcnow


class AccountCheck:
    """How a payee account was verified."""
    DEPARTMENT = "department"  # department staff checked the bank's confirmation of the account
    MICRO_TRANSFER = "micro_transfer"  # a first small transfer, whose exact amount the payee confirmed
    ALL = (DEPARTMENT, MICRO_TRANSFER)


class PayeeAccount(db.Model):
    """A bank account an organisation is paid into. Only a verified account is shown to payers."""

    __tablename__ = "payee_account"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "bank_bin", "account_number",
                                          name="uq_payee_account_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    bank_code: Mapped[str] = mapped_column(sa.String(20))  # market/data/napas_banks.json
    bank_bin: Mapped[str] = mapped_column(sa.String(6))
    account_number: Mapped[str] = mapped_column(sa.String(19))
    holder_name: Mapped[str] = mapped_column(sa.String(100))  # upper case, no diacritics, as banks print it
    is_default: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    verified_how: Mapped[str | None] = mapped_column(sa.String(16))
    micro_amount: Mapped[int | None]  # the small transfer's amount, kept from the payee until confirmed
    micro_attempts: Mapped[int] = mapped_column(default=0)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class StatementUpload(db.Model):
    """A bank statement file a payee uploaded: kept while its columns are mapped, then applied."""

    __tablename__ = "statement_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    layout: Mapped[str | None] = mapped_column(sa.String(40))  # a known bank's layout, or "mapped"
    mapping: Mapped[dict | None] = mapped_column(sa.JSON)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineOutcome:
    MATCHED = "matched"  # reference and amount match: the payment is received
    PARTIAL = "partial"  # reference found, less than due so far
    OVERPAID = "overpaid"  # reference found, more than due: shown, not decided
    ALREADY_PAID = "already_paid"  # reference of a payment already received
    CLOSED = "closed"  # reference of a cancelled or refunded payment
    UNMATCHED = "unmatched"  # no reference of ours
    ALL = (MATCHED, PARTIAL, OVERPAID, ALREADY_PAID, CLOSED, UNMATCHED)


class StatementLine(db.Model):
    """One credit line of a payee's statement, once: its fingerprint is unique per payee."""

    __tablename__ = "statement_line"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "fingerprint", name="uq_statement_line_fingerprint"),
                      sa.CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    upload_id: Mapped[int | None] = mapped_column(sa.ForeignKey("statement_upload.id", ondelete="SET NULL"),
                                                  index=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    line_number: Mapped[int]
    booked_on: Mapped[date | None]
    amount: Mapped[int]
    description: Mapped[str] = mapped_column(sa.String(500))
    bank_reference: Mapped[str | None] = mapped_column(sa.String(80))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentKind:
    DELIVERY = "delivery"  # delivery note of a contract's delivery
    PAYMENT = "payment"  # receipt of a received payment
    ORDER = "order"  # a shop order
    ALL = (DELIVERY, PAYMENT, ORDER)
    PREFIX = {DELIVERY: "PGH", PAYMENT: "PT", ORDER: "DDH"}  # phiếu giao hàng, phiếu thu, đơn đặt hàng


class DocumentCounter(db.Model):
    """The last number a seller gave to a kind of document; locked (SELECT ... FOR UPDATE) while a number is
    taken, so numbers follow each other without gaps or duplicates."""

    __tablename__ = "document_counter"

    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class IssuedDocument(db.Model):
    __tablename__ = "issued_document"
    __table_args__ = (sa.UniqueConstraint("seller_id", "kind", "number", name="uq_issued_document_number"),
                      sa.UniqueConstraint("kind", "object_id", name="uq_issued_document_object"))

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    number: Mapped[int]
    object_id: Mapped[int]  # the delivery, payment or shop order
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)  # the public verification link
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seller: Mapped[Organisation] = relationship()

    @property
    def code(self) -> str:
        return f"{DocumentKind.PREFIX[self.kind]}-{self.number:06d}"
