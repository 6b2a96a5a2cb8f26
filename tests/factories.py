"""Every row a test needs, from one place: organisations and people, the catalogue (zones, certificates,
listings, products), the shop (carts, orders, payments), contracts in any state, the monitoring worlds
of the plan's figures, and the payloads the forms hand to the services.

Rows are written straight through the models and committed, each call in its own app context (or request
context, where a service words messages in the visitor's language), and the builders return ids: a test
reads the database afresh, and may set up states the services would refuse (an expired certificate on a
published product, a recalled zone, a contract already signed...).

One sequence numbers every generated name, code and e-mail, so rows built once for a module
(`module_factory` in tests/conftest.py) and rows built by each test never collide.

    factory.org(kind=OrgKind.ENTERPRISE)          -> organisation id (verified cooperative by default)
    factory.member(org_id, Role.SIGNER)           -> user id, member of the organisation
    factory.zone(org_id) / certificate(zone_id)   -> a verified zone / a valid planting-area code
    factory.listing(org_id, [zone_id])            -> an open listing (public_listing: its public id)
    factory.product(org_id)                       -> a published OCOP product
    Shop(factory)                                 -> sellers, buyers, products with stock, carts, orders
    contract_parties(factory) / ContractBuilder   -> the two parties of a contract / contracts in any state
    FiguresWorld(app)                             -> rows dated for the plan's figures (tests/monitoring)
"""
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import session
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.models import (
    AuditEvent,
    CartItem,
    Certificate,
    CertificateKind,
    Contract,
    ContractSignature,
    ContractState,
    ContractVersion,
    Crop,
    Delivery,
    DeliveryStatus,
    GrowingZone,
    ListingStatus,
    Membership,
    Notification,
    OcopProduct,
    OrderItem,
    OrderStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PlacementStatus,
    ProductStatus,
    ReviewStatus,
    Role,
    ShelfPlacement,
    ShopOrder,
    SupplyListing,
    User,
    ZoneKind,
)
from market.models.trust import OcopCertificate
from market.models.types import utcnow
from market.services import chains, contracts, orders, reference_data, targets
from market.text import name_key

PASSWORD = "Rừng-hồi-2026"
_DEFAULT = object()
_sequence = itertools.count(1)


def next_number() -> int:
    """The next number of the one sequence every builder draws from."""
    return next(_sequence)


# --- reading the database (inside an app context) ----------------------------------------------------

def crop_id(key: str = "hoi") -> int:
    return db.session.scalar(sa.select(Crop.id).where(Crop.key == key))


def commune_id(name: str = "Văn Quan") -> int:
    return reference_data.commune_named(name).id


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
    """What a refused contract action must leave as it was: the rows every contract action may write."""
    return tuple(count(m) for m in (Contract, ContractVersion, ContractSignature, Delivery, AuditEvent,
                                    Notification)) + (count(sa.table("delivery_zone")),)


def input_value(html: str, name: str) -> str | None:
    """The value attribute of the <input name=...> in a rendered form."""
    tag = re.search(r'<input[^>]*\bname="%s"[^>]*>' % re.escape(name), html)
    if not tag:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


# --- organisations, people and the catalogue ------------------------------------------------------------

