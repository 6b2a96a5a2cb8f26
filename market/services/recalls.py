"""Recalling what the department verified, and lifting a recall: a zone, a zone certificate or an OCOP
certificate, always with a reason.

Who is told: the seller (the organisation holding it) and every buyer with something open that depends on
it: a contract not yet completed or cancelled drawn on a listing or offer from the zone, a shop order not yet
delivered, cancelled or expired for a product grown in the zone or resting on the OCOP certificate, a
sourcing offer still submitted from the zone. Each organisation once, in its inbox and by e-mail after the
commit. Listings and products show the recall at once: the status change goes through the search outbox
(the zone, the certificate and the OCOP certificate are tracked documents' sources).
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from market.clock import today
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
from market.models.types import utcnow
from market.services import audit, notifications, ocop, zones
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


def describe(item) -> str:
    """How a recalled item is named in a message."""
    if isinstance(item, GrowingZone):
        return _("zone %(code)s", code=item.code)
    if isinstance(item, Certificate):
        return _("certificate %(number)s of zone %(code)s", number=item.number, code=item.zone.code)
    return _("OCOP certificate %(number)s (%(product)s)", number=item.number, product=item.product_name)


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


def recall(actor: User, item, reason: str):
    """Recall a verified zone, zone certificate or OCOP certificate; tell everyone depending on it."""
    require_department(actor)
    reason = _clean_reason(reason)
    if isinstance(item, GrowingZone):
        zones.recall_zone(actor, item, reason)
    elif isinstance(item, Certificate):
        zones.recall_certificate(actor, item, reason)
    else:
        ocop.recall(actor, item, reason)
    day = today().strftime("%d/%m/%Y")
    _tell(item, _("The department recalled %(what)s on %(day)s: %(reason)s", what=describe(item), day=day,
                  reason=reason), "trust.recalled")
    return item


def lift(actor: User, item, reason: str):
    """Lift a recall: the item is verified again (its verification record kept); everyone is told."""
    require_department(actor)
    reason = _clean_reason(reason)
    if isinstance(item, OcopCertificate):
        ocop.lift_recall(actor, item, reason)
    else:
        if item.status != ReviewStatus.RECALLED:
            raise ValidationFailed({"status": [_("This cannot be done while the status is %(status)s.",
                                                 status=status_label(item.status))]})
        item.status, item.status_reason = ReviewStatus.VERIFIED, reason
        item.status_changed_at, item.status_changed_by_id = utcnow(), actor.id
        audit.record(f"{'zone' if isinstance(item, GrowingZone) else 'certificate'}.recall_lifted", actor,
                     organisation=seller_of(item), obj=item, reason=reason)
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
