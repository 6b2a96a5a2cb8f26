"""Linkage made real: sourcing requests and offers, offtake contracts with versioned terms and
signatures, and deliveries traced back to zones."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation, User
from market.models.catalog import GrowingZone, SupplyListing, Upload
from market.models.geo import Crop
from market.models.terms import ContractTerms
from market.models.types import UTCDateTime, utcnow


class RequestStatus:
    OPEN = "open"
    CLOSED = "closed"
    ALL = (OPEN, CLOSED)


class OfferStatus:
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALL = (SUBMITTED, WITHDRAWN, ACCEPTED, DECLINED)


class ContractState:
    DRAFT = "draft"
    PROPOSED = "proposed"
    SIGNED = "signed"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"
    ALL = (DRAFT, PROPOSED, SIGNED, ACTIVE, COMPLETED, CANCELLED, DISPUTED)
    # What counts for the plan's linkage-chain target.
    LINKED = (ACTIVE, COMPLETED)


class DeliveryStatus:
    RECORDED = "recorded"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    ALL = (RECORDED, CONFIRMED, DISPUTED)


class SourcingRequest(db.Model):
    """A buyer's need, answered by cooperatives whose zones fit."""

    __tablename__ = "sourcing_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    crop_id: Mapped[int] = mapped_column(sa.ForeignKey("crop.id"), index=True)
    product_form: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[float] = mapped_column(sa.Float)
    unit: Mapped[str] = mapped_column(sa.String(20))
    grade: Mapped[str | None] = mapped_column(sa.String(60))
    delivery_start: Mapped[date]
    delivery_end: Mapped[date]
    required_certificates: Mapped[list] = mapped_column(sa.JSON, default=list)
    preferred_commune_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    max_price_per_unit: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default=RequestStatus.OPEN, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    buyer: Mapped[Organisation] = relationship()
    crop: Mapped[Crop] = relationship()
    offers: Mapped[list["SourcingOffer"]] = relationship(back_populates="request", order_by="SourcingOffer.id")

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("delivery_end >= delivery_start", name="delivery_in_order"),
    )


