"""Checkout, expiry and cancellation (market.services.orders through the orders blueprint): one order per
seller with the stock reserved, all or nothing, and the stock given back when an order lapses or is cancelled."""
from datetime import timedelta

import pytest

from market.extensions import db
from market.models import AuditEvent, Notification, OrderStatus, Organisation, PaymentStatus, Role, ShopOrder
from market.models.types import utcnow
from tests.conftest import log_in_en, submit

# Both engines: stock is reserved by a conditional UPDATE and expiry compares stored times in SQL.
pytestmark = pytest.mark.both_engines


def checkout(client, buyer_id, address="", follow=False):
    return submit(client, "/orders/checkout", {"buyer_id": str(buyer_id), "shipping_address": address},
                  form_page="/orders/cart", follow_redirects=follow)


@pytest.fixture
def two_sellers(shop, seller, product, buyer):
    """Two lines from the first seller, one from a second seller, in the buyer's cart."""
    honey = shop.product(seller, stock=4, price=120_000, name="Mật ong hoa hồi")
    other = shop.seller(name="HTX Na Chi Lăng")
    na = shop.product(other, stock=20, price=30_000, name="Na dai sấy")
    shop.put_in_cart(buyer, product, 3)
    shop.put_in_cart(buyer, honey, 4)
    shop.put_in_cart(buyer, na, 5)
    return {"hoi": product, "honey": honey, "na": na, "other_seller": other}


def test_checkout_places_one_order_per_seller_reserves_stock_and_empties_the_cart(app, client, shop, seller,
                                                                                 seller_owner, buyer, buyer_user,
                                                                                 two_sellers):
    other_owner = shop.member(two_sellers["other_seller"])
    log_in_en(client, buyer_user)
    before = utcnow()
    response = checkout(client, buyer, "12 Lê Lợi, TP Lạng Sơn")
    assert response.status_code == 302 and response.headers["Location"].endswith("/orders/")
    placed = shop.orders()
    assert len(placed) == 2
    by_seller = {o.seller_id: o for o in placed}
    first, second = by_seller[seller], by_seller[two_sellers["other_seller"]]
    assert {i.product_id: i.quantity for i in first.items} == {two_sellers["hoi"]: 3, two_sellers["honey"]: 4}
    assert first.total == 3 * 50_000 + 4 * 120_000 and second.total == 5 * 30_000
    for order in placed:
        assert order.status == OrderStatus.PENDING_PAYMENT and order.buyer_id == buyer
        assert order.shipping_address == "12 Lê Lợi, TP Lạng Sơn" and order.created_by_id == buyer_user
        minutes = app.config["ORDER_RESERVATION_MINUTES"]
        assert before + timedelta(minutes=minutes) <= order.reserved_until <= utcnow() + timedelta(minutes=minutes)
    assert shop.stock(two_sellers["hoi"]) == 7 and shop.stock(two_sellers["honey"]) == 0
    assert shop.stock(two_sellers["na"]) == 15
    assert shop.cart(buyer) == {}
    # Each seller is told, with a link to its order.
    with app.app_context():
        links = {n.link for n in db.session.scalars(db.select(Notification).where(Notification.kind == "order.placed"))}
    assert links == {f"/orders/{first.id}", f"/orders/{second.id}"}
    assert shop.inbox(seller_owner) == shop.inbox(other_owner) == ["order.placed"]
    page = client.get("/orders/").get_data(as_text=True)
    assert first.reference in page and second.reference in page


def test_checkout_of_one_seller_goes_to_the_order(client, shop, product, buyer, buyer_user):
    shop.put_in_cart(buyer, product, 2)
    log_in_en(client, buyer_user)
    response = checkout(client, buyer)
    (order,) = shop.orders()
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    assert order.total == 100_000 and shop.stock(product) == 8


def test_checkout_of_more_than_the_stock_saves_nothing(app, client, shop, seller, product, buyer, buyer_user):
    # The first seller's line fits and is reserved first; the second seller's does not: everything is undone.
    other = shop.seller(name="HTX Na Chi Lăng")
    scarce = shop.product(other, stock=3, name="Na dai sấy")
    shop.put_in_cart(buyer, product, 2)
    shop.put_in_cart(buyer, scarce, 3)
    shop.set_stock(scarce, 2)  # someone else bought one meanwhile
    log_in_en(client, buyer_user)
    response = checkout(client, buyer, "12 Lê Lợi")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not enough Na dai sấy left in stock; lower the quantity." in html
    assert "12 Lê Lợi" in html  # the address typed is kept on the page
    assert shop.count(ShopOrder) == 0
    assert shop.stock(product) == 10 and shop.stock(scarce) == 2
    assert shop.cart(buyer) == {product: 2, scarce: 3}
    assert shop.inbox(shop.member(seller)) == [] and shop.count(AuditEvent) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0


