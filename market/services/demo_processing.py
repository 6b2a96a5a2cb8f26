"""The demo's processing facilities (issue 10a): every verified enterprise of the demo gets the capability
"processes" the department verified (a visit, 90 days ago), so the linkage figure, which counts only
processors with a verified facility, stays meaningful. Retail chains and tourist shops get none: they are
buyers. One pending declaration waits in the department's queue. Idempotent: an organisation that already
has a capability is left alone."""
from datetime import timedelta

import sqlalchemy as sa

from market.extensions import db
from market.models import CapabilityStatus, Organisation, OrgKind, OrgStatus, ProcessingCapability, User
from market.models.types import utcnow

# What a demo enterprise makes, by a word of its name; the last one for the rest.
PRODUCTS = [
    ("nông lâm sản", "Hoa hồi khô, vỏ quế sấy, tinh dầu hồi", 2000, "tan"),
    ("tinh dầu", "Tinh dầu hồi, tinh dầu quế", 120, "tan"),
    ("nhựa thông", "Nhựa thông, tùng hương, dầu thông", 3000, "tan"),
    ("lâm sản", "Gỗ keo xẻ, ván bóc", 15000, "m3"),
    ("gỗ", "Ván ép, gỗ keo xẻ", 20000, "m3"),
    ("dược liệu", "Dược liệu sấy khô, chè hoa vàng", 80, "tan"),
    ("thực phẩm", "Na, hồng sấy dẻo; bột thạch đen", 400, "tan"),
    ("", "Sơ chế, sấy và đóng gói nông sản", 500, "tan"),
]
PENDING_ONE = "Công ty CP Nông sản Chi Lăng"  # its facility waits for the department's visit


def seed_demo_processing() -> int:
    """Returns how many capabilities were added."""
    reviewer = db.session.scalar(sa.select(User.id).where(User.email == "so@demo.langson.vn"))
    have = set(db.session.scalars(sa.select(ProcessingCapability.organisation_id)))
    added = 0
    for org in db.session.scalars(sa.select(Organisation).where(
            Organisation.kind == OrgKind.ENTERPRISE, Organisation.status == OrgStatus.VERIFIED)
            .order_by(Organisation.id)):
        if org.id in have:
            continue
        products, capacity, unit = next((p, c, u) for word, p, c, u in PRODUCTS if word in org.name.lower())
        capability = ProcessingCapability(organisation=org, products=products, capacity=capacity,
                                          capacity_unit=unit, address=org.address or org.name)
        if org.name != PENDING_ONE:
            capability.status, capability.verified_against = CapabilityStatus.VERIFIED, "visit"
            capability.verified_at = capability.status_changed_at = utcnow() - timedelta(days=90)
            capability.verified_by_id = reviewer
        db.session.add(capability)
        added += 1
    db.session.flush()
    return added
