"""Renewal reminders already sent: each certificate, expiry and threshold once."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import db
from market.models.types import UTCDateTime, utcnow


class SentReminder(db.Model):
    """A renewal reminder sent: one row per certificate, expiry date and threshold (90, 30 or 7 days).
    The unique constraint is what makes two runs at once send it once."""

    __tablename__ = "sent_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(20))  # "certificate" (zone) or "ocop_certificate"
    subject_id: Mapped[int]
    expires_on: Mapped[date]
    days_before: Mapped[int]
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("subject", "subject_id", "expires_on", "days_before", name="uq_sent_reminder_once"),
    )
