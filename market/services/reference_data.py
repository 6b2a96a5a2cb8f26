"""The plan's reference data: communes (with the names old registers use), crops and plan targets.

Production data: `flask market seed` loads it on every deployment, and the app reads it everywhere
(`commune_named`, `crop_named`). `seed_plan` is idempotent: rows are found by their natural keys and
brought in line with market/data/plan.json, so running it twice changes nothing and running it after
the plan's file changed repairs the rows. The demo market built on top of it is in `market.services.demo_market`."""
import json
from importlib import resources

import sqlalchemy as sa

from market.extensions import db
from market.models import Commune, CommuneAlias, Crop, PlanTarget
from market.text import slugify


def plan_data() -> dict:
    return json.loads(resources.files("market.data").joinpath("plan.json").read_text(encoding="utf-8"))


def _upsert(model, lookup: dict, values: dict):
    row = db.session.scalar(sa.select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup)
        db.session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    return row


def seed_plan() -> dict[str, int]:
    """Communes (with aliases), crops (with their communes and target ranges) and plan targets.
    Running it twice changes nothing."""
    data = plan_data()
    communes = {}
    for item in data["communes"]:
        commune = _upsert(Commune, {"name": item["name"]}, {"kind": item["kind"], "slug": slugify(item["name"])})
        communes[item["name"]] = commune
        existing = {a.name for a in commune.aliases}
        for alias in item["aliases"]:
            if alias not in existing:
                commune.aliases.append(CommuneAlias(name=alias))
    for item in data["crops"]:
        fields = {k: v for k, v in item.items() if k not in ("key", "communes")}
        crop = _upsert(Crop, {"key": item["key"]}, fields)
        crop.communes = [communes[name] for name in item["communes"]]
    for item in data["targets"]:
        _upsert(PlanTarget, {"key": item["key"]}, {k: v for k, v in item.items() if k != "key"})
    db.session.flush()
    return {"communes": len(data["communes"]), "crops": len(data["crops"]), "targets": len(data["targets"])}


def commune_named(name: str) -> Commune:
    """A commune by its name or one of its aliases (names in old registers vary)."""
    commune = db.session.scalar(sa.select(Commune).where(Commune.name == name))
    if commune is None:
        commune = db.session.scalar(sa.select(Commune).join(CommuneAlias).where(CommuneAlias.name == name))
    if commune is None:
        raise LookupError(f"unknown commune {name!r}")
    return commune


def crop_named(key: str) -> Crop:
    """A crop by its key in the plan ("hoi", "na", ...)."""
    crop = db.session.scalar(sa.select(Crop).where(Crop.key == key))
    if crop is None:
        raise LookupError(f"unknown crop {key!r}")
    return crop