class Factory:
    """Builds committed rows with sensible defaults; each call gives a new, unique one, and returns its id."""

    def __init__(self, app):
        self.app = app

    @staticmethod
    def _next() -> int:
        return next_number()

    def commune_id(self, name: str = "Văn Quan") -> int:
        with self.app.app_context():
            return commune_id(name)

    def crop_id(self, key: str = "hoi") -> int:
        with self.app.app_context():
            return crop_id(key)

    def public_id(self, model, ident: int) -> str:
        """The public id (verification pages, QR labels) of a listing or product."""
        with self.app.app_context():
            return db.session.get(model, ident).public_id

    def public_listing(self, *args, **kwargs) -> str:
        """listing(...), returning the public id its verification page and QR label use."""
        return self.public_id(SupplyListing, self.listing(*args, **kwargs))

    def public_product(self, *args, **kwargs) -> str:
        """product(...), returning the public id its verification page and QR label use."""
        return self.public_id(OcopProduct, self.product(*args, **kwargs))

    # people and organisations

    def org(self, *, kind=OrgKind.COOPERATIVE, status=OrgStatus.VERIFIED, name=None, commune="Văn Quan",
            tax_code=None) -> int:
        name = name or f"HTX thử nghiệm số {self._next()}"
        with self.app.app_context():
            org = Organisation(name=name, name_key=name_key(name), kind=kind, status=status, tax_code=tax_code,
                               commune_id=commune_id(commune))
            db.session.add(org)
            db.session.commit()
            return org.id

    def user(self, *, email=None, password=PASSWORD, org_id=None, role=Role.OWNER, full_name=None) -> int:
        n = self._next()
        with self.app.app_context():
            user = User(email=email or f"nguoi{n}@example.vn", full_name=full_name or f"Người dùng {n}")
            user.set_password(password)
            db.session.add(user)
            if org_id:
                db.session.add(Membership(user=user, organisation_id=org_id, role=role))
            db.session.commit()
            return user.id

    def member(self, org_id: int, role=Role.OWNER, **kwargs) -> int:
        return self.user(org_id=org_id, role=role, **kwargs)

    def join(self, user_id: int, org_id: int, role=Role.OWNER) -> None:
        """Another membership for an existing user."""
        with self.app.app_context():
            db.session.add(Membership(user_id=user_id, organisation_id=org_id, role=role))
            db.session.commit()

    def department_staff(self) -> int:
        department = self.org(kind=OrgKind.DEPARTMENT, name=f"Sở Nông nghiệp và Môi trường {self._next()}",
                              commune="Lương Văn Tri")
        return self.member(department)

    # the catalogue

    def zone(self, org_id: int, *, code: str | None = None, crop: str = "hoi", commune: str = "Văn Quan",
             area: float = 12.5, status: str = ReviewStatus.VERIFIED, kind: str = ZoneKind.PLANTING_AREA,
             households: int | None = 10) -> int:
        with self.app.app_context():
            zone = GrowingZone(code=code or f"LS-TEST-{self._next():04d}", kind=kind, organisation_id=org_id,
                               commune_id=commune_id(commune), crop_id=crop_id(crop), area_ha=area,
                               households=households, status=status)
            db.session.add(zone)
            db.session.commit()
            return zone.id

    def certificate(self, zone_id: int, *, kind: str = CertificateKind.PLANTING_AREA_CODE,
                    issued_on: date | None = None, expires_on=_DEFAULT, status: str = ReviewStatus.VERIFIED,
                    number: str | None = None) -> int:
        """Valid today unless told otherwise: issued 100 days ago, expiring in a year (expires_on=None: never)."""
        on = today()
        with self.app.app_context():
            cert = Certificate(zone_id=zone_id, kind=kind, number=number or f"CERT-{self._next():04d}",
                               issuer="Chi cục Trồng trọt và BVTV Lạng Sơn",
                               issued_on=issued_on or on - timedelta(days=100),
                               expires_on=on + timedelta(days=365) if expires_on is _DEFAULT else expires_on,
                               status=status)
            db.session.add(cert)
            db.session.commit()
            return cert.id

    def listing(self, org_id: int, zone_ids=(), *, status: str = ListingStatus.OPEN, crop: str = "hoi",
                title: str | None = None, price: int | None = 95_000, ends_on: date | None = None,
                quantity: float = 12) -> int:
        on = today()
        with self.app.app_context():
            zones = [db.session.get(GrowingZone, z) for z in zone_ids]
            listing = SupplyListing(organisation_id=org_id, crop_id=crop_id(crop), product_form="dried",
                                    title=title or f"Hoa hồi khô lô {self._next()}", zones=zones,
                                    harvest_start=on + timedelta(days=10), harvest_end=on + timedelta(days=70),
                                    quantity=quantity, unit="tan", price_per_unit=price, status=status,
                                    ends_on=ends_on)
            db.session.add(listing)
            db.session.commit()
            return listing.id

    def product(self, org_id: int, zone_ids=(), *, status: str = ProductStatus.PUBLISHED, stars: int = 4,
                issued_on: date | None = None, expires_on: date | None = None, price: int = 180_000,
                name: str | None = None, ocop: str | None = ReviewStatus.VERIFIED) -> int:
        """`ocop`: the status of the department's certificate record behind it (None: no record)."""
        on = today()
        n = self._next()
        with self.app.app_context():
            product = OcopProduct(organisation_id=org_id, name=name or f"Tinh dầu hồi số {n}",
                                  category="spice", stars=stars, certificate_number=f"OCOP-T-{n:03d}",
                                  certificate_issued_on=issued_on or on - timedelta(days=100),
                                  certificate_expires_on=expires_on or on + timedelta(days=500),
                                  unit="chai", price=price, stock=10, status=status,
                                  zones=[db.session.get(GrowingZone, z) for z in zone_ids])
            product.ocop_certificate = ocop_record(product, ocop)
            db.session.add(product)
            db.session.commit()
            return product.id


