"""Demo data for issue 11 part B (development only): the chain's question on the custard-apple listing with the
cooperative's answer, and the disputed delivery of HD-DEMO-08 as an open dispute in that contract's thread.
Idempotent: nothing is written when the rows are there (found by subject and organisations)."""
from datetime import timedelta

import sqlalchemy as sa

from market.extensions import db
from market.models import (
    Contract,
    Conversation,
    DeliveryStatus,
    Dispute,
    Message,
    MessageKind,
    Organisation,
    Subject,
    SupplyListing,
)
from market.models.types import utcnow
from market.text import name_key


def _org(name: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(Organisation.name_key == name_key(name)))


def _owner(org: Organisation):
    return next((m.user for m in org.memberships if m.role == "owner"), None)


def seed_demo_deals() -> int:
    """Rows written (0 on a second run)."""
    written = 0
    chain, coop = _org("Chuỗi siêu thị Nông sản Sạch Miền Bắc"), _org("HTX Na Chi Lăng")
    listing = db.session.scalar(sa.select(SupplyListing).where(SupplyListing.title == "Na Chi Lăng VietGAP"))
    if chain and coop and listing and db.session.scalar(sa.select(Conversation.id).where(
            Conversation.subject_kind == Subject.LISTING, Conversation.subject_id == listing.id)) is None:
        when = utcnow() - timedelta(days=2)
        thread = Conversation(subject_kind=Subject.LISTING, subject_id=listing.id, title=f"Tin chào bán: {listing.title}",
                              starter=chain, other=coop, created_at=when, last_message_at=when + timedelta(hours=3))
        thread.messages = [
            Message(organisation_id=chain.id, author=_owner(chain), created_at=when,
                    body="Na loại 1 có giao được 2 tấn mỗi tuần trong tháng 8 không? Đóng thùng 10 kg được không?"),
            Message(organisation_id=coop.id, author=_owner(coop), created_at=when + timedelta(hours=3),
                    body="Được ạ, HTX giao 2 tấn mỗi tuần, thùng carton 10 kg có lót giấy."),
        ]
        db.session.add(thread)
        written += 3
    contract = db.session.scalar(sa.select(Contract).where(Contract.reference == "HD-DEMO-08"))
    disputed = next((d for d in contract.deliveries if d.status == DeliveryStatus.DISPUTED), None) if contract else None
    if disputed is not None and db.session.scalar(sa.select(Dispute.id).where(
            Dispute.delivery_id == disputed.id)) is None:
        db.session.add(Dispute(contract=contract, delivery=disputed, opened_by_org=contract.buyer,
                               opened_by_id=_owner(contract.buyer).id, reason=contract.dispute_reason))
        thread = db.session.scalar(sa.select(Conversation).where(Conversation.subject_kind == Subject.CONTRACT,
                                                                 Conversation.subject_id == contract.id))
        if thread is None:
            thread = Conversation(subject_kind=Subject.CONTRACT, subject_id=contract.id,
                                  title=f"Hợp đồng {contract.reference}", starter=contract.buyer, other=contract.seller)
            db.session.add(thread)
        thread.messages.append(Message(organisation_id=contract.buyer_id, kind=MessageKind.EVENT,
                                       body=f"{contract.buyer.name} mở khiếu nại: {contract.dispute_reason}"))
        written += 2
    db.session.flush()
    return written
