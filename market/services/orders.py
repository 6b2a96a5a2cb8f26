"""Shop orders of OCOP products: the cart, checkout with stock reserved atomically, expiry of unpaid
orders, and the seller's fulfilment steps. Payment goes through market.payments: this module starts it
(`start_payment`) and reacts to `payment_received` (the order is paid, or its stock taken again)."""
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from market import payments
from market.clock import today
from market.extensions import db
from market.labels import status_label
from market.models import (
    CartItem,
    OcopProduct,
    OrderItem,
    OrderStatus,
    Organisation,
    OrgKind,
    Payment,
    ProductStatus,
    Role,
    ShopOrder,
    User,
)
from market.models.types import utcnow
from market.numbers import BadValue, parse_number
from market.permissions import PAYERS, can_view_order
from market.search import sync
from market.services import audit, documents, holds, notifications
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_role

MAX_LINE_QUANTITY = 100_000
PRODUCTS = OcopProduct.__table__

# Fulfilment by the seller, one step at a time.
SELLER_STEPS = {OrderStatus.PAID: OrderStatus.PACKED, OrderStatus.PACKED: OrderStatus.SHIPPED,
                OrderStatus.SHIPPED: OrderStatus.DELIVERED}


def _check_buyer(actor: User, buyer: Organisation) -> None:
    require_role(actor, buyer)
    if buyer.kind not in OrgKind.BUYERS:
        raise PermissionDenied(_("Only shops, retail chains and enterprises order OCOP products."))
    if not buyer.is_verified:
        raise PermissionDenied(_("Your organisation must be verified by the department before it orders."))


def _check_orderable(buyer: Organisation, product: OcopProduct, quantity) -> int:
    if product.status != ProductStatus.PUBLISHED or not product.organisation.is_verified:
        raise ValidationFailed({"product": _("This product is not on sale.")})
    if not product.certificate_valid(today()):
        raise ValidationFailed({"product": _("This product's OCOP certificate has expired; it cannot be sold.")})
    holds.refuse_if_held(holds.product_holds(product), "product", product.name)
    if buyer.kind == OrgKind.TOURIST_SHOP and not product.tourist_shops_allowed:
        raise ValidationFailed({"product": _("The producer does not sell this product to tourist-site shops.")})
    try:
        quantity = parse_number(quantity, integer=True)
    except BadValue as exc:
        raise ValidationFailed({"quantity": str(exc)}) from None
    if quantity is None:
        raise ValidationFailed({"quantity": _("Enter a quantity.")})
    if quantity < product.min_order_qty:
        raise ValidationFailed({"quantity": _("The minimum order is %(n)d.", n=product.min_order_qty)})
    if quantity > MAX_LINE_QUANTITY:
        raise ValidationFailed({"quantity": _("Enter a number between %(low)s and %(high)s.",
                                              low=product.min_order_qty, high=MAX_LINE_QUANTITY)})
    if buyer.id == product.organisation_id:
        raise ValidationFailed({"product": _("You cannot order your own product.")})
    return quantity


def add_to_cart(actor: User, buyer: Organisation, product: OcopProduct, quantity) -> CartItem:
    _check_buyer(actor, buyer)
    quantity = _check_orderable(buyer, product, quantity)
    if quantity > product.stock:
        raise ValidationFailed({"quantity": _("Only %(n)d in stock.", n=product.stock)})
    # One statement that inserts the line or sets its quantity: two members of one buyer (or two tabs) adding the
    # same product at once both succeed, where a select-then-insert would fail the second with a 500.
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(CartItem.__table__).values(buyer_id=buyer.id, product_id=product.id, quantity=quantity,
                                                         added_at=utcnow())
                       .on_conflict_do_update(index_elements=["buyer_id", "product_id"], set_={"quantity": quantity}))
    return db.session.scalar(sa.select(CartItem).where(CartItem.buyer_id == buyer.id, CartItem.product_id == product.id)
                             .execution_options(populate_existing=True))


