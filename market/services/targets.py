"""Every target of the 2026-2030 plan, computed from the data as of a date, never typed in.

Rules (each tested with a small world whose answers are worked out by hand, tests/monitoring):
- Linkage: a processing enterprise, cooperative or farm group counts once when, on the date, it is a
  party to a contract that became active on or before it and is active, disputed or completed; or when
  the department declared a chain for it, with evidence, running on that date. Cancelled contracts and
  unverified organisations never count. Retail chains and shops are buyers, not processors.
- OCOP: a product counts when the department verified its OCOP certificate (register import or document
  review), the certificate is valid on the date (issue and expiry day included), not recalled, its own
  producer's, and its producer is verified; stars are the certificate's, never the seller's declaration.
- Retail share: of the products whose department-verified certificate, valid on the date, has 4 or 5
  stars, those a retail chain confirmed on its shelves on the date (since <= date < ended, confirmed by the
  end of that day). Requests and the sellers' old ticks count for nothing; 3-star products on shelves are
  counted apart (detail), never in the share.
- Certified area: verified zones holding, on the date, at least one verified valid certificate of the
  group that the kind of zone may hold (services/plausibility.py); each zone's hectares once per group
  however many certificates it has. A material edit waiting for the department (a pending revision)
  leaves the zone's verified values, and so the figure, unchanged until it is accepted.
"""
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.models import (
    CertificateKind,
    Commune,
    Contract,
    ContractState,
    Crop,
    DeclaredChain,
    DeliveryStatus,
    GrowingZone,
    OcopProduct,
    Organisation,
    OrgKind,
    OrgStatus,
    PlacementStatus,
    PlanTarget,
    ReviewStatus,
    ShelfPlacement,
)
from market.services import ocop, plausibility
from market.services.errors import ValidationFailed

PERIOD_START = date(2026, 1, 1)
LINKED_STATES = (ContractState.ACTIVE, ContractState.DISPUTED, ContractState.COMPLETED)
PROCESSOR_KINDS = (OrgKind.ENTERPRISE, OrgKind.COOPERATIVE, OrgKind.FARMER_GROUP)
AREA_GROUPS = {
    "cert_gap_organic_zone_ha": CertificateKind.GAP_ORGANIC_ZONE,
    "cert_planted_forest_ha": (CertificateKind.FOREST_CODE,),
    "cert_sfm_ha": (CertificateKind.SFM,),
}


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

    @property
    def progress(self) -> float | None:
        """Share of the goal reached, 0..1 (None when there is no goal)."""
        if not self.goal:
            return None
        return max(0.0, min(1.0, self.value / self.goal))

    @property
    def on_track(self) -> bool | None:
        """Straight-line expectation from the start of 2026 to the end of 2030 (shares and counts alike)."""
        if not self.goal:
            return None
        elapsed = (date.fromisoformat(self.as_of) - PERIOD_START).days / ((date(2030, 12, 31) - PERIOD_START).days)
        return self.value >= self.goal * max(0.0, min(1.0, elapsed))

    def as_json(self) -> dict:
        data = asdict(self)
        data.update(progress=self.progress, on_track=self.on_track)
        return data


def check_as_of(value: date | None) -> date:
    """The report date: from 1 January 2026 to today."""
    as_of = value or today()
    if as_of > today():
        raise ValidationFailed({"as_of": _("The date cannot be in the future.")})
    if as_of < PERIOD_START:
        raise ValidationFailed({"as_of": _("The plan starts on 1 January 2026: choose that date or a later one.")})
    return as_of


# --- linkage chains -----------------------------------------------------------------------------

def _linked_contracts(scope: Scope):
    end_of_day = sa.func.coalesce(Contract.activated_at, Contract.signed_at)
    query = (sa.select(Contract).where(Contract.state.in_(LINKED_STATES), end_of_day.is_not(None))
             .order_by(Contract.reference))
    contracts = [c for c in db.session.scalars(query)
                 if (c.activated_at or c.signed_at).astimezone(LOCAL_TZ).date() <= scope.as_of]
    if scope.crop_id:
        contracts = [c for c in contracts if c.crop_id == scope.crop_id]
    return contracts


