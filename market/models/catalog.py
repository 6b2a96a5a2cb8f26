"""What cooperatives offer and why buyers can trust it: growing zones and their certificates,
OCOP products, seasonal supply listings, and the files uploaded for them."""
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation
from market.models.geo import Commune, Crop
from market.models.types import UTCDateTime, utcnow


def _public_id() -> str:
    """Unguessable id for public traceability links and QR codes (ids in a sequence are not)."""
    return secrets.token_urlsafe(9)


class ZoneKind:
    PLANTING_AREA = "planting_area"   # mã số vùng trồng
    PLANTED_FOREST = "planted_forest"  # mã số rừng trồng
    ALL = (PLANTING_AREA, PLANTED_FOREST)


class ReviewStatus:
    """Status of what the department reviews: zones and certificates."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    RECALLED = "recalled"
    ALL = (PENDING, VERIFIED, REJECTED, RECALLED)


class CertificateKind:
    VIETGAP = "vietgap"
    GLOBALGAP = "globalgap"
    ORGANIC = "organic"
    PLANTING_AREA_CODE = "planting_area_code"
    FOREST_CODE = "forest_code"
    SFM = "sfm"  # sustainable forest management / FSC
    GEOGRAPHICAL_INDICATION = "geographical_indication"
    ALL = (VIETGAP, GLOBALGAP, ORGANIC, PLANTING_AREA_CODE, FOREST_CODE, SFM, GEOGRAPHICAL_INDICATION)
    # The plan's certified-area targets, by group.
    GAP_ORGANIC_ZONE = (VIETGAP, GLOBALGAP, ORGANIC, PLANTING_AREA_CODE)


class ListingStatus:
    DRAFT = "draft"
    OPEN = "open"
    RESERVED = "reserved"
    SOLD_OUT = "sold_out"
    CLOSED = "closed"
    ALL = (DRAFT, OPEN, RESERVED, SOLD_OUT, CLOSED)
    PUBLIC = (OPEN, RESERVED, SOLD_OUT)


class ProductStatus:
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    ALL = (DRAFT, PUBLISHED, WITHDRAWN)


class Upload(db.Model):
    """A stored file: a photo (with a thumbnail) or a PDF certificate. Stored under a random name."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(10))  # "image" or "pdf"
    content_type: Mapped[str] = mapped_column(sa.String(60))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    thumbnail_name: Mapped[str | None] = mapped_column(sa.String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # A photo belongs to at most one listing or product; certificate documents are linked from Certificate.
    listing_id: Mapped[int | None] = mapped_column(sa.ForeignKey("supply_listing.id", ondelete="SET NULL"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ocop_product.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class GrowingZone(db.Model):
    """A registered growing zone (vùng trồng) or planted forest, identified by the code as issued."""

    __tablename__ = "growing_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default=ZoneKind.PLANTING_AREA)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    commune_id: Mapped[int] = mapped_column(sa.ForeignKey("commune.id"), index=True)
    crop_id: Mapped[int] = mapped_column(sa.ForeignKey("crop.id"), index=True)
    area_ha: Mapped[float] = mapped_column(sa.Float)
    households: Mapped[int | None]
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(10), default=ReviewStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    commune: Mapped[Commune] = relationship()
    crop: Mapped[Crop] = relationship()
    certificates: Mapped[list["Certificate"]] = relationship(
        back_populates="zone", cascade="all, delete-orphan", order_by="Certificate.expires_on"
    )

    def valid_certificates(self, on: date) -> list["Certificate"]:
        return [c for c in self.certificates if c.is_valid(on)]

    def state(self, on: date) -> str:
        """pending, verified, rejected or recalled as reviewed; "expired" when verified but no
        certificate proving its code (planting-area or forest code) is valid any more."""
        if self.status != ReviewStatus.VERIFIED:
            return self.status
        code_certs = [c for c in self.certificates
                      if c.kind in (CertificateKind.PLANTING_AREA_CODE, CertificateKind.FOREST_CODE)
                      and c.status == ReviewStatus.VERIFIED]
        if code_certs and not any(c.is_valid(on) for c in code_certs):
            return "expired"
        return ReviewStatus.VERIFIED

    def __repr__(self) -> str:
        return f"<GrowingZone {self.code}>"


class Certificate(db.Model):
    """A certificate held by a zone. Valid from issue to expiry date inclusive, once verified."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("growing_zone.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    number: Mapped[str] = mapped_column(sa.String(60))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    issued_on: Mapped[date]
    expires_on: Mapped[date | None] = mapped_column(index=True)  # None: no expiry (geographical indication)
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("upload.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(10), default=ReviewStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    zone: Mapped[GrowingZone] = relationship(back_populates="certificates")
    document: Mapped[Upload | None] = relationship()

    def in_date(self, on: date) -> bool:
        """Within its dates: the expiry day itself still counts."""
        return self.issued_on <= on and (self.expires_on is None or on <= self.expires_on)

    def is_valid(self, on: date) -> bool:
        return self.status == ReviewStatus.VERIFIED and self.in_date(on)

    def state(self, on: date) -> str:
        if self.status == ReviewStatus.VERIFIED and not self.in_date(on):
            return "expired" if on > self.issued_on else "not_yet_valid"
        return self.status


listing_zone = sa.Table(
    "listing_zone",
    db.metadata,
    sa.Column("listing_id", sa.ForeignKey("supply_listing.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("zone_id", sa.ForeignKey("growing_zone.id", ondelete="CASCADE"), primary_key=True),
)

product_zone = sa.Table(
    "product_zone",
    db.metadata,
    sa.Column("product_id", sa.ForeignKey("ocop_product.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("zone_id", sa.ForeignKey("growing_zone.id", ondelete="CASCADE"), primary_key=True),
)


class OcopProduct(db.Model):
    """An OCOP product (3, 4 or 5 stars) with its certificate. Money in VND, integer."""

    __tablename__ = "ocop_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=_public_id)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    crop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crop.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    gtin: Mapped[str | None] = mapped_column(sa.String(14), unique=True)  # GTIN-14 (services/gs1.py)
    category: Mapped[str] = mapped_column(sa.String(60))
    description: Mapped[str | None] = mapped_column(sa.Text)
    stars: Mapped[int]
    certificate_number: Mapped[str] = mapped_column(sa.String(60))
    certificate_issued_on: Mapped[date]
    certificate_expires_on: Mapped[date] = mapped_column(index=True)
    # The department's record this product rests on (the fields above are what the seller declared).
    ocop_certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ocop_certificate.id"), index=True)
    unit: Mapped[str] = mapped_column(sa.String(20))
    price: Mapped[int]  # minor units of `currency`; VND has none
    currency: Mapped[str] = mapped_column(sa.String(3), default="VND")
    min_order_qty: Mapped[int] = mapped_column(default=1)
    stock: Mapped[int] = mapped_column(default=0)
    tourist_shops_allowed: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=ProductStatus.DRAFT, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    crop: Mapped[Crop | None] = relationship()
    zones: Mapped[list[GrowingZone]] = relationship(secondary=product_zone)
    ocop_certificate: Mapped["OcopCertificate | None"] = relationship()  # noqa: F821 - market.models.trust
    photos: Mapped[list[Upload]] = relationship(primaryjoin="Upload.product_id == OcopProduct.id",
                                                order_by="Upload.id", viewonly=True)

    __table_args__ = (
        sa.CheckConstraint("stars IN (3, 4, 5)", name="stars_3_to_5"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("certificate_expires_on >= certificate_issued_on", name="certificate_dates_in_order"),
    )

    def certificate_valid(self, on: date) -> bool:
        return self.certificate_issued_on <= on <= self.certificate_expires_on


class SupplyListing(db.Model):
    """A seasonal harvest offer from one or more of the seller's zones."""

    __tablename__ = "supply_listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=_public_id)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    crop_id: Mapped[int] = mapped_column(sa.ForeignKey("crop.id"), index=True)
    product_form: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    harvest_start: Mapped[date]
    harvest_end: Mapped[date]
    quantity: Mapped[float] = mapped_column(sa.Float)
    unit: Mapped[str] = mapped_column(sa.String(20))
    grade: Mapped[str | None] = mapped_column(sa.String(60))
    lot_number: Mapped[str | None] = mapped_column(sa.String(20))  # the harvest lot, GS1 AI 10 rules
    price_per_unit: Mapped[int | None]  # VND; None means negotiable
    currency: Mapped[str] = mapped_column(sa.String(3), default="VND")
    min_order_qty: Mapped[float | None] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(10), default=ListingStatus.DRAFT, index=True)
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    crop: Mapped[Crop] = relationship()
    zones: Mapped[list[GrowingZone]] = relationship(secondary=listing_zone, order_by=GrowingZone.code)
    photos: Mapped[list[Upload]] = relationship(primaryjoin="Upload.listing_id == SupplyListing.id",
                                                order_by="Upload.id", viewonly=True)

    __table_args__ = (
        sa.CheckConstraint("harvest_end >= harvest_start", name="harvest_in_order"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("price_per_unit IS NULL OR price_per_unit >= 0", name="price_not_negative"),
    )

    def valid_certificates(self, on: date) -> list[Certificate]:
        """The valid certificates of its zones; a recalled zone vouches for nothing (services/holds.py)."""
        return [c for zone in self.zones if zone.status != ReviewStatus.RECALLED for c in zone.valid_certificates(on)]

    def trust_warnings(self, on: date) -> list[str]:
        """Zone states a buyer must see: any zone not verified, or verified with an expired code."""
        return [f"{zone.code}: {zone.state(on)}" for zone in self.zones if zone.state(on) != ReviewStatus.VERIFIED]