def remove_from_cart(actor: User, item: CartItem) -> None:
    require_role(actor, db.session.get(Organisation, item.buyer_id))
    db.session.delete(item)


def cart(buyer: Organisation) -> list[CartItem]:
    return list(db.session.scalars(sa.select(CartItem).where(CartItem.buyer_id == buyer.id).order_by(CartItem.id)))


def _reserve(product_id: int, quantity: int) -> bool:
    """Take `quantity` from stock only if that much is left: one UPDATE, so two buyers racing for the
    last units cannot both get them (the database serialises the row)."""
    result = db.session.execute(PRODUCTS.update().where(PRODUCTS.c.id == product_id, PRODUCTS.c.stock >= quantity)
                                .values(stock=PRODUCTS.c.stock - quantity))
    if result.rowcount == 1:
        sync.queue_products(db.session, [product_id])  # the search documents show the stock left
    return result.rowcount == 1


def _release(order: ShopOrder) -> None:
    for item in order.items:
        db.session.execute(PRODUCTS.update().where(PRODUCTS.c.id == item.product_id)
                           .values(stock=PRODUCTS.c.stock + item.quantity))
    sync.queue_products(db.session, [item.product_id for item in order.items])


def checkout(actor: User, buyer: Organisation, shipping_address: str = "") -> list[ShopOrder]:
    """One order per seller from the cart, stock reserved for ORDER_RESERVATION_MINUTES; all or nothing."""
    _check_buyer(actor, buyer)
    items = cart(buyer)
    if not items:
        raise ValidationFailed({"cart": _("The cart is empty.")})
    expire_unpaid_orders()
    until = utcnow() + timedelta(minutes=current_app.config["ORDER_RESERVATION_MINUTES"])
    by_seller: dict[int, list[CartItem]] = {}
    for item in items:
        _check_orderable(buyer, item.product, item.quantity)
        by_seller.setdefault(item.product.organisation_id, []).append(item)
    orders = []
    for seller_id, lines in by_seller.items():
        order = ShopOrder(reference=f"DH-{secrets.token_hex(4).upper()}", buyer_id=buyer.id, seller_id=seller_id,
                          status=OrderStatus.PENDING_PAYMENT, total=0, reserved_until=until,
                          shipping_address=(shipping_address or buyer.address or "").strip()[:255] or None,
                          created_by_id=actor.id)
        for line in lines:
            if not _reserve(line.product_id, line.quantity):  # the caller rolls back the whole checkout
                raise ValidationFailed({"cart": _("Not enough %(name)s left in stock; lower the quantity.",
                                                  name=line.product.name)})
            order.items.append(OrderItem(product_id=line.product_id, quantity=line.quantity,
                                         unit_price=line.product.price, product_name=line.product.name))
            order.total += line.quantity * line.product.price
        db.session.add(order)
        orders.append(order)
    for item in items:
        db.session.delete(item)
    db.session.flush()
    for order in sorted(orders, key=lambda o: o.seller_id):  # counters locked in one order: no deadlock
        documents.issue_for_order(order)  # numbered per seller, in this transaction
    for order in orders:
        audit.record("order.placed", actor, organisation=buyer, obj=order, total=order.total)
        notifications.notify(order.seller, "order.placed", _("New order %(ref)s from %(org)s, waiting for payment.",
                                                              ref=order.reference, org=buyer.name),
                             notifications.page("orders.show", order_id=order.id))
    return orders


def expire_unpaid_orders(now=None) -> int:
    """Orders not paid in time give their stock back."""
    now = now or utcnow()
    # Locked rows, skipping those another process is expiring or paying: stock is given back once.
    expired = db.session.scalars(sa.select(ShopOrder).where(ShopOrder.status == OrderStatus.PENDING_PAYMENT,
                                                            ShopOrder.reserved_until < now)
                                 .with_for_update(skip_locked=True)
                                 .execution_options(populate_existing=True)).all()
    for order in expired:
        _release(order)
        order.status = OrderStatus.EXPIRED
        audit.record("order.expired", None, organisation=order.buyer, obj=order)
    return len(expired)


