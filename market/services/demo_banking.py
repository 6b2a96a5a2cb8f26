"""Demo data for payee accounts and documents (issue 11a), on top of demo_market: each verified demo seller has
a verified default bank account (account numbers are made up; the banks and their BINs are real), and the demo
orders, received payments and deliveries have their numbered documents. Idempotent: accounts are found by their
number, documents by their object (documents.issue gives an existing one back)."""
import sqlalchemy as sa

from market.extensions import db
from market.models import (
    AccountCheck,
    Delivery,
    DocumentKind,
    Organisation,
    OrgKind,
    OrgStatus,
    PayeeAccount,
    Payment,
    PaymentStatus,
    ShopOrder,
)
from market.models.types import utcnow
from market.payments import banks
from market.services import documents
from market.text import fold

DEMO_BANKS = ("VBA", "BIDV", "VCB", "ICB", "TCB", "MB")  # Agribank first: most cooperatives bank there


def seed_demo_banking() -> dict[str, int]:
    sellers = db.session.scalars(sa.select(Organisation).where(
        Organisation.status == OrgStatus.VERIFIED,
        Organisation.kind.in_(OrgKind.SELLERS + (OrgKind.ENTERPRISE,))).order_by(Organisation.id)).all()
    accounts = 0
    for org in sellers:
        bank = banks.by_code(DEMO_BANKS[org.id % len(DEMO_BANKS)])
        number = f"{8800 + org.id:04d}{(org.id * 7919) % 10**9:09d}"
        exists = db.session.scalar(sa.select(PayeeAccount.id).where(PayeeAccount.organisation_id == org.id,
                                                                    PayeeAccount.account_number == number))
        if exists is None:
            db.session.add(PayeeAccount(organisation_id=org.id, bank_code=bank.code, bank_bin=bank.bin,
                                        account_number=number, holder_name=fold(org.name).upper()[:70],
                                        is_default=True, verified_at=utcnow(),
                                        verified_how=AccountCheck.DEPARTMENT))
            accounts += 1
    db.session.flush()
    issued = 0
    for order in db.session.scalars(sa.select(ShopOrder).order_by(ShopOrder.id)):
        issued += _issue(DocumentKind.ORDER, order.seller_id, order.id)
    for payment in db.session.scalars(sa.select(Payment).where(Payment.status == PaymentStatus.SUCCEEDED)
                                      .order_by(Payment.id)):
        issued += _issue(DocumentKind.PAYMENT, payment.payee_id, payment.id)
    for delivery in db.session.scalars(sa.select(Delivery).order_by(Delivery.id)):
        issued += _issue(DocumentKind.DELIVERY, delivery.contract.seller_id, delivery.id)
    return {"accounts": accounts, "documents": issued}


def _issue(kind: str, seller_id: int, object_id: int) -> int:
    if documents.find(kind, object_id) is not None:
        return 0
    documents.issue(kind, seller_id, object_id)
    return 1
