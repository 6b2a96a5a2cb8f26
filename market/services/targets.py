"""Every target of the 2026-2030 plan, computed from the data as of a date, never typed in.

Every figure "as of D" reads the facts in effect on D (market/services/facts.py): a recall, rejection,
cancellation or accepted correction recorded later changes nothing before the day it took effect, and a
record entered late (a 2024 certificate imported today) counts from its own real dates; `late_changes` tells
which figures of a report already sent such late entries changed.

Rules (each tested with a small world whose answers are worked out by hand, tests/monitoring):
- Linkage (the plan: "processing enterprises and cooperatives linked into production-consumption chains"):
  an enterprise or cooperative counts once when, on the date, (1) it is verified and holds a processing
  capability ("processes": facility, products, capacity) the department verified on or before the date, and
  (2) it is linked with producers (cooperatives, farmer groups) either as the buyer of an offtake contract
  active on the date (activated on or before it, not completed or cancelled before it: a contract cancelled
  after six months counted for those six months) or through a chain the department declared for it, with a
  processing role, running on the date. Retail chains and tourist shops are buyers, never processors.
- OCOP: a product counts when the department verified its OCOP certificate (register import or document
  review), the certificate is valid on the date (issue and expiry day included), was not recalled by then,
  is its own producer's, and its producer is verified; stars are the certificate's, never the seller's.
- Retail share: of the products whose department-verified certificate, valid on the date, has 4 or 5
  stars, those a retail chain confirmed on its shelves on the date (since <= date < ended, confirmed by the
  end of that day: the chain's confirmation is the fact, a producer's request is not). 3-star products on
  shelves are counted apart (detail), never in the share.
- Certified area: zones verified on the date holding, on the date, at least one verified valid certificate
  of the group that the kind of zone may hold (services/plausibility.py); each zone's hectares once per group.
  A zone counts from its real start: the earliest issue day of its verified certificates, or the day it was
  registered when it has none. A pending revision changes nothing; an accepted one from its acceptance day.
- Volumes: contracted (the terms signed by both parties by the date) and delivered (confirmed deliveries,
  accepted quantity, delivered by the date) per crop and the seller's commune, masses converted to tonnes
  (1 tạ = 100 kg, 1 tấn = 1,000 kg), litres and other units kept apart.
"""
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.models import (
    CapabilityStatus,
    Certificate,
    CertificateKind,
    ChainRole,
    Commune,
    Contract,
    ContractState,
    Crop,
    DeclaredChain,
    DeliveryStatus,
    GrowingZone,
    OcopCertificate,
    OcopProduct,
    OrderItem,
    OrderStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    PlacementStatus,
    PlanTarget,
    ProcessingCapability,
    ReportSnapshot,
    ReviewStatus,
    ShelfPlacement,
    ShopOrder,
)
from market.services import facts, plausibility
from market.services.errors import ValidationFailed

PERIOD_START = date(2026, 1, 1)
PERIOD_END = date(2030, 12, 31)
# A contract links its parties from activation until it is completed or cancelled (disputes keep it running).
LINKED_STATES = (ContractState.ACTIVE, ContractState.DISPUTED, ContractState.COMPLETED, ContractState.CANCELLED)
# Who may hold a processing capability and count as a processor; who counts as a producer.
PROCESSOR_KINDS = (OrgKind.ENTERPRISE, OrgKind.COOPERATIVE)
PRODUCER_KINDS = (OrgKind.COOPERATIVE, OrgKind.FARMER_GROUP)
AREA_GROUPS = {
    "cert_gap_organic_zone_ha": CertificateKind.GAP_ORGANIC_ZONE,
    "cert_planted_forest_ha": (CertificateKind.FOREST_CODE,),
    "cert_sfm_ha": (CertificateKind.SFM,),
}
CODE_KINDS = (CertificateKind.PLANTING_AREA_CODE, CertificateKind.FOREST_CODE)
# The plan's counts of processors to attract, per crop (plan section II: hồi 1-2, keo 2-3, quế 1-2).
PROCESSORS_PER_CROP = {"hoi": (1, 2), "keo": (2, 3), "que": (1, 2)}
ORGANIC_HOI_HA = 2000  # plan: about 2,000 ha of organic star-anise forest by 2030
# Masses are converted to tonnes; other units (litres, m³, trees) are summed apart in their own unit.
TO_TONNES = {"kg": 0.001, "ta": 0.1, "tan": 1.0}
CONVERSIONS = _l("Masses in tonnes: 1 tấn = 10 tạ = 1,000 kg. Litres, m³ and trees are summed apart, never "
                 "converted to a mass.")
