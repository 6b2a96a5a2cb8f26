"""Builders for the contract tests: the two parties with their people and zones, contracts written straight
into any state (so a test can start where the services would refuse to go), and the service payloads."""
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    CertificateKind,
    Contract,
    ContractSignature,
    ContractState,
    ContractVersion,
    Delivery,
    DeliveryStatus,
    GrowingZone,
    Notification,
    Organisation,
    OrgKind,
    Role,
    User,
)
from market.models.types import utcnow
from market.services import contracts
from tests.catalog.builders import CatalogBuilder, crop_id

# Ten tonnes at 95 million đồng a tonne, 20 % deposit: 950,000,000 VND, deposit 190,000,000 VND.
QUANTITY = 10
PRICE = 95_000_000
DEPOSIT_PCT = 20


def get(model, ident):
    return db.session.get(model, ident)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def notified(kind: str) -> Counter:
    """{organisation id: inbox rows} for one kind of notification."""
    return Counter(db.session.scalars(sa.select(Notification.organisation_id).where(Notification.kind == kind)))


def actions() -> Counter:
    return Counter(db.session.scalars(sa.select(AuditEvent.action)))


def snapshot() -> tuple:
    """What a refused action must leave as it was: the rows every contract action may write."""
    return tuple(count(m) for m in (Contract, ContractVersion, ContractSignature, Delivery, AuditEvent,
                                    Notification)) + (count(sa.table("delivery_zone")),)


@dataclass
class World:
    """A verified enterprise (buyer) and a verified cooperative (seller) with their people, the cooperative's
    verified organic star-anise zone with an open listing, and a second zone of its own without the organic
    certificate."""
    buyer: int
    buyer_owner: int
    buyer_signer: int
    seller: int
    seller_owner: int
    seller_signer: int
    seller_member: int
    zone: int
    plain_zone: int
    listing: int

    def org(self, name: str) -> Organisation:
        return get(Organisation, getattr(self, name))

    def user(self, name: str) -> User:
        return get(User, getattr(self, name))


def build_world(factory, cat: CatalogBuilder) -> World:
    buyer = factory.org(kind=OrgKind.ENTERPRISE, name="Công ty CP Tinh dầu Xứ Lạng", commune="Lương Văn Tri",
                        tax_code="4900123456")
    seller = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Hồi Văn Quan", tax_code="4900654321")
    zone = cat.zone(seller, code="LS-VQ-HOI-0001")
    cat.certificate(zone, kind=CertificateKind.PLANTING_AREA_CODE)
    cat.certificate(zone, kind=CertificateKind.ORGANIC)
    plain_zone = cat.zone(seller, code="LS-VQ-HOI-0002")
    cat.certificate(plain_zone, kind=CertificateKind.PLANTING_AREA_CODE)
    return World(
        buyer=buyer,
        buyer_owner=factory.member(buyer, Role.OWNER, full_name="Hoàng Văn Mua"),
        buyer_signer=factory.member(buyer, Role.SIGNER, full_name="Lý Thị Ký"),
        seller=seller,
        seller_owner=factory.member(seller, Role.OWNER, full_name="Nông Văn Bán"),
        seller_signer=factory.member(seller, Role.SIGNER, full_name="Vi Thị Ký"),
        seller_member=factory.member(seller, Role.MEMBER, full_name="Lộc Văn Hái"),
        zone=zone,
        plain_zone=plain_zone,
        listing=cat.listing(seller, [zone]),
    )


# --- payloads as the forms hand them to the services -------------------------------------------------

def contract_data(zone_ids, /, **overrides) -> dict:
    on = today()
    data = {"crop_id": str(crop_id("hoi")), "product_form": "dried", "grade": "Loại 1", "unit": "tan",
            "quantity": str(QUANTITY), "price_per_unit": str(PRICE), "delivery_start": on,
            "delivery_end": on + timedelta(days=60), "zone_ids": [str(z) for z in zone_ids],
            "deposit_pct": str(DEPOSIT_PCT), "payment_days": "30",
            "payment_terms": "Chuyển khoản trong 30 ngày sau mỗi lần giao.",
            "cancellation_terms": "Hủy trước khi giao hàng: hoàn lại tiền đặt cọc."}
    data.update(overrides)
    return data


