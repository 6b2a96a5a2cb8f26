"""Builders for the shop tests: sellers, buyers, OCOP products, carts and orders, written through the models
(or the services, inside a request context) and committed, so that each test reads the database afresh."""
from datetime import timedelta

import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    CartItem,
    Membership,
    Notification,
    OcopProduct,
    OrderItem,
    OrderStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ProductStatus,
    Role,
    ShopOrder,
    User,
)
from market.models.types import utcnow
from market.services import orders
from tests.conftest import log_in


def log_in_en(client, user_id: int) -> None:
    """Signed in, in English: the assertions read the msgids, whatever the Vietnamese catalog says."""
    log_in(client, user_id)
    with client.session_transaction() as session:
        session["lang"] = "en"


class Shop:
    def __init__(self, app, factory):
        self.app = app
        self.factory = factory
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    # --- organisations and people ---------------------------------------------------------------

    def seller(self, *, kind=OrgKind.COOPERATIVE, name=None) -> int:
        return self.factory.org(kind=kind, name=name or f"HTX bán hàng {self._next()}")

    def buyer(self, *, kind=OrgKind.RETAIL_CHAIN, status=OrgStatus.VERIFIED, name=None) -> int:
        return self.factory.org(kind=kind, status=status, name=name or f"Cửa hàng mua {self._next()}")

    def member(self, org_id: int, role=Role.OWNER) -> int:
        return self.factory.member(org_id, role)

    def join(self, user_id: int, org_id: int, role=Role.OWNER) -> None:
        with self.app.app_context():
            db.session.add(Membership(user_id=user_id, organisation_id=org_id, role=role))
            db.session.commit()

    # --- products -------------------------------------------------------------------------------

    def product(self, seller_id: int, *, stock=10, price=50_000, min_order_qty=1, tourist_shops_allowed=True,
                status=ProductStatus.PUBLISHED, expires_on=None, name=None) -> int:
        on = today()
        n = self._next()
        with self.app.app_context():
            product = OcopProduct(organisation_id=seller_id, name=name or f"Mật ong hoa hồi số {n}",
                                  category="spice", stars=4, certificate_number=f"OCOP-SHOP-{n:03d}",
                                  certificate_issued_on=on - timedelta(days=400),
                                  certificate_expires_on=expires_on or on + timedelta(days=400), unit="chai",
                                  price=price, stock=stock, min_order_qty=min_order_qty,
                                  tourist_shops_allowed=tourist_shops_allowed, status=status)
            db.session.add(product)
            db.session.commit()
            return product.id

    def stock(self, product_id: int) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(OcopProduct.stock).where(OcopProduct.id == product_id))

    def set_stock(self, product_id: int, stock: int) -> None:
        with self.app.app_context():
            db.session.execute(sa.update(OcopProduct).where(OcopProduct.id == product_id).values(stock=stock))
            db.session.commit()

    # --- carts and orders -------------------------------------------------------------------------

    def put_in_cart(self, buyer_id: int, product_id: int, quantity: int) -> int:
        """Straight into the table: lets a test hold more than the stock, as a cart can after others buy."""
        with self.app.app_context():
            item = CartItem(buyer_id=buyer_id, product_id=product_id, quantity=quantity)
            db.session.add(item)
            db.session.commit()
            return item.id

    def cart(self, buyer_id: int) -> dict[int, int]:
        with self.app.app_context():
            return {i.product_id: i.quantity for i in db.session.scalars(
                sa.select(CartItem).where(CartItem.buyer_id == buyer_id))}

    def place(self, user_id: int, buyer_id: int, lines: dict[int, int], address: str = "") -> list[int]:
        """Cart then checkout through the services, committed; the new orders' ids."""
        with self.app.test_request_context():
            user, buyer = db.session.get(User, user_id), db.session.get(Organisation, buyer_id)
            for product_id, quantity in lines.items():
                orders.add_to_cart(user, buyer, db.session.get(OcopProduct, product_id), quantity)
            db.session.commit()
            db.session.remove()
        return self.checkout(user_id, buyer_id, address)

    def checkout(self, user_id: int, buyer_id: int, address: str = "") -> list[int]:
        """Checkout of whatever is in the cart, through the service, committed; the new orders' ids."""
        with self.app.test_request_context():
            user, buyer = db.session.get(User, user_id), db.session.get(Organisation, buyer_id)
            placed = orders.checkout(user, buyer, address)
            db.session.commit()
            ids = [o.id for o in placed]
            db.session.remove()
            return ids

    def order(self, order_id: int) -> ShopOrder:
        """A detached snapshot of the order and its items."""
        with self.app.app_context():
            order = db.session.get(ShopOrder, order_id)
            _ = list(order.items)
            db.session.expunge_all()
            return order

    def orders(self) -> list[ShopOrder]:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(ShopOrder).order_by(ShopOrder.id)).all()
            for row in rows:
                _ = list(row.items)
            db.session.expunge_all()
            return rows

    def count(self, model) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    def count_where(self, model, *where) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    def set_order(self, order_id: int, **values) -> None:
        with self.app.app_context():
            db.session.execute(sa.update(ShopOrder).where(ShopOrder.id == order_id).values(**values))
            db.session.commit()

    def expire(self, minutes_later: int = 120) -> int:
        with self.app.test_request_context():
            n = orders.expire_unpaid_orders(now=utcnow() + timedelta(minutes=minutes_later))
            db.session.commit()
            db.session.remove()
            return n

    # --- payments and the inbox -----------------------------------------------------------------

    def payments(self, order_id: int) -> list[Payment]:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(Payment).where(Payment.order_id == order_id)
                                      .order_by(Payment.id)).all()
            db.session.expunge_all()
            return rows

    def stripe_payment(self, order_id: int, *, session_id=None, status=PaymentStatus.PENDING) -> int:
        """A card payment as start_order_payment leaves it after Stripe created the Checkout Session."""
        n = self._next()
        with self.app.app_context():
            order = db.session.get(ShopOrder, order_id)
            payment = Payment(reference=f"TT-TEST{n:04d}", purpose="order", order_id=order.id, payer_id=order.buyer_id,
                              payee_id=order.seller_id, amount=order.total, currency="VND",
                              method=PaymentMethod.STRIPE, status=status, idempotency_key=f"test-key-{n}",
                              stripe_checkout_session_id=session_id or f"cs_test_shop_{n}",
                              checkout_url=f"https://checkout.stripe.com/c/pay/cs_test_shop_{n}")
            db.session.add(payment)
            db.session.commit()
            return payment.id

    def payment(self, payment_id: int) -> Payment:
        with self.app.app_context():
            payment = db.session.get(Payment, payment_id)
            db.session.expunge(payment)
            return payment

    def inbox(self, user_id: int) -> list[str]:
        with self.app.app_context():
            return list(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user_id)
                                           .order_by(Notification.id)))


HOLDS_STOCK = OrderStatus.HOLDS_STOCK


def sold(app, product_id: int) -> int:
    """Units of the product in orders that hold stock."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(OrderItem.quantity), 0))
                                 .join(ShopOrder).where(OrderItem.product_id == product_id,
                                                        ShopOrder.status.in_(HOLDS_STOCK)))