def _counts_for_linkage(org: Organisation, scope: Scope) -> bool:
    return (org.kind in PROCESSOR_KINDS and org.status == OrgStatus.VERIFIED
            and (scope.commune_id is None or org.commune_id == scope.commune_id))


def linkage_chains(scope: Scope) -> dict:
    """Organisations in linkage chains: contracted (proven in the market) and declared, each counted once."""
    contracted: dict[int, dict] = {}
    chains = []
    for contract in _linked_contracts(scope):
        terms = contract.current.terms
        item = terms.item
        delivered = sum(d.accepted for d in contract.deliveries if d.status == DeliveryStatus.CONFIRMED
                        and d.delivered_on <= scope.as_of)
        chains.append({"reference": contract.reference, "processor": contract.buyer.name,
                       "producer": contract.seller.name, "crop": item.crop_name, "zones": list(terms.zone_codes),
                       "unit": item.unit, "contracted": item.quantity, "delivered": delivered,
                       "state": contract.state})
        for org in (contract.buyer, contract.seller):
            if _counts_for_linkage(org, scope):
                contracted.setdefault(org.id, {"id": org.id, "name": org.name, "kind": org.kind,
                                               "commune": org.commune.name if org.commune else None,
                                               "contracts": []})["contracts"].append(contract.reference)
    declared: dict[int, dict] = {}
    query = sa.select(DeclaredChain).where(DeclaredChain.started_on <= scope.as_of, sa.or_(
        DeclaredChain.ended_on.is_(None), DeclaredChain.ended_on >= scope.as_of))
    if scope.crop_id:
        query = query.where(DeclaredChain.crop_id == scope.crop_id)
    for chain in db.session.scalars(query):
        org = chain.organisation
        if _counts_for_linkage(org, scope) and org.id not in contracted:
            declared.setdefault(org.id, {"id": org.id, "name": org.name, "kind": org.kind,
                                         "commune": org.commune.name if org.commune else None,
                                         "partners": []})["partners"].append(chain.partner_name)
    return {"contracted": sorted(contracted.values(), key=lambda o: o["name"]),
            "declared": sorted(declared.values(), key=lambda o: o["name"]), "chains": chains}


# --- OCOP ---------------------------------------------------------------------------------------

def _valid_products(scope: Scope):
    """Products resting on a department-verified OCOP certificate valid on the date (`ocop.verified_products`);
    what a seller declared counts for nothing. Stars are the certificate's (`p.ocop_certificate.stars`)."""
    query = (ocop.verified_products(scope.as_of).with_only_columns(OcopProduct)
             .join(Organisation, OcopProduct.organisation_id == Organisation.id)
             .where(Organisation.status == OrgStatus.VERIFIED))
    if scope.commune_id:
        query = query.where(Organisation.commune_id == scope.commune_id)
    if scope.crop_id:
        query = query.where(OcopProduct.crop_id == scope.crop_id)
    return list(db.session.scalars(query))


def _expiring_products(scope: Scope, days: int = 90) -> int:
    return sum(1 for p in _valid_products(scope)
               if p.ocop_certificate.expires_on <= scope.as_of + timedelta(days=days))


def _end_of_day(on: date) -> datetime:
    """The first moment after `on` in Lạng Sơn (a datetime bound works on every engine)."""
    return datetime.combine(on + timedelta(days=1), time(), tzinfo=LOCAL_TZ)


