"""Lots of OCOP products: what a producer made on a day, under the product's GTIN, from which harvest lot.
A product lot is the output of an EPCIS TransformationEvent (services/epcis.py) whose input is the
harvest lot of a listing or of a delivery the producer received."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.catalog import OcopProduct, SupplyListing
from market.models.contracts import Delivery
from market.models.types import UTCDateTime, utcnow


class ProductLot(db.Model):
    __tablename__ = "product_lot"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "lot_number", name="uq_product_lot_number"),
        sa.CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("ocop_product.id", ondelete="CASCADE"), index=True)
    lot_number: Mapped[str] = mapped_column(sa.String(20))  # GS1 AI 10
    produced_on: Mapped[date]
    quantity: Mapped[float | None] = mapped_column(sa.Float)  # in the product's unit
    # The harvest lot it was made from (one of them, or none when the data does not say).
    source_listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("supply_listing.id", ondelete="SET NULL"), index=True)
    source_delivery_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delivery.id", ondelete="SET NULL"), index=True)
    input_quantity: Mapped[float | None] = mapped_column(sa.Float)  # of the harvest lot, in its unit
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[OcopProduct] = relationship()
    source_listing: Mapped[SupplyListing | None] = relationship()
    source_delivery: Mapped[Delivery | None] = relationship()
