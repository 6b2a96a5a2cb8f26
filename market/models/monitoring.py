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
