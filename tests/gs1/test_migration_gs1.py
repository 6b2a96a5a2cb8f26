"""The issue16a migration goes down and up again on a database with rows that point at the altered tables
(SQLite copies a table to add a unique constraint or drop a column), keeping every row."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from market.extensions import db
from market.models import OcopProduct, Organisation, SupplyListing

pytestmark = pytest.mark.both_engines


def test_down_and_up_keeps_the_rows(app, factory):
    org = factory.org(name="HTX Hồi di chuyển")
    zone = factory.zone(org)
    listing = factory.listing(org, [zone])
    product = factory.product(org, [zone])
    with app.app_context():
        db.session.remove()
        downgrade(revision="issue14b")
        upgrade()
        assert db.session.get(Organisation, org).gln is None
        assert [z.id for z in db.session.get(SupplyListing, listing).zones] == [zone]
        assert [z.id for z in db.session.get(OcopProduct, product).zones] == [zone]
        db.session.get(OcopProduct, product).gtin = "08935049500018"
        db.session.commit()
        assert db.session.scalar(sa.select(OcopProduct.id).where(OcopProduct.gtin == "08935049500018")) == product
        db.session.remove()