SOLD_STATUSES = (OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass
class Scope:
    """What the figures cover: the date, and optionally one commune and one crop."""

    as_of: date
    commune_id: int | None = None
    crop_id: int | None = None


@dataclass
class Figure:
    key: str
    section: str
    label: str
    value: float
    goal: float | None
    goal_max: float | None
    unit: str
    as_of: str
    detail: dict = field(default_factory=dict)
    basis: str = ""          # what counts, in one sentence
    line: str = ""           # the line on-track is judged against, in words
    breakdown: list = field(default_factory=list)  # per crop / per commune rows where the figure has them

    @property
    def progress(self) -> float | None:
        """Share of the goal (the range's lower bound) reached, 0..1 (None when there is no goal)."""
        if not self.goal:
            return None
        return max(0.0, min(1.0, self.value / self.goal))

    @property
    def gap(self) -> float | None:
        """What is still missing to the goal (the lower bound of a range), in the figure's unit."""
        if self.goal is None:
            return None
        return round(max(0.0, self.goal - self.value), 2)

    @property
    def expected(self) -> float | None:
        """Where a straight line from 0 on 1 January 2026 to the goal on 31 December 2030 stands on the date."""
        if not self.goal:
            return None
        elapsed = (date.fromisoformat(self.as_of) - PERIOD_START).days / (PERIOD_END - PERIOD_START).days
        return round(self.goal * max(0.0, min(1.0, elapsed)), 2)

    @property
    def on_track(self) -> bool | None:
        """At or above the straight line of the plan's period (2026-2030) on the date."""
        if not self.goal:
            return None
        return self.value >= self.expected

    @property
    def above_range(self) -> bool:
        return self.goal_max is not None and self.goal_max != self.goal and self.value > self.goal_max

    def as_json(self) -> dict:
        data = asdict(self)
        data.update(progress=self.progress, on_track=self.on_track, gap=self.gap, expected=self.expected)
        return data


def check_as_of(value: date | None) -> date:
    """The report date: from 1 January 2026 to today."""
    as_of = value or today()
    if as_of > today():
        raise ValidationFailed({"as_of": _("The date cannot be in the future.")})
    if as_of < PERIOD_START:
        raise ValidationFailed({"as_of": _("The plan starts on 1 January 2026: choose that date or a later one.")})
    return as_of


def _end_of_day(on: date) -> datetime:
    """The first moment after `on` in Lạng Sơn (a datetime bound works on every engine)."""
    return datetime.combine(on + timedelta(days=1), time(), tzinfo=LOCAL_TZ)


# --- the facts in effect on a day --------------------------------------------------------------------

class Facts:
    """The world as it stood on one day, loaded once per computation (every figure reads the same)."""

    def __init__(self, on: date):
        self.on = on

    @cached_property
    def orgs(self) -> dict[int, dict]:
        """organisation id -> {status, kind, commune_id} on the day, with the row as "row"."""
        rows = db.session.scalars(sa.select(Organisation)).all()
        changes = facts.history("organisation")
        return {o.id: {**facts.values_on(o, self.on, changes.get(o.id)), "row": o} for o in rows}

    def org_verified(self, org_id: int) -> bool:
        org = self.orgs.get(org_id)
        return org is not None and org["status"] == OrgStatus.VERIFIED

    @cached_property
    def processors(self) -> dict[int, ProcessingCapability]:
        """Organisations holding, on the day, a processing capability the department verified by then."""
        rows = db.session.scalars(sa.select(ProcessingCapability).order_by(ProcessingCapability.id)).all()
        changes = facts.history("processing_capability")
        out = {}
        for cap in rows:
            since = facts.first_verified_on(cap, changes.get(cap.id))
            state = facts.values_on(cap, self.on, changes.get(cap.id))["status"]
            org = self.orgs.get(cap.organisation_id)
            if (since is not None and since <= self.on and state == CapabilityStatus.VERIFIED and org
                    and org["kind"] in PROCESSOR_KINDS and org["status"] == OrgStatus.VERIFIED):
                out.setdefault(cap.organisation_id, cap)
        return out

    @cached_property
    def zone_certificates(self) -> dict[int, list[dict]]:
        """zone id -> its certificates' values on the day (status, kind, issued_on, expires_on)."""
        changes = facts.history("certificate")
        out: dict[int, list[dict]] = {}
        for cert in db.session.scalars(sa.select(Certificate)):
            values = facts.values_on(cert, self.on, changes.get(cert.id))
            values["valid"] = (values["status"] == ReviewStatus.VERIFIED and values["issued_on"] <= self.on
                               and (values["expires_on"] is None or self.on <= values["expires_on"]))
            values["row"] = cert
            out.setdefault(values["zone_id"], []).append(values)
        return out

    @cached_property
    def zones(self) -> list[dict]:
        """Zones verified on the day and started by then, with their values on the day."""
        changes = facts.history("growing_zone")
        out = []
        for zone in db.session.scalars(sa.select(GrowingZone).order_by(GrowingZone.code)):
            values = facts.values_on(zone, self.on, changes.get(zone.id))
            if values["status"] != ReviewStatus.VERIFIED:
                continue
            certs = self.zone_certificates.get(zone.id, [])
            issued = [c["issued_on"] for c in certs if c["status"] == ReviewStatus.VERIFIED]
            start = min([facts.local_day(zone.created_at), *issued])
            if start > self.on:
                continue
            codes = [c for c in certs if c["kind"] in CODE_KINDS and c["status"] == ReviewStatus.VERIFIED]
            values.update(row=zone, certificates=certs, code_valid=any(c["valid"] for c in codes),
                          code_expired=bool(codes) and not any(c["valid"] for c in codes))
            out.append(values)
        return out

    def zones_in(self, scope: Scope) -> list[dict]:
        return [z for z in self.zones if (not scope.commune_id or z["commune_id"] == scope.commune_id)
                and (not scope.crop_id or z["crop_id"] == scope.crop_id)]

    @cached_property
    def ocop(self) -> dict[int, dict]:
        """OCOP certificate id -> values on the day and whether it is valid then."""
        changes = facts.history("ocop_certificate")
        out = {}
        for cert in db.session.scalars(sa.select(OcopCertificate)):
            values = facts.values_on(cert, self.on, changes.get(cert.id))
            values["valid"] = (values["status"] == ReviewStatus.VERIFIED
                               and values["issued_on"] <= self.on <= values["expires_on"])
            out[cert.id] = values
        return out

    @cached_property
    def activated(self) -> list[tuple[Contract, date | None]]:
        """(contract, the day it ended if it ended by the date) for every contract activated by the date."""
        query = sa.select(Contract).where(Contract.state.in_(LINKED_STATES), Contract.activated_at.is_not(None),
                                          Contract.activated_at < _end_of_day(self.on)).order_by(Contract.reference)
        out = []
        for contract in db.session.scalars(query):
            if contract.state == ContractState.CANCELLED and contract.cancelled_at is None:
                continue  # cancelled without a day: it cannot be placed in time, so it never counts
            ended = [facts.local_day(m) for m in (contract.completed_at, contract.cancelled_at) if m is not None]
            out.append((contract, min(ended) if ended and min(ended) <= self.on else None))
        return out

    @cached_property
    def contracts(self) -> list[Contract]:
        """Contracts linking their parties on the day: activated by then, not completed or cancelled before."""
        return [contract for contract, ended in self.activated if ended is None]

    @cached_property
    def chains(self) -> list[DeclaredChain]:
        query = sa.select(DeclaredChain).where(DeclaredChain.started_on <= self.on, sa.or_(
            DeclaredChain.ended_on.is_(None), DeclaredChain.ended_on >= self.on)).order_by(DeclaredChain.id)
        return list(db.session.scalars(query))


def _facts(scope: Scope, world: "Facts | None") -> Facts:
    return world if world is not None and world.on == scope.as_of else Facts(scope.as_of)


def terms_on(contract: Contract, on: date):
    """The terms in force on the day: the latest version both parties had signed by its end (else the first)."""
    end = _end_of_day(on)
    for version in sorted(contract.versions, key=lambda v: -v.number):
        signed = contract.signatures_of(version)
        if len({s.organisation_id for s in signed}) >= 2 and all(s.signed_at < end for s in signed):
            return version.terms
    return contract.versions[0].terms if contract.versions else contract.current.terms


def _delivered(contract: Contract, on: date) -> float:
    return sum(d.accepted for d in contract.deliveries  # the accepted quantity once inspected
               if d.status == DeliveryStatus.CONFIRMED and d.delivered_on <= on)


# --- linkage chains -----------------------------------------------------------------------------------

def _org_entry(org: Organisation, world: Facts) -> dict:
    values = world.orgs[org.id]
    commune = db.session.get(Commune, values["commune_id"]) if values["commune_id"] else None
    return {"id": org.id, "name": org.name, "kind": values["kind"], "commune": commune.name if commune else None,
            "commune_id": values["commune_id"], "contracts": [], "partners": [], "links": [], "crops": []}


def linkage_chains(scope: Scope, world: Facts | None = None) -> dict:
    """Processing enterprises and cooperatives linked with producers on the date, each once, with every link
    that counts it ("contracted": through a contract in the market; "declared": only through chains the
    department declared); and every active contract ("chains"), whoever the buyer, saying who counts."""
    world = _facts(scope, world)
    crop_keys = {c.id: c.key for c in db.session.scalars(sa.select(Crop))}

    def in_scope(org_id: int) -> bool:
        return scope.commune_id is None or world.orgs[org_id]["commune_id"] == scope.commune_id

    counted: dict[int, dict] = {}
    chains = []
    for contract in world.contracts:
        terms = terms_on(contract, scope.as_of)
        item = terms.item
        if scope.crop_id and contract.crop_id != scope.crop_id:
            continue
        buyer, seller = contract.buyer, contract.seller
        counts = (buyer.id in world.processors and world.org_verified(seller.id)
                  and world.orgs[seller.id]["kind"] in PRODUCER_KINDS)
        chains.append({"reference": contract.reference, "buyer": buyer.name, "buyer_kind": world.orgs[buyer.id]["kind"],
                       "producer": seller.name, "seller_kind": world.orgs[seller.id]["kind"],
                       "processor": buyer.name if counts else None, "counts": counts,
                       "crop": item.crop_name, "zones": list(terms.zone_codes), "unit": item.unit,
                       "contracted": item.quantity, "delivered": _delivered(contract, scope.as_of),
                       "state": contract.state})
        if counts and in_scope(buyer.id):
            entry = counted.setdefault(buyer.id, _org_entry(buyer, world))
            entry["contracts"].append(contract.reference)
            entry["links"].append({"type": "contract", "reference": contract.reference, "producer": seller.name,
                                   "crop": item.crop_name})
            if contract.crop_id and crop_keys.get(contract.crop_id) not in entry["crops"]:
                entry["crops"].append(crop_keys.get(contract.crop_id))
    declared: dict[int, dict] = {}
    for chain in world.chains:
        org = chain.organisation
        if chain.role != ChainRole.PROCESSOR or org.id not in world.processors or not in_scope(org.id):
            continue
        if scope.crop_id and chain.crop_id != scope.crop_id:
            continue
        target = counted.get(org.id) or declared.setdefault(org.id, _org_entry(org, world))
        target["partners"].append(chain.partner_name)
        target["links"].append({"type": "declared", "reference": None, "producer": chain.partner_name,
                                "crop": chain.crop.name_vi if chain.crop else None})
        if chain.crop_id and crop_keys.get(chain.crop_id) not in target["crops"]:
            target["crops"].append(crop_keys.get(chain.crop_id))
    for entry in (*counted.values(), *declared.values()):
        cap = world.processors[entry["id"]]
        entry["facility"] = {"products": cap.products, "capacity": cap.capacity, "unit": cap.capacity_unit,
                             "address": cap.address}
    return {"contracted": sorted(counted.values(), key=lambda o: o["name"]),
            "declared": sorted(declared.values(), key=lambda o: o["name"]), "chains": chains}


def processors_by_crop(scope: Scope, world: Facts | None = None) -> dict[str, int]:
    """crop key -> processors linked on the date through a link of that crop."""
    chains = linkage_chains(Scope(scope.as_of, scope.commune_id), _facts(scope, world))
    counts: dict[str, int] = {}
    for entry in (*chains["contracted"], *chains["declared"]):
        for key in entry["crops"]:
            counts[key] = counts.get(key, 0) + 1
    return counts


# --- OCOP -----------------------------------------------------------------------------------------------

def _valid_products(scope: Scope, world: Facts | None = None) -> list[tuple[OcopProduct, dict]]:
    """(product, its certificate's values on the day) for products resting on a department-verified OCOP
    certificate valid on the date, their producer's own, the producer verified on the date."""
    world = _facts(scope, world)
    query = sa.select(OcopProduct).where(OcopProduct.ocop_certificate_id.is_not(None)).order_by(OcopProduct.id)
    if scope.crop_id:
        query = query.where(OcopProduct.crop_id == scope.crop_id)
    out = []
    for product in db.session.scalars(query):
        cert = world.ocop.get(product.ocop_certificate_id)
        org = world.orgs.get(product.organisation_id)
        if (cert and cert["valid"] and cert["organisation_id"] == product.organisation_id and org
                and org["status"] == OrgStatus.VERIFIED
                and (not scope.commune_id or org["commune_id"] == scope.commune_id)):
            out.append((product, cert))
    return out


def _expiring_products(scope: Scope, days: int = 90, world: Facts | None = None) -> int:
    return sum(1 for _p, cert in _valid_products(scope, world) if cert["expires_on"] <= scope.as_of + timedelta(days=days))


def _in_retail(product_ids: list[int], scope: Scope, chain_kinds=(OrgKind.RETAIL_CHAIN,)) -> set[int]:
    """Products a chain (of `chain_kinds`) confirmed, by the end of the day, as on its shelves on the day."""
    if not product_ids:
        return set()
    return set(db.session.scalars(sa.select(ShelfPlacement.product_id)
                                  .join(Organisation, ShelfPlacement.chain_id == Organisation.id).where(
        ShelfPlacement.product_id.in_(product_ids), ShelfPlacement.status == PlacementStatus.CONFIRMED,
        Organisation.kind.in_(chain_kinds),
        ShelfPlacement.since <= scope.as_of,
        sa.or_(ShelfPlacement.ended_on.is_(None), ShelfPlacement.ended_on > scope.as_of),
        ShelfPlacement.confirmed_at < _end_of_day(scope.as_of))))


def retail_share(scope: Scope, world: Facts | None = None) -> dict:
    """The share of 4-5 star products (verified certificates valid on the day) that a retail chain confirmed
    on its shelves on the day. 3-star products on shelves are counted apart, never in the share."""
    stars = {p.id: cert["stars"] for p, cert in _valid_products(scope, world)}
    top = [pid for pid, n in stars.items() if n in (4, 5)]
    in_retail = _in_retail(top, scope)
    three_star = _in_retail([pid for pid, n in stars.items() if n == 3], scope)
    return {"value": round(100 * len(in_retail) / len(top), 1) if top else 0.0,
            "in_retail": len(in_retail), "four_five_star": len(top), "three_star_in_retail": len(three_star)}


def retail_share_figure(figure, scope: Scope, world: Facts | None = None) -> "Figure":
    share = retail_share(scope, world)
    return figure("ocop_retail_share", share.pop("value"), detail=share)


def tourist_shop_sales(scope: Scope, world: Facts | None = None) -> dict:
    """OCOP products (certificate valid on the day) sold through tourist-site shops: bought by a tourist
    shop in the market (orders paid by the end of the day) or confirmed on a tourist shop's shelves on it."""
    products = {p.id: p for p, _c in _valid_products(scope, world)}
    if not products:
        return {"products": 0, "quantity": 0, "value": 0, "on_shelves": 0}
    rows = db.session.execute(
        sa.select(OrderItem.product_id, sa.func.sum(OrderItem.quantity), sa.func.sum(OrderItem.quantity * OrderItem.unit_price))
        .join(ShopOrder, OrderItem.order_id == ShopOrder.id)
        .join(Organisation, ShopOrder.buyer_id == Organisation.id)
        .where(Organisation.kind == OrgKind.TOURIST_SHOP, ShopOrder.status.in_(SOLD_STATUSES),
               ShopOrder.paid_at.is_not(None), ShopOrder.paid_at < _end_of_day(scope.as_of),
               OrderItem.product_id.in_(list(products)))
        .group_by(OrderItem.product_id)).all()
    sold = {pid for pid, _q, _v in rows}
    shelved = _in_retail(list(products), scope, chain_kinds=(OrgKind.TOURIST_SHOP,))
    return {"products": len(sold | shelved), "quantity": int(sum(q or 0 for _p, q, _v in rows)),
            "value": int(sum(v or 0 for _p, _q, v in rows)), "on_shelves": len(shelved)}


# --- areas ------------------------------------------------------------------------------------------------

def _zones(scope: Scope, world: Facts | None = None) -> list[dict]:
    return _facts(scope, world).zones_in(scope)


def certified_area(scope: Scope, kinds, world: Facts | None = None, *, crop_key: str | None = None) -> float:
    """Hectares of zones verified on the day holding, on the day, a verified valid certificate of the group
    that the kind of zone may hold (an FSC certificate on an orchard counts for nothing); each zone once."""
    total = 0.0
    crop_id = None
    if crop_key:
        crop_id = db.session.scalar(sa.select(Crop.id).where(Crop.key == crop_key))
    for zone in _zones(scope, world):
        if crop_id and zone["crop_id"] != crop_id:
            continue
        if any(c["kind"] in kinds and c["valid"] and not plausibility.certificate_refused(zone["kind"], c["kind"])
               for c in zone["certificates"]):
            total += zone["area_ha"]
    return round(total, 2)


def area_by_crop(scope: Scope, world: Facts | None = None) -> list[dict]:
    """Verified zone area per crop on the date (zones whose code certificate has expired do not count),
    against the plan's range for each crop."""
    crops = {c.id: c for c in db.session.scalars(sa.select(Crop).where(Crop.tradable))}
    area: dict[int, float] = {}
    for zone in _zones(scope, world):
        if not zone["code_expired"]:
            area[zone["crop_id"]] = area.get(zone["crop_id"], 0.0) + zone["area_ha"]
    rows = []
    for crop in sorted(crops.values(), key=lambda c: -(c.target_ha_min or 0)):
        if scope.crop_id and crop.id != scope.crop_id:
            continue
        rows.append({"key": crop.key, "name_vi": crop.name_vi, "name_en": crop.name_en,
                     "value": round(area.get(crop.id, 0.0), 2), "goal_min": crop.target_ha_min,
                     "goal_max": crop.target_ha_max})
    return rows


def coded_zone_contracts(scope: Scope, world: Facts | None = None) -> dict:
    """Of the contracts active on the date (in the scope), those supplied from at least one zone holding a valid
    planting-area or forest code on the date (zones named in the terms or on its confirmed deliveries)."""
    world = _facts(scope, world)
    coded = {z["row"].code for z in world.zones if z["code_valid"]}
    total = supplied = 0
    for contract in world.contracts:
        if scope.crop_id and contract.crop_id != scope.crop_id:
            continue
        if scope.commune_id and world.orgs[contract.seller_id]["commune_id"] != scope.commune_id:
            continue
        codes = set(terms_on(contract, scope.as_of).zone_codes)
        codes |= {z.code for d in contract.deliveries if d.status == DeliveryStatus.CONFIRMED
                  and d.delivered_on <= scope.as_of for z in d.zones}
        total += 1
        supplied += bool(codes & coded)
    return {"value": round(100 * supplied / total, 1) if total else 0.0, "supplied": supplied, "contracts": total}


# --- volumes ------------------------------------------------------------------------------------------------

def measure(unit: str) -> tuple[str, float]:
    """(the unit a quantity is summed in, the factor): masses in tonnes, anything else in its own unit."""
    if unit in TO_TONNES:
        return "tan", TO_TONNES[unit]
    return unit, 1.0


def volumes(scope: Scope, world: Facts | None = None) -> list[dict]:
    """Contracted and delivered volume and value by crop and the seller's commune, masses in tonnes, summed over
    the contracts activated by the date (completed ones included: what was contracted and delivered stays)."""
    world = _facts(scope, world)
    rows: dict[tuple, dict] = {}
    for contract, ended in world.activated:
        cancelled = ended is not None and contract.cancelled_at is not None \
            and facts.local_day(contract.cancelled_at) == ended
        seller_commune = world.orgs[contract.seller_id]["commune_id"]
        if scope.commune_id and seller_commune != scope.commune_id:
            continue
        if scope.crop_id and contract.crop_id != scope.crop_id:
            continue
        item = terms_on(contract, scope.as_of).item
        unit, factor = measure(item.unit)
        commune = db.session.get(Commune, seller_commune) if seller_commune else None
        key = (item.crop, commune.name if commune else "—", unit)
        row = rows.setdefault(key, {"crop": item.crop_name, "crop_key": item.crop, "commune": key[1],
                                    "commune_id": seller_commune, "unit": unit, "contracted": 0.0,
                                    "contracted_value": 0, "delivered": 0.0, "delivered_value": 0,
                                    "original_units": []})
        # A contract cancelled by the date keeps what was delivered before it ended, and contracts nothing more.
        delivered = _delivered(contract, min(scope.as_of, ended - timedelta(days=1)) if cancelled else scope.as_of)
        contracted = 0.0 if cancelled else item.quantity
        row["contracted"] = round(row["contracted"] + contracted * factor, 3)
        row["contracted_value"] += round(contracted * item.price_per_unit)
        row["delivered"] = round(row["delivered"] + delivered * factor, 3)
        row["delivered_value"] += round(delivered * item.price_per_unit)
        if item.unit not in row["original_units"]:
            row["original_units"].append(item.unit)
    return sorted(rows.values(), key=lambda r: (r["crop"], r["commune"], r["unit"]))


def volume_totals(rows: list[dict]) -> dict[str, dict]:
    """unit -> contracted, delivered and their values, over every row (and so every crop and commune)."""
    totals: dict[str, dict] = {}
    for row in rows:
        t = totals.setdefault(row["unit"], {"contracted": 0.0, "delivered": 0.0, "contracted_value": 0,
                                            "delivered_value": 0})
        for k in t:
            t[k] = round(t[k] + row[k], 3) if isinstance(t[k], float) else t[k] + row[k]
    return totals


# --- all targets -------------------------------------------------------------------------------------------

# What each figure counts, said next to it on the dashboard (only verified facts count).
LINKAGE_RULE = _l("Counted: enterprises and cooperatives whose processing facility the department verified and "
                  "that, on the date, buy from producers (cooperatives, farmer groups) under an active contract or "
                  "run a declared chain as processor; retail chains and shops are buyers, never processors.")
BASIS = {
    "linkage_orgs": LINKAGE_RULE,
    "ocop_valid": _l("Only OCOP certificates verified by the department (register import or document review) and "
                     "valid on the date; declared, pending, rejected and recalled certificates are not counted."),
    "ocop_four_star": _l("Stars as verified by the department on the certificate, not as declared by the seller."),
    "ocop_five_star": _l("Stars as verified by the department on the certificate, not as declared by the seller."),
    "ocop_expiring_90_days": _l("Verified certificates only, by the expiry date on the department's record."),
    "ocop_retail_share": _l("Of the 4-5 star products with verified certificates, those a retail chain confirmed "
                            "on its shelves on the date."),
    "ocop_tourist_shops": _l("OCOP products with verified certificates bought by tourist-site shops in the market, "
                             "or confirmed on their shelves, by the date. The plan sets no number."),
    "cert_gap_organic_zone_ha": _l("Verified zones holding a verified VietGAP, GlobalGAP, organic or planting-area "
                                   "code certificate valid on the date; each zone once."),
    "cert_planted_forest_ha": _l("Verified planted-forest zones holding a verified forest code valid on the date."),
    "cert_sfm_ha": _l("Verified forest zones holding a verified FSC / sustainable-forest-management certificate "
                      "valid on the date."),
    "organic_hoi_ha": _l("Verified star-anise zones holding a verified organic certificate valid on the date."),
    "contracts_coded_zones_pct": _l("Of the contracts active on the date, those supplied from a zone with a valid "
                                    "planting-area or forest code. The plan sets no number."),
    "volume_contracted_t": CONVERSIONS,
    "volume_delivered_t": _l("Confirmed deliveries (the quantity accepted at inspection) up to the date, in tonnes."),
}
PROCESSOR_BASIS = _l("Processors counted by the linkage rule whose counted link is for this crop.")
ZONE_AREA_BASIS = _l("Verified zones of the crop on the date (a zone whose code has expired does not count), "
                     "against the plan's area for the crop.")

# Extra figures that are not rows of plan.json's targets: key -> (section, Vietnamese, English, unit).
EXTRA = {
    "ocop_tourist_shops": ("ocop", "Sản phẩm OCOP bán qua cửa hàng tại điểm du lịch",
                           "OCOP products sold through tourist-site shops", "product"),
    "organic_hoi_ha": ("certification", "Diện tích rừng hồi hữu cơ", "Organic star-anise area", "ha"),
    "contracts_coded_zones_pct": ("certification", "Tỷ lệ hợp đồng thu mua từ vùng có mã số còn hiệu lực",
                                  "Share of purchase contracts supplied from zones with a valid code", "%"),
    "volume_contracted_t": ("volumes", "Sản lượng theo hợp đồng (quy đổi ra tấn)",
                            "Contracted volume (in tonnes)", "t"),
    "volume_delivered_t": ("volumes", "Sản lượng đã giao (quy đổi ra tấn)", "Delivered volume (in tonnes)", "t"),
}


def expiring_label(locale: str) -> str:
    with force_locale(locale):
        return _("OCOP certificates expiring in the next 90 days")


def line_text(figure: Figure, locale: str) -> str:
    if figure.goal is None:
        return ""
    with force_locale(locale):
        bound = _("the lower bound of the plan's range") if figure.goal_max not in (None, figure.goal) \
            else _("the plan's goal")
        return _("Straight line from 0 on 1 January 2026 to %(bound)s (%(goal)s) on 31 December 2030: "
                 "%(expected)s expected on the date.", bound=bound, goal=_number(figure.goal),
                 expected=_number(figure.expected))


def _number(value) -> str:
    from market.numbers import format_number

    return format_number(value)


def compute(scope: Scope, locale: str = "vi", world: Facts | None = None) -> list[Figure]:
    """Every figure the market's data can compute, as of the scope's date."""
    goals = {t.key: t for t in db.session.scalars(sa.select(PlanTarget).order_by(PlanTarget.position))}
    crops = {c.key: c for c in db.session.scalars(sa.select(Crop))}
    as_of = scope.as_of.isoformat()
    world = _facts(scope, world)
    en = locale.startswith("en")

    def figure(key, value, unit=None, detail=None, label=None, goal=None, goal_max=None, section=None,
               basis=None, breakdown=None):
        target = goals.get(key)
        extra = EXTRA.get(key)
        if label is None:
            label = target.label(locale) if target else (extra[2] if en else extra[1]) if extra else key
        result = Figure(key=key, section=section or (target.section if target else extra[0] if extra else "ocop"),
                        label=label, value=value,
                        goal=goal if goal is not None or target is None else target.goal_min,
                        goal_max=goal_max if goal is not None or target is None else target.goal_max,
                        unit=unit or (target.unit if target else extra[3] if extra else ""), as_of=as_of,
                        detail=detail or {}, breakdown=breakdown or [])
        with force_locale(locale):
            result.basis = str(basis or BASIS.get(key, ""))
        result.line = line_text(result, locale)
        return result

    chains = linkage_chains(scope, world)
    products = _valid_products(scope, world)
    figures = [
        figure("linkage_orgs", len(chains["contracted"]) + len(chains["declared"]),
               detail={"contracted": len(chains["contracted"]), "declared": len(chains["declared"])}),
    ]
    by_crop = processors_by_crop(scope, world)
    for key, (low, high) in PROCESSORS_PER_CROP.items():
        crop = crops.get(key)
        if crop is None or (scope.crop_id and crop.id != scope.crop_id):
            continue
        name = crop.name_en if en else crop.name_vi
        with force_locale(locale):
            label = _("Processors attracted: %(crop)s", crop=name)
        figures.append(figure(f"processors_{key}", by_crop.get(key, 0), unit="org", label=label, goal=low,
                              goal_max=high, section="linkage", basis=PROCESSOR_BASIS))
    figures += [
        figure("ocop_valid", len(products)),
        figure("ocop_four_star", sum(1 for _p, c in products if c["stars"] == 4)),
        figure("ocop_five_star", sum(1 for _p, c in products if c["stars"] == 5)),
        retail_share_figure(figure, scope, world),
        figure("ocop_expiring_90_days", _expiring_products(scope, world=world), unit="product",
               label=expiring_label(locale)),
    ]
    tourist = tourist_shop_sales(scope, world)
    figures.append(figure("ocop_tourist_shops", tourist.pop("products"), detail=tourist))
    for key, kinds in AREA_GROUPS.items():
        figures.append(figure(key, certified_area(scope, kinds, world)))
    if not scope.crop_id or (crops.get("hoi") and crops["hoi"].id == scope.crop_id):
        figures.append(figure("organic_hoi_ha", certified_area(scope, (CertificateKind.ORGANIC,), world,
                                                               crop_key="hoi"), goal=ORGANIC_HOI_HA,
                              goal_max=ORGANIC_HOI_HA))
    coded = coded_zone_contracts(scope, world)
    figures.append(figure("contracts_coded_zones_pct", coded.pop("value"), detail=coded))
    for row in area_by_crop(scope, world):
        if row["goal_min"] is None and row["goal_max"] is None:
            continue
        with force_locale(locale):
            label = _("Verified zone area: %(crop)s", crop=row["name_en"] if en else row["name_vi"])
        figures.append(figure(f"zone_area_{row['key']}", row["value"], unit="ha", label=label,
                              goal=row["goal_min"], goal_max=row["goal_max"], section="crops",
                              basis=ZONE_AREA_BASIS))
    rows = volumes(scope, world)
    totals = volume_totals(rows)
    mass = totals.get("tan", {"contracted": 0.0, "delivered": 0.0, "contracted_value": 0, "delivered_value": 0})
    other = {unit: t for unit, t in totals.items() if unit != "tan"}
    figures.append(figure("volume_contracted_t", mass["contracted"], detail={
        "value": mass["contracted_value"], "other_units": {u: t["contracted"] for u, t in other.items()}},
        breakdown=[{k: r[k] for k in ("crop", "crop_key", "commune", "unit", "contracted", "original_units")}
                   for r in rows]))
    figures.append(figure("volume_delivered_t", mass["delivered"], detail={
        "value": mass["delivered_value"], "other_units": {u: t["delivered"] for u, t in other.items()}},
        breakdown=[{k: r[k] for k in ("crop", "crop_key", "commune", "unit", "delivered", "original_units")}
                   for r in rows]))
    return figures


# Plan targets the market cannot see, and where their figures come from.
NOT_TRACKED_SOURCES = {
    "livestock": _l("The livestock census of the statistics office and the department's livestock and veterinary "
                    "sub-department."),
    "other": _l("The department's science and technology records (projects approved and accepted)."),
    "economy": _l("The provincial statistics office (gross regional product by sector, value per hectare)."),
}
ECONOMY = [
    ("agri_share_of_economy_pct", "Tỷ trọng nông, lâm nghiệp, thủy sản trong cơ cấu kinh tế",
     "Agriculture, forestry and fisheries in the economy", 12, 13, "%"),
    ("agri_growth_pct_per_year", "Tăng trưởng bình quân khu vực nông, lâm nghiệp, thủy sản",
     "Average growth of agriculture, forestry and fisheries", 3.6, None, "%"),
    ("value_per_area_increase_pct", "Giá trị sản phẩm trên đơn vị diện tích tăng so với năm 2025",
     "Value per hectare increase over 2025", 10, 15, "%"),
    ("keo_large_timber_ha", "Chuyển hóa rừng keo gỗ nhỏ sang kinh doanh gỗ lớn",
     "Acacia converted to large-timber forest", 6000, 8000, "ha"),
]


def not_tracked(locale: str = "vi") -> list[dict]:
    """The plan's targets this market cannot see: listed so a report never looks complete when it is not."""
    en = locale.startswith("en")
    out = []
    for t in db.session.scalars(sa.select(PlanTarget).where(PlanTarget.section.in_(("livestock", "other")))
                                .order_by(PlanTarget.position)):
        with force_locale(locale):
            source = str(NOT_TRACKED_SOURCES[t.section])
        out.append({"key": t.key, "label": t.label(locale), "goal": t.goal_min, "goal_max": t.goal_max,
                    "unit": t.unit, "source": source})
    for key, vi, english, low, high, unit in ECONOMY:
        with force_locale(locale):
            source = str(NOT_TRACKED_SOURCES["economy"])
        out.append({"key": key, "label": english if en else vi, "goal": low, "goal_max": high, "unit": unit,
                    "source": source})
    return out


# --- late entries -----------------------------------------------------------------------------------------

def late_changes(scope: Scope, locale: str = "vi", figures: list[Figure] | None = None) -> dict | None:
    """The last report sent for the scope's date and commune (its snapshot) against a fresh computation: which
    figures late entries changed since, with both values. None when no report of that date was sent."""
    query = (sa.select(ReportSnapshot).where(ReportSnapshot.as_of == scope.as_of)
             .order_by(ReportSnapshot.created_at.desc(), ReportSnapshot.id.desc()).limit(1))
    query = query.where(ReportSnapshot.commune_id.is_(None) if scope.commune_id is None
                        else ReportSnapshot.commune_id == scope.commune_id)
    snapshot = db.session.scalar(query)
    if snapshot is None or scope.crop_id:
        return None
    sent = {f["key"]: f for f in (snapshot.figures or {}).get("figures", [])}
    now = {f.key: f for f in (figures if figures is not None else compute(scope, locale))}
    changed = [{"key": key, "label": now[key].label, "sent": f["value"], "now": now[key].value,
                "unit": now[key].unit}
               for key, f in sent.items() if key in now and f["value"] != now[key].value]
    return {"snapshot_id": snapshot.id, "sent_at": snapshot.created_at, "changed": changed}


# --- the API ------------------------------------------------------------------------------------------------

def api_payload(scope: Scope, locale: str = "vi") -> dict:
    """What /api/v1/targets answers: every figure with its range, progress, gap and line, the scope and date,
    per-crop and per-commune breakdowns, and the plan's targets not tracked here."""
    world = Facts(scope.as_of)
    figures = compute(scope, locale, world)
    crop = db.session.get(Crop, scope.crop_id) if scope.crop_id else None
    chains = linkage_chains(scope, world)
    per_commune: dict[int | None, dict] = {}

    def commune_row(commune_id):
        if commune_id not in per_commune:
            commune = db.session.get(Commune, commune_id) if commune_id else None
            per_commune[commune_id] = {"commune_id": commune_id, "commune": commune.name if commune else None,
                                       "linkage_orgs": 0, "ocop_valid": 0, "zone_area_ha": 0.0, "contracts": 0,
                                       "contracted_t": 0.0, "delivered_t": 0.0}
        return per_commune[commune_id]

    for entry in (*chains["contracted"], *chains["declared"]):
        commune_row(entry["commune_id"])["linkage_orgs"] += 1
    for product, _cert in _valid_products(scope, world):
        commune_row(world.orgs[product.organisation_id]["commune_id"])["ocop_valid"] += 1
    for zone in _zones(scope, world):
        row = commune_row(zone["commune_id"])
        row["zone_area_ha"] = round(row["zone_area_ha"] + zone["area_ha"], 2)
    for row in volumes(scope, world):
        target = commune_row(row["commune_id"])
        if row["unit"] == "tan":
            target["contracted_t"] = round(target["contracted_t"] + row["contracted"], 3)
            target["delivered_t"] = round(target["delivered_t"] + row["delivered"], 3)
    for contract in world.contracts:
        if (not scope.crop_id or contract.crop_id == scope.crop_id) and (
                not scope.commune_id or world.orgs[contract.seller_id]["commune_id"] == scope.commune_id):
            commune_row(world.orgs[contract.seller_id]["commune_id"])["contracts"] += 1
    by_crop = processors_by_crop(scope, world)
    crops = []
    for row in area_by_crop(scope, world):
        crops.append({**row, "processors": by_crop.get(row["key"], 0),
                      "volumes": [v for v in volumes(scope, world) if v["crop_key"] == row["key"]]})
    with force_locale(locale):
        conversions = str(CONVERSIONS)
    return {
        "as_of": scope.as_of.isoformat(),
        "period": {"start": PERIOD_START.isoformat(), "end": PERIOD_END.isoformat()},
        "scope": {"commune_id": scope.commune_id, "commune": commune_name(scope.commune_id),
                  "crop_id": scope.crop_id, "crop": crop.key if crop else None},
        "figures": [{**f.as_json(), "range": [f.goal, f.goal_max]} for f in figures],
        "by_crop": crops,
        "by_commune": sorted(per_commune.values(), key=lambda r: r["commune"] or ""),
        "linkage": {"rule": _in(locale, LINKAGE_RULE),
                    "organisations": [{k: o[k] for k in ("id", "name", "kind", "commune", "links")}
                                      for o in (*chains["contracted"], *chains["declared"])]},
        "conversions": conversions,
        "not_tracked": not_tracked(locale),
    }


def _in(locale: str, message) -> str:
    with force_locale(locale):
        return str(message)


# The figures drawn month by month, each computed alone (the trend chart asks for twelve dates).
TREND_FIGURES = {
    "linkage_orgs": lambda scope: sum(len(v) for k, v in linkage_chains(scope).items() if k != "chains"),
    "ocop_valid": lambda scope: len(_valid_products(scope)),
}


def monthly_trend(key: str, year: int, scope: Scope) -> list[tuple[str, float]]:
    """The figure at the end of each month of `year` up to the scope's date (for the trend chart)."""
    points = []
    for month in range(1, 13):
        end = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if end > scope.as_of:
            end = scope.as_of
        if end < PERIOD_START:
            continue
        value = TREND_FIGURES[key](Scope(end, scope.commune_id, scope.crop_id))
        points.append((end.strftime("%m/%Y"), value))
        if end == scope.as_of:
            break
    return points


def commune_for(user, requested: int | None) -> int | None:
    """The commune a person may see: the department any (or all), commune staff only their own."""
    from market.services.errors import PermissionDenied

    # An unknown id (a stale link, "0") is an input error, not a scope: it must never reach a snapshot.
    if requested is not None and db.session.get(Commune, requested) is None:
        raise ValidationFailed({"commune": _("No commune or ward has this number.")})
    if user.is_department_staff:
        return requested
    own = [c.id for c in user.office_communes]
    if not own:
        raise PermissionDenied(_("Only department and commune staff see the plan's figures."))
    if requested and requested not in own:
        raise PermissionDenied(_("Commune staff see their own commune's figures only."))
    return requested or own[0]


def crop_for(requested: int | None) -> int | None:
    """The crop a scope covers, if the request names one that exists."""
    if requested is not None and db.session.get(Crop, requested) is None:
        raise ValidationFailed({"crop": _("No crop has this number.")})
    return requested


def commune_name(commune_id: int | None) -> str | None:
    commune = db.session.get(Commune, commune_id) if commune_id else None
    return commune.display_name if commune else None
