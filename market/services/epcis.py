"""EPCIS 2.0 events (JSON-LD) for the market's lots, built from what the market records; nothing is stored.

- harvest: an ObjectEvent (action ADD, bizStep commissioning) per zone of a listing whose harvest has begun,
  for the listing's harvest lot, at the zone's location, with the zone's valid certificates as
  certificationInfo;
- transformation: a TransformationEvent turning a harvest lot (a listing's, or a delivery the producer
  received) into a lot of an OCOP product; a product lot with no recorded input is an ObjectEvent ADD;
- shipping (ObjectEvent OBSERVE, bizStep shipping, disposition in_transit) on the delivery date, and
  receiving (bizStep receiving, disposition in_progress) when the buyer confirmed or inspected it, for the
  accepted quantity; both with the contract as bizTransaction (type po) and the parties as source/destination.

Identifiers are GS1 Digital Link URIs on the market's domain (services/gs1.py). Times are in Vietnam's time
zone (+07:00); a day without a time is taken at 00:00 that day. Event ids are name-based UUIDs, so an event
keeps its id from one export to the next.

Who sees what: harvest and transformation events are public once the item is public (they are what the
verification page already shows); shipping and receiving events show a contract between two organisations,
so they go only to members of those two organisations and to department staff.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.models import (
    Contract,
    Delivery,
    DeliveryStatus,
    GrowingZone,
    ListingStatus,
    OcopProduct,
    Organisation,
    ProductLot,
    SupplyListing,
    User,
)
from market.models.types import utcnow
from market.services import gs1, traceability

CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
TZ_OFFSET = "+07:00"
# UN/ECE Recommendation 20 codes for the market's units (EPCIS `uom`); pieces, boxes and jars count as H87.
UOM = {"kg": "KGM", "tan": "TNE", "m3": "MTQ", "lit": "LTR", "cay": "H87",
       "hop": "H87", "goi": "H87", "chai": "H87", "lo": "H87", "tui": "H87", "san_pham": "H87"}
_NAMESPACE = uuid.UUID("6f1c7d0e-4b8a-4f5e-9c51-16a0e9c5a001")


def base_url() -> str:
    """The market's own domain: labels and events name it, whatever host served the page."""
    return current_app.config.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")


# --- lots as GS1 keys ----------------------------------------------------------------------------

def listing_gtin(listing: SupplyListing) -> str:
    return gs1.rcn(gs1.RCN_LISTING, listing.id)


def product_gtin(product: OcopProduct) -> str:
    return product.gtin or gs1.rcn(gs1.RCN_PRODUCT, product.id)


def delivery_gtin(delivery: Delivery) -> str:
    contract = delivery.contract
    if contract.listing_id is not None:
        return gs1.rcn(gs1.RCN_LISTING, contract.listing_id)
    return gs1.rcn(gs1.RCN_CONTRACT, contract.id)


def delivery_lot(delivery: Delivery) -> str | None:
    """The delivery's lot code when it follows AI 10 (older deliveries may carry a longer free text)."""
    try:
        return gs1.clean_lot(delivery.lot_code)
    except gs1.BadIdentifier:
        return None


def listing_link(listing: SupplyListing, base: str | None = None) -> str:
    return gs1.digital_link(base or base_url(), listing_gtin(listing), listing.lot_number)


def product_link(product: OcopProduct, lot: str | None = None, base: str | None = None) -> str:
    return gs1.digital_link(base or base_url(), product_gtin(product), lot)


def delivery_link(delivery: Delivery, base: str | None = None) -> str:
    return gs1.digital_link(base or base_url(), delivery_gtin(delivery), delivery_lot(delivery))


# --- one event each ------------------------------------------------------------------------------

@dataclass
class Event:
    """An EPCIS event with what the market needs to sort and filter it."""

    kind: str  # harvest, transformation, shipping, receiving
    when: datetime
    organisation_ids: tuple[int, ...]  # whose event it is (the org export)
    private: bool  # shown to the parties and the department only
    body: dict

    @property
    def day(self) -> date:
        return self.when.astimezone(LOCAL_TZ).date()


