"""While a recall stands, what rests on the recalled thing cannot be newly ordered, offered or contracted
(services/holds.py); lifting the recall releases it. What was already open is not cancelled, and its page says
why. Through the services (the rule) and the pages (what a buyer sees)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.blueprints import write
from market.clock import today
from market.extensions import db
from market.models import (
    CartItem,
    Certificate,
    CertificateKind,
    Contract,
    ContractState,
    GrowingZone,
    OcopProduct,
    OrderItem,
    OrderStatus,
    Organisation,
    OrgKind,
    ReviewStatus,
    ShopOrder,
    SourcingRequest,
    SupplyListing,
    User,
)
from market.search import documents
from market.services import contracts, holds, orders, recalls, sourcing
from market.services.errors import ValidationFailed
from tests.conftest import log_in, submit
from tests.factories import PASSWORD, contract_data, crop_id, next_number

REASON = "Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng"


@pytest.fixture
def world(factory):
    seller = factory.org(name="HTX Hồi Bình Gia")
    zone = factory.zone(seller, code="LS-BG-HOI-0700")
    code_cert = factory.certificate(zone, kind=CertificateKind.PLANTING_AREA_CODE)
    vietgap = factory.certificate(zone, kind=CertificateKind.VIETGAP)
    listing = factory.listing(seller, [zone], title="Hoa hồi khô Bình Gia")
    grown = factory.product(seller, [zone], name="Tinh dầu hồi Bình Gia")   # raw material from the zone
    plain = factory.product(seller, name="Mứt hồi Bình Gia")                 # rests on its OCOP certificate only
    shop = factory.org(kind=OrgKind.TOURIST_SHOP, name="Cửa hàng Đồng Đăng")
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Siêu thị Lạng Sơn")
    return {"seller": seller, "zone": zone, "code_cert": code_cert, "vietgap": vietgap, "listing": listing,
            "grown": grown, "plain": plain, "shop": shop, "shop_user": factory.member(shop),
            "chain": chain, "chain_user": factory.member(chain), "seller_user": factory.member(seller),
            "staff": factory.department_staff()}


def _staff(world) -> User:
    return db.session.get(User, world["staff"])


def recall(world, model, item_id, **kwargs):
    item = db.session.get(model, item_id)
    write.commit(lambda: recalls.recall(_staff(world), item, REASON, **kwargs))
    return item


def lift(world, item):
    write.commit(lambda: recalls.lift(_staff(world), item, "Đã khắc phục, kiểm tra lại đạt yêu cầu"))


def add_to_cart(world, product_id, quantity=1):
    return write.commit(lambda: orders.add_to_cart(db.session.get(User, world["shop_user"]),
                                                   db.session.get(Organisation, world["shop"]),
                                                   db.session.get(OcopProduct, product_id), quantity))


def start_contract(world, **extra):
    listing = db.session.get(SupplyListing, world["listing"])
    data = contract_data([])
    return write.commit(lambda: contracts.start_contract(
        db.session.get(User, world["chain_user"]), db.session.get(Organisation, world["chain"]),
        db.session.get(Organisation, world["seller"]), data, listing=listing, **extra))


# --- the rule ----------------------------------------------------------------------------------------------

def test_a_recalled_ocop_certificate_stops_orders_until_it_is_lifted(req, world):
    product = db.session.get(OcopProduct, world["plain"])
    certificate = product.ocop_certificate
    recall(world, type(certificate), certificate.id)
    with pytest.raises(ValidationFailed) as refused:
        add_to_cart(world, world["plain"])
    message = refused.value.errors["product"][0]
    assert certificate.number in message and REASON in message and "Mứt hồi Bình Gia" in message
    assert db.session.scalar(sa.select(sa.func.count(CartItem.id))) == 0
    lift(world, certificate)
    add_to_cart(world, world["plain"])
    assert db.session.scalar(sa.select(sa.func.count(CartItem.id))) == 1


def test_a_product_grown_in_a_recalled_zone_cannot_be_checked_out_from_a_cart_filled_before(req, world):
    add_to_cart(world, world["grown"], 2)
    recall(world, GrowingZone, world["zone"])
    buyer, user = db.session.get(Organisation, world["shop"]), db.session.get(User, world["shop_user"])
    with pytest.raises(ValidationFailed) as refused:
        write.commit(lambda: orders.checkout(user, buyer))
    assert "LS-BG-HOI-0700" in refused.value.errors["product"][0]
    assert db.session.scalar(sa.select(sa.func.count(ShopOrder.id))) == 0  # all or nothing: no order
    assert db.session.scalar(sa.select(sa.func.count(CartItem.id))) == 1  # the cart kept
    assert db.session.get(OcopProduct, world["grown"]).stock == 10       # nothing reserved
    # The product not resting on the zone is still sold.
    add_to_cart(world, world["plain"])
    assert db.session.scalar(sa.select(sa.func.count(CartItem.id))) == 2


def test_a_listing_of_a_recalled_zone_cannot_be_contracted_or_signed(req, world):
    contract = start_contract(world).value
    write.commit(lambda: contracts.propose(db.session.get(User, world["chain_user"]), contract))
    recall(world, GrowingZone, world["zone"])
    with pytest.raises(ValidationFailed) as refused:
        start_contract(world)
    assert "Hoa hồi khô Bình Gia" in refused.value.errors["listing"][0]
    # The contract proposed before the recall stays open (not cancelled) but cannot be signed meanwhile.
    contract = db.session.get(Contract, contract.id)
    assert contract.state == ContractState.PROPOSED
    with pytest.raises(ValidationFailed) as refused:
        write.commit(lambda: contracts.sign(db.session.get(User, world["seller_user"]), contract,
                                            version_id=contract.current.id, password=PASSWORD))
    assert list(refused.value.errors) == ["contract"] and REASON in refused.value.errors["contract"][0]
    lift(world, db.session.get(GrowingZone, world["zone"]))
    assert start_contract(world).value.state == ContractState.DRAFT


def test_a_recalled_certificate_holds_the_listing_until_a_replacement_is_verified(req, factory, world):
    recall(world, Certificate, world["vietgap"])
    listing = db.session.get(SupplyListing, world["listing"])
    assert [item.id for item in holds.listing_holds(listing)] == [world["vietgap"]]
    with pytest.raises(ValidationFailed):
        start_contract(world)
    db.session.remove()
    factory.certificate(world["zone"], kind=CertificateKind.VIETGAP)  # the department verified a new one
    assert holds.listing_holds(db.session.get(SupplyListing, world["listing"])) == []
    assert start_contract(world).ok


def test_a_sourcing_offer_cannot_come_from_a_zone_held_by_a_recalled_certificate(req, world):
    buyer = db.session.get(Organisation, world["chain"])
    request = SourcingRequest(buyer=buyer, crop_id=crop_id("hoi"), product_form="dried", title="Cần hồi khô",
                              quantity=5, unit="tan", delivery_start=today() + timedelta(days=5),
                              delivery_end=today() + timedelta(days=60), required_certificates=[])
    db.session.add(request)
    db.session.commit()
    seller = db.session.get(Organisation, world["seller"])
    assert [z.id for z in sourcing.fitting_zones(request, seller)] == [world["zone"]]
    recall(world, Certificate, world["code_cert"])
    assert sourcing.fitting_zones(request, seller) == []
    with pytest.raises(ValidationFailed) as refused:
        write.commit(lambda: sourcing.make_offer(db.session.get(User, world["seller_user"]), request, seller,
                                                 {"quantity": "5", "price_per_unit": "90000",
                                                  "zone_ids": [str(world["zone"])]}))
    assert "zone_ids" in refused.value.errors


def test_search_documents_stop_calling_it_available_and_certified(req, world):
    listing = db.session.get(SupplyListing, world["listing"])
    before = documents.listing_document(listing, today())
    assert before["available"] and before["certified"] and not before["data"]["recalled"]
    recall(world, GrowingZone, world["zone"])
    after = documents.listing_document(db.session.get(SupplyListing, world["listing"]), today())
    assert (after["available"], after["certified"], after["cert"], after["data"]["recalled"]) == (
        False, False, [], True)
    product = documents.product_document(db.session.get(OcopProduct, world["grown"]), today())
    assert not product["available"] and product["data"]["recalled"]
    plain = documents.product_document(db.session.get(OcopProduct, world["plain"]), today())
    assert plain["available"] and not plain["data"]["recalled"]


# --- the pages ------------------------------------------------------------------------------------------------

def test_the_product_page_says_why_offers_no_cart_and_points_elsewhere(client, app, world):
    with app.test_request_context():
        recall(world, GrowingZone, world["zone"])
    log_in(client, world["shop_user"])
    html = client.get(f"/products/{world['grown']}").get_data(as_text=True)
    assert "data-held" in html and REASON in html and "LS-BG-HOI-0700" in html
    assert 'name="quantity"' not in html and "/orders/cart/add" not in html
    assert "/search?kind=product" in html
    # A product not resting on the zone keeps its cart form.
    assert 'name="quantity"' in client.get(f"/products/{world['plain']}").get_data(as_text=True)
    response = submit(client, "/orders/cart/add", {"product_id": str(world["grown"]), "buyer_id": str(world["shop"]),
                                        "quantity": "1"}, form_page=f"/products/{world['plain']}",
                      follow_redirects=True)
    assert response.status_code == 200 and REASON in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CartItem.id))) == 0


def test_the_listing_page_offers_no_proposal_and_the_proposal_page_refuses(client, app, world):
    with app.test_request_context():
        recall(world, GrowingZone, world["zone"])
    log_in(client, world["chain_user"])
    html = client.get(f"/listings/{world['listing']}").get_data(as_text=True)
    assert "data-held" in html and REASON in html
    assert "/contracts/new" not in html and "/search?kind=listing&amp;crop=hoi" in html
    response = client.get(f"/contracts/new?listing={world['listing']}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/listings/{world['listing']}")
    with app.app_context():
        form = {k: v for k, v in contract_data([]).items() if k != "zone_ids"}
    response = submit(client, f"/contracts/new?listing={world['listing']}", {**form, "buyer_id": str(world["chain"])},
                      form_page="/auth/reset")
    assert response.status_code == 200 and REASON in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Contract.id))) == 0


def test_an_open_order_is_not_cancelled_and_its_page_says_why(client, app, world):
    with app.app_context():
        order = ShopOrder(reference=f"DH-H-{next_number():04d}", buyer_id=world["shop"], seller_id=world["seller"],
                          status=OrderStatus.PAID, total=180_000)
        order.items.append(OrderItem(product_id=world["grown"], quantity=1, unit_price=180_000, product_name="x"))
        db.session.add(order)
        db.session.commit()
        order_id = order.id
    with app.test_request_context():
        recall(world, GrowingZone, world["zone"])
    with app.app_context():
        assert db.session.get(ShopOrder, order_id).status == OrderStatus.PAID
    log_in(client, world["shop_user"])
    html = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "data-held" in html and REASON in html


def test_the_zone_recall_shows_in_the_department_queue_with_its_dates(client, app, world):
    with app.test_request_context():
        recall(world, GrowingZone, world["zone"], effective_on=today() - timedelta(days=3))
    log_in(client, world["staff"])
    html = client.get("/department/").get_data(as_text=True)
    assert "LS-BG-HOI-0700" in html.split("data-recalled")[1]
    with app.app_context():
        assert db.session.get(GrowingZone, world["zone"]).status == ReviewStatus.RECALLED


def test_the_cart_says_which_line_a_recall_holds(client, app, world):
    with app.test_request_context():
        add_to_cart(world, world["grown"])
        add_to_cart(world, world["plain"])
        recall(world, GrowingZone, world["zone"])
    log_in(client, world["shop_user"])
    html = client.get(f"/orders/cart?buyer={world['shop']}").get_data(as_text=True)
    assert html.count("data-held") == 1 and "LS-BG-HOI-0700" in html.split("data-held")[1][:400]