def mark_paid(order: ShopOrder) -> None:
    """Called when a payment is received. A payment that arrives after expiry takes stock again if it is
    still there; if not, the order stays expired and the seller is told to refund."""
    db.session.refresh(order, with_for_update=True)  # not at the same time as an expiry of the same order
    if order.status == OrderStatus.EXPIRED:
        taken = []
        for item in order.items:
            if not _reserve(item.product_id, item.quantity):
                break
            taken.append(item)
        else:
            order.status = OrderStatus.PENDING_PAYMENT
        if order.status == OrderStatus.EXPIRED:
            for item in taken:  # all or nothing: give back what this attempt took
                db.session.execute(PRODUCTS.update().where(PRODUCTS.c.id == item.product_id)
                                   .values(stock=PRODUCTS.c.stock + item.quantity))
            sync.queue_products(db.session, [item.product_id for item in taken])
            notifications.notify(order.seller, "order.refund_due", _(
                "Order %(ref)s was paid after its reservation expired and the stock is gone: refund the buyer.",
                ref=order.reference))
            return
    if order.status == OrderStatus.PENDING_PAYMENT:
        order.status, order.paid_at = OrderStatus.PAID, utcnow()
        notifications.notify(order.seller, "order.paid", _("Order %(ref)s is paid: please pack it.",
                                                            ref=order.reference),
                             notifications.page("orders.show", order_id=order.id))


def advance(actor: User, order: ShopOrder, status: str) -> ShopOrder:
    """The seller marks an order packed, shipped, delivered; the buyer may cancel before paying."""
    db.session.refresh(order, with_for_update=True)
    if status == OrderStatus.CANCELLED:
        require_role(actor, order.buyer)
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise ValidationFailed({"status": _("A paid order cannot be cancelled here; contact the seller.")})
        _release(order)
        order.status = OrderStatus.CANCELLED
        payments.cancel_unpaid(order_id=order.id)
    else:
        require_role(actor, order.seller, Role.OWNER, Role.MANAGER, Role.SIGNER, Role.MEMBER)
        if SELLER_STEPS.get(order.status) != status:
            raise ValidationFailed({"status": _("An order cannot go from %(old)s to %(new)s.",
                                                old=status_label(order.status), new=status_label(status))})
        order.status = status
        notifications.notify(order.buyer, f"order.{status}", _("Order %(ref)s is now: %(status)s.",
                                                                ref=order.reference, status=status_label(status)),
                             notifications.page("orders.show", order_id=order.id))
    audit.record(f"order.{status}", actor, organisation=order.seller, obj=order)
    return order


def can_view(user: User, order: ShopOrder) -> bool:
    return can_view_order(user, order)


# --- payment, through market.payments ------------------------------------------------------------------

def start_payment(actor: User, order: ShopOrder, method: str) -> Payment:
    """Any member of the buying organisation pays an order waiting for payment. A Stripe Checkout page
    expires with the reservation when that leaves it time (Stripe wants at least 30 minutes)."""
    require_role(actor, order.buyer, *PAYERS, Role.MEMBER)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise ValidationFailed({"payment": _("This order is not waiting for payment.")})
    expires_at = order.reserved_until if order.reserved_until and \
        order.reserved_until > utcnow() + timedelta(minutes=31) else None
    return payments.start(actor, purpose="order", payer=order.buyer, payee=order.seller, amount=order.total,
                          method=method, order_id=order.id, name=_("Order %(ref)s", ref=order.reference),
                          return_url=url_for("orders.show", order_id=order.id, _external=True),
                          expires_at=expires_at)


@payments.payment_received.connect
def _order_paid(payment: Payment, **_kwargs) -> None:
    if payment.order_id:
        mark_paid(db.session.get(ShopOrder, payment.order_id))