def _at(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)


def _time(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _event_id(*parts) -> str:
    return "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, ":".join(str(p) for p in parts)))


def _quantity(epc_class: str, quantity: float | None, unit: str | None) -> dict:
    element: dict = {"epcClass": epc_class}
    if quantity is not None:
        element["quantity"] = float(quantity)
        if unit in UOM:
            element["uom"] = UOM[unit]
    return element


def certificate_uri(base: str, certificate) -> str:
    return f"{base}/gs1/zones/{certificate.zone_id}#certificate-{certificate.id}"


def _certification(base: str, zones, on: date) -> list[str]:
    return [certificate_uri(base, c) for zone in zones for c in zone.valid_certificates(on)]


def _party_location(base: str, org: Organisation) -> str:
    """Where an organisation's own steps happen: its GLN as a location (AI 414), else its market URI."""
    return f"{base}/414/{org.gln}" if org.gln else f"{base}/gs1/parties/{org.id}"


def _common(event_type: str, when: datetime, event_id: str) -> dict:
    return {"type": event_type, "eventID": event_id, "eventTime": _time(when), "eventTimeZoneOffset": TZ_OFFSET}


def harvest_events(listing: SupplyListing, base: str) -> list[Event]:
    """One per zone of the listing, once its harvest has begun."""
    if listing.status == ListingStatus.DRAFT or listing.harvest_start > today():
        return []
    when = _at(listing.harvest_start)
    zones = sorted(listing.zones, key=lambda z: z.code)
    events = []
    for zone in zones:
        body = _common("ObjectEvent", when, _event_id("harvest", listing.id, zone.id))
        body.update({
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "epcList": [],
            "quantityList": [_quantity(listing_link(listing, base), listing.quantity if len(zones) == 1 else None,
                                       listing.unit)],
            "readPoint": {"id": gs1.location_uri(base, zone)},
            "bizLocation": {"id": gs1.location_uri(base, zone)},
        })
        if certification := _certification(base, [zone], listing.harvest_start):
            body["certificationInfo"] = certification
        events.append(Event("harvest", when, (listing.organisation_id,), False, body))
    return events


def _contract_transaction(base: str, contract: Contract) -> list[dict]:
    return [{"type": "po", "bizTransaction": f"{base}{url_for('contracts.show', contract_id=contract.id)}"}]


def delivery_events(delivery: Delivery, base: str) -> list[Event]:
    contract = delivery.contract
    unit = _delivery_unit(delivery)
    epc_class = delivery_link(delivery, base)
    zones = list(delivery.zones)
    parties = (contract.seller_id, contract.buyer_id)
    shipped_at = _at(delivery.delivered_on)
    shipping = _common("ObjectEvent", shipped_at, _event_id("shipping", delivery.id))
    shipping.update({
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": [],
        "quantityList": [_quantity(epc_class, delivery.quantity, unit)],
        "readPoint": {"id": gs1.location_uri(base, zones[0]) if zones else _party_location(base, contract.seller)},
        "bizTransactionList": _contract_transaction(base, contract),
        "sourceList": [{"type": "owning_party", "source": gs1.party_uri(base, contract.seller)}]
        + [{"type": "location", "source": gs1.location_uri(base, zone)} for zone in zones],
        "destinationList": [{"type": "owning_party", "destination": gs1.party_uri(base, contract.buyer)}],
    })
    if certification := _certification(base, zones, delivery.delivered_on):
        shipping["certificationInfo"] = certification
    events = [Event("shipping", shipped_at, parties, True, shipping)]
    # Received: when the buyer inspected it, else when it confirmed it (at the delivery date if the moment
    # was not recorded); a delivery only recorded by the seller, or disputed without inspection, has no receipt.
    received_at = delivery.inspected_at
    if received_at is None and delivery.status == DeliveryStatus.CONFIRMED:
        received_at = delivery.answered_at or shipped_at
    if received_at is not None:
        receiving = _common("ObjectEvent", received_at, _event_id("receiving", delivery.id))
        receiving.update({
            "action": "OBSERVE",
            "bizStep": "receiving",
            "disposition": "in_progress",
            "epcList": [],
            "quantityList": [_quantity(epc_class, delivery.accepted, unit)],
            "readPoint": {"id": _party_location(base, contract.buyer)},
            "bizLocation": {"id": _party_location(base, contract.buyer)},
            "bizTransactionList": _contract_transaction(base, contract),
            "sourceList": [{"type": "owning_party", "source": gs1.party_uri(base, contract.seller)}],
            "destinationList": [{"type": "owning_party", "destination": gs1.party_uri(base, contract.buyer)}],
        })
        if certification:
            receiving["certificationInfo"] = certification
        events.append(Event("receiving", received_at, parties, True, receiving))
    return events


def _delivery_unit(delivery: Delivery) -> str | None:
    return delivery.contract.current.terms.item.unit if delivery.contract.versions else None


def lot_events(lot: ProductLot, base: str) -> list[Event]:
    product = lot.product
    when = _at(lot.produced_on)
    output = _quantity(product_link(product, lot.lot_number, base), lot.quantity, product.unit)
    location = _party_location(base, product.organisation)
    source, zones, transactions = None, [], None
    if lot.source_listing is not None:
        source = _quantity(listing_link(lot.source_listing, base), lot.input_quantity, lot.source_listing.unit)
        zones = list(lot.source_listing.zones)
    elif lot.source_delivery is not None:
        delivery = lot.source_delivery
        source = _quantity(delivery_link(delivery, base), lot.input_quantity, _delivery_unit(delivery))
        zones = list(delivery.zones)
        transactions = _contract_transaction(base, delivery.contract)
    if source is not None:
        body = _common("TransformationEvent", when, _event_id("transformation", lot.id))
        body.update({"inputQuantityList": [source], "outputQuantityList": [output]})
    else:
        body = _common("ObjectEvent", when, _event_id("transformation", lot.id))
        body.update({"action": "ADD", "epcList": [], "quantityList": [output]})
    body.update({"bizStep": "commissioning", "disposition": "active",
                 "readPoint": {"id": location}, "bizLocation": {"id": location}})
    if transactions:
        body["bizTransactionList"] = transactions
    if certification := _certification(base, zones, lot.produced_on):
        body["certificationInfo"] = certification
    return [Event("transformation", when, (product.organisation_id,), False, body)]


# --- documents -----------------------------------------------------------------------------------

def document(events: list[Event]) -> dict:
    """An EPCIS 2.0 JSON-LD document with the events in time order."""
    ordered = sorted(events, key=lambda e: (e.when, e.body["eventID"]))
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(utcnow()),
        "epcisBody": {"eventList": [e.body for e in ordered]},
    }