def ocop_record(product: OcopProduct, status: str | None) -> OcopCertificate | None:
    """The department's record of a product's declared OCOP certificate, in `status` (verified against the
    register when verified or recalled); None leaves the product without one."""
    if status is None:
        return None
    verified = status in (ReviewStatus.VERIFIED, ReviewStatus.RECALLED)
    return OcopCertificate(number=product.certificate_number.upper(), stars=product.stars,
                           level="national" if product.stars == 5 else "province",
                           issued_on=product.certificate_issued_on, expires_on=product.certificate_expires_on,
                           product_name=product.name, organisation_id=product.organisation_id, status=status,
                           verified_against="register" if verified else None,
                           verified_at=utcnow() if verified else None,
                           status_reason="Thu hồi để kiểm tra" if status == ReviewStatus.RECALLED else None,
                           status_changed_at=utcnow() if status != ReviewStatus.PENDING else None)


# --- payloads as the forms hand them to the services ----------------------------------------------------

def zone_data(**overrides) -> dict:
    data = {"code": "LS-VQ-HOI-9001", "kind": ZoneKind.PLANTING_AREA, "name": "Đồi hồi Bản Chang",
            "crop_id": str(crop_id("hoi")), "commune_id": str(commune_id("Văn Quan")), "area_ha": "12,5",
            "households": "10", "latitude": "", "longitude": ""}
    data.update(overrides)
    return data


def certificate_data(**overrides) -> dict:
    on = today()
    data = {"kind": CertificateKind.VIETGAP, "number": "VG-LS-2026-001", "issuer": "Trung tâm Chứng nhận VietGAP",
            "issued_on": on - timedelta(days=30), "expires_on": on + timedelta(days=700)}
    data.update(overrides)
    return data


def listing_data(zone_ids: list[int], **overrides) -> dict:
    on = today()
    data = {"title": "Hoa hồi khô vụ mùa", "crop_id": str(crop_id("hoi")), "product_form": "dried",
            "zone_ids": [str(z) for z in zone_ids], "harvest_start": on + timedelta(days=10),
            "harvest_end": on + timedelta(days=70), "quantity": "12", "unit": "tan", "grade": "Loại 1",
            "price_per_unit": "95000", "negotiable": False, "min_order_qty": "", "ends_on": None,
            "description": ""}
    data.update(overrides)
    return data


def product_data(**overrides) -> dict:
    on = today()
    data = {"name": "Tinh dầu hồi Văn Quan", "category": "spice", "stars": "4", "certificate_number": "OCOP-LS-4S-900",
            "certificate_issued_on": on - timedelta(days=100), "certificate_expires_on": on + timedelta(days=600),
            "unit": "chai", "price": "180000", "stock": "10", "min_order_qty": "1", "tourist_shops_allowed": True,
            "crop_id": "", "zone_ids": [], "description": ""}
    data.update(overrides)
    return data


# Ten tonnes at 95 million đồng a tonne, 20 % deposit: 950,000,000 VND, deposit 190,000,000 VND.
QUANTITY = 10
PRICE = 95_000_000
DEPOSIT_PCT = 20


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


# --- the shop: products with stock, carts, orders, payments ---------------------------------------------

