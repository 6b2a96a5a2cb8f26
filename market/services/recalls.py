"""Recalling what the department verified, and lifting a recall: a zone, a zone certificate or an OCOP
certificate, always with a reason.

Who is told: the seller (the organisation holding it) and every buyer with something open that depends on
it: a contract not yet completed or cancelled drawn on a listing or offer from the zone, a shop order not yet
delivered, cancelled or expired for a product grown in the zone or resting on the OCOP certificate, a
sourcing offer still submitted from the zone. Each organisation once, in its inbox and by e-mail after the
commit. Listings and products show the recall at once: the status change goes through the search outbox
(the zone, the certificate and the OCOP certificate are tracked documents' sources).
"""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.labels import status_label
from market.models import (
    Certificate,
    Contract,
    ContractState,
    GrowingZone,
    OcopCertificate,
    OfferStatus,
    OrderItem,
    OrderStatus,
    Organisation,
    ReviewStatus,
    ShopOrder,
    SourcingOffer,
    User,
    listing_zone,
    offer_zone,
    product_zone,
)
from market.models.history import takes_effect
from market.models.types import utcnow
from market.services import audit, facts, holds, notifications, ocop, zones
from market.services.errors import ValidationFailed
from market.services.organisations import require_department

WHAT = {"zone": GrowingZone, "certificate": Certificate, "ocop": OcopCertificate}
OPEN_CONTRACTS = (ContractState.DRAFT, ContractState.PROPOSED, ContractState.SIGNED, ContractState.ACTIVE,
                  ContractState.DISPUTED)
OPEN_ORDERS = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.SHIPPED)


def kind_of(item) -> str:
    return next(k for k, model in WHAT.items() if isinstance(item, model))


def seller_of(item) -> Organisation:
    return item.zone.organisation if isinstance(item, Certificate) else item.organisation


def _zone_ids(item) -> list[int]:
    if isinstance(item, GrowingZone):
        return [item.id]
    if isinstance(item, Certificate):
        return [item.zone_id]
    return []


def _product_ids(item) -> list[int]:
    if isinstance(item, OcopCertificate):
        return [p.id for p in ocop.products_of(item)]
    zone_ids = _zone_ids(item)
    return list(db.session.scalars(sa.select(product_zone.c.product_id).where(product_zone.c.zone_id.in_(zone_ids))))


def affected_buyers(item) -> list[Organisation]:
    """The buyers with an open contract, order or sourcing offer depending on `item`, each once."""
    zone_ids, product_ids = _zone_ids(item), _product_ids(item)
    buyer_ids: set[int] = set()
    if zone_ids:
        listing_ids = sa.select(listing_zone.c.listing_id).where(listing_zone.c.zone_id.in_(zone_ids))
        offer_ids = sa.select(offer_zone.c.offer_id).where(offer_zone.c.zone_id.in_(zone_ids))
        buyer_ids.update(db.session.scalars(sa.select(Contract.buyer_id).where(
            Contract.state.in_(OPEN_CONTRACTS),
            sa.or_(Contract.listing_id.in_(listing_ids), Contract.offer_id.in_(offer_ids)))))
        for offer in db.session.scalars(sa.select(SourcingOffer).where(
                SourcingOffer.status == OfferStatus.SUBMITTED, SourcingOffer.id.in_(offer_ids))):
            buyer_ids.add(offer.request.buyer_id)
    if product_ids:
        buyer_ids.update(db.session.scalars(sa.select(ShopOrder.buyer_id).join(OrderItem).where(
            ShopOrder.status.in_(OPEN_ORDERS), OrderItem.product_id.in_(product_ids))))
    seller = seller_of(item)
    buyer_ids.discard(seller.id)
    if not buyer_ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(buyer_ids))
                                   .order_by(Organisation.name)))


describe = holds.describe


def page_of(item) -> str:
    if isinstance(item, OcopCertificate):
        products = ocop.products_of(item)
        if products:
            return notifications.page("trace.product", public_id=products[0].public_id)
        return notifications.page("department.ocop_certificate", certificate_id=item.id)
    zone = item if isinstance(item, GrowingZone) else item.zone
    return notifications.page("catalog.zone", code=zone.code)


def _tell(item, message: str, kind: str) -> int:
    link = page_of(item)
    told = notifications.notify(seller_of(item), kind, message, link)
    for buyer in affected_buyers(item):
        told += notifications.notify(buyer, kind, message, link)
    return told


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed({"reason": [_("Say why, so the applicant can put it right.")]})
    return reason