def may_see_private(viewer: User | None, organisation_ids) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.is_department_staff or any(viewer.membership_in(o) is not None for o in organisation_ids)


def visible(events: list[Event], viewer: User | None) -> list[Event]:
    return [e for e in events if not e.private or may_see_private(viewer, e.organisation_ids)]


# The lot a Digital Link names, and everything that happened to it.

@dataclass
class Lot:
    """What `/01/{gtin}[/10/{lot}]` names: an item (product or listing or a contract's goods) and maybe a lot."""

    kind: str  # product, product_lot, listing, delivery, contract
    gtin14: str
    lot: str | None
    product: OcopProduct | None = None
    product_lot: ProductLot | None = None
    listing: SupplyListing | None = None
    deliveries: tuple[Delivery, ...] = ()
    contract: Contract | None = None

    @property
    def owner(self) -> Organisation:
        if self.product is not None:
            return self.product.organisation
        if self.listing is not None:
            return self.listing.organisation
        return self.contract.seller

    @property
    def name(self) -> str:
        if self.product is not None:
            return self.product.name
        if self.listing is not None:
            return self.listing.title
        return self.contract.reference

    @property
    def zones(self) -> list[GrowingZone]:
        """The zones the lot came from: a product lot's source, else the item's own zones."""
        if self.product_lot is not None:
            source = self.product_lot.source_listing or self.product_lot.source_delivery
            if source is not None:
                return list(source.zones)
        if self.product is not None:
            return list(self.product.zones)
        if self.deliveries and self.kind == "delivery":
            return sorted({z for d in self.deliveries for z in d.zones}, key=lambda z: z.code)
        if self.listing is not None:
            return list(self.listing.zones)
        return []


