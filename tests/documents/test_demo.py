"""The demo's bank accounts and documents (market.services.demo_banking): every verified demo seller can be paid
by VietQR, the demo deals have their numbered documents, and seeding twice adds nothing."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import IssuedDocument, PayeeAccount, ShopOrder
from market.payments import transfer, vietqr
from market.payments.service import payee_account
from market.services import demo_market

pytestmark = pytest.mark.both_engines  # upserts found by natural keys, numbering per seller


def seed(app):
    with app.test_request_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        demo_market.seed_demo_contracts()
        demo_market.seed_demo_orders()
        db.session.commit()
        result = (db.session.scalar(sa.select(sa.func.count()).select_from(PayeeAccount)),
                  db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)))
        db.session.remove()
    return result


def test_demo_sellers_have_accounts_and_deals_have_documents_once(app):
    first = seed(app)
    assert first[0] > 5 and first[1] > 3
    assert seed(app) == first
    with app.test_request_context():
        order = db.session.scalar(sa.select(ShopOrder).where(ShopOrder.reference == "DH-DEMO-02"))
        account = payee_account(order.seller)
        assert account is not None and account.is_verified and account.holder_name.isupper()
        numbers = db.session.scalars(sa.select(IssuedDocument.number).where(
            IssuedDocument.seller_id == order.seller_id, IssuedDocument.kind == "order")
            .order_by(IssuedDocument.number)).all()
        assert numbers == list(range(1, len(numbers) + 1))
        from market.models import Payment, PaymentMethod
        payment = Payment(reference="TT-DEMO-QR", purpose="order", order_id=order.id, payer_id=order.buyer_id,
                          payee_id=order.seller_id, amount=order.total, method=PaymentMethod.BANK_TRANSFER,
                          idempotency_key="demo-qr")
        db.session.add(payment)
        db.session.flush()
        fields = vietqr.parse(transfer.instructions(payment).payload)  # raises if the CRC is wrong
        assert account.account_number in fields["38"] and fields["54"] == str(order.total)
        db.session.rollback()