class Shop:
    """The shop's rows, written through the models (or the services, inside a request context) and committed."""

    def __init__(self, factory: Factory):
        self.app = factory.app
        self.factory = factory

    def seller(self, *, kind=OrgKind.COOPERATIVE, name=None) -> int:
        return self.factory.org(kind=kind, name=name or f"HTX bán hàng {next_number()}")

    def buyer(self, *, kind=OrgKind.RETAIL_CHAIN, status=OrgStatus.VERIFIED, name=None) -> int:
        return self.factory.org(kind=kind, status=status, name=name or f"Cửa hàng mua {next_number()}")

    def member(self, org_id: int, role=Role.OWNER) -> int:
        return self.factory.member(org_id, role)

    def join(self, user_id: int, org_id: int, role=Role.OWNER) -> None:
        self.factory.join(user_id, org_id, role)

    def product(self, seller_id: int, *, stock=10, price=50_000, min_order_qty=1, tourist_shops_allowed=True,
                status=ProductStatus.PUBLISHED, expires_on=None, name=None) -> int:
        on = today()
        n = next_number()
        with self.app.app_context():
            product = OcopProduct(organisation_id=seller_id, name=name or f"Mật ong hoa hồi số {n}",
                                  category="spice", stars=4, certificate_number=f"OCOP-SHOP-{n:03d}",
                                  certificate_issued_on=on - timedelta(days=400),
                                  certificate_expires_on=expires_on or on + timedelta(days=400), unit="chai",
                                  price=price, stock=stock, min_order_qty=min_order_qty,
                                  tourist_shops_allowed=tourist_shops_allowed, status=status)
            product.ocop_certificate = ocop_record(product, ReviewStatus.VERIFIED)
            db.session.add(product)
            db.session.commit()
            return product.id

    def stock(self, product_id: int) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(OcopProduct.stock).where(OcopProduct.id == product_id))

    def set_stock(self, product_id: int, stock: int) -> None:
        with self.app.app_context():
            db.session.execute(sa.update(OcopProduct).where(OcopProduct.id == product_id).values(stock=stock))
            db.session.commit()

    def put_in_cart(self, buyer_id: int, product_id: int, quantity: int) -> int:
        """Straight into the table: lets a test hold more than the stock, as a cart can after others buy."""
        with self.app.app_context():
            item = CartItem(buyer_id=buyer_id, product_id=product_id, quantity=quantity)
            db.session.add(item)
            db.session.commit()
            return item.id

    def cart(self, buyer_id: int) -> dict[int, int]:
        with self.app.app_context():
            return {i.product_id: i.quantity for i in db.session.scalars(
                sa.select(CartItem).where(CartItem.buyer_id == buyer_id))}

    def place(self, user_id: int, buyer_id: int, lines: dict[int, int], address: str = "") -> list[int]:
        """Cart then checkout through the services, committed; the new orders' ids."""
        with self.app.test_request_context():
            user, buyer = db.session.get(User, user_id), db.session.get(Organisation, buyer_id)
            for product_id, quantity in lines.items():
                orders.add_to_cart(user, buyer, db.session.get(OcopProduct, product_id), quantity)
            db.session.commit()
            db.session.remove()
        return self.checkout(user_id, buyer_id, address)

    def checkout(self, user_id: int, buyer_id: int, address: str = "") -> list[int]:
        """Checkout of whatever is in the cart, through the service, committed; the new orders' ids."""
        with self.app.test_request_context():
            user, buyer = db.session.get(User, user_id), db.session.get(Organisation, buyer_id)
            placed = orders.checkout(user, buyer, address)
            db.session.commit()
            ids = [o.id for o in placed]
            db.session.remove()
            return ids

    def order(self, order_id: int) -> ShopOrder:
        """A detached snapshot of the order and its items."""
        with self.app.app_context():
            order = db.session.get(ShopOrder, order_id)
            _ = list(order.items)
            db.session.expunge_all()
            return order

    def orders(self) -> list[ShopOrder]:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(ShopOrder).order_by(ShopOrder.id)).all()
            for row in rows:
                _ = list(row.items)
            db.session.expunge_all()
            return rows

    def count(self, model) -> int:
        with self.app.app_context():
            return count(model)

    def count_where(self, model, *where) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    def set_order(self, order_id: int, **values) -> None:
        with self.app.app_context():
            db.session.execute(sa.update(ShopOrder).where(ShopOrder.id == order_id).values(**values))
            db.session.commit()

    def expire(self, minutes_later: int = 120) -> int:
        with self.app.test_request_context():
            n = orders.expire_unpaid_orders(now=utcnow() + timedelta(minutes=minutes_later))
            db.session.commit()
            db.session.remove()
            return n

    def payments(self, order_id: int) -> list[Payment]:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(Payment).where(Payment.order_id == order_id)
                                      .order_by(Payment.id)).all()
            db.session.expunge_all()
            return rows

    def stripe_payment(self, order_id: int, *, session_id=None, status=PaymentStatus.PENDING) -> int:
        """A card payment as start_order_payment leaves it after Stripe created the Checkout Session."""
        n = next_number()
        with self.app.app_context():
            order = db.session.get(ShopOrder, order_id)
            payment = Payment(reference=f"TT-TEST{n:04d}", purpose="order", order_id=order.id, payer_id=order.buyer_id,
                              payee_id=order.seller_id, amount=order.total, currency="VND",
                              method=PaymentMethod.STRIPE, status=status, idempotency_key=f"test-key-{n}",
                              stripe_checkout_session_id=session_id or f"cs_test_shop_{n}",
                              checkout_url=f"https://checkout.stripe.com/c/pay/cs_test_shop_{n}")
            db.session.add(payment)
            db.session.commit()
            return payment.id

    def payment(self, payment_id: int) -> Payment:
        with self.app.app_context():
            payment = db.session.get(Payment, payment_id)
            db.session.expunge(payment)
            return payment

    def inbox(self, user_id: int) -> list[str]:
        with self.app.app_context():
            return list(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user_id)
                                           .order_by(Notification.id)))