MAX_EXPORT_DAYS = 366


def export_range(start: date | None, end: date | None) -> tuple[date, date, str | None]:
    """An organisation's export period: the last 90 days by default, at most a year; the reason when refused."""
    end = end or today()
    if start is None:  # 90 days back, not before the calendar's first day (end=0001-01-02 must not overflow)
        start = end - timedelta(days=90) if end > date.min + timedelta(days=90) else date.min
    if start > end:
        return start, end, _("The start date is after the end date.")
    if (end - start).days >= MAX_EXPORT_DAYS:
        return start, end, _("Export at most one year at a time.")
    return start, end, None


def _contract_deliveries(contract_ids, lot: str | None) -> list[Delivery]:
    if not contract_ids:
        return []
    query = sa.select(Delivery).where(Delivery.contract_id.in_(contract_ids)).options(
        selectinload(Delivery.zones).selectinload(GrowingZone.certificates),
        selectinload(Delivery.contract)).order_by(Delivery.id)
    deliveries = list(db.session.scalars(query))
    return [d for d in deliveries if lot is None or delivery_lot(d) == lot]


def find(link: gs1.ParsedLink, viewer: User | None) -> Lot | None:
    """The item and lot behind a Digital Link that `viewer` may see, else None (unknown or not public)."""
    target = gs1.rcn_target(link.gtin14)
    if target is None:
        product = db.session.scalar(sa.select(OcopProduct).where(OcopProduct.gtin == link.gtin14))
        return _product_lot(product, link, viewer)
    kind, number = target
    if kind == gs1.RCN_PRODUCT:
        product = db.session.get(OcopProduct, number)
        if product is not None and product.gtin:  # a product with a GTIN answers to its GTIN only
            return None
        return _product_lot(product, link, viewer)
    if kind == gs1.RCN_LISTING:
        listing = db.session.get(SupplyListing, number)
        if listing is None or not traceability.may_view(viewer, listing):
            return None
        contract_ids = list(db.session.scalars(sa.select(Contract.id).where(Contract.listing_id == listing.id)))
        if link.lot is None or link.lot == listing.lot_number:
            deliveries = _contract_deliveries(contract_ids, None)
            return Lot("listing", link.gtin14, link.lot, listing=listing, deliveries=tuple(deliveries))
        deliveries = [d for d in _contract_deliveries(contract_ids, link.lot)
                      if may_see_private(viewer, (d.contract.buyer_id, d.contract.seller_id))]
        if not deliveries:
            return None
        return Lot("delivery", link.gtin14, link.lot, listing=listing, deliveries=tuple(deliveries),
                   contract=deliveries[0].contract)
    contract = db.session.get(Contract, number)
    if contract is None or not may_see_private(viewer, (contract.buyer_id, contract.seller_id)):
        return None
    deliveries = _contract_deliveries([contract.id], link.lot)
    if link.lot is not None and not deliveries:
        return None
    return Lot("delivery" if link.lot else "contract", link.gtin14, link.lot, deliveries=tuple(deliveries),
               contract=contract)


def _product_lot(product: OcopProduct | None, link: gs1.ParsedLink, viewer: User | None) -> Lot | None:
    if product is None or not traceability.may_view(viewer, product):
        return None
    if link.lot is None:
        return Lot("product", link.gtin14, None, product=product)
    lot = db.session.scalar(sa.select(ProductLot).where(ProductLot.product_id == product.id,
                                                        ProductLot.lot_number == link.lot))
    if lot is None:
        return None
    return Lot("product_lot", link.gtin14, link.lot, product=product, product_lot=lot)


