"""Offtake contracts over HTTP (market/blueprints/contracts): real forms with CSRF tokens, two parties each in
their own signed-in client, from the proposal on a listing to the last confirmed delivery."""
import re
from datetime import timedelta

import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    Contract,
    ContractSignature,
    ContractVersion,
    Delivery,
    Notification,
    OrgKind,
    Payment,
    Role,
)
from market.services.contracts import terms_hash
from tests.conftest import PASSWORD, submit
from tests.contracts_web.conftest import browser_for, post_form
from tests.factories import input_value


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def text(response) -> str:
    return response.get_data(as_text=True)


def error_of(html: str, field_id: str) -> str | None:
    """The inline error shown under a field (the field macro gives it the id <field>-error)."""
    match = re.search(r'<p class="error" id="%s-error">([^<]*)</p>' % re.escape(field_id), html)
    return match.group(1) if match else None


# --- proposing from a listing --------------------------------------------------------------------

def test_the_proposal_form_is_filled_from_the_listing(deal):
    html = text(deal.buyer_client.get(f"/contracts/new?listing={deal.listing}"))
    on = today()
    assert input_value(html, "quantity") == "12"
    assert input_value(html, "price_per_unit") == "95000"
    assert input_value(html, "grade") == ""
    assert input_value(html, "delivery_start") == (on + timedelta(days=10)).isoformat()
    assert input_value(html, "delivery_end") == (on + timedelta(days=70)).isoformat()
    assert re.search(r'<input[^>]*checked[^>]*name="zone_ids"[^>]*value="%d"|<input[^>]*name="zone_ids"[^>]*'
                     r'value="%d"[^>]*checked' % (deal.zone, deal.zone), html)
    assert re.search(r'<option selected value="dried">|<option value="dried" selected>', html)
    # One buying organisation: nothing to choose, it is carried in a hidden field.
    assert f'type="hidden" name="buyer_id" value="{deal.buyer}"' in html


def test_a_buyer_proposes_straight_from_a_listing(deal, app):
    response = deal.propose(price_per_unit="96000")
    contract_id = deal.latest_contract()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contracts/{contract_id}")
    contract = deal.contract(contract_id)
    assert contract["state"] == "proposed" and contract["versions"] == 1
    assert contract["terms"]["items"][0]["price_per_unit"] == 96000
    assert contract["terms"]["zone_codes"] == [deal.zone_code]
    assert contract["terms"]["deposit_pct"] == 10
    with app.app_context():
        row = db.session.get(Contract, contract_id)
        assert row.listing_id == deal.listing and row.buyer_id == deal.buyer and row.seller_id == deal.seller
        assert row.current.note == "Đề nghị bao tiêu vụ này"
        assert db.session.scalar(sa.select(Notification).where(Notification.user_id == deal.seller_user,
                                                               Notification.kind == "contract.proposed"))
    html = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert contract["reference"] in html and "badge-proposed" in html
    # The seller finds it on the contract list, under "proposed".
    listing = text(deal.seller_client.get("/contracts/"))
    assert contract["reference"] in listing and 'data-state="proposed"' in listing


def test_a_buyer_with_several_organisations_chooses_which_one_proposes(deal, factory):
    other = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi siêu thị Xứ Lạng")
    with deal.app.app_context():
        from market.models import Membership

        db.session.add(Membership(user_id=deal.buyer_user, organisation_id=other, role=Role.SIGNER))
        db.session.commit()
    html = text(deal.buyer_client.get(f"/contracts/new?listing={deal.listing}"))
    assert re.search(r"<select[^>]*name=\"buyer_id\"", html) and "Chuỗi siêu thị Xứ Lạng" in html
    assert deal.propose(buyer_id=str(other)).status_code == 302
    assert deal.contract(deal.latest_contract())["terms"]["buyer"]["id"] == other


def test_only_buyers_propose(deal, factory):
    # The cooperative's own owner is no buyer.
    assert deal.seller_client.get(f"/contracts/new?listing={deal.listing}").status_code == 403
    assert deal.propose(client=deal.seller_client).status_code == 403
    # A buyer's plain member may not commit the company either.
    member = browser_for(deal.app, factory.member(deal.buyer, Role.MEMBER))
    assert member.get(f"/contracts/new?listing={deal.listing}").status_code == 403
    assert count(deal.app, Contract) == 0


