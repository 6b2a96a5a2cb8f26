"""The migration makes every product's declared certificate a pending record of its producer, links the
product to it, and leaves a number another producer already declared unlinked (a conflict to look at)."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from market.extensions import db
from market.models import OcopCertificate, OcopProduct, ReviewStatus

# Dialect-specific DDL and data moved by SQL.
pytestmark = pytest.mark.both_engines


def test_existing_products_get_pending_certificate_records(app, factory):
    a, b = factory.org(name="HTX Hồi Văn Quan"), factory.org(name="HTX Quế Tràng Định")
    first = factory.product(a, stars=5, ocop=None)
    second = factory.product(a, stars=4, ocop=None)
    other = factory.product(b, ocop=None)
    with app.app_context():
        db.session.execute(sa.update(OcopProduct).where(OcopProduct.id.in_([first, second]))
                           .values(certificate_number="12 / qđ-UBND"))
        db.session.execute(sa.update(OcopProduct).where(OcopProduct.id == other).values(certificate_number="12/QĐ-UBND"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="f5131f064d1f")
        upgrade()
        certificates = db.session.scalars(sa.select(OcopCertificate)).all()
        assert [(c.number, c.organisation_id, c.status, c.stars, c.level) for c in certificates] == [
            ("12/QĐ-UBND", a, ReviewStatus.PENDING, 5, "national")]
        linked = dict(db.session.execute(sa.select(OcopProduct.id, OcopProduct.ocop_certificate_id)).all())
        assert linked == {first: certificates[0].id, second: certificates[0].id, other: None}
        db.session.remove()
