"""Demo OCOP certificates in each state the department works with (called from demo_market):

- verified against the department's register: most products;
- verified by document review, with a pending revision (the producer asks for a new name);
- declared by the producer, awaiting verification: "Hồng sấy dẻo";
- recalled with a reason: "Quýt vàng Bắc Sơn hộp 5 kg".

Idempotent: a product already resting on a certificate is left as it is, so a second run writes nothing.
"""
import sqlalchemy as sa

from market.extensions import db
from market.models import OcopProduct, Organisation, OrgKind, ReviewStatus, User, VerifiedAgainst
from market.models.types import utcnow
from market.services import audit, ocop, revisions
from market.services.products import REVISION_KIND

DECLARED = "Hồng sấy dẻo"
RECALLED = ("Quýt vàng Bắc Sơn hộp 5 kg", "Nhãn sản phẩm ghi 5 kg nhưng hồ sơ công nhận là hộp 3 kg; thu hồi để kiểm tra lại.")
REVIEWED = ("Quế thanh Tràng Định", "Quế thanh Tràng Định thượng hạng")  # (name, the name the producer asks for)


def _department_user() -> User | None:
    department = db.session.scalar(sa.select(Organisation).where(Organisation.kind == OrgKind.DEPARTMENT)
                                   .order_by(Organisation.id))
    if department is None or not department.memberships:
        return None
    return department.memberships[0].user


def seed_demo_trust_ocop() -> int:
    """Give every demo product its certificate record in its demo state; returns how many were created."""
    staff = _department_user()
    if staff is None:
        return 0
    created = 0
    for product in db.session.scalars(sa.select(OcopProduct).where(OcopProduct.ocop_certificate_id.is_(None))
                                      .order_by(OcopProduct.id)):
        if ocop.find(product.certificate_number) is not None:
            continue  # another producer holds the number: left for the department's conflicts list
        certificate = ocop.declare(None, product)
        created += 1
        if product.name == DECLARED:
            continue
        now = utcnow()
        against = VerifiedAgainst.DOCUMENT if product.name == REVIEWED[0] else VerifiedAgainst.REGISTER
        certificate.status, certificate.status_changed_at, certificate.status_changed_by_id = (
            ReviewStatus.VERIFIED, now, staff.id)
        certificate.verified_against, certificate.verified_at, certificate.verified_by_id = against, now, staff.id
        audit.record("ocop.verified", staff, organisation=product.organisation, obj=certificate, against=against)
        if product.name == RECALLED[0]:
            certificate.status, certificate.status_reason = ReviewStatus.RECALLED, RECALLED[1]
            audit.record("ocop.recalled", staff, organisation=product.organisation, obj=certificate,
                         reason=RECALLED[1])
        if product.name == REVIEWED[0]:
            owner = product.organisation.memberships[0].user if product.organisation.memberships else staff
            revisions.propose(owner, REVISION_KIND, product, product.organisation, {"name": REVIEWED[1]})
    db.session.flush()
    return created
