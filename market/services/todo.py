"""What waits for a member of an organisation, by their role: the to-do home people land on after login.

Each item is (kind, text, link). Signers see contracts to sign; negotiators (owner, manager, signer) offers to
answer, deliveries to inspect and disputes to answer; receivers (owner, manager) payments to confirm and shop
orders to ship; everyone certificates expiring within CERTIFICATE_WARNING_DAYS and, for cooperatives, open
sourcing requests their zones fit; commune offices their commune's report in an open reporting round;
department staff the verification queue (what waits, by kind, each linking to its part of the queue), the
reports communes have not yet sent in the open round, and the disputes referred to them."""
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.models import (
    Certificate,
    Contract,
    ContractState,
    Delivery,
    DeliveryStatus,
    Dispute,
    DisputeState,
    GrowingZone,
    OcopProduct,
    OfferStatus,
    OrderStatus,
    Organisation,
    OrgKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ProductStatus,
    ReviewStatus,
    ShopOrder,
    SourcingOffer,
    SourcingRequest,
    User,
)
from market.numbers import format_number
from market.permissions import NEGOTIATORS, RECEIVERS, SIGNERS
from market.services import (
    capabilities,
    conversations,
    ocop,
    organisations,
    products,
    reporting,
    revisions,
    sourcing,
    zones,
)
from market.services.notifications import page

CERTIFICATE_WARNING_DAYS = 60


@dataclass(frozen=True)
class Item:
    kind: str
    text: str
    link: str


def for_organisation(user: User, org: Organisation) -> list[Item]:
    membership = user.membership_in(org)
    if membership is None:
        return []
    items: list[Item] = []
    if membership.role in SIGNERS:
        items += _to_sign(org)
    if membership.role in NEGOTIATORS:
        items += _to_answer(org)
    if membership.role in RECEIVERS:
        items += _money_and_orders(org)
    items += _certificates(org)
    if org.kind in OrgKind.SELLERS and org.is_verified:
        items += _requests(org)
    if org.kind == OrgKind.COMMUNE_OFFICE and org.is_verified and org.commune is not None:
        items += _commune_report(org)
    return items


def _commune_report(org: Organisation) -> list[Item]:
    round_ = reporting.open_round_now()
    if round_ is None:
        return []
    report = reporting.report_of(round_, org.commune)
    if reporting.state(round_, report) in (reporting.SUBMITTED, reporting.SUBMITTED_LATE):
        return []
    return [Item("report", _("Send %(commune)s's report for %(year)s by %(due)s.", commune=org.commune.display_name,
                             year=round_.year, due=format_date(round_.reports_due)),
                 page("reporting.commune_report", round_id=round_.id, commune_id=org.commune.id))]


def _parties(org: Organisation):
    return sa.or_(Contract.buyer_id == org.id, Contract.seller_id == org.id)


def _to_sign(org: Organisation) -> list[Item]:
    items, parties = [], _parties(org)
    for c in db.session.scalars(sa.select(Contract).where(parties, Contract.state == ContractState.PROPOSED)
                                .order_by(Contract.id)):
        if org.id not in {s.organisation_id for s in c.signatures_of(c.current)}:
            items.append(Item("sign", _("Sign contract %(ref)s with %(org)s.", ref=c.reference,
                                        org=(c.seller if c.buyer_id == org.id else c.buyer).name),
                              page("contracts.show", contract_id=c.id) + "#sign"))
    return items


def _to_answer(org: Organisation) -> list[Item]:
    items, parties = [], _parties(org)
    offers = db.session.scalars(sa.select(SourcingOffer).join(SourcingRequest).where(
        SourcingRequest.buyer_id == org.id, SourcingOffer.status == OfferStatus.SUBMITTED)
        .order_by(SourcingOffer.id))
    for o in offers:
        items.append(Item("offer", _("Answer the offer of %(org)s on “%(title)s”.", org=o.seller.name,
                                     title=o.request.title),
                          page("sourcing.show", request_id=o.request_id) + "#offers"))
    deliveries = db.session.scalars(sa.select(Delivery).join(Contract).where(
        Contract.buyer_id == org.id, Delivery.status == DeliveryStatus.RECORDED).order_by(Delivery.id))
    for d in deliveries:
        items.append(Item("inspect", _("Inspect the delivery of %(date)s on %(ref)s.",
                                       date=d.delivered_on.strftime("%d/%m/%Y"), ref=d.contract.reference),
                          page("contracts.inspect_delivery", contract_id=d.contract_id, delivery_id=d.id)))
    for dispute in db.session.scalars(sa.select(Dispute).join(Contract).where(
            parties, Dispute.state == DisputeState.OPEN, Dispute.opened_by_org_id != org.id)
            .order_by(Dispute.id)):
        items.append(Item("dispute", _("Answer the dispute of %(org)s on %(ref)s.", org=dispute.opened_by_org.name,
                                       ref=dispute.contract.reference),
                          page("contracts.show", contract_id=dispute.contract_id) + f"#dispute-{dispute.id}"))
    return items