def _start_of(item) -> date:
    """The first day `item` held: a certificate's issue day; a zone's registration or its earliest verified
    certificate's issue day (the day it starts counting in the figures)."""
    if isinstance(item, GrowingZone):
        issued = [c.issued_on for c in item.certificates if c.status in (ReviewStatus.VERIFIED, ReviewStatus.RECALLED)]
        return min([item.created_at.astimezone(LOCAL_TZ).date(), *issued])
    return item.issued_on


def _day(value) -> str:
    return value.strftime("%d/%m/%Y")


def effective_day(item, on, *, lifting: bool = False) -> date:
    """The day a recall (or its lifting) takes effect: today unless the department names an earlier day, never in
    the future, never before the plan's period, the item's first day, its last change of status, or (lifting) the
    recall itself. The figures from that day on change; earlier ones never do."""
    from market.services.targets import PERIOD_START

    if on is None or on == "":
        return today()
    if not isinstance(on, date):
        raise ValidationFailed({"effective_on": [_("Enter a date as dd/mm/yyyy.")]})
    if on > today():
        raise ValidationFailed({"effective_on": [_("The date cannot be in the future.")]})
    if on < PERIOD_START:
        raise ValidationFailed({"effective_on": [_("The plan's figures start on %(day)s: choose that day or a later "
                                                   "one.", day=_day(PERIOD_START))]})
    if lifting:
        since = holds.recalled_since(item)
        if since is not None and on < since:
            raise ValidationFailed({"effective_on": [_("The recall took effect on %(day)s: it cannot be lifted "
                                                       "before that.", day=_day(since))]})
        return on
    start = _start_of(item)
    if on < start:
        raise ValidationFailed({"effective_on": [_("It did not hold before %(day)s: the recall cannot take effect "
                                                   "before that.", day=_day(start))]})
    last = facts.last_status_change_on(item)
    if last is not None and on < last:
        raise ValidationFailed({"effective_on": [_("Its status last changed on %(day)s: the recall cannot take "
                                                   "effect before that.", day=_day(last))]})
    return on


def recall(actor: User, item, reason: str, effective_on: date | None = None):
    """Recall a verified zone, zone certificate or OCOP certificate from `effective_on` (default today; the
    department may name an earlier day it learnt of late); tell everyone depending on it."""
    require_department(actor)
    reason = _clean_reason(reason)
    if item.status != ReviewStatus.VERIFIED:
        raise ValidationFailed({"status": [_("This cannot be done while the status is %(status)s.",
                                             status=status_label(item.status))]})
    day = effective_day(item, effective_on)
    takes_effect(item, day)  # set last: nothing below refuses
    dated = {"effective_on": day.isoformat()}
    if isinstance(item, GrowingZone):
        zones.recall_zone(actor, item, reason, **dated)
    elif isinstance(item, Certificate):
        zones.recall_certificate(actor, item, reason, **dated)
    else:
        ocop.recall(actor, item, reason, **dated)
    _tell(item, _("The department recalled %(what)s on %(day)s: %(reason)s", what=describe(item), day=_day(day),
                  reason=reason), "trust.recalled")
    return item


def lift(actor: User, item, reason: str, effective_on: date | None = None):
    """Lift a recall from `effective_on` (default today): the item is verified again (its verification record
    kept); everyone is told."""
    require_department(actor)
    reason = _clean_reason(reason)
    if item.status != ReviewStatus.RECALLED:
        raise ValidationFailed({"status": [_("This cannot be done while the status is %(status)s.",
                                             status=status_label(item.status))]})
    day = effective_day(item, effective_on, lifting=True)
    takes_effect(item, day)
    if isinstance(item, OcopCertificate):
        ocop.lift_recall(actor, item, reason, effective_on=day.isoformat())
    else:
        item.status, item.status_reason = ReviewStatus.VERIFIED, reason
        item.status_changed_at, item.status_changed_by_id = utcnow(), actor.id
        audit.record(f"{'zone' if isinstance(item, GrowingZone) else 'certificate'}.recall_lifted", actor,
                     organisation=seller_of(item), obj=item, reason=reason, effective_on=day.isoformat())
    _tell(item, _("The department lifted the recall of %(what)s: %(reason)s", what=describe(item), reason=reason),
          "trust.recall_lifted")
    return item


def recalled() -> list:
    """Everything under recall, for the department to find and, once put right, lift."""
    items: list = list(db.session.scalars(sa.select(GrowingZone).where(GrowingZone.status == ReviewStatus.RECALLED)
                                          .order_by(GrowingZone.code)))
    items += db.session.scalars(sa.select(Certificate).where(Certificate.status == ReviewStatus.RECALLED)
                                .order_by(Certificate.id))
    items += db.session.scalars(sa.select(OcopCertificate).where(OcopCertificate.status == ReviewStatus.RECALLED)
                                .order_by(OcopCertificate.number))
    return items
