"""What the department vouches for: OCOP certificates as its own records, and pending revisions of
verified facts (the verified version keeps showing and counting until the department decides)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation, User
from market.models.catalog import ReviewStatus
from market.models.types import UTCDateTime, utcnow


class OcopLevel:
    PROVINCE = "province"   # cấp tỉnh (3-4 sao)
    NATIONAL = "national"   # cấp trung ương (5 sao)
    ALL = (PROVINCE, NATIONAL)


class VerifiedAgainst:
    """What the department checked a record against."""

    REGISTER = "register"   # its own OCOP register, imported
    DOCUMENT = "document"   # the decision document the producer uploaded or showed
    ALL = (REGISTER, DOCUMENT)


class OcopCertificate(db.Model):
    """An OCOP certificate (quyết định công nhận) as the department holds it: one decision number, one
    producer. Valid from issue to expiry inclusive, only while verified."""

    __tablename__ = "ocop_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(60), unique=True)  # normalised: spaces collapsed, upper case
    level: Mapped[str] = mapped_column(sa.String(10), default=OcopLevel.PROVINCE)
    stars: Mapped[int]
    issued_on: Mapped[date]
    expires_on: Mapped[date] = mapped_column(index=True)
    product_name: Mapped[str] = mapped_column(sa.String(200))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=ReviewStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The verification record, kept through a recall and its lifting: who, when, against what.
    verified_against: Mapped[str | None] = mapped_column(sa.String(10))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    status_changed_by: Mapped[User | None] = relationship(foreign_keys=[status_changed_by_id])

    __table_args__ = (
        sa.CheckConstraint("stars IN (3, 4, 5)", name="ocop_stars_3_to_5"),
        sa.CheckConstraint("expires_on >= issued_on", name="ocop_dates_in_order"),
    )

    def in_date(self, on: date) -> bool:
        return self.issued_on <= on <= self.expires_on

    def is_valid(self, on: date) -> bool:
        return self.status == ReviewStatus.VERIFIED and self.in_date(on)

    def state(self, on: date) -> str:
        if self.status == ReviewStatus.VERIFIED and not self.in_date(on):
            return "expired" if on > self.issued_on else "not_yet_valid"
        return self.status

    def __repr__(self) -> str:
        return f"<OcopCertificate {self.number} {self.status}>"


class RevisionStatus:
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ALL = (PENDING, ACCEPTED, REJECTED, WITHDRAWN)


class Revision(db.Model):
    """A proposed change to the material fields of a verified record. The record keeps its verified
    values until the department accepts (the proposal is applied) or rejects it. Generic: the record is
    named by type and id, the proposal is a JSON object of field -> new value (and the values it replaces)."""

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    proposed: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    previous: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default=RevisionStatus.PENDING, index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])

    __table_args__ = (sa.Index("ix_revision_object", "object_type", "object_id"),)


class TrustState:
    """What a page may say of a verified fact (`verification.record`, `ocop.standing`): computed, never stored."""

    VERIFIED = "verified"
    DECLARED = "declared"        # the seller's word only: pending the department
    CONFLICT = "conflict"        # declared, but the department records the number for another producer
    REJECTED = "rejected"
    RECALLED = "recalled"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    DATED = (EXPIRED, NOT_YET_VALID)
    SHOWS_STARS = (VERIFIED, EXPIRED, NOT_YET_VALID)  # a verification record stands behind the stars
    WITH_REASON = (RECALLED, REJECTED)
