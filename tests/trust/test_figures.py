"""The plan's OCOP figures count only certificates the department verified, valid on the date, with the
stars the department recorded; declarations, rejected and recalled certificates count for nothing."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import OcopCertificate, OcopProduct, OrgKind, ReviewStatus
from tests.factories import FiguresWorld

pytestmark = pytest.mark.figures


@pytest.fixture
def world(app):
    return FiguresWorld(app)


def test_only_verified_certificates_count_with_their_own_stars(world):
    a, b = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.COOPERATIVE)
    world.product(a, 4)                                  # counts: 4 stars
    world.product(a, 5)                                  # counts: 5 stars
    world.product(a, 4, ocop=ReviewStatus.PENDING)       # declared only
    world.product(a, 5, ocop=ReviewStatus.RECALLED)      # recalled
    world.product(a, 4, ocop=ReviewStatus.REJECTED)      # rejected
    world.product(a, 4, ocop=None)                       # no record at all
    declared_three = world.product(a, 3)                 # the department's record says 4 stars
    crossed = world.product(b, 5)                        # rests on a certificate of another producer
    with world.context():
        db.session.execute(sa.update(OcopCertificate).where(OcopCertificate.id == sa.select(
            OcopProduct.ocop_certificate_id).where(OcopProduct.id == declared_three).scalar_subquery())
            .values(stars=4))
        db.session.execute(sa.update(OcopCertificate).where(OcopCertificate.id == sa.select(
            OcopProduct.ocop_certificate_id).where(OcopProduct.id == crossed).scalar_subquery())
            .values(organisation_id=a))
        db.session.commit()
    values = world.values()
    assert (values["ocop_valid"], values["ocop_four_star"], values["ocop_five_star"]) == (3, 2, 1)


def test_a_recall_removes_the_product_from_the_figures_and_lifting_it_restores_it(world):
    a = world.org(OrgKind.COOPERATIVE)
    product = world.product(a, 5)
    assert world.values()["ocop_five_star"] == 1
    with world.context():
        db.session.execute(sa.update(OcopCertificate).where(OcopCertificate.id == sa.select(
            OcopProduct.ocop_certificate_id).where(OcopProduct.id == product).scalar_subquery())
            .values(status=ReviewStatus.RECALLED))
        db.session.commit()
    assert world.values()["ocop_five_star"] == 0
