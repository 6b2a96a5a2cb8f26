"""Two members of one buyer (or two tabs) add the same product at the same moment: both saves succeed and the
cart holds one line, never a 500 from the unique (buyer, product) constraint. Seen under load (bench/load_fault.py)."""
import threading

import pytest

from market.blueprints import write
from market.extensions import db
from market.models import OcopProduct, Organisation, Role, User
from market.services import orders

pytestmark = pytest.mark.both_engines  # the insert race is decided by the engine's unique index


def test_two_members_adding_the_same_product_at_once_both_succeed(app, shop, product, buyer, buyer_user):
    other_user = shop.member(buyer, Role.OWNER)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def add(user_id: int, quantity: int) -> None:
        try:
            with app.test_request_context():
                user, org = db.session.get(User, user_id), db.session.get(Organisation, buyer)
                item = db.session.get(OcopProduct, product)
                barrier.wait(10)
                results.append(write.commit(lambda: orders.add_to_cart(user, org, item, quantity)).ok)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(buyer_user, 2)), threading.Thread(target=add, args=(other_user, 3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and results == [True, True]
    cart = shop.cart(buyer)
    assert list(cart) == [product] and cart[product] in (2, 3)
