"""The to-do home's items (services/todo.py), by role: what each kind of member is asked to do next. Dates and
states are compared in SQL: both engines."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    Commune,
    ContractState,
    DeliveryStatus,
    GrowingZone,
    OrderStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ReviewStatus,
    Role,
    ShopOrder,
    SourcingOffer,
    SourcingRequest,
    User,
)
from market.services import reporting, todo
from tests.factories import crop_id, get

pytestmark = pytest.mark.both_engines


def kinds(user, org) -> list[str]:
    return [item.kind for item in todo.for_organisation(user, org)]


def test_each_role_sees_its_own_work_on_contracts_and_offers(req, world, build):
    build.contract(ContractState.PROPOSED, signed=False)
    build.contract(ContractState.ACTIVE, deliveries=((4.0, DeliveryStatus.RECORDED),))
    request = SourcingRequest(buyer_id=world.buyer, crop_id=crop_id("hoi"), product_form="dried", title="Cần hồi",
                              quantity=5, unit="tan", delivery_start=date(2030, 1, 1), delivery_end=date(2030, 2, 1))
    db.session.add_all([request, SourcingOffer(request=request, seller_id=world.seller, quantity=5,
                                               price_per_unit=90_000)])
    db.session.commit()
    buyer = world.org("buyer")
    assert sorted(kinds(world.user("buyer_signer"), buyer)) == ["inspect", "offer", "sign"]
    assert sorted(kinds(world.user("buyer_owner"), buyer)) == ["inspect", "offer", "sign"]
    seller = world.org("seller")
    assert "sign" in kinds(world.user("seller_signer"), seller)
    assert kinds(world.user("seller_member"), seller) == []  # a plain member: nothing to sign, answer or confirm
    assert kinds(world.user("buyer_owner"), seller) == []  # not a member there


def test_a_cooperative_sees_requests_its_zones_fit_and_certificates_expiring(req, world, factory):
    factory.certificate(world.zone, number="VG-SAP-HET", expires_on=today() + timedelta(days=20))
    factory.certificate(world.zone, number="VG-CON-LAU", expires_on=today() + timedelta(days=200))
    factory.certificate(world.zone, number="VG-DA-HET", expires_on=today() - timedelta(days=1))
    db.session.add(SourcingRequest(buyer_id=world.buyer, crop_id=crop_id("hoi"), product_form="dried",
                                   title="Cần hồi sấy", quantity=5, unit="tan", delivery_start=date(2030, 1, 1),
                                   delivery_end=date(2030, 2, 1)))
    db.session.commit()
    items = todo.for_organisation(world.user("seller_member"), world.org("seller"))
    texts = " ".join(i.text for i in items)
    assert [i.kind for i in items].count("certificate") == 1 and "VG-SAP-HET" in texts
    assert "VG-CON-LAU" not in texts and "VG-DA-HET" not in texts
    assert [i.kind for i in items].count("request") == 1 and "Cần hồi sấy" in texts


def test_the_seller_is_asked_to_ship_paid_orders_and_confirm_transfers(req, shop, factory):
    seller = shop.seller()
    owner, member = shop.member(seller), shop.member(seller, Role.MEMBER)
    buyer = shop.buyer(kind=OrgKind.TOURIST_SHOP)
    buyer_user = shop.member(buyer)
    product = shop.product(seller, stock=20)
    [paid] = shop.place(buyer_user, buyer, {product: 2})
    [unpaid] = shop.place(buyer_user, buyer, {product: 3})
    get(ShopOrder, paid).status = OrderStatus.PAID
    order = get(ShopOrder, unpaid)
    db.session.add(Payment(reference="TT-TODO-0001", purpose="order", order_id=order.id, payer_id=buyer,
                           payee_id=seller, amount=order.total, currency="VND", method=PaymentMethod.BANK_TRANSFER,
                           status=PaymentStatus.PENDING, idempotency_key="todo-test-1"))
    db.session.commit()
    items = todo.for_organisation(get(User, owner), get(Organisation, seller))
    assert sorted(i.kind for i in items) == ["payment", "ship"]
    assert any(f"/orders/{unpaid}" == i.link for i in items if i.kind == "payment")
    assert kinds(get(User, member), get(Organisation, seller)) == []


def test_department_staff_are_led_to_each_part_of_the_queue_and_to_the_reports_not_sent(req, factory):
    staff = get(User, factory.department_staff())
    assert [i.kind for i in todo.department_items(staff)] == []  # nothing waits: no line at all
    cooperative = factory.org()
    factory.org(status=OrgStatus.PENDING)
    factory.zone(cooperative, status=ReviewStatus.PENDING)
    factory.zone(cooperative, status=ReviewStatus.PENDING)
    office = factory.org(kind=OrgKind.COMMUNE_OFFICE, commune="Chi Lăng", name="UBND xã Chi Lăng")
    officer = get(User, factory.member(office))
    round_ = reporting.open_round(staff, {"year": today().year, "as_of": today(), "reports_from": today(),
                                          "reports_due": today() + timedelta(days=3),
                                          "compile_by": today() + timedelta(days=10)})
    db.session.commit()
    items = {i.kind: i for i in todo.department_items(staff)}
    assert set(items) == {"verify_organisations", "verify_zones", "round"}
    assert items["verify_zones"].text.startswith("2 ") and items["verify_zones"].link == "/department/"
    assert items["round"].text.startswith("1 ") and items["round"].link == f"/reporting/rounds/{round_.id}"

    # The commune office is asked for its report until it is sent; then the department is asked to compile.
    office_org, commune = get(Organisation, office), get(Organisation, office).commune
    [ask] = [i for i in todo.for_organisation(officer, office_org) if i.kind == "report"]
    assert ask.link == f"/reporting/rounds/{round_.id}/communes/{commune.id}"
    reporting.submit(officer, round_, db.session.get(Commune, commune.id), "Báo cáo năm của xã Chi Lăng.")
    db.session.commit()
    assert "report" not in kinds(officer, office_org)
    assert "compile_round" in [i.kind for i in todo.department_items(staff)]
    for zone in db.session.scalars(sa.select(GrowingZone).where(GrowingZone.organisation_id == cooperative)):
        zone.status = ReviewStatus.VERIFIED
    db.session.commit()
    assert "verify_zones" not in [i.kind for i in todo.department_items(staff)]