def request_data(**overrides) -> dict:
    on = today()
    data = {"crop_id": str(crop_id("hoi")), "product_form": "dried", "title": "Hoa hồi khô hữu cơ vụ thu",
            "quantity": "10", "unit": "tan", "grade": "Loại 1", "delivery_start": on + timedelta(days=1),
            "delivery_end": on + timedelta(days=60), "required_certificates": [CertificateKind.ORGANIC],
            "preferred_commune_ids": [], "max_price_per_unit": "100000000", "note": ""}
    data.update(overrides)
    return data


def delivery_data(zone_ids, /, **overrides) -> dict:
    data = {"quantity": "4", "delivered_on": today(), "zone_ids": [str(z) for z in zone_ids],
            "lot_code": "HOI-VQ-01", "note": ""}
    data.update(overrides)
    return data


# --- contracts written straight into a state -----------------------------------------------------------

class ContractBuilder:
    """Rows through the models in their own app context, committed: no audit events, no notifications."""

    def __init__(self, app, world: World):
        self.app = app
        self.w = world
        self._n = 0

    def contract(self, state: str = ContractState.PROPOSED, *, signed: bool | None = None,
                 deliveries: tuple[tuple[float, str], ...] = (), signed_at=None, **terms) -> int:
        """A contract in `state`, version 1 proposed by the buyer. Signed by both parties when the state
        implies it (or `signed=True`); `deliveries` are (quantity, status) pairs from the contract's zone."""
        self._n += 1
        w = self.w
        with self.app.app_context():
            buyer, seller = db.session.get(Organisation, w.buyer), db.session.get(Organisation, w.seller)
            contract = Contract(reference=f"HD-TEST-{self._n:04d}", buyer=buyer, seller=seller, state=state,
                                created_by_id=w.buyer_owner)
            db.session.add(contract)
            data = contract_data([w.zone], **terms)
            clean = contracts.clean_terms(contract, data)
            contract.crop_id = crop_id("hoi")
            version = ContractVersion(number=1, terms=clean, terms_hash=contracts.terms_hash(clean),
                                      proposed_by_id=buyer.id, created_by_id=w.buyer_owner)
            contract.versions.append(version)
            db.session.flush()
            if signed is None:
                signed = state in (ContractState.SIGNED, ContractState.ACTIVE, ContractState.DISPUTED,
                                   ContractState.COMPLETED)
            if signed:
                for org_id, user_id in ((w.buyer, w.buyer_signer), (w.seller, w.seller_signer)):
                    contract.signatures.append(ContractSignature(
                        version=version, organisation_id=org_id, signer_id=user_id, signer_name="Người ký",
                        terms_hash=version.terms_hash))
                contract.signed_at = signed_at or utcnow()
            if state in (ContractState.ACTIVE, ContractState.DISPUTED, ContractState.COMPLETED):
                contract.activated_at = contract.signed_at
            if state == ContractState.COMPLETED:
                contract.completed_at = utcnow()
                deliveries = deliveries or ((float(data["quantity"]), DeliveryStatus.CONFIRMED),)
            if state == ContractState.DISPUTED:
                deliveries = deliveries or ((1.0, DeliveryStatus.DISPUTED),)
                contract.dispute_reason = "Hàng bị ẩm"
            if state == ContractState.CANCELLED:
                contract.cancelled_at, contract.cancel_reason = utcnow(), "Thử nghiệm hủy"
            zone = db.session.get(GrowingZone, w.zone)
            for i, (quantity, status) in enumerate(deliveries):
                contract.deliveries.append(Delivery(
                    public_id=f"D{self._n:04d}{i:03d}", quantity=quantity, delivered_on=today(), status=status,
                    zones=[zone], recorded_by_id=w.seller_member,
                    dispute_note="Hàng bị ẩm" if status == DeliveryStatus.DISPUTED else None))
            db.session.commit()
            return contract.id