def _money_and_orders(org: Organisation) -> list[Item]:
    items = []
    payments = db.session.scalars(sa.select(Payment).where(
        Payment.payee_id == org.id, Payment.method == PaymentMethod.BANK_TRANSFER,
        Payment.status == PaymentStatus.PENDING).order_by(Payment.id))
    for p in payments:
        link = (page("contracts.show", contract_id=p.contract_id) + "#deposit" if p.contract_id
                else page("orders.show", order_id=p.order_id))
        items.append(Item("payment", _("Confirm the transfer %(ref)s when it arrives.", ref=p.reference), link))
    for order in db.session.scalars(sa.select(ShopOrder).where(
            ShopOrder.seller_id == org.id, ShopOrder.status.in_((OrderStatus.PAID, OrderStatus.PACKED)))
            .order_by(ShopOrder.id)):
        items.append(Item("ship", _("Ship order %(ref)s to %(org)s.", ref=order.reference,
                                    org=order.buyer.name), page("orders.show", order_id=order.id)))
    return items


def _certificates(org: Organisation) -> list[Item]:
    items = []
    horizon = today() + timedelta(days=CERTIFICATE_WARNING_DAYS)
    for cert in db.session.scalars(sa.select(Certificate).join(GrowingZone).where(
            GrowingZone.organisation_id == org.id, Certificate.status == ReviewStatus.VERIFIED,
            Certificate.expires_on.is_not(None), Certificate.expires_on >= today(),
            Certificate.expires_on <= horizon).order_by(Certificate.expires_on)):
        items.append(Item("certificate", _("Certificate %(number)s of zone %(zone)s expires on %(date)s: renew it.",
                                           number=cert.number, zone=cert.zone.code,
                                           date=cert.expires_on.strftime("%d/%m/%Y")),
                          page("catalog.zone", code=cert.zone.code)))
    for product in db.session.scalars(sa.select(OcopProduct).where(
            OcopProduct.organisation_id == org.id, OcopProduct.status == ProductStatus.PUBLISHED,
            OcopProduct.certificate_expires_on >= today(), OcopProduct.certificate_expires_on <= horizon)):
        items.append(Item("certificate", _("The OCOP certificate of %(name)s expires on %(date)s: renew it.",
                                           name=product.name,
                                           date=product.certificate_expires_on.strftime("%d/%m/%Y")),
                          page("catalog.product", product_id=product.id)))
    return items


def _requests(org: Organisation) -> list[Item]:
    return [Item("request", _("“%(title)s” of %(org)s fits your zones: make an offer.", title=request.title,
                              org=request.buyer.name), page("sourcing.show", request_id=request.id) + "#offer")
            for request in sourcing.open_requests_for(org)[:10]
            if not any(o.seller_id == org.id for o in request.offers)]


def _queue_items() -> list[Item]:
    """One line per kind of record waiting for the department's check, each leading to its part of the queue."""
    pending_zones, pending_certificates = zones.review_queue()
    waiting = [
        ("verify_organisations", len(organisations.pending_organisations()),
         _("%(n)s organisations wait for verification."), ""),
        ("verify_zones", len(pending_zones), _("%(n)s growing zones wait for verification."), ""),
        ("verify_certificates", len(pending_certificates), _("%(n)s zone certificates wait for verification."), ""),
        ("zone_revisions", len(zones.pending_revisions()), _("%(n)s changes to verified zones wait for a decision."),
         "#revisions"),
        ("verify_facilities", len(capabilities.queue()), _("%(n)s processing facilities wait for verification."),
         "#capabilities"),
        ("verify_ocop", len(ocop.queue()), _("%(n)s OCOP certificates wait for verification."), "#ocop-queue"),
        ("ocop_revisions", len(revisions.queue(products.REVISION_KIND)),
         _("%(n)s changes to verified OCOP products wait for review."), "#ocop-queue"),
    ]
    return [Item(kind, text % {"n": format_number(count)}, page("department.queue") + anchor)
            for kind, count, text, anchor in waiting if count]


def _round_items() -> list[Item]:
    round_ = reporting.open_round_now()
    if round_ is None:
        return []
    missing = sum(1 for row in reporting.overview(round_)  # only communes with an office account report here
                  if row.has_office and row.state not in (reporting.SUBMITTED, reporting.SUBMITTED_LATE))
    if not missing:
        return [Item("compile_round", _("Every commune has reported for %(year)s: compile and lock the report.",
                                        year=round_.year), page("reporting.round_page", round_id=round_.id))]
    return [Item("round", _("%(n)s communes and wards have not yet sent their report for %(year)s (due %(due)s).",
                            n=format_number(missing), year=round_.year, due=format_date(round_.reports_due)),
                 page("reporting.round_page", round_id=round_.id))]


def department_items(user: User) -> list[Item]:
    if not user.is_department_staff:
        return []
    return _queue_items() + _round_items() + [Item("mediate", _("Mediate the dispute on %(ref)s between %(a)s and %(b)s.", ref=d.contract.reference,
                              a=d.contract.buyer.name, b=d.contract.seller.name),
                 page("contracts.show", contract_id=d.contract_id) + f"#dispute-{d.id}")
            for d in db.session.scalars(sa.select(Dispute).where(Dispute.state == DisputeState.REFERRED)
                                        .order_by(Dispute.referred_at))]


def unread_messages(user: User) -> int:
    return conversations.unread_count(user)
