"""Shop orders of OCOP products: one order per seller, stock reserved at checkout."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation
from market.models.catalog import OcopProduct
from market.models.types import UTCDateTime, utcnow


class OrderStatus:
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ALL = (PENDING_PAYMENT, PAID, PACKED, SHIPPED, DELIVERED, CANCELLED, EXPIRED)
    HOLDS_STOCK = (PENDING_PAYMENT, PAID, PACKED, SHIPPED, DELIVERED)


class CartItem(db.Model):
    """What a buyer organisation is about to order. Stock is not held until checkout."""

    __tablename__ = "cart_item"
    __table_args__ = (sa.UniqueConstraint("buyer_id", "product_id", name="uq_cart_item_buyer_product"),
                      sa.CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("ocop_product.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[OcopProduct] = relationship()


class ShopOrder(db.Model):
    __tablename__ = "shop_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=OrderStatus.PENDING_PAYMENT, index=True)
    total: Mapped[int]  # minor units of currency (VND has none)
    currency: Mapped[str] = mapped_column(sa.String(3), default="VND")
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    shipping_address: Mapped[str | None] = mapped_column(sa.String(255))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id])
    seller: Mapped[Organisation] = relationship(foreign_keys=[seller_id])
    items: Mapped[list["OrderItem"]] = relationship(back_populates="order", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("total >= 0", name="total_not_negative"),)


class OrderItem(db.Model):
    __tablename__ = "order_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("ocop_product.id"))
    quantity: Mapped[int]
    unit_price: Mapped[int]
    product_name: Mapped[str] = mapped_column(sa.String(200))  # as sold, even if the product is renamed

    order: Mapped[ShopOrder] = relationship(back_populates="items")
    product: Mapped[OcopProduct] = relationship()

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)