def test_an_unknown_listing_is_404(deal):
    assert deal.buyer_client.get("/contracts/new?listing=999999").status_code == 404
    assert deal.buyer_client.get("/contracts/new").status_code == 404


def test_deposit_over_100_percent_is_refused_by_the_field_and_nothing_is_saved(deal):
    response = deal.propose(deposit_pct="150")
    assert response.status_code == 200
    html = text(response)
    assert error_of(html, "deposit_pct") == "A deposit is a percentage from 0 to 100."
    assert input_value(html, "deposit_pct") == "150"  # what was typed stays, to be corrected
    assert count(deal.app, Contract) == 0 and count(deal.app, ContractVersion) == 0
    assert count(deal.app, AuditEvent) == 0


def test_a_delivery_window_ending_before_it_starts_is_refused(deal):
    on = today()
    response = deal.propose(delivery_start=(on + timedelta(days=20)).isoformat(),
                            delivery_end=(on + timedelta(days=5)).isoformat())
    assert response.status_code == 200
    assert error_of(text(response), "delivery_end") == "The last delivery day is before the first."
    assert count(deal.app, Contract) == 0


def test_several_broken_terms_are_shown_each_by_its_field(deal):
    response = deal.propose(quantity="nhiều", price_per_unit="-5", crop_id="", zone_ids=[])
    html = text(response)
    assert error_of(html, "quantity") == "&#39;nhiều&#39; is not a number."
    assert error_of(html, "price_per_unit").startswith("Enter a number between 0 and")
    assert error_of(html, "crop_id") == "Choose the crop."
    assert count(deal.app, Contract) == 0


def test_a_post_without_the_csrf_token_is_refused(deal):
    response = deal.buyer_client.post(f"/contracts/new?listing={deal.listing}",
                                      data={"buyer_id": str(deal.buyer), **deal.terms()})
    assert response.status_code == 400
    assert count(deal.app, Contract) == 0
    contract_id = deal.proposed()
    response = deal.seller_client.post(f"/contracts/{contract_id}/sign",
                                       data={"password": PASSWORD, "version_id": str(deal.version_id(contract_id))})
    assert response.status_code == 400
    assert deal.contract(contract_id)["signatures"] == 0


# --- negotiating --------------------------------------------------------------------------------

def test_a_counter_proposal_makes_version_2_and_the_page_shows_what_changed(deal):
    contract_id = deal.proposed()
    page = text(deal.seller_client.get(f"/contracts/{contract_id}"))
    # The counter-proposal form starts from the current terms.
    assert input_value(page, "counter-price_per_unit") == "95000"
    assert input_value(page, "counter-quantity") == "12"
    response = deal.counter(deal.seller_client, contract_id, price_per_unit="110000", quantity="10")
    assert response.status_code == 302
    contract = deal.contract(contract_id)
    assert contract["versions"] == 2 and contract["state"] == "proposed"
    assert contract["terms"]["items"][0]["price_per_unit"] == 110000
    html = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert "Terms (version 2)" in html
    diff = html[html.index('data-version="2"'):html.index('data-version="1"')]
    assert 'data-term="price_per_unit"' in diff and "95,000" in diff and "110,000" in diff
    assert 'data-term="quantity"' in diff
    assert 'data-term="deposit_pct"' not in diff  # unchanged terms are not listed
    with deal.app.app_context():
        assert db.session.scalar(sa.select(Notification).where(Notification.user_id == deal.buyer_user,
                                                               Notification.kind == "contract.countered"))


def test_a_counter_proposal_that_changes_nothing_is_refused(deal):
    contract_id = deal.proposed()
    response = deal.counter(deal.seller_client, contract_id)
    assert response.status_code == 200
    assert "Nothing changed in the terms." in text(response)
    assert deal.contract(contract_id)["versions"] == 1


def test_a_counter_proposal_on_terms_that_changed_meanwhile_is_refused(deal):
    contract_id = deal.proposed()
    first = deal.version_id(contract_id)
    assert deal.counter(deal.seller_client, contract_id, price_per_unit="99000").status_code == 302
    # The buyer still had version 1 open.
    response = deal.counter(deal.buyer_client, contract_id, base_version_id=first, price_per_unit="97000")
    assert response.status_code == 200
    assert "The terms changed since you opened them: version 2 is shown above." in text(response)
    assert deal.contract(contract_id)["versions"] == 2


