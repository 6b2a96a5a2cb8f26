"""The province's geography and the plan's crops: reference data loaded by `flask market seed`."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db

crop_commune = sa.Table(
    "crop_commune",
    db.metadata,
    sa.Column("crop_id", sa.ForeignKey("crop.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("commune_id", sa.ForeignKey("commune.id", ondelete="CASCADE"), primary_key=True),
)


class Commune(db.Model):
    """A commune-level unit (61 xã and 4 phường since 1 July 2025)."""

    __tablename__ = "commune"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # "xa" (commune) or "phuong" (ward)

    aliases: Mapped[list["CommuneAlias"]] = relationship(
        back_populates="commune", cascade="all, delete-orphan", order_by="CommuneAlias.name"
    )

    @property
    def display_name(self) -> str:
        return f"phường {self.name}" if self.kind == "phuong" else f"xã {self.name}"

    def __repr__(self) -> str:
        return f"<Commune {self.name}>"


class CommuneAlias(db.Model):
    """Another spelling of a commune's name, as found in the source document or old registers."""

    __tablename__ = "commune_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(sa.ForeignKey("commune.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)

    commune: Mapped[Commune] = relationship(back_populates="aliases")


class Crop(db.Model):
    """A commodity crop of the plan, with its target area range in hectares."""

    __tablename__ = "crop"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20))  # forest, industrial, fruit, potential, conservation
    target_ha_min: Mapped[int | None]
    target_ha_max: Mapped[int | None]
    all_communes: Mapped[bool] = mapped_column(default=False)
    tradable: Mapped[bool] = mapped_column(default=True)
    products: Mapped[list] = mapped_column(sa.JSON, default=list)
    markets: Mapped[list] = mapped_column(sa.JSON, default=list)
    aliases: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str | None] = mapped_column(sa.Text)

    communes: Mapped[list[Commune]] = relationship(secondary=crop_commune, order_by=Commune.name)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    def __repr__(self) -> str:
        return f"<Crop {self.key}>"


class PlanTarget(db.Model):
    """A numeric target of the 2026-2030 plan (the goal; figures are always computed from data)."""

    __tablename__ = "plan_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    section: Mapped[str] = mapped_column(sa.String(40))
    label_vi: Mapped[str] = mapped_column(sa.String(255))
    label_en: Mapped[str] = mapped_column(sa.String(255))
    goal_min: Mapped[float | None]
    goal_max: Mapped[float | None]
    unit: Mapped[str] = mapped_column(sa.String(20))
    year: Mapped[int] = mapped_column(default=2030)
    position: Mapped[int] = mapped_column(default=0)

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_vi