def sold(app, product_id: int) -> int:
    """Units of the product in orders that hold stock."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(OrderItem.quantity), 0))
                                 .join(ShopOrder).where(OrderItem.product_id == product_id,
                                                        ShopOrder.status.in_(OrderStatus.HOLDS_STOCK)))


# --- contracts -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractParties:
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


def contract_parties(factory: Factory) -> ContractParties:
    buyer = factory.org(kind=OrgKind.ENTERPRISE, name="Công ty CP Tinh dầu Xứ Lạng", commune="Lương Văn Tri",
                        tax_code="4900123456")
    seller = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Hồi Văn Quan", tax_code="4900654321")
    zone = factory.zone(seller, code="LS-VQ-HOI-0001")
    factory.certificate(zone, kind=CertificateKind.PLANTING_AREA_CODE)
    factory.certificate(zone, kind=CertificateKind.ORGANIC)
    plain_zone = factory.zone(seller, code="LS-VQ-HOI-0002")
    factory.certificate(plain_zone, kind=CertificateKind.PLANTING_AREA_CODE)
    return ContractParties(
        buyer=buyer,
        buyer_owner=factory.member(buyer, Role.OWNER, full_name="Hoàng Văn Mua"),
        buyer_signer=factory.member(buyer, Role.SIGNER, full_name="Lý Thị Ký"),
        seller=seller,
        seller_owner=factory.member(seller, Role.OWNER, full_name="Nông Văn Bán"),
        seller_signer=factory.member(seller, Role.SIGNER, full_name="Vi Thị Ký"),
        seller_member=factory.member(seller, Role.MEMBER, full_name="Lộc Văn Hái"),
        zone=zone,
        plain_zone=plain_zone,
        listing=factory.listing(seller, [zone]),
    )


class ContractBuilder:
    """Contracts between the parties, written straight into any state: no audit events, no notifications."""

    def __init__(self, app, parties: ContractParties):
        self.app = app
        self.w = parties

    def contract(self, state: str = ContractState.PROPOSED, *, signed: bool | None = None,
                 deliveries: tuple[tuple[float, str], ...] = (), signed_at=None, **terms) -> int:
        """A contract in `state`, version 1 proposed by the buyer. Signed by both parties when the state
        implies it (or `signed=True`); `deliveries` are (quantity, status) pairs from the contract's zone."""
        n = next_number()
        w = self.w
        with self.app.app_context():
            buyer, seller = db.session.get(Organisation, w.buyer), db.session.get(Organisation, w.seller)
            contract = Contract(reference=f"HD-TEST-{n:04d}", buyer=buyer, seller=seller, state=state,
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
                    public_id=f"D{n:04d}{i:03d}", quantity=quantity, delivered_on=today(), status=status,
                    zones=[zone], recorded_by_id=w.seller_member,
                    dispute_note="Hàng bị ẩm" if status == DeliveryStatus.DISPUTED else None))
            db.session.commit()
            return contract.id


# --- the plan's figures (tests/monitoring) ----------------------------------------------------------------

# Every figures world is judged on AS_OF, a fixed day in the past (the report refuses future dates): the
# answers worked out by hand in the tests do not move with the calendar.
AS_OF = date(2026, 6, 15)
DAY = timedelta(days=1)
# Zones exist in the market from this day (a zone registered after the report date does not count on it).
ZONES_REGISTERED = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
FIGURE_KEYS = ["linkage_orgs", "ocop_valid", "ocop_four_star", "ocop_five_star", "ocop_retail_share",
               "ocop_expiring_90_days", "cert_gap_organic_zone_ha", "cert_planted_forest_ha", "cert_sfm_ha"]


