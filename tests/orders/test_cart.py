"""The cart over HTTP (market/blueprints/orders/routes.py): adding from the product page, the rules that
refuse a line (minimum order, tourist-site shops, expired certificate, own product, unverified buyer), and
changing or removing lines. Real forms with CSRF tokens."""
import re

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_login import login_user

from market.extensions import db
from market.models import CartItem, OcopProduct, OrgKind, OrgStatus, Role, User
from market.services import sessions
from tests.conftest import csrf_token, log_in_en, submit

PRODUCT_FORM = re.compile(r'<form[^>]*action="/orders/cart/add".*?</form>', re.S)


def add(client, product_id, quantity, **extra):
    return submit(client, "/orders/cart/add", {"product_id": str(product_id), "quantity": str(quantity), **extra},
                  form_page="/orders/", follow_redirects=True)


def page_text(response) -> str:
    return response.get_data(as_text=True)


# --- the product page's form -----------------------------------------------------------------------

def render_add_form(app, user_id, product_id) -> str:
    with app.test_request_context("/products/1"), force_locale("en"):  # assertions read the English text
        user = db.session.get(User, user_id)
        sessions.open_for(user)  # Flask-Login names the user by a log-in session
        login_user(user)
        html = render_template_string('{% include "orders/_add_to_cart.html" %}',
                                      product=db.session.get(OcopProduct, product_id))
        db.session.remove()
        return html


def form_fields(html: str) -> dict:
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        fields[name] = re.search(r'value="([^"]*)"', options).group(1)
    return fields


