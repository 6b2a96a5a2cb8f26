"""Demo states of issue 9 part B, on top of the demo catalogue (`demo_market.seed_demo_catalog` calls
`seed`): shelf placements confirmed, ended and only requested by the producer; a verified zone with a
material change waiting for the department; a renewal reminder already sent. Idempotent: each state is
found by its natural key before it is written."""
from datetime import timedelta

import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    GrowingZone,
    Notification,
    OcopProduct,
    Organisation,
    PlacementStatus,
    ReviewStatus,
    Revision,
    RevisionStatus,
    SentReminder,
    ShelfPlacement,
)
from market.models.types import utcnow
from market.services import reminders, zones


def _owner(org: Organisation):
    return next((m.user for m in org.memberships if m.role == "owner"), None)


def _shelves(chain: Organisation, product_names: list[str]) -> None:
    on = today()
    confirmer = _owner(chain)
    products = [p for name in product_names
                if (p := db.session.scalar(sa.select(OcopProduct).where(OcopProduct.name == name))) is not None]
    for index, product in enumerate(products):
        if db.session.scalar(sa.select(ShelfPlacement.id).where(ShelfPlacement.product_id == product.id,
                                                                ShelfPlacement.chain_id == chain.id)):
            continue
        requester = _owner(product.organisation)
        asked = utcnow() - timedelta(days=200)
        if index == len(products) - 1 and len(products) > 2:
            # The last one: asked, never answered: shown as the producer's word only.
            db.session.add(ShelfPlacement(product=product, chain=chain, status=PlacementStatus.REQUESTED,
                                          note="Đề nghị siêu thị xác nhận sản phẩm đang bày bán.",
                                          requested_by_id=requester.id if requester else None,
                                          requested_at=utcnow() - timedelta(days=3)))
            continue
        if index == 1:
            # Stocked last year, then taken off the shelves: history.
            db.session.add(ShelfPlacement(product=product, chain=chain, status=PlacementStatus.CONFIRMED,
                                          since=on - timedelta(days=330), ended_on=on - timedelta(days=60),
                                          requested_by_id=requester.id if requester else None, requested_at=asked,
                                          confirmed_by_id=confirmer.id if confirmer else None,
                                          confirmed_at=asked + timedelta(days=2),
                                          ended_by_id=confirmer.id if confirmer else None,
                                          ended_at=utcnow() - timedelta(days=60)))
            continue
        db.session.add(ShelfPlacement(product=product, chain=chain, status=PlacementStatus.CONFIRMED,
                                      since=on - timedelta(days=150),
                                      requested_by_id=requester.id if requester else None, requested_at=asked,
                                      confirmed_by_id=confirmer.id if confirmer else None,
                                      confirmed_at=asked + timedelta(days=2)))


def _pending_revision() -> None:
    """A verified zone whose holder typed a larger area: the department has not decided yet."""
    zone = db.session.scalar(sa.select(GrowingZone).where(GrowingZone.status == ReviewStatus.VERIFIED,
                                                          GrowingZone.kind == "planting_area")
                             .order_by(GrowingZone.code).limit(1))
    if zone is None or db.session.scalar(sa.select(Revision.id).where(
            Revision.object_type == zones.REVISION_OBJECT, Revision.object_id == zone.id)):
        return
    previous = {k: getattr(zone, k) for k in zones.MATERIAL}
    owner = _owner(zone.organisation)
    db.session.add(Revision(object_type=zones.REVISION_OBJECT, object_id=zone.id, organisation=zone.organisation,
                            previous=previous, proposed={**previous, "area_ha": round(zone.area_ha + 1, 2)},
                            status=RevisionStatus.PENDING, proposed_by_id=owner.id if owner else None))


def _reminder_sent() -> None:
    """The reminder of the first certificate expiring within 90 days, as the daily command would have sent it."""
    on = today()
    due = [e for e in reminders.expiring(on) if reminders.threshold(e.days_left(on))]
    if not due or db.session.scalar(sa.select(SentReminder.id).limit(1)):
        return
    item = due[0]
    days_before = reminders.threshold(item.days_left(on))
    db.session.add(SentReminder(subject=item.subject, subject_id=item.subject_id, expires_on=item.expires_on,
                                days_before=days_before, organisation_id=item.organisation.id))
    message = reminders.message(item, item.days_left(on))
    for membership in item.organisation.memberships:
        db.session.add(Notification(user_id=membership.user_id, organisation_id=item.organisation.id,
                                    kind="renewal.reminder", message=message, link=item.link))


def seed(chain: Organisation, product_names: list[str]) -> None:
    _shelves(chain, product_names)
    _pending_revision()
    db.session.flush()
    _reminder_sent()
    db.session.flush()
