"""The department's monitoring: linkage chains declared outside the market, and report snapshots."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation
from market.models.catalog import Upload
from market.models.geo import Commune, Crop
from market.models.types import UTCDateTime, utcnow


class DeclaredChain(db.Model):
    """A linkage chain that exists outside the market, declared by the department with evidence.
    Shown apart from chains proven by contracts in the market."""

    __tablename__ = "declared_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    partner_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(10), default="processor", server_default="processor")
    crop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crop.id"))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("upload.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    crop: Mapped[Crop | None] = relationship()
    evidence: Mapped[Upload] = relationship()


class ReportSnapshot(db.Model):
    """The yearly report exactly as exported: reopening it later shows the same figures. Its scope is the
    date, the commune (None: the province) and the crop (None: every crop). A provincial report compiled
    from a reporting round is locked (`locked_at`): from then on the row can be neither changed nor deleted."""

    __tablename__ = "report_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(index=True)
    commune_id: Mapped[int | None] = mapped_column(sa.ForeignKey("commune.id"))
    figures: Mapped[dict] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    crop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crop.id"))
    kind: Mapped[str] = mapped_column(sa.String(20), default="export", server_default="export")  # or "provincial"
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    commune: Mapped[Commune | None] = relationship()
    crop: Mapped[Crop | None] = relationship()

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class LockedSnapshot(Exception):
    """A locked report snapshot was about to be changed or deleted."""


@sa.event.listens_for(ReportSnapshot, "before_update")
def _refuse_changing_locked(mapper, connection, target: ReportSnapshot) -> None:
    locked = sa.inspect(target).attrs.locked_at.history
    was_locked = (locked.deleted and locked.deleted[0] is not None) or (not locked.has_changes() and target.locked_at)
    if was_locked:
        raise LockedSnapshot(f"report snapshot {target.id} is locked")


@sa.event.listens_for(ReportSnapshot, "before_delete")
def _refuse_deleting_locked(mapper, connection, target: ReportSnapshot) -> None:
    if target.locked_at is not None:
        raise LockedSnapshot(f"report snapshot {target.id} is locked")


class ChainRole:
    """What the declared organisation does in a chain: only a processing role makes it count as a processor."""

    PROCESSOR = "processor"  # it processes what its partners (producers) grow
    BUYER = "buyer"          # it buys and sells on, unprocessed (a trader, a retail chain's supplier)
    ALL = (PROCESSOR, BUYER)


class CapabilityStatus:
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the department found the facility no longer processes (or the organisation said so)
    ALL = (PENDING, VERIFIED, REJECTED, WITHDRAWN)


class ProcessingCapability(db.Model):
    """An organisation's declared capability "processes": its processing facility (what it makes, how much,
    where), checked by the department. Counts for the linkage figure from the day it was verified (the
    verification record: who, when, against what) until it is withdrawn."""

    __tablename__ = "processing_capability"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    products: Mapped[str] = mapped_column(sa.String(300))           # what the facility makes
    capacity: Mapped[float] = mapped_column(sa.Float)               # how much, per year
    capacity_unit: Mapped[str] = mapped_column(sa.String(10))       # kg, tan, lit...
    address: Mapped[str] = mapped_column(sa.String(255))            # where the facility is
    crop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crop.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default=CapabilityStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The verification record: who, when, against what (a site visit or the facility's documents).
    verified_against: Mapped[str | None] = mapped_column(sa.String(10))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    crop: Mapped[Crop | None] = relationship()

    __table_args__ = (sa.CheckConstraint("capacity > 0", name="capacity_positive"),)


class FactChange(db.Model):
    """One change of a state a plan figure depends on, with the day it took effect in the world.

    Written by a flush hook (market/models/history.py) whenever a tracked field of a tracked row changes:
    `before` and `after` hold the changed fields' values (JSON), `effective_on` the day the change took
    effect (the day it was recorded in Lạng Sơn, unless the service says otherwise). A figure "as of D"
    reads the row as it is now with every change effective after D undone: the history is the row plus
    these records, so nothing is ever rewritten in place for an earlier date."""

    __tablename__ = "fact_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(40))  # the table: ocop_certificate, growing_zone...
    subject_id: Mapped[int]
    before: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    effective_on: Mapped[date] = mapped_column(index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (sa.Index("ix_fact_change_subject", "subject", "subject_id"),)