def local_moment(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock in Lạng Sơn on `day` (10:00 local is 03:00 UTC: the same date either way)."""
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def pdf(name: str = "bien-ban-lien-ket.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(MINIMAL_PDF), filename=name, content_type="application/pdf")


def card_value(html: str, key: str) -> str:
    """The figure shown on the dashboard card of `key` (the text of its <strong>)."""
    match = re.search(r'data-key="%s">.*?<p class="figure"><strong>([^<]*)</strong>' % re.escape(key), html, re.S)
    assert match, f"no card for {key}"
    return match.group(1)


class FiguresWorld:
    """Rows for the plan's figures, written straight through the models (the way the demo seed does) so a
    test can set up any state on any date, then `figures()` to read every figure of targets.compute for a
    scope. Each call runs in its own request context (services word messages in the request's language)."""

    def __init__(self, app):
        self.app = app

    @staticmethod
    def _next() -> int:
        return next_number()

    def context(self):
        return self.app.test_request_context()

    # people and organisations

    def org(self, kind=OrgKind.COOPERATIVE, *, status=OrgStatus.VERIFIED, commune="Văn Quan", name=None) -> int:
        name = name or f"{kind} thử nghiệm {self._next()}"
        with self.context():
            org = Organisation(name=name, name_key=name_key(name), kind=kind, status=status,
                               commune_id=commune_id(commune))
            db.session.add(org)
            db.session.commit()
            return org.id

    def user(self, org_id: int | None = None, role=Role.OWNER, full_name=None) -> int:
        n = self._next()
        with self.context():
            user = User(email=f"giamsat{n}@example.vn", full_name=full_name or f"Cán bộ {n}")
            user.set_password(PASSWORD)
            db.session.add(user)
            if org_id:
                db.session.add(Membership(user=user, organisation_id=org_id, role=role))
            db.session.commit()
            return user.id

    def department_staff(self) -> int:
        return self.user(self.org(OrgKind.DEPARTMENT, commune="Lương Văn Tri",
                                  name=f"Sở Nông nghiệp và Môi trường {self._next()}"))

    def commune_officer(self, commune: str) -> int:
        return self.user(self.org(OrgKind.COMMUNE_OFFICE, commune=commune, name=f"UBND {commune} {self._next()}"))

    # contracts

    def contract(self, buyer_id: int, seller_id: int, state: str = ContractState.ACTIVE, *,
                 activated: date | datetime | None = date(2026, 3, 2), crop: str = "hoi", quantity: float = 1000,
                 unit: str = "kg", price: int = 95_000, deliveries=()) -> int:
        """A contract with one version of terms, both parties' signatures once signed, and deliveries
        [(quantity, delivered_on, status)]. `activated` is the day (10:00 in Lạng Sơn) or the exact moment
        it became active; it is signed the day before. A cancelled contract was active before it ended."""
        n = self._next()
        moment = local_moment(activated) if isinstance(activated, date) and not isinstance(activated, datetime) \
            else activated
        with self.context():
            buyer, seller = db.session.get(Organisation, buyer_id), db.session.get(Organisation, seller_id)
            crop_row = db.session.scalar(sa.select(Crop).where(Crop.key == crop))
            reference = f"HD-T-{n:04d}"
            terms = {
                "contract": reference, "currency": "VND",
                "buyer": {"id": buyer.id, "name": buyer.name, "tax_code": buyer.tax_code},
                "seller": {"id": seller.id, "name": seller.name, "tax_code": seller.tax_code},
                "items": [{"crop": crop_row.key, "crop_name": crop_row.name_vi, "product_form": "dried",
                           "grade": None, "quantity": float(quantity), "unit": unit, "price_per_unit": price}],
                "delivery_windows": [{"start": "2026-02-01", "end": "2026-12-31", "quantity": float(quantity)}],
                "zone_codes": [], "deposit_pct": 0, "payment_days": 15,
                "payment_terms": "Thanh toán trong 15 ngày.", "cancellation_terms": "Không.",
            }
            contract = Contract(reference=reference, buyer=buyer, seller=seller, crop=crop_row, state=state)
            contract.versions.append(ContractVersion(number=1, terms=terms, terms_hash=contracts.terms_hash(terms),
                                                     proposed_by_id=buyer.id))
            db.session.add(contract)
            db.session.flush()
            if state != ContractState.DRAFT and state != ContractState.PROPOSED and moment is not None:
                signed_at = moment - DAY
                version = contract.versions[-1]
                for org in (buyer, seller):
                    db.session.add(ContractSignature(contract=contract, version=version, organisation_id=org.id,
                                                     signer_name=f"Người ký {org.name}",
                                                     terms_hash=version.terms_hash, signed_at=signed_at))
                contract.signed_at = signed_at
                if state != ContractState.SIGNED:
                    contract.activated_at = moment
            if state == ContractState.COMPLETED:
                contract.completed_at = moment + timedelta(days=30)
            if state == ContractState.CANCELLED:
                contract.cancelled_at, contract.cancel_reason = moment + timedelta(days=5), "Bên mua đổi kế hoạch."
            if state == ContractState.DISPUTED:
                contract.dispute_reason = "Độ ẩm vượt mức thỏa thuận."
            for qty, delivered_on, status in deliveries:
                db.session.add(Delivery(contract=contract, public_id=f"GH-T-{self._next():06d}",
                                        quantity=float(qty), delivered_on=delivered_on, status=status))
            db.session.commit()
            return contract.id

    def reference(self, contract_id: int) -> str:
        with self.context():
            return db.session.get(Contract, contract_id).reference

    def set_contract_state(self, contract_id: int, state: str) -> None:
        with self.context():
            contract = db.session.get(Contract, contract_id)
            contract.state = state
            if state == ContractState.CANCELLED:
                contract.cancelled_at, contract.cancel_reason = datetime.now(UTC), "Hủy để thử."
            db.session.commit()

    # zones and certificates

    def zone(self, org_id: int, area: float, *, crop="hoi", commune="Văn Quan", status=ReviewStatus.VERIFIED,
             kind=ZoneKind.PLANTING_AREA, created_at: datetime = ZONES_REGISTERED, certificates=()) -> int:
        """certificates: [(kind, issued_on, expires_on, status)]."""
        n = self._next()
        with self.context():
            zone = GrowingZone(code=f"LS-GS-{n:04d}", kind=kind, organisation_id=org_id,
                               commune_id=commune_id(commune), crop_id=crop_id(crop),
                               area_ha=area, status=status, created_at=created_at)
            for cert_kind, issued_on, expires_on, cert_status in certificates:
                zone.certificates.append(Certificate(kind=cert_kind, number=f"CN-{self._next():05d}",
                                                     issuer="Cơ quan chứng nhận", issued_on=issued_on,
                                                     expires_on=expires_on, status=cert_status))
            db.session.add(zone)
            db.session.commit()
            return zone.id

    # OCOP products

    def product(self, org_id: int, stars: int, *, issued_on: date = date(2025, 6, 1),
                expires_on: date = date(2028, 6, 1), retailers=(), crop: str | None = None,
                ocop: str | None = ReviewStatus.VERIFIED) -> int:
        """retailers: chains that confirmed the product on their shelves since its certificate's issue day."""
        n = self._next()
        with self.context():
            product = OcopProduct(
                organisation_id=org_id, name=f"Sản phẩm OCOP {n}", category="spice", stars=stars,
                certificate_number=f"OCOP-T-{n:04d}", certificate_issued_on=issued_on,
                certificate_expires_on=expires_on, unit="chai", price=150_000, stock=10,
                status=ProductStatus.PUBLISHED,
                crop_id=crop_id(crop) if crop else None)
            product.ocop_certificate = ocop_record(product, ocop)
            db.session.add(product)
            db.session.flush()
            for chain in retailers:
                db.session.add(ShelfPlacement(product_id=product.id, chain_id=chain, since=issued_on,
                                              status=PlacementStatus.CONFIRMED, confirmed_at=local_moment(issued_on)))
            db.session.commit()
            return product.id

    def placement(self, product_id: int, chain_id: int, *, since: date | None = None, ended_on: date | None = None,
                  status: str = PlacementStatus.CONFIRMED, confirmed_on: date | None = None) -> int:
        """A shelf placement written straight into a state; confirmed on `since` unless told otherwise."""
        with self.context():
            placement = ShelfPlacement(product_id=product_id, chain_id=chain_id, since=since, ended_on=ended_on,
                                       status=status)
            if status == PlacementStatus.CONFIRMED:
                placement.confirmed_at = local_moment(confirmed_on or since)
            db.session.add(placement)
            db.session.commit()
            return placement.id

    # declared chains

    def declare(self, actor_id: int, org_id: int, *, started_on: date = date(2026, 2, 1),
                ended_on: date | None = None, partner="Công ty TNHH Thu mua Đồng Đăng", crop_id=None) -> int:
        with self.context():
            chain = chains.declare(db.session.get(User, actor_id),
                                   {"organisation_id": str(org_id), "partner_name": partner,
                                    "crop_id": str(crop_id or ""), "started_on": started_on, "ended_on": ended_on,
                                    "note": ""}, pdf())
            db.session.commit()
            return chain.id

    # processing capabilities and later changes (issue 10a)

    def capability(self, org_id: int, *, verified_on: date | None = date(2026, 1, 10), products="Tinh dầu hồi",
                   capacity: float = 200, unit: str = "tan") -> int:
        """A processing capability of `org_id`, verified by the department on `verified_on` (None: pending)."""
        from market.models import CapabilityStatus, ProcessingCapability

        with self.context():
            cap = ProcessingCapability(organisation_id=org_id, products=products, capacity=capacity,
                                       capacity_unit=unit, address="Thôn Bản Mới",
                                       status=CapabilityStatus.VERIFIED if verified_on else CapabilityStatus.PENDING,
                                       verified_at=local_moment(verified_on) if verified_on else None,
                                       verified_against="visit" if verified_on else None)
            db.session.add(cap)
            db.session.commit()
            return cap.id

    def processor(self, kind=OrgKind.ENTERPRISE, *, verified_on: date | None = date(2026, 1, 10), **kwargs) -> int:
        """An enterprise (or cooperative) with a processing capability verified on `verified_on`."""
        org_id = self.org(kind, **kwargs)
        self.capability(org_id, verified_on=verified_on)
        return org_id

    def change(self, model, row_id: int, effective_on: date | None = None, **fields) -> None:
        """Change a stored row through the ORM, as a service does (the fact history records it), effective on
        `effective_on` (default: today)."""
        from market.models.history import takes_effect

        with self.context():
            row = db.session.get(model, row_id)
            for name, value in fields.items():
                setattr(row, name, value)
            if effective_on is not None:
                takes_effect(row, effective_on)
            db.session.commit()

    # reading the figures

    def figures(self, as_of: date = AS_OF, commune: str | None = None, crop: str | None = None,
                locale: str = "vi") -> dict[str, targets.Figure]:
        with self.context():
            session["lang"] = locale  # the request speaks the same language as the figures asked for
            scope = self.scope(as_of, commune, crop)
            return {f.key: f for f in targets.compute(scope, locale)}

    def gettext(self, message: str, locale: str = "vi") -> str:
        """`message` as the app words it in `locale` (the Vietnamese catalogue may lag behind the code)."""
        with self.context():
            session["lang"] = locale
            return gettext(message)

    def scope(self, as_of: date = AS_OF, commune: str | None = None, crop: str | None = None) -> targets.Scope:
        """Call inside a context."""
        return targets.Scope(as_of=as_of, commune_id=commune_id(commune) if commune else None,
                             crop_id=crop_id(crop) if crop else None)

    def values(self, *args, **kwargs) -> dict[str, float]:
        return {k: f.value for k, f in self.figures(*args, **kwargs).items()}

    def commune_id(self, name: str) -> int:
        with self.context():
            return commune_id(name)

    def crop_id(self, key: str) -> int:
        with self.context():
            return crop_id(key)


# --- payee bank accounts (issue 11a) -------------------------------------------------------------------

def payee_account(app, org_id: int, *, bank_code: str = "VCB", number: str | None = None, holder: str = "HTX THU",
                  verified: bool = True, default: bool = True, micro_amount: int | None = None) -> int:
    """A bank account of `org_id`, written straight into the table (verified and default unless told)."""
    from market.models import AccountCheck, PayeeAccount
    from market.payments import banks

    bank = banks.by_code(bank_code)
    with app.app_context():
        account = PayeeAccount(organisation_id=org_id, bank_code=bank.code, bank_bin=bank.bin,
                               account_number=number or f"{1000000000 + next_number()}", holder_name=holder,
                               is_default=default and verified, micro_amount=None if verified else micro_amount,
                               verified_at=utcnow() if verified else None,
                               verified_how=AccountCheck.DEPARTMENT if verified else None)
        db.session.add(account)
        db.session.commit()
        return account.id
