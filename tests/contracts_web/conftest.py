"""A verified buyer and a verified cooperative with a certified zone and an open listing, each with its own
signed-in browser (test client), and the steps of a contract as the pages post them."""
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import Contract, OrgKind, Role
from tests.conftest import PASSWORD, built_once, csrf_token, log_in, submit
from tests.factories import crop_id


def browser_for(app, user_id: int):
    """A test client signed in as the user, reading the pages in English (stable wording for the asserts)."""
    client = app.test_client()
    log_in(client, user_id)
    client.get("/lang/en")
    return client


def post_form(client, url: str, data: dict, *, form_page: str, prefix: str = "", follow_redirects=False):
    """submit() for a form rendered with a prefix: its fields, and its CSRF field, carry the prefix."""
    payload = {f"{prefix}{name}": value for name, value in data.items()}
    if prefix:
        payload[f"{prefix}csrf_token"] = csrf_token(client, form_page)
    return submit(client, url, payload, form_page=form_page, follow_redirects=follow_redirects)


@dataclass
class Deal:
    app: object
    buyer: int
    seller: int
    buyer_user: int
    seller_user: int
    zone: int
    zone_code: str
    listing: int
    clients: dict = field(default_factory=dict)

    def client(self, user_id: int):
        if user_id not in self.clients:
            self.clients[user_id] = browser_for(self.app, user_id)
        return self.clients[user_id]

    @property
    def buyer_client(self):
        return self.client(self.buyer_user)

    @property
    def seller_client(self):
        return self.client(self.seller_user)

    # --- forms as the pages post them ----------------------------------------------------------

    def terms(self, **changes) -> dict:
        on = today()
        with self.app.app_context():
            hoi = str(crop_id("hoi"))
        data = {"crop_id": hoi, "product_form": "dried", "grade": "Loại 1", "quantity": "12", "unit": "tan",
                "price_per_unit": "95000", "delivery_start": (on + timedelta(days=10)).isoformat(),
                "delivery_end": (on + timedelta(days=70)).isoformat(), "zone_ids": [str(self.zone)],
                "deposit_pct": "10", "payment_days": "30", "payment_terms": "Chuyển khoản trong 30 ngày",
                "cancellation_terms": "Báo trước 15 ngày"}
        data.update(changes)
        return data

    def propose(self, client=None, **changes):
        url = f"/contracts/new?listing={self.listing}"
        data = {"buyer_id": str(self.buyer), "note": "Đề nghị bao tiêu vụ này", **self.terms(**changes)}
        return submit(client or self.buyer_client, url, data)

    def proposed(self, **changes) -> int:
        response = self.propose(**changes)
        assert response.status_code == 302, response.get_data(as_text=True)
        return self.latest_contract()

    def counter(self, client, contract_id: int, base_version_id: int | None = None, **changes):
        page = f"/contracts/{contract_id}"
        data = {"base_version_id": str(base_version_id or self.version_id(contract_id)), "note": "Giá mới",
                **self.terms(**changes)}
        return post_form(client, f"{page}/counter", data, form_page=page, prefix="counter-")

    def sign(self, client, contract_id: int, *, password=PASSWORD, version_id: int | None = None):
        page = f"/contracts/{contract_id}"
        return submit(client, f"{page}/sign", {"password": password,
                                               "version_id": str(version_id or self.version_id(contract_id))},
                      form_page=page)

    def signed(self, **changes) -> int:
        contract_id = self.proposed(**changes)
        assert self.sign(self.buyer_client, contract_id).status_code == 302
        assert self.sign(self.seller_client, contract_id).status_code == 302
        return contract_id

    def pay_by_transfer(self, contract_id: int):
        page = f"/contracts/{contract_id}"
        return submit(self.buyer_client, f"{page}/deposit", {"method": "bank_transfer"}, form_page=page)

    def confirm_transfer(self, contract_id: int, client=None):
        page = f"/contracts/{contract_id}"
        with self.app.app_context():
            from market.models import Payment

            payment_id = db.session.scalar(sa.select(Payment.id).where(Payment.contract_id == contract_id)
                                           .order_by(Payment.id.desc()))
        return submit(client or self.seller_client, f"{page}/deposit/confirm", {"payment_id": str(payment_id)},
                      form_page=page)

    def active(self, **changes) -> int:
        contract_id = self.signed(**changes)
        assert self.pay_by_transfer(contract_id).status_code == 302
        assert self.confirm_transfer(contract_id).status_code == 302
        assert self.state(contract_id) == "active"
        return contract_id

    def record(self, contract_id: int, client=None, **changes):
        page = f"/contracts/{contract_id}"
        data = {"quantity": "5", "delivered_on": today().isoformat(), "zone_ids": [str(self.zone)],
                "lot_code": "LO-2026-01", "note": ""}
        data.update(changes)
        return post_form(client or self.seller_client, f"{page}/deliveries", data, form_page=page,
                         prefix="delivery-")

    # --- reading the database -------------------------------------------------------------------

    def latest_contract(self) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(Contract.id).order_by(Contract.id.desc()))

    def contract(self, contract_id: int) -> dict:
        with self.app.app_context():
            c = db.session.get(Contract, contract_id)
            return {"state": c.state, "versions": len(c.versions), "signatures": len(c.signatures),
                    "deliveries": [(d.id, d.status, d.public_id) for d in c.deliveries],
                    "terms": c.current.terms.to_dict(), "hashes": [s.terms_hash for s in c.signatures],
                    "reference": c.reference}

    def state(self, contract_id: int) -> str:
        return self.contract(contract_id)["state"]

    def version_id(self, contract_id: int) -> int:
        with self.app.app_context():
            return db.session.get(Contract, contract_id).current.id


def deal_rows(factory) -> dict:
    buyer = factory.org(kind=OrgKind.ENTERPRISE, name="Công ty Chế biến Hồi Xứ Lạng", commune="Lương Văn Tri",
                        tax_code="4900123456")
    seller = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Hồi Văn Quan", tax_code="4900654321")
    buyer_user = factory.member(buyer, Role.OWNER, full_name="Nguyễn Văn Mua")
    seller_user = factory.member(seller, Role.OWNER, full_name="Hoàng Thị Bán")
    zone = factory.zone(seller, code="LS-VQ-HOI-0012")
    factory.certificate(zone, number="MSVT-0012")
    listing = factory.listing(seller, [zone], title="Hoa hồi khô vụ mùa")
    return {"buyer": buyer, "seller": seller, "buyer_user": buyer_user, "seller_user": seller_user, "zone": zone,
            "zone_code": "LS-VQ-HOI-0012", "listing": listing}


@pytest.fixture(scope="module")
def _deal_once(app):
    yield from built_once(app, deal_rows)


@pytest.fixture
def deal(app, factory, _deal_once) -> Deal:
    """The two parties and the listing, built once per module on SQLite; fresh signed-in clients per test."""
    return Deal(app=app, **(_deal_once or deal_rows(factory)))
