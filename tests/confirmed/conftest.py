"""The cast of the confirmed-facts tests (issue 9 part B): a cooperative with an OCOP product, a retail chain, their members."""
from dataclasses import dataclass

import pytest

from market.extensions import db
from market.models import OrgKind, User
from tests.factories import FiguresWorld
from tests.imports.conftest import orgs, staff, staff_client  # noqa: F401 - the importer's fixtures, for imports here


@dataclass
class Cast:
    coop: int
    producer: int  # a member of the cooperative
    product: int
    chain: int
    buyer: int  # a member of the retail chain
    other_chain: int
    outsider: int  # a member of the other chain


@pytest.fixture
def cast(factory) -> Cast:
    coop = factory.org(name="HTX Hồi Văn Quan")
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi siêu thị Nông sản Sạch")
    other = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi cửa hàng Xứ Lạng")
    return Cast(coop=coop, producer=factory.member(coop), product=factory.product(coop, name="Tinh dầu hồi"),
                chain=chain, buyer=factory.member(chain), other_chain=other, outsider=factory.member(other))


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def world(app):
    """Rows dated for the plan's figures (tests/factories.py: FiguresWorld)."""
    return FiguresWorld(app)
