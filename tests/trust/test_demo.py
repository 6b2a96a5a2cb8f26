"""The demo shows each OCOP state: verified (register and document review), declared, a pending revision,
recalled; seeding again writes nothing."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import OcopCertificate, OcopProduct, Revision
from market.services import demo_market, demo_trust_ocop, ocop, products


def load(factory):
    with factory.app.test_request_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        db.session.commit()


@pytest.mark.both_engines
def test_the_demo_has_every_ocop_state_and_seeds_once(req, factory):
    load(factory)
    standing = {p.name: ocop.standing(p) for p in db.session.scalars(sa.select(OcopProduct))}
    assert standing[demo_trust_ocop.DECLARED]["state"] == "declared"
    assert standing[demo_trust_ocop.RECALLED[0]]["state"] == "recalled"
    assert standing[demo_trust_ocop.RECALLED[0]]["reason"] == demo_trust_ocop.RECALLED[1]
    reviewed = standing[demo_trust_ocop.REVIEWED[0]]
    assert (reviewed["state"], reviewed["against"]) == ("verified", "document")
    assert standing["Tinh dầu hồi Văn Quan"]["against"] == "register"
    product = db.session.scalar(sa.select(OcopProduct).where(OcopProduct.name == demo_trust_ocop.REVIEWED[0]))
    assert products.pending_revision(product).proposed == {"name": demo_trust_ocop.REVIEWED[1]}
    before = (db.session.scalar(sa.select(sa.func.count(OcopCertificate.id))),
              db.session.scalar(sa.select(sa.func.count(Revision.id))))
    load(factory)
    assert (db.session.scalar(sa.select(sa.func.count(OcopCertificate.id))),
            db.session.scalar(sa.select(sa.func.count(Revision.id)))) == before
