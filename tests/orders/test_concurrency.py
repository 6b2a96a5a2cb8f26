"""Races on PostgreSQL, where transactions really run side by side (SQLite lets one writer at a time into
the whole file, so these tests skip there): buyers racing for the last units, and two transactions acting on
the same lapsed order."""
import random
import threading
from datetime import timedelta

import pytest

from market import payments
from market.extensions import db
from market.models import OrderStatus, Organisation, Payment, ShopOrder, User
from market.models.types import utcnow
from market.services import orders
from market.services.errors import ValidationFailed
from tests.factories import sold
from tests.orders.race import interleave

pytestmark = pytest.mark.postgres

BUYERS = 8
STOCK = 5
ROUNDS = 4


@pytest.fixture
def postgres_only(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises every writer on the whole database, so checkouts cannot race there; "
                    "the race runs on PostgreSQL")


def _race(app, racers, barrier):
    results = [None] * len(racers)

    def run(i):
        user_id, buyer_id, _want = racers[i]
        with app.test_request_context():
            try:
                user, buyer = db.session.get(User, user_id), db.session.get(Organisation, buyer_id)
                orders.cart(buyer)  # loaded before the start line: all that is left is the race itself
                barrier.wait(timeout=30)
                placed = orders.checkout(user, buyer, "")
                db.session.commit()
                results[i] = ("placed", [o.id for o in placed])
            except ValidationFailed as exc:
                db.session.rollback()
                results[i] = ("refused", str(exc))
            except BaseException as exc:  # noqa: BLE001 - anything else fails the test below
                db.session.rollback()
                results[i] = ("error", repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(racers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a checkout is stuck"
    return results


def test_buyers_racing_for_the_last_units_never_oversell(app, shop, seller, postgres_only):
    rng = random.Random(20260101)
    for round_no in range(ROUNDS):
        product = shop.product(seller, stock=STOCK, price=10_000, name=f"Tinh dầu hồi lô {round_no}")
        racers = []
        for i in range(BUYERS):
            buyer = shop.buyer(name=f"Cửa hàng đua {round_no}-{i}")
            want = rng.randint(1, 3)
            shop.put_in_cart(buyer, product, want)
            racers.append((shop.member(buyer), buyer, want))
        results = _race(app, racers, threading.Barrier(BUYERS))

        assert [r for r in results if r[0] == "error"] == [], results
        remaining, ordered = shop.stock(product), sold(app, product)
        assert remaining >= 0
        assert ordered <= STOCK
        assert ordered + remaining == STOCK, (round_no, ordered, remaining)
        winners = [i for i, r in enumerate(results) if r[0] == "placed"]
        assert winners, "somebody gets the first units"
        assert sum(racers[i][2] for i in winners) == ordered
        for i, (_user_id, buyer_id, want) in enumerate(racers):
            order_count = shop.count_where(ShopOrder, ShopOrder.buyer_id == buyer_id)
            if i in winners:
                assert order_count == 1 and shop.cart(buyer_id) == {}
            else:
                assert results[i][1].startswith("cart: "), results[i]  # refused on the cart: not enough stock
                assert order_count == 0 and shop.cart(buyer_id) == {product: want}
        # Whoever lost could not have been served: what is left is less than they wanted.
        assert all(racers[i][2] > remaining for i in range(BUYERS) if i not in winners)


@pytest.fixture
def lapsed(shop, seller, product, buyer, buyer_user):
    """A 4-unit order (of 10 in stock) whose reservation ended a minute ago, with a bank transfer pending."""
    (order_id,) = shop.place(buyer_user, buyer, {product: 4})
    with shop.app.test_request_context():
        orders.start_payment(db.session.get(User, buyer_user), db.session.get(ShopOrder, order_id),
                                     "bank_transfer")
        db.session.commit()
        db.session.remove()
    shop.set_order(order_id, reserved_until=utcnow() - timedelta(minutes=1))
    assert shop.stock(product) == 6
    return order_id


def test_two_expiries_of_the_same_order_release_its_stock_once(app, shop, product, lapsed, postgres_only):
    first, second = interleave(app, orders.expire_unpaid_orders, orders.expire_unpaid_orders)
    assert first.error is None and second.error is None, (first.error, second.error)
    assert shop.order(lapsed).status == OrderStatus.EXPIRED
    assert first.result + second.result == 1  # fails: both expired it
    assert shop.stock(product) == 10  # and the stock became 14


def test_a_payment_confirmed_while_the_order_expires_is_not_lost(app, shop, seller_owner, product, lapsed,
                                                                 postgres_only):
    (payment,) = shop.payments(lapsed)

    def confirm():
        return payments.confirm_bank_transfer(db.session.get(User, seller_owner),
                                              db.session.get(Payment, payment.id)).status

    first, second = interleave(app, orders.expire_unpaid_orders, confirm)
    assert first.error is None and second.error is None, (first.error, second.error)
    assert shop.payment(payment.id).status == "succeeded"
    # Paid, so the order holds its 4 units (the stock was still there to take back).
    assert shop.order(lapsed).status == OrderStatus.PAID
    assert shop.stock(product) == 6  # fails: 10, the paid order's units are on sale again