def _in_retail(product_ids: list[int], scope: Scope) -> set[int]:
    """Products a retail chain confirmed, by the end of the day, as on its shelves on the day: what the
    producer asked for or a seller once ticked counts for nothing, and a later confirmation never
    rewrites a figure already reported."""
    if not product_ids:
        return set()
    return set(db.session.scalars(sa.select(ShelfPlacement.product_id).where(
        ShelfPlacement.product_id.in_(product_ids), ShelfPlacement.status == PlacementStatus.CONFIRMED,
        ShelfPlacement.since <= scope.as_of,
        sa.or_(ShelfPlacement.ended_on.is_(None), ShelfPlacement.ended_on > scope.as_of),
        ShelfPlacement.confirmed_at < _end_of_day(scope.as_of))))


def _verified_by_stars(scope: Scope) -> dict[int, int]:
    """product id -> the stars of its department-verified certificate valid on the day (never the stars
    the seller typed), for products of verified producers in the scope."""
    query = (ocop.verified_products(scope.as_of)
             .join(Organisation, OcopProduct.organisation_id == Organisation.id)
             .where(Organisation.status == OrgStatus.VERIFIED))
    if scope.commune_id:
        query = query.where(Organisation.commune_id == scope.commune_id)
    if scope.crop_id:
        query = query.where(OcopProduct.crop_id == scope.crop_id)
    return {product.id: certificate.stars for product, certificate in db.session.execute(query)}


def retail_share(scope: Scope) -> dict:
    """The share of 4-5 star products (verified certificates valid on the day) that a retail chain confirmed
    on its shelves on the day. 3-star products on shelves are counted apart, never in the share."""
    stars = _verified_by_stars(scope)
    top = [pid for pid, n in stars.items() if n in (4, 5)]
    in_retail = _in_retail(top, scope)
    three_star = _in_retail([pid for pid, n in stars.items() if n == 3], scope)
    return {"value": round(100 * len(in_retail) / len(top), 1) if top else 0.0,
            "in_retail": len(in_retail), "four_five_star": len(top), "three_star_in_retail": len(three_star)}


def retail_share_figure(figure, scope: Scope) -> "Figure":
    share = retail_share(scope)
    return figure("ocop_retail_share", share.pop("value"), detail=share)


# --- areas ----------------------------------------------------------------------------------------

def _zones(scope: Scope):
    # Registered by the end of the as-of day in Lạng Sơn (a datetime bound works on every engine).
    registered_by = datetime.combine(scope.as_of + timedelta(days=1), time(), tzinfo=LOCAL_TZ)
    query = sa.select(GrowingZone).where(GrowingZone.status == ReviewStatus.VERIFIED,
                                         GrowingZone.created_at < registered_by)
    if scope.commune_id:
        query = query.where(GrowingZone.commune_id == scope.commune_id)
    if scope.crop_id:
        query = query.where(GrowingZone.crop_id == scope.crop_id)
    return list(db.session.scalars(query))


def certified_area(scope: Scope, kinds) -> float:
    """Hectares of verified zones holding, on the day, a verified valid certificate of the group that the
    kind of zone may hold (an FSC certificate on an orchard counts for nothing). A zone's pending revision
    changes nothing here until the department accepts it: the zone row keeps its verified values."""
    total = 0.0
    for zone in _zones(scope):
        if any(c.kind in kinds and c.is_valid(scope.as_of) and not plausibility.certificate_refused(zone.kind, c.kind)
               for c in zone.certificates):
            total += zone.area_ha  # once, however many certificates of the group the zone holds
    return round(total, 2)


def area_by_crop(scope: Scope) -> list[dict]:
    crops = {c.id: c for c in db.session.scalars(sa.select(Crop).where(Crop.tradable))}
    area: dict[int, float] = {}
    for zone in _zones(scope):
        if zone.state(scope.as_of) == ReviewStatus.VERIFIED:
            area[zone.crop_id] = area.get(zone.crop_id, 0.0) + zone.area_ha
    rows = []
    for crop in sorted(crops.values(), key=lambda c: -(c.target_ha_min or 0)):
        if scope.crop_id and crop.id != scope.crop_id:
            continue
        rows.append({"key": crop.key, "name_vi": crop.name_vi, "name_en": crop.name_en,
                     "value": round(area.get(crop.id, 0.0), 2), "goal_min": crop.target_ha_min,
                     "goal_max": crop.target_ha_max})
    return rows


