"""Retail shelves confirmed by the chain: a product on a retail chain's shelves from one date until
another, asked for by the producer, confirmed (or declined, or ended) by the chain's members."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation, User
from market.models.catalog import OcopProduct
from market.models.types import UTCDateTime, utcnow


class PlacementStatus:
    REQUESTED = "requested"   # the producer asked (or a seller's old tick, migrated): counts for nothing
    CONFIRMED = "confirmed"   # the chain said "we stock this since DATE"
    DECLINED = "declined"     # the chain said it does not stock it
    ALL = (REQUESTED, CONFIRMED, DECLINED)
    OPEN = (REQUESTED, CONFIRMED)


class ShelfPlacement(db.Model):
    """A product on a retail chain's shelves from `since` until the day before `ended_on` (the chain's
    "no longer since DATE"). Only the chain's members confirm or end it; the producer may only ask."""

    __tablename__ = "shelf_placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("ocop_product.id", ondelete="CASCADE"), index=True)
    chain_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=PlacementStatus.REQUESTED, index=True)
    since: Mapped[date | None]  # requested: the producer's date, if any; confirmed: the chain's date
    ended_on: Mapped[date | None]  # first day no longer stocked
    note: Mapped[str | None] = mapped_column(sa.Text)  # the producer's message
    reason: Mapped[str | None] = mapped_column(sa.Text)  # the chain's, when it declines
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who ended the placement, or declined the request, and when.
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[OcopProduct] = relationship(backref=sa.orm.backref(
        "shelf_placements", cascade="all, delete-orphan", passive_deletes=True, order_by="ShelfPlacement.id"))
    chain: Mapped[Organisation] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    __table_args__ = (
        sa.CheckConstraint("ended_on IS NULL OR since IS NULL OR ended_on > since", name="placement_dates_in_order"),
        # At most one open request or running placement per product and chain, whoever races to add it.
        sa.Index("uq_shelf_placement_open", "product_id", "chain_id", unique=True,
                 sqlite_where=sa.text("status IN ('requested', 'confirmed') AND ended_on IS NULL"),
                 postgresql_where=sa.text("status IN ('requested', 'confirmed') AND ended_on IS NULL")),
    )

    def on_shelf(self, on: date) -> bool:
        return (self.status == PlacementStatus.CONFIRMED and self.since is not None and self.since <= on
                and (self.ended_on is None or on < self.ended_on))

    @property
    def state(self) -> str:
        """requested, confirmed, ended (confirmed, with an end date) or declined."""
        if self.status == PlacementStatus.CONFIRMED and self.ended_on is not None:
            return "ended"
        return self.status
