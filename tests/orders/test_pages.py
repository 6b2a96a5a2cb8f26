"""The order pages: who may see an order (others get 404), what each side is offered (payment buttons for
the buyer, the transfer confirmation and the next fulfilment step for the seller), the list of my orders,
times in Asia/Ho_Chi_Minh, and the inbox the services fill."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from market.models import OrderStatus, PaymentMethod, PaymentStatus, Role
from tests.conftest import log_in, log_in_en, submit


@pytest.fixture
def order_id(shop, product, buyer, buyer_user):
    (order_id,) = shop.place(buyer_user, buyer, {product: 2}, "12 Lê Lợi, TP Lạng Sơn")
    return order_id


def text(response) -> str:
    return response.get_data(as_text=True)


# --- who sees an order --------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in(client, order_id):
    for url in (f"/orders/{order_id}", "/orders/", "/inbox/"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


def test_outsiders_get_404_for_the_page_and_every_action(client, shop, product, order_id):
    stranger = shop.buyer(name="Siêu thị người khác")
    other_coop = shop.seller(name="HTX khác")
    for user in (shop.member(stranger), shop.member(other_coop)):
        log_in_en(client, user)
        assert client.get(f"/orders/{order_id}").status_code == 404
        for url, data in ((f"/orders/{order_id}/pay", {"method": "bank_transfer"}),
                          (f"/orders/{order_id}/status", {"status": "cancelled", "confirmed": "1"})):
            assert submit(client, url, data, form_page="/orders/").status_code == 404
        assert shop.order(order_id).reference not in text(client.get("/orders/"))
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT and shop.payments(order_id) == []
    assert shop.stock(product) == 8
    assert client.get("/orders/999999").status_code == 404


def test_both_sides_and_department_staff_see_the_order(client, factory, seller_owner, buyer_user, order_id, shop):
    for user in (buyer_user, seller_owner, factory.department_staff()):
        log_in_en(client, user)
        assert client.get("/orders/").status_code == 200
        page = text(client.get(f"/orders/{order_id}"))
        assert shop.order(order_id).reference in page and "Tinh dầu hồi Văn Quan" in page
        assert "100,000" in page and "12 Lê Lợi, TP Lạng Sơn" in page


def test_my_orders_lists_what_i_bought_and_what_i_sold(client, shop, seller, seller_owner, product, buyer,
                                                      buyer_user, order_id):
    ref = shop.order(order_id).reference
    log_in_en(client, buyer_user)
    page = text(client.get("/orders/"))
    assert "Bought" in page and ref in page and "HTX Hồi Văn Quan" in page and "Sold" not in page
    log_in_en(client, seller_owner)
    page = text(client.get("/orders/"))
    assert "Sold" in page and ref in page and "Siêu thị Lạng Sơn" in page
    # An enterprise that both buys and sells sees both lists.
    shop.join(seller_owner, buyer)
    page = text(client.get("/orders/"))
    assert "Bought" in page and "Sold" in page


def test_the_reservation_is_shown_in_asia_ho_chi_minh(client, shop, buyer_user, order_id):
    until = datetime(2031, 1, 1, 17, 30, tzinfo=UTC)  # 00:30 on 2 January in Lạng Sơn
    shop.set_order(order_id, reserved_until=until)
    log_in_en(client, buyer_user)
    page = text(client.get(f"/orders/{order_id}"))
    local = format_datetime(until, "short", tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"), locale="en")
    assert "Stock held until" in page and local in page, local
    assert "12:30" in local and "1/2/31" in local
    assert format_datetime(until, "short", tzinfo=UTC, locale="en") not in page


def test_the_page_speaks_vietnamese_by_default(client, buyer_user, order_id):
    log_in(client, buyer_user)
    page = text(client.get(f"/orders/{order_id}"))
    assert 'lang="vi"' in page


# --- what each side is offered --------------------------------------------------------------------------

def test_the_buyer_is_offered_payment_and_cancel_but_not_card_without_stripe(app, client, buyer_user, order_id):
    assert not app.config.get("STRIPE_SECRET_KEY")
    log_in_en(client, buyer_user)
    page = text(client.get(f"/orders/{order_id}"))
    assert "Pay by bank transfer" in page and "Cancel the order" in page
    assert "Pay by card (Stripe)" not in page
    assert "Confirm the transfer arrived" not in page and "Mark as packed" not in page


def test_the_card_button_is_offered_when_stripe_is_configured(app, client, buyer_user, order_id, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_123")
    log_in_en(client, buyer_user)
    page = text(client.get(f"/orders/{order_id}"))
    assert "Pay by card (Stripe)" in page and "Pay by bank transfer" in page


def test_bank_transfer_shows_the_reference_and_the_details_to_the_buyer(app, client, shop, seller_owner,
                                                                       buyer_user, order_id):
    log_in_en(client, buyer_user)
    response = submit(client, f"/orders/{order_id}/pay", {"method": PaymentMethod.BANK_TRANSFER},
                      form_page=f"/orders/{order_id}", follow_redirects=True)
    (payment,) = shop.payments(order_id)
    assert payment.method == PaymentMethod.BANK_TRANSFER and payment.status == PaymentStatus.PENDING
    assert payment.amount == 100_000 and payment.payee_id == shop.order(order_id).seller_id
    page = text(response)
    # No verified account of the seller yet: the reference, and the reason no account or VietQR code is shown.
    assert payment.reference in page and "has not registered a verified bank account yet" in page
    assert "Pay by bank transfer" not in page  # already chosen
    # Choosing it again (a reload, a double click) is the same payment.
    submit(client, f"/orders/{order_id}/pay", {"method": PaymentMethod.BANK_TRANSFER}, form_page=f"/orders/{order_id}")
    assert [p.id for p in shop.payments(order_id)] == [payment.id]
    # The seller is offered the confirmation, the buyer is not.
    assert "Confirm the transfer arrived" not in page
    log_in_en(client, seller_owner)
    page = text(client.get(f"/orders/{order_id}"))
    assert "Confirm the transfer arrived" in page and payment.reference in page
    assert "Pay by bank transfer" not in page and "Cancel the order" not in page


def test_an_unknown_payment_method_is_refused(client, shop, buyer_user, order_id):
    log_in_en(client, buyer_user)
    response = submit(client, f"/orders/{order_id}/pay", {"method": "cash"}, form_page=f"/orders/{order_id}",
                      follow_redirects=True)
    assert "Choose how to pay." in text(response) and shop.payments(order_id) == []


def test_the_seller_is_offered_the_next_step_once_paid(client, shop, seller_owner, order_id):
    shop.set_order(order_id, status=OrderStatus.PAID)
    log_in_en(client, seller_owner)
    page = text(client.get(f"/orders/{order_id}"))
    assert "Mark as packed" in page and "Pay by" not in page


def test_a_plain_member_of_the_buyer_may_pay(client, shop, buyer, order_id):
    log_in_en(client, shop.member(buyer, Role.MEMBER))
    submit(client, f"/orders/{order_id}/pay", {"method": PaymentMethod.BANK_TRANSFER}, form_page=f"/orders/{order_id}")
    assert len(shop.payments(order_id)) == 1


# --- the inbox ----------------------------------------------------------------------------------------

def test_the_inbox_lists_newest_first_with_links_and_marks_all_read(app, client, shop, seller, seller_owner,
                                                                   product, buyer, buyer_user):
    first = shop.place(buyer_user, buyer, {product: 1})[0]
    second = shop.place(buyer_user, buyer, {product: 1})[0]
    log_in_en(client, seller_owner)
    page = text(client.get("/inbox/"))
    refs = [shop.order(first).reference, shop.order(second).reference]
    assert page.index(refs[1]) < page.index(refs[0])  # newest first
    assert f'href="/orders/{first}"' in page and f'href="/orders/{second}"' in page
    assert "Mark all as read" in page and page.count(">New<") == 2
    response = submit(client, "/inbox/read-all", {}, form_page="/inbox/", follow_redirects=True)
    page = text(response)
    assert "All notifications are marked as read." in page and ">New<" not in page
    assert "Mark all as read" not in page
    with app.app_context():
        from market.extensions import db
        from market.models import Notification
        assert all(n.read_at for n in db.session.scalars(db.select(Notification)))


def test_the_inbox_is_ones_own(client, shop, seller_owner, buyer_user, order_id):
    log_in_en(client, buyer_user)
    assert shop.order(order_id).reference not in text(client.get("/inbox/"))
    assert "Nothing here yet." in text(client.get("/inbox/"))


def test_the_menu_link_shows_the_unread_count(app, shop, seller_owner, order_id):
    from flask import render_template_string
    from flask_login import login_user

    from market.extensions import db
    from market.models import User
    from market.services import sessions

    with app.test_request_context("/"):
        user = db.session.get(User, seller_owner)
        sessions.open_for(user)  # Flask-Login names the user by a log-in session
        login_user(user)
        html = render_template_string('{% include "notifications/_menu_link.html" %}')
        db.session.remove()
    assert 'href="/inbox/"' in html and '<span class="badge"' in html and ">1</span>" in html
    with app.test_request_context("/"):
        assert render_template_string('{% include "notifications/_menu_link.html" %}').strip() == ""


def test_links_that_leave_the_site_are_not_rendered(app, client, factory):
    from market.extensions import db
    from market.models import Notification

    user = factory.user()
    with app.app_context():
        for link in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)", "/orders/1"):
            db.session.add(Notification(user_id=user, kind="test", message=f"to {link}", link=link))
        db.session.commit()
    log_in_en(client, user)
    page = text(client.get("/inbox/"))
    assert 'href="/orders/1"' in page
    assert "evil.example/" not in page.replace("to //evil.example/x", "").replace("to https://evil.example/", "")
    assert 'href="javascript' not in page