def history(lot: Lot, viewer: User | None, base: str | None = None) -> list[Event]:
    """Every event of the lot, upstream (harvest, deliveries it came from) and downstream (the product lots
    made from it), that `viewer` may see."""
    base = base or base_url()
    events: list[Event] = []
    listing, deliveries = lot.listing, list(lot.deliveries)
    if lot.kind == "product":
        lots = list(db.session.scalars(sa.select(ProductLot).where(ProductLot.product_id == lot.product.id)))
        for product_lot in lots:
            events += _upstream(product_lot, base)
    elif lot.kind == "product_lot":
        events += _upstream(lot.product_lot, base)
    else:
        if listing is not None:
            events += harvest_events(listing, base)
        for delivery in deliveries:
            events += delivery_events(delivery, base)
        made = []
        if lot.kind == "listing" and listing is not None:
            made += db.session.scalars(sa.select(ProductLot).where(ProductLot.source_listing_id == listing.id))
        if deliveries:
            made += db.session.scalars(sa.select(ProductLot).where(
                ProductLot.source_delivery_id.in_([d.id for d in deliveries])))
        for product_lot in made:
            if traceability.may_view(viewer, product_lot.product):
                events += lot_events(product_lot, base)
    unique = {e.body["eventID"]: e for e in events}
    return visible(list(unique.values()), viewer)


class NotFound(Exception):
    """No item or lot behind a Digital Link that the viewer may see; the message says which."""


def lookup(gtin: str, lot: str | None, viewer: User | None) -> Lot:
    """The item (and lot) of `/01/{gtin}[/10/{lot}]` as written in an address, for the resolver, the downloads
    and the API alike: gs1.BadIdentifier for a malformed link or a wrong check digit (400), NotFound for an
    unknown or hidden one (404)."""
    link = gs1.parse_path(gtin, lot)
    found = find(link, viewer)
    if found is not None:
        return found
    if link.lot is not None:
        raise NotFound(_("Unknown lot %(lot)s for GTIN %(gtin)s: no such lot is recorded here, or it is not public.",
                         lot=link.lot, gtin=link.gtin14))
    raise NotFound(_("No product with GTIN %(gtin)s is listed on this market.", gtin=link.gtin14))


def file_name(found: Lot) -> str:
    """The download's file name: epcis-<gtin>[-<lot, other characters as _>].jsonld."""
    lot = "".join(ch if ch.isalnum() else "_" for ch in found.lot) if found.lot else ""
    return f"epcis-{found.gtin14}" + (f"-{lot}" if lot else "") + ".jsonld"


def _upstream(product_lot: ProductLot, base: str) -> list[Event]:
    events = lot_events(product_lot, base)
    if product_lot.source_listing is not None:
        events += harvest_events(product_lot.source_listing, base)
    if (delivery := product_lot.source_delivery) is not None:
        events += delivery_events(delivery, base)
        if delivery.contract.listing is not None:
            events += harvest_events(delivery.contract.listing, base)
    return events


def organisation_events(org: Organisation, start: date, end: date, base: str | None = None) -> list[Event]:
    """The organisation's own events between two days inclusive: its harvests, its product lots, and the
    deliveries it shipped or received. For its members (the route checks), so private events are in."""
    base = base or base_url()
    events: list[Event] = []
    listings = db.session.scalars(sa.select(SupplyListing).where(
        SupplyListing.organisation_id == org.id, SupplyListing.harvest_start.between(start, end)).options(
        selectinload(SupplyListing.zones).selectinload(GrowingZone.certificates)))
    for listing in listings:
        events += harvest_events(listing, base)
    lots = db.session.scalars(sa.select(ProductLot).join(OcopProduct).where(
        OcopProduct.organisation_id == org.id, ProductLot.produced_on.between(start, end)))
    for product_lot in lots:
        events += lot_events(product_lot, base)
    deliveries = db.session.scalars(sa.select(Delivery).join(Contract).where(
        sa.or_(Contract.seller_id == org.id, Contract.buyer_id == org.id),
        Delivery.delivered_on <= end).options(selectinload(Delivery.zones).selectinload(GrowingZone.certificates)))
    for delivery in deliveries:
        events += delivery_events(delivery, base)
    return sorted((e for e in events if start <= e.day <= end and org.id in e.organisation_ids),
                  key=lambda e: (e.when, e.body["eventID"]))
