"""Fixtures for the shop tests: a builder (`shop`) and a typical cast: a cooperative selling one product,
a verified retail chain buying it, each with a signed-in capable member."""
import pytest

from market.models import Role
from tests.orders.builders import Shop


@pytest.fixture
def shop(app, factory):
    return Shop(app, factory)


@pytest.fixture
def seller(shop):
    return shop.seller(name="HTX Hồi Văn Quan")


@pytest.fixture
def seller_owner(shop, seller):
    return shop.member(seller, Role.OWNER)


@pytest.fixture
def product(shop, seller):
    return shop.product(seller, stock=10, price=50_000, name="Tinh dầu hồi Văn Quan")


@pytest.fixture
def buyer(shop):
    return shop.buyer(name="Siêu thị Lạng Sơn")


@pytest.fixture
def buyer_user(shop, buyer):
    return shop.member(buyer, Role.MEMBER)