def test_checkout_of_an_empty_cart_is_refused(client, shop, buyer, buyer_user):
    log_in_en(client, buyer_user)
    response = checkout(client, buyer)
    assert response.status_code == 200 and "The cart is empty." in response.get_data(as_text=True)
    assert shop.count(ShopOrder) == 0


def test_checkout_rechecks_the_rules(client, shop, seller, buyer, buyer_user):
    product = shop.product(seller, status="withdrawn")
    shop.put_in_cart(buyer, product, 1)
    log_in_en(client, buyer_user)
    assert "This product is not on sale." in checkout(client, buyer).get_data(as_text=True)
    assert shop.count(ShopOrder) == 0 and shop.cart(buyer) == {product: 1}


def test_checkout_for_an_organisation_one_is_not_in_is_404(client, shop, product, buyer):
    shop.put_in_cart(buyer, product, 1)
    stranger = shop.buyer(name="Siêu thị người khác")
    log_in_en(client, shop.member(stranger))
    assert checkout(client, buyer).status_code == 404
    assert shop.count(ShopOrder) == 0


def test_an_empty_address_uses_the_organisations(app, client, shop, product, buyer, buyer_user):
    with app.app_context():
        org = db.session.get(Organisation, buyer)
        org.address = "Số 1 Bắc Sơn, Lạng Sơn"
        db.session.commit()
    shop.put_in_cart(buyer, product, 1)
    log_in_en(client, buyer_user)
    assert "Số 1 Bắc Sơn, Lạng Sơn" in client.get("/orders/cart").get_data(as_text=True)  # prefilled
    checkout(client, buyer, "")
    assert shop.orders()[0].shipping_address == "Số 1 Bắc Sơn, Lạng Sơn"


# --- expiry -----------------------------------------------------------------------------------------

def test_unpaid_orders_expire_and_give_their_stock_back(shop, product, buyer, buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 4})
    assert shop.stock(product) == 6
    assert shop.expire(minutes_later=0) == 0  # not due yet
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT
    assert shop.expire(minutes_later=24 * 60) == 1
    assert shop.order(order_id).status == OrderStatus.EXPIRED and shop.stock(product) == 10
    assert shop.expire(minutes_later=24 * 60) == 0  # once
    assert shop.stock(product) == 10


def test_paid_orders_do_not_expire(shop, product, buyer, buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 4})
    shop.set_order(order_id, status=OrderStatus.PAID)
    assert shop.expire(minutes_later=24 * 60) == 0
    assert shop.stock(product) == 6


def test_checkout_expires_lapsed_orders_first(shop, product, buyer, buyer_user):
    (first,) = shop.place(buyer_user, buyer, {product: 8})
    shop.set_order(first, reserved_until=utcnow() - timedelta(minutes=1))
    # Only 2 are on the shelf, but the lapsed order's 8 come back before the new reservation.
    shop.put_in_cart(buyer, product, 9)
    (second,) = shop.checkout(buyer_user, buyer)
    assert shop.order(first).status == OrderStatus.EXPIRED
    assert shop.order(second).status == OrderStatus.PENDING_PAYMENT and shop.stock(product) == 1


def test_a_lapsed_reservation_is_shown(client, shop, product, buyer, buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 1})
    shop.set_order(order_id, reserved_until=utcnow() - timedelta(minutes=5))
    log_in_en(client, buyer_user)
    assert "The reservation has ended" in client.get(f"/orders/{order_id}").get_data(as_text=True)


def test_a_payment_after_expiry_that_cannot_be_served_takes_no_stock(app, client, shop, seller, seller_owner,
                                                                    product, buyer, buyer_user):
    second = shop.product(seller, stock=5, name="Hồi khô loại 1")
    (order_id,) = shop.place(buyer_user, buyer, {product: 3, second: 5})
    log_in_en(client, buyer_user)
    submit(client, f"/orders/{order_id}/pay", {"method": "bank_transfer"}, form_page=f"/orders/{order_id}")
    assert shop.expire() == 1 and shop.stock(product) == 10 and shop.stock(second) == 5
    shop.set_stock(second, 2)  # sold to someone else meanwhile
    (payment,) = shop.payments(order_id)
    log_in_en(client, seller_owner)
    submit(client, f"/payments/{payment.id}/confirm-transfer", {}, form_page=f"/orders/{order_id}")
    assert shop.order(order_id).status == OrderStatus.EXPIRED
    assert "order.refund_due" in shop.inbox(seller_owner)
    assert shop.stock(second) == 2
    assert shop.stock(product) == 10  # fails: 7, three units held by an expired order for ever