offer_zone = sa.Table(
    "offer_zone", db.metadata,
    sa.Column("offer_id", sa.ForeignKey("sourcing_offer.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("zone_id", sa.ForeignKey("growing_zone.id", ondelete="CASCADE"), primary_key=True),
)


class SourcingOffer(db.Model):
    __tablename__ = "sourcing_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_request.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    quantity: Mapped[float] = mapped_column(sa.Float)
    price_per_unit: Mapped[int]
    note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default=OfferStatus.SUBMITTED, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[SourcingRequest] = relationship(back_populates="offers")
    seller: Mapped[Organisation] = relationship()
    zones: Mapped[list[GrowingZone]] = relationship(secondary=offer_zone)

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("price_per_unit >= 0", name="price_not_negative"),
    )


class Contract(db.Model):
    """An offtake contract (hợp đồng bao tiêu) between a buyer and a seller. Terms live in versions."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    seller_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    crop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crop.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default=ContractState.DRAFT, index=True)
    listing_id: Mapped[int | None] = mapped_column(sa.ForeignKey("supply_listing.id", ondelete="SET NULL"))
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sourcing_offer.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    dispute_reason: Mapped[str | None] = mapped_column(sa.Text)

    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id])
    seller: Mapped[Organisation] = relationship(foreign_keys=[seller_id])
    crop: Mapped[Crop | None] = relationship()
    listing: Mapped[SupplyListing | None] = relationship()
    versions: Mapped[list["ContractVersion"]] = relationship(
        back_populates="contract", order_by="ContractVersion.number", cascade="all, delete-orphan")
    signatures: Mapped[list["ContractSignature"]] = relationship(
        back_populates="contract", order_by="ContractSignature.signed_at", cascade="all, delete-orphan")
    deliveries: Mapped[list["Delivery"]] = relationship(
        back_populates="contract", order_by="Delivery.delivered_on", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("buyer_id != seller_id", name="two_parties"),)

    @property
    def current(self) -> "ContractVersion":
        return self.versions[-1]

    def party_of(self, org_id: int) -> str | None:
        return "buyer" if org_id == self.buyer_id else "seller" if org_id == self.seller_id else None

    def signatures_of(self, version: "ContractVersion") -> list["ContractSignature"]:
        return [s for s in self.signatures if s.version_id == version.id and s.terms_hash == version.terms_hash]


class ContractVersion(db.Model):
    """One set of terms. Never edited after it is proposed: a change is a new version."""

    __tablename__ = "contract_version"
    __table_args__ = (sa.UniqueConstraint("contract_id", "number", name="uq_contract_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    terms_json: Mapped[dict] = mapped_column("terms", sa.JSON)  # ContractTerms.to_dict(); read `terms`
    terms_hash: Mapped[str] = mapped_column(sa.String(64))
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="versions")
    proposed_by: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def terms(self) -> ContractTerms:
        return ContractTerms.from_dict(self.terms_json)

    @terms.setter
    def terms(self, terms: ContractTerms | dict) -> None:
        """Checked on the way in; a dict (the stored shape, as demo seed code builds it) is accepted too."""
        self.terms_json = ContractTerms.coerce(terms).to_dict()


class ContractSignature(db.Model):
    """A party's signature: the SHA-256 of the canonical terms it saw, who signed, and when."""

    __tablename__ = "contract_signature"
    __table_args__ = (sa.UniqueConstraint("version_id", "organisation_id", name="uq_signature_version_party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("contract_version.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    signer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    signer_name: Mapped[str] = mapped_column(sa.String(120))  # kept as signed, even if the account goes
    terms_hash: Mapped[str] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="signatures")
    version: Mapped[ContractVersion] = relationship()
    organisation: Mapped[Organisation] = relationship()


delivery_zone = sa.Table(
    "delivery_zone", db.metadata,
    sa.Column("delivery_id", sa.ForeignKey("delivery.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("zone_id", sa.ForeignKey("growing_zone.id", ondelete="CASCADE"), primary_key=True),
)


class Delivery(db.Model):
    """A call-off against a contract: quantity delivered, from which zones and lot."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[float] = mapped_column(sa.Float)
    delivered_on: Mapped[date]
    lot_code: Mapped[str | None] = mapped_column(sa.String(60))
    note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default=DeliveryStatus.RECORDED, index=True)
    dispute_note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The buyer's inspection (None until inspected): received = accepted + rejected <= quantity.
    received_quantity: Mapped[float | None] = mapped_column(sa.Float)
    accepted_quantity: Mapped[float | None] = mapped_column(sa.Float)
    rejected_quantity: Mapped[float | None] = mapped_column(sa.Float)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    grade_found: Mapped[str | None] = mapped_column(sa.String(60))
    weigh_ticket: Mapped[str | None] = mapped_column(sa.String(40))
    inspected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contract: Mapped[Contract] = relationship(back_populates="deliveries")
    zones: Mapped[list[GrowingZone]] = relationship(secondary=delivery_zone, order_by=GrowingZone.code)
    photos: Mapped[list[Upload]] = relationship(secondary="delivery_photo", order_by=Upload.id)

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    @property
    def inspected(self) -> bool:
        return self.inspected_at is not None

    @property
    def accepted(self) -> float:
        """What counts as delivered once confirmed: the accepted quantity when inspected, else all of it."""
        return self.quantity if self.accepted_quantity is None else self.accepted_quantity


delivery_photo = sa.Table(
    "delivery_photo", db.metadata,
    sa.Column("delivery_id", sa.ForeignKey("delivery.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("upload_id", sa.ForeignKey("upload.id", ondelete="CASCADE"), primary_key=True),
)