def test_broken_counter_terms_are_shown_by_their_fields(deal):
    contract_id = deal.proposed()
    response = deal.counter(deal.seller_client, contract_id, deposit_pct="150")
    html = text(response)
    assert error_of(html, "counter-deposit_pct") == "A deposit is a percentage from 0 to 100."
    assert "<details class=\"card\" open>" in html  # the form is shown open, with its errors
    assert deal.contract(contract_id)["versions"] == 1


def test_a_plain_member_may_not_counter_propose(deal, factory):
    contract_id = deal.proposed()
    member = browser_for(deal.app, factory.member(deal.seller, Role.MEMBER))
    assert 'name="counter-quantity"' not in text(member.get(f"/contracts/{contract_id}"))
    assert deal.counter(member, contract_id, price_per_unit="1").status_code == 403
    assert deal.contract(contract_id)["versions"] == 1


# --- signing ------------------------------------------------------------------------------------

def test_signing_with_a_wrong_password_shows_the_error_by_the_field(deal):
    contract_id = deal.proposed()
    response = deal.sign(deal.seller_client, contract_id, password="sai-mat-khau")
    assert response.status_code == 200
    assert error_of(text(response), "password") == "The password is not right."
    contract = deal.contract(contract_id)
    assert contract["state"] == "proposed" and contract["signatures"] == 0


def test_signing_terms_that_changed_meanwhile_is_refused_clearly(deal):
    contract_id = deal.proposed()
    seen = deal.version_id(contract_id)
    # The buyer counter-proposes while the cooperative is reading version 1.
    assert deal.counter(deal.buyer_client, contract_id, payment_days="45").status_code == 302
    response = deal.sign(deal.seller_client, contract_id, version_id=seen)
    assert response.status_code == 200
    html = text(response)
    assert "The terms changed since you opened them. Read version 2 and sign again." in html
    assert deal.contract(contract_id)["signatures"] == 0
    # The page now shows version 2, and its sign form carries version 2.
    assert input_value(html, "version_id") == str(deal.version_id(contract_id))
    assert deal.sign(deal.seller_client, contract_id).status_code == 302


def test_both_parties_sign_the_same_version_and_the_contract_is_signed(deal, app):
    contract_id = deal.proposed()
    response = deal.sign(deal.buyer_client, contract_id)
    assert response.status_code == 302
    assert deal.state(contract_id) == "proposed"
    # The buyer has signed: no sign form for them any more; the cooperative still has one.
    assert 'name="password"' not in text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert 'name="password"' in text(deal.seller_client.get(f"/contracts/{contract_id}"))
    assert deal.sign(deal.seller_client, contract_id).status_code == 302
    contract = deal.contract(contract_id)
    assert contract["state"] == "signed" and contract["signatures"] == 2
    expected = terms_hash(contract["terms"])
    assert contract["hashes"] == [expected, expected]
    html = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert "badge-signed" in html and html.count(expected) >= 3  # the terms' hash and each signature
    assert "Nguyễn Văn Mua" in html and "Hoàng Thị Bán" in html


def test_signing_twice_is_refused(deal):
    contract_id = deal.proposed()
    assert deal.sign(deal.buyer_client, contract_id).status_code == 302
    response = deal.sign(deal.buyer_client, contract_id)
    assert response.status_code == 200
    assert "has already signed this version" in text(response)
    assert deal.contract(contract_id)["signatures"] == 1


def test_a_counter_proposal_voids_earlier_signatures(deal):
    contract_id = deal.proposed()
    assert deal.sign(deal.buyer_client, contract_id).status_code == 302
    assert deal.counter(deal.seller_client, contract_id, price_per_unit="99000").status_code == 302
    assert deal.sign(deal.seller_client, contract_id).status_code == 302
    assert deal.state(contract_id) == "proposed"  # the buyer's signature was on version 1
    html = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert "earlier version: no longer counts" in html and 'name="password"' in html
    assert deal.sign(deal.buyer_client, contract_id).status_code == 302
    assert deal.state(contract_id) == "signed"


def test_a_member_without_the_signer_role_gets_403(deal, factory):
    contract_id = deal.proposed()
    manager = browser_for(deal.app, factory.member(deal.seller, Role.MANAGER))
    # A manager negotiates but does not sign: no sign form, and posting one is refused.
    page = text(manager.get(f"/contracts/{contract_id}"))
    assert 'name="counter-quantity"' in page and 'name="password"' not in page
    response = deal.sign(manager, contract_id)
    assert response.status_code == 403
    assert "Your role does not allow this on the contract." in text(response)
    assert deal.contract(contract_id)["signatures"] == 0