def test_a_payment_after_expiry_takes_the_stock_again_when_it_is_there(client, shop, seller_owner, product, buyer,
                                                                      buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 3})
    log_in_en(client, buyer_user)
    submit(client, f"/orders/{order_id}/pay", {"method": "bank_transfer"}, form_page=f"/orders/{order_id}")
    assert shop.expire() == 1 and shop.stock(product) == 10
    (payment,) = shop.payments(order_id)
    log_in_en(client, seller_owner)
    submit(client, f"/payments/{payment.id}/confirm-transfer", {}, form_page=f"/orders/{order_id}")
    assert shop.order(order_id).status == OrderStatus.PAID and shop.stock(product) == 7


# --- the buyer cancels, the seller fulfils -------------------------------------------------------------

def set_status(client, order_id, status, follow=True):
    return submit(client, f"/orders/{order_id}/status", {"status": status, "confirmed": "1"}, form_page=f"/orders/{order_id}",
                  follow_redirects=follow)


def test_the_buyer_cancels_while_unpaid_and_the_stock_comes_back(client, shop, product, buyer, buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 4})
    log_in_en(client, buyer_user)
    submit(client, f"/orders/{order_id}/pay", {"method": "bank_transfer"}, form_page=f"/orders/{order_id}")
    response = set_status(client, order_id, OrderStatus.CANCELLED)
    assert "The order is cancelled" in response.get_data(as_text=True)
    assert shop.order(order_id).status == OrderStatus.CANCELLED and shop.stock(product) == 10
    assert [p.status for p in shop.payments(order_id)] == [PaymentStatus.CANCELLED]
    # Cancelling again, or expiring later, gives nothing back twice.
    set_status(client, order_id, OrderStatus.CANCELLED)
    shop.expire()
    assert shop.stock(product) == 10


def test_a_paid_order_is_not_cancelled_by_the_buyer(client, shop, product, buyer, buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 4})
    shop.set_order(order_id, status=OrderStatus.PAID)
    log_in_en(client, buyer_user)
    response = set_status(client, order_id, OrderStatus.CANCELLED)
    assert "A paid order cannot be cancelled here; contact the seller." in response.get_data(as_text=True)
    assert shop.order(order_id).status == OrderStatus.PAID and shop.stock(product) == 6


def test_the_seller_cannot_cancel_and_the_buyer_cannot_fulfil(client, shop, seller_owner, product, buyer,
                                                             buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 4})
    log_in_en(client, seller_owner)
    assert set_status(client, order_id, OrderStatus.CANCELLED).status_code == 403
    shop.set_order(order_id, status=OrderStatus.PAID)
    log_in_en(client, buyer_user)
    assert set_status(client, order_id, OrderStatus.PACKED).status_code == 403
    assert shop.order(order_id).status == OrderStatus.PAID


def test_the_seller_moves_a_paid_order_one_step_at_a_time(client, shop, seller, product, buyer, buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 2})
    clerk = shop.member(seller, Role.MEMBER)
    log_in_en(client, clerk)
    # Not before it is paid.
    assert "cannot go from" in set_status(client, order_id, OrderStatus.PACKED).get_data(as_text=True)
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT
    shop.set_order(order_id, status=OrderStatus.PAID)
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Mark as packed" in page and "Mark as shipped" not in page
    for skipped in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.PAID, "lost"):
        response = set_status(client, order_id, skipped)
        assert "cannot go from" in response.get_data(as_text=True)
        assert shop.order(order_id).status == OrderStatus.PAID
    for step in (OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        assert "Status changed." in set_status(client, order_id, step).get_data(as_text=True)
        assert shop.order(order_id).status == step
    assert "cannot go from" in set_status(client, order_id, OrderStatus.PACKED).get_data(as_text=True)
    assert shop.order(order_id).status == OrderStatus.DELIVERED
    assert shop.stock(product) == 8
    kinds = shop.inbox(buyer_user)
    assert kinds.count("order.packed") == kinds.count("order.shipped") == kinds.count("order.delivered") == 1