def test_the_product_page_form_posts_what_the_route_reads(app, client, shop, product, buyer, buyer_user):
    html = render_add_form(app, buyer_user, product)
    assert PRODUCT_FORM.search(html), html
    fields = form_fields(html)
    assert fields["product_id"] == str(product) and fields["quantity"] == "1" and fields["buyer_id"] == str(buyer)
    log_in_en(client, buyer_user)
    # The token belongs to the browser's session, so the client's own replaces the one rendered here.
    response = client.post("/orders/cart/add", data={**fields, "quantity": "3",
                                                     "csrf_token": csrf_token(client, "/orders/")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/cart?buyer={buyer}")
    assert shop.cart(buyer) == {product: 3}


def test_the_product_page_form_asks_which_organisation_when_there_are_several(app, shop, product, buyer,
                                                                              buyer_user):
    second = shop.buyer(kind=OrgKind.TOURIST_SHOP, name="Cửa hàng Chợ Đông Kinh")
    shop.join(buyer_user, second)
    html = render_add_form(app, buyer_user, product)
    assert '<select id="cart-buyer" name="buyer_id">' in html
    assert "Cửa hàng Chợ Đông Kinh" in html and "Siêu thị Lạng Sơn" in html


def test_the_product_page_form_is_not_offered_on_ones_own_product_or_to_sellers(app, shop, seller, seller_owner,
                                                                                product):
    assert render_add_form(app, seller_owner, product).strip() == ""
    enterprise = shop.seller(kind=OrgKind.ENTERPRISE, name="Công ty Chế biến Hồi")
    own = shop.product(enterprise)
    assert "<form" not in render_add_form(app, shop.member(enterprise), own)
    with app.test_request_context("/products/1"):  # a visitor is asked to log in first
        html = render_template_string('{% include "orders/_add_to_cart.html" %}',
                                      product=db.session.get(OcopProduct, product))
        db.session.remove()
    assert "/auth/login?next=" in html and "<form" not in html


# --- adding -----------------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in(client, product):
    response = client.get("/orders/cart")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    response = client.post("/orders/cart/add", data={"product_id": str(product), "quantity": "1"})
    assert response.status_code in (302, 400)  # login first (or the CSRF check): never added
    assert response.status_code == 400 or "/auth/login" in response.headers["Location"]


def test_adding_puts_the_line_in_the_cart_and_adding_again_sets_the_quantity(client, shop, product, buyer,
                                                                           buyer_user):
    log_in_en(client, buyer_user)
    response = add(client, product, 2)
    assert response.status_code == 200 and "is in the cart" in page_text(response)
    assert shop.cart(buyer) == {product: 2}
    add(client, product, 4)
    assert shop.cart(buyer) == {product: 4}
    assert shop.stock(product) == 10  # a cart holds no stock


def test_below_the_minimum_order_is_refused_with_the_minimum(client, shop, seller, buyer, buyer_user):
    product = shop.product(seller, min_order_qty=5)
    log_in_en(client, buyer_user)
    response = add(client, product, 2)
    assert "The minimum order is 5." in page_text(response)
    assert response.request.path == f"/products/{product}"  # back on the product page
    assert shop.cart(buyer) == {}


@pytest.mark.parametrize("quantity", ["two", "1,5", "", "-3"])
def test_a_quantity_that_is_not_a_whole_number_above_the_minimum_is_refused(client, shop, product, buyer,
                                                                            buyer_user, quantity):
    log_in_en(client, buyer_user)
    response = add(client, product, quantity)
    assert response.status_code == 200
    assert re.search(r"Enter a whole number|Enter a quantity|The minimum order is 1|is not a number|is not a whole number|is not written as a number", page_text(response))
    assert shop.cart(buyer) == {}


def test_more_than_the_stock_is_refused(client, shop, product, buyer, buyer_user):
    log_in_en(client, buyer_user)
    assert "Only 10 in stock." in page_text(add(client, product, 11))
    assert shop.cart(buyer) == {}


def test_a_tourist_site_shop_cannot_add_a_product_not_offered_to_tourist_shops(client, shop, seller):
    product = shop.product(seller, tourist_shops_allowed=False)
    kiosk = shop.buyer(kind=OrgKind.TOURIST_SHOP, name="Quầy lưu niệm Động Tam Thanh")
    log_in_en(client, shop.member(kiosk))
    response = add(client, product, 1)
    assert "The producer does not sell this product to tourist-site shops." in page_text(response)
    assert shop.cart(kiosk) == {}


def test_a_product_whose_certificate_has_expired_cannot_be_added(client, shop, seller, buyer, buyer_user):
    from datetime import timedelta

    from market.clock import today

    product = shop.product(seller, expires_on=today() - timedelta(days=1))
    log_in_en(client, buyer_user)
    response = add(client, product, 1)
    assert "OCOP certificate has expired; it cannot be sold." in page_text(response)
    assert shop.cart(buyer) == {}


def test_a_draft_product_cannot_be_added(client, shop, seller, buyer, buyer_user):
    product = shop.product(seller, status="draft")
    log_in_en(client, buyer_user)
    assert "This product is not on sale." in page_text(add(client, product, 1))
    assert shop.cart(buyer) == {}


def test_an_enterprise_cannot_order_its_own_product(client, shop):
    enterprise = shop.seller(kind=OrgKind.ENTERPRISE, name="Công ty Chế biến Hồi")
    own = shop.product(enterprise)
    log_in_en(client, shop.member(enterprise))
    response = add(client, own, 1, buyer_id=str(enterprise))
    assert "You cannot order your own product." in page_text(response)
    assert shop.cart(enterprise) == {}


def test_an_unverified_buyer_is_told_to_get_verified(app, client, shop, product):
    pending = shop.buyer(status=OrgStatus.PENDING, name="Siêu thị chờ xác minh")
    user = shop.member(pending)
    html = render_add_form(app, user, product)
    assert "<form" not in html and "must be verified by the department before it orders" in html
    log_in_en(client, user)
    response = add(client, product, 1)  # posted all the same
    assert response.status_code == 403
    assert "must be verified by the department before it orders" in page_text(response)
    assert shop.cart(pending) == {}


def test_a_cooperative_member_is_told_who_may_order(client, shop, product):
    other_coop = shop.seller(name="HTX Na Chi Lăng")
    log_in_en(client, shop.member(other_coop))
    response = add(client, product, 1)
    assert response.status_code == 403
    assert "Only shops, retail chains and enterprises order OCOP products." in page_text(response)
    assert "Only shops, retail chains and enterprises" in page_text(client.get("/orders/cart"))


def test_with_several_buyer_organisations_the_form_names_one(client, shop, product, buyer, buyer_user):
    second = shop.buyer(kind=OrgKind.ENTERPRISE, name="Công ty Thực phẩm Xứ Lạng")
    shop.join(buyer_user, second)
    log_in_en(client, buyer_user)
    assert "Choose which of your organisations orders." in page_text(add(client, product, 1))
    add(client, product, 2, buyer_id=str(second))
    assert shop.cart(second) == {product: 2} and shop.cart(buyer) == {}
    # Another organisation's cart is not reachable by naming it.
    stranger = shop.buyer(name="Siêu thị người khác")
    assert add(client, product, 1, buyer_id=str(stranger)).status_code == 404
    assert shop.cart(stranger) == {}


def test_an_unknown_product_is_404(client, buyer_user):
    log_in_en(client, buyer_user)
    assert add(client, 999_999, 1).status_code == 404
    assert add(client, "abc", 1).status_code == 404


# --- the cart page ----------------------------------------------------------------------------------

def test_the_cart_groups_lines_by_seller_with_totals(client, shop, seller, product, buyer, buyer_user):
    other_seller = shop.seller(name="HTX Na Chi Lăng")
    na = shop.product(other_seller, price=30_000, name="Na dai Chi Lăng sấy")
    shop.put_in_cart(buyer, product, 2)
    shop.put_in_cart(buyer, na, 5)
    log_in_en(client, buyer_user)
    html = page_text(client.get("/orders/cart"))
    assert "From HTX Hồi Văn Quan" in html and "From HTX Na Chi Lăng" in html
    assert "100,000" in html and "150,000" in html and "250,000" in html  # per seller, then in all
    assert "One order is placed for each seller" in html
    assert 'name="shipping_address"' in html and "Place the order" in html


def test_changing_the_quantity_and_removing_a_line(client, shop, product, buyer, buyer_user):
    item = shop.put_in_cart(buyer, product, 2)
    log_in_en(client, buyer_user)
    response = submit(client, f"/orders/cart/{item}/quantity", {"quantity": "6"}, form_page="/orders/cart",
                      follow_redirects=True)
    assert response.status_code == 200 and shop.cart(buyer) == {product: 6}
    response = submit(client, f"/orders/cart/{item}/quantity", {"quantity": "60"}, form_page="/orders/cart",
                      follow_redirects=True)
    assert "Only 10 in stock." in page_text(response) and shop.cart(buyer) == {product: 6}
    response = submit(client, f"/orders/cart/{item}/remove", {"confirmed": "1"}, form_page="/orders/cart", follow_redirects=True)
    assert "Removed from the cart." in page_text(response) and shop.cart(buyer) == {}
    assert "The cart is empty." in page_text(response)


def test_another_buyers_cart_lines_are_404(client, shop, product, buyer):
    item = shop.put_in_cart(buyer, product, 2)
    stranger = shop.buyer(name="Siêu thị người khác")
    log_in_en(client, shop.member(stranger))
    assert submit(client, f"/orders/cart/{item}/remove", {"confirmed": "1"}, form_page="/orders/").status_code == 404
    assert submit(client, f"/orders/cart/{item}/quantity", {"quantity": "1"}, form_page="/orders/").status_code == 404
    assert client.get(f"/orders/cart?buyer={buyer}").status_code == 404
    assert shop.cart(buyer) == {product: 2}


def test_a_removed_line_by_a_plain_member_of_the_buyer(client, shop, product, buyer):
    item = shop.put_in_cart(buyer, product, 2)
    log_in_en(client, shop.member(buyer, Role.MEMBER))
    submit(client, f"/orders/cart/{item}/remove", {"confirmed": "1"}, form_page="/orders/cart")
    assert shop.count(CartItem) == 0
