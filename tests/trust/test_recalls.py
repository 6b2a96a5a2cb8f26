"""Recalls tell exactly the affected parties: the holder and the buyers with an open contract, order or
sourcing offer depending on the recalled zone, zone certificate or OCOP certificate; nobody else."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.blueprints import write
from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    Certificate,
    Contract,
    ContractState,
    GrowingZone,
    Notification,
    OcopProduct,
    OfferStatus,
    OrderItem,
    OrderStatus,
    OrgKind,
    ReviewStatus,
    ShopOrder,
    SourcingOffer,
    SourcingRequest,
    User,
)
from market.search import documents
from market.services import recalls
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import crop_id, next_number


@pytest.fixture
def world(factory):
    seller = factory.org(name="HTX Hồi Văn Quan")
    other_seller = factory.org(name="HTX Quế Tràng Định")
    zone = factory.zone(seller, code="LS-VQ-HOI-0500")
    other_zone = factory.zone(other_seller, code="LS-TD-QUE-0500")
    certificate = factory.certificate(zone)
    listing = factory.listing(seller, [zone])
    other_listing = factory.listing(other_seller, [other_zone])
    product = factory.product(seller, [zone])
    plain_product = factory.product(seller)  # no zone: depends only on its own OCOP certificate
    buyers = {key: factory.org(kind=OrgKind.ENTERPRISE, name=f"Người mua {key}") for key in (
        "contract", "completed", "order", "cancelled_order", "offer", "declined_offer", "elsewhere", "plain_order")}
    members = {key: factory.member(org) for key, org in buyers.items()}
    members["seller"] = factory.member(seller)
    staff = factory.department_staff()
    with factory.app.app_context():
        def contract(buyer, state, listing_id):
            db.session.add(Contract(reference=f"HD-R-{next_number():04d}", buyer_id=buyer, seller_id=seller,
                                    state=state, listing_id=listing_id))

        def order(buyer, status, product_id):
            o = ShopOrder(reference=f"DH-R-{next_number():04d}", buyer_id=buyer, seller_id=seller, status=status,
                          total=100_000)
            o.items.append(OrderItem(product_id=product_id, quantity=1, unit_price=100_000, product_name="x"))
            db.session.add(o)

        def offer(buyer, status):
            request = SourcingRequest(buyer_id=buyer, crop_id=crop_id("hoi"), product_form="dried", title="Cần hồi",
                                      quantity=5, unit="tan", delivery_start=today(),
                                      delivery_end=today() + timedelta(days=30))
            db.session.add(SourcingOffer(request=request, seller_id=seller, quantity=5, price_per_unit=90_000,
                                         status=status, zones=[db.session.get(GrowingZone, zone)]))

        contract(buyers["contract"], ContractState.PROPOSED, listing)
        contract(buyers["completed"], ContractState.COMPLETED, listing)
        contract(buyers["elsewhere"], ContractState.ACTIVE, other_listing)
        order(buyers["order"], OrderStatus.PAID, product)
        order(buyers["cancelled_order"], OrderStatus.CANCELLED, product)
        order(buyers["plain_order"], OrderStatus.PENDING_PAYMENT, plain_product)
        offer(buyers["offer"], OfferStatus.SUBMITTED)
        offer(buyers["declined_offer"], OfferStatus.DECLINED)
        db.session.commit()
    return {"seller": seller, "zone": zone, "certificate": certificate, "product": product,
            "plain_product": plain_product, "buyers": buyers, "members": members, "staff": staff}


def told() -> set[int]:
    return set(db.session.scalars(sa.select(Notification.organisation_id)))


def recall(world, item, reason="Phát hiện sai lệch khi kiểm tra thực địa"):
    return write.commit(lambda: recalls.recall(db.session.get(User, world["staff"]), item, reason))


def test_recalling_a_zone_tells_the_holder_and_the_buyers_depending_on_it(req, world, outbox):
    zone = db.session.get(GrowingZone, world["zone"])
    recall(world, zone)
    b = world["buyers"]
    assert told() == {world["seller"], b["contract"], b["order"], b["offer"]}
    assert zone.status == ReviewStatus.RECALLED
    # One e-mail per member told, after the commit.
    assert len(outbox) == 4 and all("LS-VQ-HOI-0500" in m.body for m in outbox)


def test_recalling_a_zone_certificate_tells_the_same_parties(req, world):
    recall(world, db.session.get(Certificate, world["certificate"]))
    b = world["buyers"]
    assert told() == {world["seller"], b["contract"], b["order"], b["offer"]}


def test_recalling_an_ocop_certificate_tells_the_holder_and_its_product_buyers_only(req, world):
    certificate = db.session.get(OcopProduct, world["plain_product"]).ocop_certificate
    recall(world, certificate)
    assert told() == {world["seller"], world["buyers"]["plain_order"]}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "ocop.recalled"))
    assert event.details["reason"] == "Phát hiện sai lệch khi kiểm tra thực địa"


def test_lifting_a_recall_tells_them_again_and_is_audited(req, world):
    zone = db.session.get(GrowingZone, world["zone"])
    recall(world, zone)
    db.session.execute(sa.delete(Notification))
    db.session.commit()
    write.commit(lambda: recalls.lift(db.session.get(User, world["staff"]), zone, "Đã khắc phục, kiểm tra lại đạt"))
    b = world["buyers"]
    assert told() == {world["seller"], b["contract"], b["order"], b["offer"]}
    assert zone.status == ReviewStatus.VERIFIED and zone.status_reason == "Đã khắc phục, kiểm tra lại đạt"
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "zone.recall_lifted"))


def test_a_recall_without_a_reason_or_by_a_seller_changes_nothing(req, world):
    zone = db.session.get(GrowingZone, world["zone"])
    with pytest.raises(ValidationFailed):
        recall(world, zone, reason="  ")
    with pytest.raises(PermissionDenied):
        write.commit(lambda: recalls.recall(db.session.get(User, world["members"]["seller"]), zone,
                                            "Tự thu hồi vùng của mình"))
    assert zone.status == ReviewStatus.VERIFIED and told() == set()


def test_the_recalled_products_search_document_says_so(req, world):
    product = db.session.get(OcopProduct, world["product"])
    certificate = product.ocop_certificate
    assert documents.keys_touched_by(db.session, certificate) == [documents.key_of("product", product.id)]
    before = documents.product_document(product, today())
    assert before["verified"] and before["cert"] == ["ocop"]
    recall(world, certificate)
    after = documents.product_document(product, today())
    assert not after["verified"] and after["cert"] == [] and after["data"]["ocop_state"] == "recalled"