def test_a_signer_signs_for_the_organisation(deal, factory):
    contract_id = deal.proposed()
    signer = browser_for(deal.app, factory.member(deal.seller, Role.SIGNER))
    assert deal.sign(signer, contract_id).status_code == 302
    assert deal.contract(contract_id)["signatures"] == 1


# --- who sees a contract ------------------------------------------------------------------------------

def test_an_outsider_gets_404_and_a_visitor_is_sent_to_log_in(deal, factory, client):
    contract_id = deal.proposed()
    outsider = browser_for(deal.app, factory.member(factory.org(kind=OrgKind.ENTERPRISE, name="Công ty khác")))
    for url in (f"/contracts/{contract_id}", f"/contracts/{contract_id}/print"):
        assert outsider.get(url).status_code == 404
    assert deal.counter(outsider, contract_id, price_per_unit="1", base_version_id=1).status_code == 404
    assert deal.contract(contract_id)["reference"] not in text(outsider.get("/contracts/"))
    response = client.get(f"/contracts/{contract_id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert deal.buyer_client.get("/contracts/999999").status_code == 404


def test_department_staff_see_every_contract(deal, factory):
    contract_id = deal.proposed()
    staff = browser_for(deal.app, factory.department_staff())
    assert deal.contract(contract_id)["reference"] in text(staff.get("/contracts/"))
    html = text(staff.get(f"/contracts/{contract_id}"))
    assert staff.get(f"/contracts/{contract_id}").status_code == 200
    assert 'name="password"' not in html and 'name="counter-quantity"' not in html


# --- the deposit --------------------------------------------------------------------------------------

def test_the_deposit_by_bank_transfer_shows_the_reference_and_the_seller_confirms_it(deal, app):
    contract_id = deal.signed()
    page = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert "Pay by bank transfer" in page
    response = deal.pay_by_transfer(contract_id)
    assert response.status_code == 302
    with app.app_context():
        payment = db.session.scalar(sa.select(Payment).where(Payment.contract_id == contract_id))
        reference, amount = payment.reference, payment.amount
    assert amount == round(12 * 95000 * 0.10)
    page = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    # The seller has no verified bank account here: the reference, and why no account or VietQR code is shown
    # (tests/payments/test_transfer_and_limits.py shows them).
    assert reference in page and "has not registered a verified bank account yet" in page
    assert "Confirm the transfer arrived" not in page  # the buyer cannot confirm its own payment
    # Paying again by the same method gives the same payment, not a second one.
    assert deal.pay_by_transfer(contract_id).status_code == 302
    assert count(app, Payment) == 1

    seller_page = text(deal.seller_client.get(f"/contracts/{contract_id}"))
    assert reference in seller_page and "Confirm the transfer arrived" in seller_page
    assert deal.confirm_transfer(contract_id).status_code == 302
    assert deal.state(contract_id) == "active"
    html = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert 'data-deposit="paid"' in html and "Deposit paid" in html and "badge-active" in html
    assert "Pay by bank transfer" not in html


def test_card_payment_is_offered_only_when_stripe_is_configured(deal, app, monkeypatch):
    contract_id = deal.signed()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", None)
    assert "Pay by card (Stripe)" not in text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    # Posting the method anyway is refused by the payment service, and nothing is saved.
    page = f"/contracts/{contract_id}"
    assert submit(deal.buyer_client, f"{page}/deposit", {"method": "stripe"}, form_page=page).status_code == 302
    assert "Card payment is not available here; pay by bank transfer." in text(deal.buyer_client.get(page))
    assert count(app, Payment) == 0


def test_a_card_payment_sends_the_buyer_to_stripe_checkout(deal, app, monkeypatch):
    from types import SimpleNamespace

    from market.payments import gateway

    contract_id = deal.signed()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_not_used")
    seen = {}

    def checkout(**params):
        seen.update(params)
        return SimpleNamespace(id="cs_test_1", url="https://checkout.stripe.test/c/pay/cs_test_1", payment_intent=None)

    monkeypatch.setattr(gateway, "create_checkout", checkout)
    page = f"/contracts/{contract_id}"
    assert "Pay by card (Stripe)" in text(deal.buyer_client.get(page))
    response = submit(deal.buyer_client, f"{page}/deposit", {"method": "stripe"}, form_page=page)
    assert response.status_code == 303
    assert response.headers["Location"] == "https://checkout.stripe.test/c/pay/cs_test_1"
    assert seen["amount"] == round(12 * 95000 * 0.10) and seen["success_url"].endswith(f"{page}?paid=1")
    assert deal.state(contract_id) == "signed"  # only Stripe's webhook marks it paid
    html = text(deal.buyer_client.get(f"{page}?paid=1"))
    assert "The deposit shows as paid as soon as Stripe confirms the payment." in html


def test_a_card_payment_that_stripe_refuses_saves_nothing(deal, app, monkeypatch):
    from market.payments import gateway

    contract_id = deal.signed()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_not_used")

    def refuse(**_params):
        raise gateway.PaymentGatewayError("Stripe is unreachable")

    monkeypatch.setattr(gateway, "create_checkout", refuse)
    page = f"/contracts/{contract_id}"
    response = submit(deal.buyer_client, f"{page}/deposit", {"method": "stripe"}, form_page=page)
    assert response.status_code == 302
    assert "The card payment could not be started (Stripe is unreachable)." in text(deal.buyer_client.get(page))
    assert count(app, Payment) == 0


def test_the_buyer_cannot_confirm_its_own_transfer(deal):
    contract_id = deal.signed()
    assert deal.pay_by_transfer(contract_id).status_code == 302
    assert deal.confirm_transfer(contract_id, client=deal.buyer_client).status_code == 403
    assert deal.state(contract_id) == "signed"


def test_no_deposit_is_asked_before_signing_and_none_when_it_is_zero(deal):
    contract_id = deal.proposed()
    response = deal.pay_by_transfer(contract_id)
    assert response.status_code == 302
    flashed = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert "The deposit is paid once both parties have signed." in flashed
    assert count(deal.app, Payment) == 0
    # Without a deposit, the contract is active as soon as both sign.
    free = deal.signed(deposit_pct="0")
    assert deal.state(free) == "active"
    assert "No deposit is due on this contract." in text(deal.buyer_client.get(f"/contracts/{free}"))


# --- deliveries ---------------------------------------------------------------------------------------

def test_recording_more_than_remains_is_refused_by_the_field(deal):
    contract_id = deal.active()
    response = deal.record(contract_id, quantity="13")
    assert response.status_code == 200
    error = error_of(text(response), "delivery-quantity")
    # (The service names the unit by its code, "tan", not its label: reported.)
    assert error.startswith("Only 12 ") and error.endswith(" remain to deliver on this contract.")
    assert deal.contract(contract_id)["deliveries"] == []


def test_the_buyer_does_not_record_deliveries(deal):
    contract_id = deal.active()
    assert 'name="delivery-quantity"' not in text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert deal.record(contract_id, client=deal.buyer_client).status_code == 403
    assert deal.contract(contract_id)["deliveries"] == []


def test_deliveries_confirmed_up_to_the_quantity_complete_the_contract(deal):
    contract_id = deal.active()
    assert deal.record(contract_id, quantity="5").status_code == 302
    assert deal.record(contract_id, quantity="7", lot_code="LO-2026-02").status_code == 302
    page = f"/contracts/{contract_id}"
    html = text(deal.buyer_client.get(page))
    assert "remaining: 0 tonne" in html
    for delivery_id, _status, _public in deal.contract(contract_id)["deliveries"]:
        response = submit(deal.buyer_client, f"{page}/deliveries/{delivery_id}/confirm", {}, form_page=page)
        assert response.status_code == 302
    assert deal.state(contract_id) == "completed"
    html = text(deal.seller_client.get(page))
    assert "badge-completed" in html and html.count("badge-confirmed") == 2


def test_a_disputed_delivery_puts_the_contract_in_dispute_until_withdrawn(deal):
    contract_id = deal.active()
    assert deal.record(contract_id, quantity="5").status_code == 302
    [(delivery_id, _status, _public)] = deal.contract(contract_id)["deliveries"]
    page = f"/contracts/{contract_id}"
    prefix = f"dispute-{delivery_id}-"
    too_short = post_form(deal.buyer_client, f"{page}/deliveries/{delivery_id}/dispute", {"note": "xấu"},
                          form_page=page, prefix=prefix)
    assert too_short.status_code == 200
    assert error_of(text(too_short), f"{prefix}note") == "Say what is wrong with the delivery."
    assert deal.state(contract_id) == "active"

    response = post_form(deal.buyer_client, f"{page}/deliveries/{delivery_id}/dispute",
                         {"note": "Hồi bị ẩm, độ ẩm trên 15%"}, form_page=page, prefix=prefix)
    assert response.status_code == 302
    assert deal.state(contract_id) == "disputed"
    html = text(deal.seller_client.get(page))
    assert "badge-disputed" in html and "Hồi bị ẩm" in html
    assert f"/deliveries/{delivery_id}/withdraw" in html
    # The seller takes the delivery back; nothing is left in dispute.
    assert submit(deal.seller_client, f"{page}/deliveries/{delivery_id}/withdraw", {"confirmed": "1"}, form_page=page
                  ).status_code == 302
    assert deal.state(contract_id) == "active" and deal.contract(contract_id)["deliveries"] == []


def test_a_delivery_of_another_contract_is_404(deal):
    first = deal.active()
    second = deal.active()
    assert deal.record(first).status_code == 302
    [(delivery_id, _s, _p)] = deal.contract(first)["deliveries"]
    page = f"/contracts/{second}"
    assert submit(deal.buyer_client, f"{page}/deliveries/{delivery_id}/confirm", {}, form_page=page
                  ).status_code == 404


def test_the_public_delivery_page_shows_the_zones_and_their_certificates(deal, client):
    contract_id = deal.active()
    assert deal.record(contract_id, lot_code="LO-HOI-77").status_code == 302
    [(_id, _status, public_id)] = deal.contract(contract_id)["deliveries"]
    html = text(deal.buyer_client.get(f"/contracts/{contract_id}"))
    assert f"/contracts/deliveries/{public_id}" in html
    client.get("/lang/en")
    response = client.get(f"/contracts/deliveries/{public_id}")  # no login
    assert response.status_code == 200
    page = text(response)
    assert deal.zone_code in page and "MSVT-0012" in page and "LO-HOI-77" in page
    assert deal.contract(contract_id)["reference"] in page and "HTX Hồi Văn Quan" in page
    assert 'data-certificate="MSVT-0012" data-state="verified"' in page
    assert "Văn Quan" in page
    assert client.get("/contracts/deliveries/khong-co").status_code == 404


# --- the printable copy -------------------------------------------------------------------------------

def test_the_printable_page_shows_the_terms_and_both_signatures_with_their_hash(deal):
    contract_id = deal.proposed()
    assert deal.counter(deal.seller_client, contract_id, price_per_unit="99000").status_code == 302
    assert deal.sign(deal.buyer_client, contract_id).status_code == 302
    assert deal.sign(deal.seller_client, contract_id).status_code == 302
    contract = deal.contract(contract_id)
    response = deal.seller_client.get(f"/contracts/{contract_id}/print")
    assert response.status_code == 200
    html = text(response)
    expected = terms_hash(contract["terms"])
    assert html.count(expected) == 3  # the terms, and each party's signature
    assert "Version 2" in html and "99,000" in html and contract["reference"] in html
    assert "Nguyễn Văn Mua" in html and "Hoàng Thị Bán" in html
    assert re.search(r"css/print-contract(\.[0-9a-f]{12})?\.css", html) and 'class="menu"' not in html and "header-search" not in html


# --- cancelling ------------------------------------------------------------------------------------------

def test_either_party_cancels_with_a_reason(deal):
    contract_id = deal.proposed()
    page = f"/contracts/{contract_id}"
    response = submit(deal.seller_client, f"{page}/cancel", {"reason": "Mất mùa do sương muối", "confirmed": "1"}, form_page=page)
    assert response.status_code == 302
    assert deal.state(contract_id) == "cancelled"


def test_a_cancellation_needs_a_reason(deal):
    contract_id = deal.proposed()
    page = f"/contracts/{contract_id}"
    response = submit(deal.seller_client, f"{page}/cancel", {"reason": "x", "confirmed": "1"}, form_page=page)
    assert response.status_code == 200
    assert error_of(text(response), "reason") == "Say why the contract is cancelled."
    assert deal.state(contract_id) == "proposed"


def test_signature_rows_keep_the_hash_they_signed(deal, app):
    """The stored signature's hash is the SHA-256 of the canonical terms of its version."""
    contract_id = deal.signed()
    with app.app_context():
        for signature in db.session.scalars(sa.select(ContractSignature)):
            assert signature.terms_hash == terms_hash(signature.version.terms)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    assert deal.state(contract_id) == "signed"
