"""The migration turns the sellers' retail ticks (`product_retailer`) into unconfirmed requests to the chain:
they were self-declared, so they count for nothing until the chain confirms them."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from market.extensions import db
from market.models import OrgKind, PlacementStatus, ShelfPlacement

pytestmark = pytest.mark.both_engines


def test_retail_ticks_become_requests_and_back(app, factory):
    coop = factory.org()
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN)
    product = factory.product(coop)
    with app.app_context():
        db.session.remove()
        try:
            downgrade(revision="issue9a")
            with db.engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO product_retailer (product_id, organisation_id) VALUES (:p, :o)"),
                             {"p": product, "o": chain})
            upgrade()
            rows = db.session.execute(sa.select(ShelfPlacement.product_id, ShelfPlacement.chain_id,
                                                ShelfPlacement.status, ShelfPlacement.since,
                                                ShelfPlacement.confirmed_at)).all()
            assert rows == [(product, chain, PlacementStatus.REQUESTED, None, None)]
            db.session.remove()
            downgrade(revision="issue9a")
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT product_id, organisation_id FROM product_retailer")).all() == [
                    (product, chain)]
        finally:
            db.session.remove()
            upgrade()
