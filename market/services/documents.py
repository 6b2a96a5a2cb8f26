"""Printable documents: a delivery note for each delivery, a receipt for each received payment, an order
document for each shop order. Each is numbered per seller and per kind, 1, 2, 3... without gaps: the number is
taken from the seller's `DocumentCounter` row, locked with SELECT ... FOR UPDATE, in the same transaction as the
delivery, payment or order it numbers (rolled back together, so no number is lost; two at once wait for each
other, so none is given twice). A document is issued when its object comes into being: the order at checkout,
the receipt when the money is received (`payment_received`), the delivery note when the delivery is recorded.

`content(doc)` gathers what the print view shows: both parties (names, tax numbers, addresses), the lines and
amounts, the zone codes supplying them, and the public verification link (`documents.verify`, also a QR code).
A delivery note shows the delivered quantity until the buyer inspects the lot, then the accepted quantity."""
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from market import payments
from market.extensions import db
from market.models import (
    Contract,
    Delivery,
    DocumentCounter,
    DocumentKind,
    IssuedDocument,
    Organisation,
    Payment,
    PaymentStatus,
    ShopOrder,
)
from market.numbers import format_number


def _next_number(seller_id: int, kind: str) -> int:
    """The seller's next number of this kind; the counter row stays locked until the transaction ends."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(DocumentCounter).values(seller_id=seller_id, kind=kind, last_number=0)
                       .on_conflict_do_nothing(index_elements=["seller_id", "kind"]))
    counter = db.session.scalar(sa.select(DocumentCounter).where(
        DocumentCounter.seller_id == seller_id, DocumentCounter.kind == kind)
        .with_for_update().execution_options(populate_existing=True))
    counter.last_number += 1
    return counter.last_number


def issue(kind: str, seller_id: int, object_id: int) -> IssuedDocument:
    """The document of this object, numbered now if it has none yet."""
    if kind not in DocumentKind.ALL:
        raise ValueError(kind)
    existing = find(kind, object_id)
    if existing is not None:
        return existing
    doc = IssuedDocument(seller_id=seller_id, kind=kind, number=_next_number(seller_id, kind),
                         object_id=object_id, token=secrets.token_hex(12))
    db.session.add(doc)
    db.session.flush()
    return doc


def find(kind: str, object_id: int) -> IssuedDocument | None:
    return db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.kind == kind,
                                                             IssuedDocument.object_id == object_id))


def by_token(token: str) -> IssuedDocument | None:
    if not (isinstance(token, str) and len(token) <= 32 and token.isalnum()):
        return None
    return db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.token == token))


def issue_for_order(order: ShopOrder) -> IssuedDocument:
    return issue(DocumentKind.ORDER, order.seller_id, order.id)


def issue_for_delivery(delivery: Delivery) -> IssuedDocument:
    return issue(DocumentKind.DELIVERY, delivery.contract.seller_id, delivery.id)


@payments.payment_received.connect
def _receipt(payment: Payment, **_kwargs) -> None:
    issue(DocumentKind.PAYMENT, payment.payee_id, payment.id)


# --- what a document shows --------------------------------------------------------------------------------

@dataclass
class DocLine:
    description: str
    quantity: float | None
    unit: str | None
    unit_price: int | None
    amount: int


@dataclass
class Content:
    doc: IssuedDocument
    subject: object | None  # the delivery, payment or order; None once withdrawn
    seller: Organisation
    buyer: Organisation | None
    title_kind: str
    reference: str | None = None
    lines: list[DocLine] = field(default_factory=list)
    total: int = 0
    zone_codes: list[str] = field(default_factory=list)
    dated: object | None = None
    notes: list[str] = field(default_factory=list)
    contract: Contract | None = None
    order: ShopOrder | None = None


def parties_of(doc: IssuedDocument) -> tuple[Organisation | None, Organisation | None]:
    """(seller, buyer) of the document's object, for who may see it."""
    content_ = content(doc)
    return content_.seller, content_.buyer


def content(doc: IssuedDocument) -> Content:  # noqa: C901 - one branch per kind, read top to bottom
    if doc.kind == DocumentKind.ORDER:
        order = db.session.get(ShopOrder, doc.object_id)
        result = Content(doc, order, doc.seller, order.buyer if order else None, doc.kind, order=order)
        if order is not None:
            result.reference, result.dated, result.total = order.reference, order.created_at, order.total
            codes = set()
            for item in order.items:
                result.lines.append(DocLine(item.product_name, item.quantity, None, item.unit_price,
                                            item.quantity * item.unit_price))
                if item.product is not None:
                    codes.update(z.code for z in item.product.zones)
            result.zone_codes = sorted(codes)
        return result
    if doc.kind == DocumentKind.PAYMENT:
        payment = db.session.get(Payment, doc.object_id)
        result = Content(doc, payment, doc.seller, payment.payer if payment else None, doc.kind)
        if payment is not None:
            result.reference, result.dated, result.total = payment.reference, payment.succeeded_at, payment.amount
            if payment.contract_id:
                result.contract = db.session.get(Contract, payment.contract_id)
                result.zone_codes = list(result.contract.current.terms.zone_codes) if result.contract else []
            if payment.order_id:
                result.order = db.session.get(ShopOrder, payment.order_id)
            what = (result.contract.reference if result.contract else result.order.reference if result.order
                    else payment.reference)
            result.lines.append(DocLine(what, None, None, None, payment.amount))
            if payment.status != PaymentStatus.SUCCEEDED:
                result.notes.append(payment.status)
        return result
    delivery = db.session.get(Delivery, doc.object_id)
    contract = delivery.contract if delivery else None
    result = Content(doc, delivery, doc.seller, contract.buyer if contract else None, doc.kind, contract=contract)
    if delivery is not None:
        terms = contract.current.terms
        # Once the buyer inspected the lot, the note is for what it accepted (the rejected part is not owed).
        amount = int(round(delivery.accepted * terms.item.price_per_unit))
        result.reference, result.dated, result.total = contract.reference, delivery.delivered_on, amount
        name = terms.item.crop_name + (f" ({terms.item.grade})" if terms.item.grade else "")
        if delivery.inspected:
            name += " · " + _("delivered %(d)s, accepted %(a)s, rejected %(r)s", d=format_number(delivery.quantity),
                              a=format_number(delivery.accepted), r=format_number(delivery.rejected_quantity or 0))
        result.lines.append(DocLine(name, delivery.accepted, terms.item.unit, terms.item.price_per_unit, amount))
        result.zone_codes = [z.code for z in delivery.zones]
    return result


def of_contract(contract: Contract) -> list[IssuedDocument]:
    """The delivery notes of a contract's deliveries and the receipts of its payments, by kind and number."""
    delivery_ids = [d.id for d in contract.deliveries]
    payment_ids = list(db.session.scalars(sa.select(Payment.id).where(Payment.contract_id == contract.id)))
    return list(db.session.scalars(sa.select(IssuedDocument).where(sa.or_(
        sa.and_(IssuedDocument.kind == DocumentKind.DELIVERY, IssuedDocument.object_id.in_(delivery_ids)),
        sa.and_(IssuedDocument.kind == DocumentKind.PAYMENT, IssuedDocument.object_id.in_(payment_ids))))
        .order_by(IssuedDocument.kind, IssuedDocument.number)))
