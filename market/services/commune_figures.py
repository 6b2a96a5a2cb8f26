"""The plan's figures commune by commune: one row per commune and ward of the province (65), and a commune's
own figures. Every number comes from `services/targets.py` (its rules, its "as of" date) or from the
registers, counted for the commune alone; a commune is never judged against a provincial total, so no
provincial goal is ever shown as a commune's target."""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from market.extensions import db
from market.models import (
    Commune,
    Contract,
    ContractState,
    Crop,
    GrowingZone,
    OcopProduct,
    Organisation,
    OrgKind,
    OrgStatus,
    ReviewStatus,
)
from market.services import ocop, targets
from market.text import fold

# Contracts counted per commune (the seller's): in force or done, as the linkage rule reads them.
CONTRACT_STATES = (ContractState.ACTIVE, ContractState.DISPUTED, ContractState.COMPLETED)
SORTS = ("name", "organisations", "zones", "area", "linkage", "ocop", "contracts", "value")


@dataclass
class CommuneRow:
    commune: Commune
    organisations: int = 0
    zones: int = 0
    area_ha: float = 0.0
    crops: list[str] = field(default_factory=list)
    linkage: int = 0
    ocop: int = 0
    contracts: int = 0
    contracted_value: int = 0
    has_office: bool = False

    def sort_key(self, key: str):
        if key == "name":
            return fold(self.commune.name)  # Vietnamese order near enough: Ba Sơn, Bắc Sơn, Bằng Mạc, Bình Gia
        return {"organisations": self.organisations, "zones": self.zones, "area": self.area_ha,
                "linkage": self.linkage, "ocop": self.ocop, "contracts": self.contracts,
                "value": self.contracted_value}[key]


def _grouped(query) -> dict[int, int]:
    return {commune_id: n for commune_id, n in db.session.execute(query) if commune_id is not None}


def table(as_of: date, *, locale: str = "vi", commune_ids: list[int] | None = None, q: str = "",
          kind: str = "", crop_id: int | None = None, sort: str = "name", descending: bool = False) -> list[CommuneRow]:
    """Every commune (or only `commune_ids`), filtered by name (`q`), kind ("xa"/"phuong") and crop (communes
    with verified zones, OCOP products or contracts of it), sorted by one column. Linkage organisations, zone
    area and contracted value follow the plan's rules as of `as_of` (targets.py); OCOP products count
    department-verified certificates valid on the date; organisations, zones and contracts are today's."""
    query = sa.select(Commune).order_by(Commune.name)
    if commune_ids is not None:
        query = query.where(Commune.id.in_(commune_ids or [-1]))
    if kind in ("xa", "phuong"):
        query = query.where(Commune.kind == kind)
    rows = {c.id: CommuneRow(c) for c in db.session.scalars(query)
            if not q or fold(q) in fold(c.name)}  # "chi lang" finds Chi Lăng
    _organisations(rows)
    _zones(rows, as_of, crop_id, locale)
    _linkage_and_value(rows, targets.Scope(as_of=as_of, crop_id=crop_id))
    _ocop_and_contracts(rows, as_of, crop_id)
    out = list(rows.values())
    if crop_id:
        out = [r for r in out if r.zones or r.ocop or r.contracts]
    sort = sort if sort in SORTS else "name"
    out.sort(key=lambda r: (r.sort_key(sort), fold(r.commune.name)), reverse=descending)
    return out


def _set(rows: dict[int, CommuneRow], counts: dict[int, int], attribute: str) -> None:
    for commune_id, n in counts.items():
        if commune_id in rows:
            setattr(rows[commune_id], attribute, n)


def _organisations(rows: dict[int, CommuneRow]) -> None:
    verified = sa.select(Organisation.commune_id, sa.func.count()).where(
        Organisation.status == OrgStatus.VERIFIED).group_by(Organisation.commune_id)
    _set(rows, _grouped(verified.where(Organisation.kind.not_in(OrgKind.AUTHORITIES))), "organisations")
    _set(rows, _grouped(verified.where(Organisation.kind == OrgKind.COMMUNE_OFFICE)), "has_office")
    for row in rows.values():
        row.has_office = bool(row.has_office)


