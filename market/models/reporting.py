"""The yearly reporting cycle of the plan: a round opened by the department, one report per commune, the
reminders sent (each commune once a day), and the provincial report locked as a snapshot."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import User
from market.models.catalog import Upload
from market.models.geo import Commune
from market.models.monitoring import ReportSnapshot
from market.models.types import UTCDateTime, utcnow


class RoundStatus:
    OPEN = "open"
    LOCKED = "locked"
    ALL = (OPEN, LOCKED)


class CommuneReportStatus:
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REOPENED = "reopened"
    ALL = (DRAFT, SUBMITTED, REOPENED)


commune_report_upload = sa.Table(
    "commune_report_upload",
    db.metadata,
    sa.Column("report_id", sa.ForeignKey("commune_report.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("upload_id", sa.ForeignKey("upload.id", ondelete="CASCADE"), primary_key=True),
)


class ReportingRound(db.Model):
    """One year's reporting: communes report between `reports_from` and `reports_due` (18-20 November), the
    department compiles the provincial report by `compile_by` (1 December). Figures are as of `as_of`."""

    __tablename__ = "reporting_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    as_of: Mapped[date]
    reports_from: Mapped[date]
    reports_due: Mapped[date]
    compile_by: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), default=RoundStatus.OPEN)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snapshot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_snapshot.id"))

    snapshot: Mapped[ReportSnapshot | None] = relationship()
    reports: Mapped[list["CommuneReport"]] = relationship(back_populates="round", cascade="all, delete-orphan")

    @property
    def is_locked(self) -> bool:
        return self.status == RoundStatus.LOCKED


class CommuneReport(db.Model):
    """A commune's report in a round: its narrative and attachments; the figures are computed, never typed."""

    __tablename__ = "commune_report"
    __table_args__ = (sa.UniqueConstraint("round_id", "commune_id", name="uq_commune_report_round_commune"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_round.id", ondelete="CASCADE"), index=True)
    commune_id: Mapped[int] = mapped_column(sa.ForeignKey("commune.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default=CommuneReportStatus.DRAFT)
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_on: Mapped[date | None]  # the day in Lạng Sơn, what "late" is judged on
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reopen_reason: Mapped[str | None] = mapped_column(sa.Text)

    round: Mapped[ReportingRound] = relationship(back_populates="reports")
    commune: Mapped[Commune] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    attachments: Mapped[list[Upload]] = relationship(secondary=commune_report_upload, order_by=Upload.id)

    @property
    def is_submitted(self) -> bool:
        return self.status == CommuneReportStatus.SUBMITTED


class RoundReminder(db.Model):
    """A reminder sent to a commune office for a round: once per commune per day (the unique constraint
    decides when two runs race)."""

    __tablename__ = "round_reminder"
    __table_args__ = (sa.UniqueConstraint("round_id", "commune_id", "sent_on", name="uq_round_reminder_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_round.id", ondelete="CASCADE"), index=True)
    commune_id: Mapped[int] = mapped_column(sa.ForeignKey("commune.id"))
    sent_on: Mapped[date]
    late: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