# --- volumes ----------------------------------------------------------------------------------------

def volumes(scope: Scope) -> list[dict]:
    """Contracted and delivered volume and value, by crop and the seller's commune."""
    rows: dict[tuple, dict] = {}
    for contract in _linked_contracts(scope):
        if scope.commune_id and contract.seller.commune_id != scope.commune_id:
            continue
        item = contract.current.terms.item
        key = (item.crop, contract.seller.commune.name if contract.seller.commune else "—", item.unit)
        row = rows.setdefault(key, {"crop": item.crop_name, "commune": key[1], "unit": item.unit,
                                    "contracted": 0.0, "contracted_value": 0, "delivered": 0.0,
                                    "delivered_value": 0})
        delivered = sum(d.accepted for d in contract.deliveries  # the accepted quantity once inspected
                        if d.status == DeliveryStatus.CONFIRMED and d.delivered_on <= scope.as_of)
        row["contracted"] += item.quantity
        row["contracted_value"] += round(item.quantity * item.price_per_unit)
        row["delivered"] += delivered
        row["delivered_value"] += round(delivered * item.price_per_unit)
    return sorted(rows.values(), key=lambda r: (r["crop"], r["commune"]))


# --- all targets -------------------------------------------------------------------------------------

# What each figure counts, said next to it on the dashboard (only verified facts count).
BASIS = {
    "ocop_valid": _l("Only OCOP certificates verified by the department (register import or document review) and "
                     "valid on the date; declared, pending, rejected and recalled certificates are not counted."),
    "ocop_four_star": _l("Stars as verified by the department on the certificate, not as declared by the seller."),
    "ocop_five_star": _l("Stars as verified by the department on the certificate, not as declared by the seller."),
    "ocop_expiring_90_days": _l("Verified certificates only, by the expiry date on the department's record."),
}

def expiring_label(locale: str) -> str:
    with force_locale(locale):
        return _("OCOP certificates expiring in the next 90 days")


def compute(scope: Scope, locale: str = "vi") -> list[Figure]:
    goals = {t.key: t for t in db.session.scalars(sa.select(PlanTarget).order_by(PlanTarget.position))}
    as_of = scope.as_of.isoformat()

    def figure(key, value, unit=None, detail=None, label=None):
        target = goals.get(key)
        return Figure(key=key, section=target.section if target else "ocop",
                      label=label or (target.label(locale) if target else key), value=value,
                      goal=target.goal_min if target else None, goal_max=target.goal_max if target else None,
                      unit=unit or (target.unit if target else ""), as_of=as_of, detail=detail or {})

    chains = linkage_chains(scope)
    products = _valid_products(scope)
    figures = [
        figure("linkage_orgs", len(chains["contracted"]) + len(chains["declared"]),
               detail={"contracted": len(chains["contracted"]), "declared": len(chains["declared"])}),
        figure("ocop_valid", len(products)),
        figure("ocop_four_star", sum(1 for p in products if p.ocop_certificate.stars == 4)),
        figure("ocop_five_star", sum(1 for p in products if p.ocop_certificate.stars == 5)),
        retail_share_figure(figure, scope),
        figure("ocop_expiring_90_days", _expiring_products(scope), unit="product", label=expiring_label(locale)),
    ]
    for key, kinds in AREA_GROUPS.items():
        figures.append(figure(key, certified_area(scope, kinds)))
    return figures


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

    if user.is_department_staff:
        return requested
    own = [c.id for c in user.office_communes]
    if not own:
        raise PermissionDenied(_("Only department and commune staff see the plan's figures."))
    if requested and requested not in own:
        raise PermissionDenied(_("Commune staff see their own commune's figures only."))
    return requested or own[0]


def commune_name(commune_id: int | None) -> str | None:
    commune = db.session.get(Commune, commune_id) if commune_id else None
    return commune.display_name if commune else None