def _zones(rows: dict[int, CommuneRow], as_of: date, crop_id: int | None, locale: str) -> None:
    """Verified zones (today's count); their area and crops by the plan's rule for the date (targets.area_by_crop
    for the commune alone), asked only for communes that have zones."""
    query = sa.select(GrowingZone.commune_id, sa.func.count()).where(
        GrowingZone.status == ReviewStatus.VERIFIED).group_by(GrowingZone.commune_id)
    if crop_id:
        query = query.where(GrowingZone.crop_id == crop_id)
    _set(rows, _grouped(query), "zones")
    for row in rows.values():
        if not row.zones:
            continue
        for crop_row in targets.area_by_crop(targets.Scope(as_of, row.commune.id, crop_id)):
            if crop_row["value"]:
                row.area_ha = round(row.area_ha + crop_row["value"], 2)
                row.crops.append(crop_row["name_en"] if locale == "en" else crop_row["name_vi"])


def _linkage_and_value(rows: dict[int, CommuneRow], scope: targets.Scope) -> None:
    by_name = {r.commune.name: r for r in rows.values()}
    chains = targets.linkage_chains(scope)
    for org in chains["contracted"] + chains["declared"]:
        row = by_name.get(_plain_name(org.get("commune")))
        if row is not None:
            row.linkage += 1
    for volume in targets.volumes(scope):
        row = by_name.get(_plain_name(volume["commune"]))
        if row is not None:
            row.contracted_value += volume["contracted_value"]


def _ocop_and_contracts(rows: dict[int, CommuneRow], as_of: date, crop_id: int | None) -> None:
    query = (ocop.verified_products(as_of).with_only_columns(Organisation.commune_id, sa.func.count())
             .join(Organisation, OcopProduct.organisation_id == Organisation.id)
             .where(Organisation.status == OrgStatus.VERIFIED).group_by(Organisation.commune_id))
    if crop_id:
        query = query.where(OcopProduct.crop_id == crop_id)
    _set(rows, _grouped(query), "ocop")
    seller = sa.orm.aliased(Organisation)
    query = (sa.select(seller.commune_id, sa.func.count(Contract.id)).join(seller, Contract.seller_id == seller.id)
             .where(Contract.state.in_(CONTRACT_STATES)).group_by(seller.commune_id))
    if crop_id:
        query = query.where(Contract.crop_id == crop_id)
    _set(rows, _grouped(query), "contracts")


def _plain_name(name: str | None) -> str | None:
    """targets.py names communes by `Commune.name` (e.g. "Văn Quan"); display names carry "xã"/"phường"."""
    if not name:
        return None
    for prefix in ("xã ", "phường "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def commune_page(commune: Commune, as_of: date, locale: str = "vi") -> dict:
    """A commune's own figures, by the plan's rules for that commune alone. The provincial goals are dropped
    (a commune is not asked to reach the province's total): each figure is a value, its unit and its detail."""
    scope = targets.Scope(as_of=as_of, commune_id=commune.id)
    figures = []
    for figure in targets.compute(scope, locale):
        figures.append({"key": figure.key, "label": figure.label, "value": figure.value, "unit": figure.unit,
                        "section": figure.section})
    crops = [c for c in targets.area_by_crop(scope) if c["value"]]
    plan_crops = db.session.scalars(sa.select(Crop).where(Crop.communes.any(Commune.id == commune.id))
                                    .order_by(Crop.name_vi)).all()
    organisations = db.session.scalars(sa.select(Organisation).where(
        Organisation.commune_id == commune.id, Organisation.status == OrgStatus.VERIFIED)
        .order_by(Organisation.kind, Organisation.name)).all()
    zones = db.session.scalars(sa.select(GrowingZone).where(
        GrowingZone.commune_id == commune.id, GrowingZone.status == ReviewStatus.VERIFIED)
        .order_by(GrowingZone.code)).all()
    return {"figures": figures, "crops": crops, "plan_crops": plan_crops, "organisations": organisations,
            "zones": zones, "volumes": targets.volumes(scope), "chains": targets.linkage_chains(scope)}
