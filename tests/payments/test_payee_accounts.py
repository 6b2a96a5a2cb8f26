"""Payee accounts (market.services.payee_accounts, /workspace/<org>/bank-accounts): a bank from the NAPAS list,
digits-only account numbers, holder names as banks print them, verification by the department or by a small
transfer the payee confirms, one default account, and who may do any of it."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AccountCheck, Organisation, PayeeAccount, PaymentMethod, Role, User
from market.payments import banks
from market.payments.service import payee_account
from market.services import payee_accounts
from market.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import log_in, log_in_en, submit
from tests.factories import payee_account as make_account


def _get(model, ident):
    return db.session.get(model, ident)


def test_the_bank_list_holds_the_napas_bins():
    by_code = {b.code: b.bin for b in banks.all_banks()}
    assert by_code["VCB"] == "970436" and by_code["ICB"] == "970415" and by_code["BIDV"] == "970418"
    assert by_code["VBA"] == "970405" and by_code["TCB"] == "970407"
    assert len(set(by_code.values())) == len(by_code)  # one bank per BIN
    assert banks.by_bin("970436").name == "Ngân hàng TMCP Ngoại thương Việt Nam"


@pytest.mark.both_engines
def test_an_owner_adds_an_account_cleaned_as_banks_print_it(req_en, shop, seller, seller_owner):
    org, owner = _get(Organisation, seller), _get(User, seller_owner)
    account = payee_accounts.add_account(owner, org, bank_code="VCB", account_number="0071 0001.2345-6",
                                         holder_name="  Hợp tác xã Hồi  Đồng Bành ")
    db.session.commit()
    assert account.account_number == "0071000123456" and account.bank_bin == "970436"
    assert account.holder_name == "HOP TAC XA HOI DONG BANH"
    assert not account.is_verified and not account.is_default and 1000 <= account.micro_amount <= 9999
    assert payee_account(org) is None  # payers see no unverified account


@pytest.mark.parametrize("number, message", [
    ("0071000ABC456", "only digits"),
    ("12345", "6 to 19 digits"),
    ("1" * 20, "6 to 19 digits"),
    ("", "Enter the account number"),
    ("１２３４５６７", "only digits"),  # full-width digits are not what a bank prints
])
def test_a_bad_account_number_is_refused_and_nothing_saved(req_en, seller, seller_owner, number, message):
    org, owner = _get(Organisation, seller), _get(User, seller_owner)
    with pytest.raises(ValidationFailed) as refused:
        payee_accounts.add_account(owner, org, bank_code="VCB", account_number=number, holder_name="HTX HOI")
    db.session.rollback()
    assert message in refused.value.errors["account_number"][0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PayeeAccount)) == 0


def test_a_bank_not_on_the_list_and_a_bad_holder_name_are_refused(req_en, seller, seller_owner):
    org, owner = _get(Organisation, seller), _get(User, seller_owner)
    with pytest.raises(ValidationFailed) as refused:
        payee_accounts.add_account(owner, org, bank_code="XYZ", account_number="0071000123456", holder_name="<b>")
    assert set(refused.value.errors) == {"bank_code", "holder_name"}


@pytest.mark.parametrize("role", [Role.SIGNER, Role.MEMBER])
def test_only_owners_and_managers_register_accounts(req_en, shop, seller, role):
    org, user = _get(Organisation, seller), _get(User, shop.member(seller, role))
    with pytest.raises(PermissionDenied):
        payee_accounts.add_account(user, org, bank_code="VCB", account_number="0071000123456", holder_name="HTX")


def test_a_stranger_cannot_register_an_account_for_another_organisation(req_en, shop, seller, buyer, buyer_user):
    org, stranger = _get(Organisation, seller), _get(User, shop.member(buyer, Role.OWNER))
    with pytest.raises(PermissionDenied):
        payee_accounts.add_account(stranger, org, bank_code="VCB", account_number="0071000123456", holder_name="X")


@pytest.mark.both_engines
def test_the_same_account_twice_is_refused(req_en, app, seller, seller_owner):
    make_account(app, seller, number="0071000123456", verified=False)
    org, owner = _get(Organisation, seller), _get(User, seller_owner)
    with pytest.raises(ValidationFailed) as refused:
        payee_accounts.add_account(owner, org, bank_code="VCB", account_number="0071000123456", holder_name="HTX")
    assert "already registered" in refused.value.errors["account_number"][0]


def test_the_small_transfer_verifies_with_its_exact_amount_only(req_en, app, seller, seller_owner):
    account_id = make_account(app, seller, verified=False, micro_amount=4321)
    owner = _get(User, seller_owner)
    account = payee_accounts.confirm_micro_transfer(owner, _get(PayeeAccount, account_id), "4,320")
    db.session.commit()
    assert not account.is_verified and account.micro_attempts == 1
    account = payee_accounts.confirm_micro_transfer(owner, _get(PayeeAccount, account_id), "4,321")
    db.session.commit()
    assert account.is_verified and account.verified_how == AccountCheck.MICRO_TRANSFER and account.is_default
    assert payee_account(_get(Organisation, seller)).id == account_id


def test_three_wrong_amounts_stop_the_small_transfer_check(req_en, app, seller, seller_owner):
    account_id = make_account(app, seller, verified=False, micro_amount=4321)
    owner = _get(User, seller_owner)
    for guess in ("1000", "2000", "3000"):
        payee_accounts.confirm_micro_transfer(owner, _get(PayeeAccount, account_id), guess)
        db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        payee_accounts.confirm_micro_transfer(owner, _get(PayeeAccount, account_id), "4321")
    assert "Too many wrong amounts" in refused.value.errors["amount"][0]


def test_the_department_verifies_and_others_cannot(req_en, app, factory, seller, seller_owner):
    account_id = make_account(app, seller, verified=False, micro_amount=5000)
    with pytest.raises(PermissionDenied):
        payee_accounts.verify_by_department(_get(User, seller_owner), _get(PayeeAccount, account_id))
    staff = _get(User, factory.department_staff())
    account = payee_accounts.verify_by_department(staff, _get(PayeeAccount, account_id))
    db.session.commit()
    assert account.verified_how == AccountCheck.DEPARTMENT and account.is_default and account.micro_amount is None


def test_one_default_account_and_transfers_start_to_it(req_en, app, shop, seller, seller_owner, product, buyer,
                                                      buyer_user):
    first = make_account(app, seller, number="1111111111")
    second = make_account(app, seller, number="2222222222", default=False)
    owner = _get(User, seller_owner)
    payee_accounts.make_default(owner, _get(PayeeAccount, second))
    db.session.commit()
    assert [a.id for a in payee_accounts.accounts(_get(Organisation, seller)) if a.is_default] == [second]
    payee_accounts.remove_account(owner, _get(PayeeAccount, second))
    db.session.commit()
    assert _get(PayeeAccount, first).is_default  # the next verified account takes over
    assert payee_account(_get(Organisation, seller)).id == first


# --- the page ---------------------------------------------------------------------------------------------

def test_the_page_adds_an_account_and_says_in_vietnamese_why_letters_are_refused(client, shop, seller,
                                                                                 seller_owner):
    log_in(client, seller_owner)  # Vietnamese, the default language
    url = f"/workspace/{seller}/bank-accounts"
    response = submit(client, url, {"bank_code": "VCB", "account_number": "0071ABC", "holder_name": "HTX Hồi"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Số tài khoản ngân hàng chỉ gồm chữ số" in page
    assert shop.count(PayeeAccount) == 0
    response = submit(client, url, {"bank_code": "ICB", "account_number": "0011001932418", "holder_name": "HTX Hồi"},
                      follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "0011001932418" in page and "HTX HOI" in page and shop.count(PayeeAccount) == 1


def test_members_without_the_role_and_strangers_do_not_see_the_page(client, shop, seller, buyer):
    log_in_en(client, shop.member(seller, Role.MEMBER))
    assert client.get(f"/workspace/{seller}/bank-accounts").status_code == 403
    log_in_en(client, shop.member(buyer, Role.OWNER))
    assert client.get(f"/workspace/{seller}/bank-accounts").status_code == 404


def test_transfers_started_before_an_account_is_verified_show_it_once_it_is(req_en, app, shop, seller, product,
                                                                            buyer, buyer_user):
    from market.payments import transfer
    from market.services.orders import start_payment

    (order_id,) = shop.place(buyer_user, buyer, {product: 1})
    from market.models import ShopOrder
    payment = start_payment(_get(User, buyer_user), _get(ShopOrder, order_id), PaymentMethod.BANK_TRANSFER)
    db.session.commit()
    assert payment.payee_account_id is None and transfer.instructions(payment).qr is None
    make_account(app, seller, bank_code="ICB", number="0011001932418")
    shown = transfer.instructions(payment)
    assert shown.account.account_number == "0011001932418" and shown.bank.short_name == "VietinBank"
    assert shown.payload.startswith("000201010212") and "0011001932418" in shown.payload


def test_the_department_queue_lists_and_verifies_accounts(app, client, factory, shop, seller, seller_owner):
    account_id = make_account(app, seller, number="0071000999888", verified=False, micro_amount=4321)
    log_in_en(client, seller_owner)
    assert client.get("/workspace/bank-accounts/to-verify").status_code == 403
    log_in_en(client, factory.department_staff())
    page = client.get("/workspace/bank-accounts/to-verify").get_data(as_text=True)
    assert "0071000999888" in page and "4,321" in page
    submit(client, f"/workspace/bank-accounts/{account_id}/verify", {},
           form_page="/workspace/bank-accounts/to-verify")
    with app.app_context():
        account = db.session.get(PayeeAccount, account_id)
        assert account.verified_how == AccountCheck.DEPARTMENT and account.is_default


def test_the_department_is_told_of_a_new_account(req_en, shop, factory, seller, seller_owner):
    staff = factory.department_staff()
    payee_accounts.add_account(_get(User, seller_owner), _get(Organisation, seller), bank_code="TCB",
                               account_number="19036781234015", holder_name="HTX Hồi")
    db.session.commit()
    assert "payee_account.to_verify" in shop.inbox(staff)
