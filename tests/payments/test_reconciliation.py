"""Reconciliation (market.services.statements, /workspace/<org>/statements): a payee's bank statement marks
payments received when a line's reference and amount match; partial and excess payments are shown, not decided;
the same statement twice changes nothing; an unknown layout asks for its columns and saves no line."""
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from market.extensions import db
from market.models import (
    LineOutcome,
    OrderStatus,
    Organisation,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ShopOrder,
    StatementLine,
    User,
)
from market.services import statements
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.orders import start_payment
from tests.conftest import csrf_token, log_in, log_in_en
from tests.factories import payee_account

pytestmark = pytest.mark.both_engines  # sums of lines, a unique fingerprint per payee, locked payments


@pytest.fixture
def transfer(app, shop, seller, product, buyer, buyer_user):
    """An order of 100.000 ₫ waiting for a bank transfer to the seller's verified account."""
    payee_account(app, seller, bank_code="VCB", number="0071000123456")
    (order_id,) = shop.place(buyer_user, buyer, {product: 2})
    with app.test_request_context():
        payment = start_payment(db.session.get(User, buyer_user), db.session.get(ShopOrder, order_id),
                                PaymentMethod.BANK_TRANSFER)
        db.session.commit()
        ids = payment.id, payment.reference, order_id
        db.session.remove()
    return ids


def vietcombank_csv(*lines: tuple[str, str, str]) -> bytes:
    """A Vietcombank-style export: the bank's preamble, then the columns. lines: (date, credit, description)."""
    out = ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM", "SAO KÊ TÀI KHOẢN;0071000123456", "Từ ngày 01/11/2026 đến 30/11/2026",
           "", "STT;Ngày giao dịch;Số tham chiếu;Số tiền ghi nợ;Số tiền ghi có;Số dư;Mô tả"]
    for n, (day, credit, text) in enumerate(lines, start=1):
        out.append(f"{n};{day};FT2633{n:05d};;{credit};;{text}")
    out.append("Tổng;;;0;;;")
    return "\n".join(out).encode("utf-8")


def run(app, user_id, org_id, data, name="saoke.csv"):
    with app.test_request_context():
        report = statements.upload(db.session.get(User, user_id), db.session.get(Organisation, org_id), data, name)
        db.session.commit()
        result = (report.layout, [(o.line.outcome, o.received_so_far) for o in report.new],
                  report.already_imported) if isinstance(report, statements.Report) else report
        db.session.remove()
    return result


def payment_status(app, payment_id):
    with app.app_context():
        return db.session.get(Payment, payment_id).status


def test_a_matching_line_marks_the_payment_and_the_order_paid(app, shop, seller, seller_owner, transfer):
    payment_id, reference, order_id = transfer
    # Banks rewrite descriptions: no hyphen, other words around it.
    text = f"CT DEN:0123 NGUYEN VAN A chuyen tien {reference.replace('-', '')} don hang"
    layout, outcomes, already = run(app, seller_owner, seller, vietcombank_csv(("15/11/2026", "100.000", text)))
    assert layout == "vietcombank" and outcomes == [(LineOutcome.MATCHED, 100_000)] and already == 0
    assert payment_status(app, payment_id) == PaymentStatus.SUCCEEDED
    assert shop.order(order_id).status == OrderStatus.PAID  # through payment_received, as a confirmation by hand


def test_the_same_statement_twice_changes_nothing(app, shop, seller, seller_owner, transfer):
    payment_id, reference, _order_id = transfer
    data = vietcombank_csv(("15/11/2026", "100.000", f"TT {reference}"), ("16/11/2026", "250.000", "tien hang cu"),
                           ("16/11/2026", "250.000", "tien hang cu"))  # two identical lines are two transfers
    first = run(app, seller_owner, seller, data)
    assert [o for o, _ in first[1]] == [LineOutcome.MATCHED, LineOutcome.UNMATCHED, LineOutcome.UNMATCHED]
    before = shop.count(StatementLine)
    second = run(app, seller_owner, seller, data)
    assert second[1] == [] and second[2] == 3 and shop.count(StatementLine) == before == 3
    assert payment_status(app, payment_id) == PaymentStatus.SUCCEEDED


def test_partial_payments_add_up_and_are_marked_paid_only_when_complete(app, seller, seller_owner, transfer):
    payment_id, reference, _order_id = transfer
    _layout, outcomes, _ = run(app, seller_owner, seller, vietcombank_csv(("15/11/2026", "60.000", reference)))
    assert outcomes == [(LineOutcome.PARTIAL, 60_000)]
    assert payment_status(app, payment_id) == PaymentStatus.PENDING
    _layout, outcomes, _ = run(app, seller_owner, seller, vietcombank_csv(
        ("15/11/2026", "60.000", reference), ("18/11/2026", "40.000", f"{reference} phan con lai")))
    assert outcomes == [(LineOutcome.MATCHED, 100_000)]  # the first line was already there
    assert payment_status(app, payment_id) == PaymentStatus.SUCCEEDED


def test_an_overpayment_is_shown_and_not_decided(app, shop, seller, seller_owner, transfer):
    payment_id, reference, order_id = transfer
    _layout, outcomes, _ = run(app, seller_owner, seller, vietcombank_csv(("15/11/2026", "1.000.000", reference)))
    assert outcomes == [(LineOutcome.OVERPAID, 1_000_000)]
    assert payment_status(app, payment_id) == PaymentStatus.PENDING
    assert shop.order(order_id).status == OrderStatus.PENDING_PAYMENT


def test_a_line_for_a_payment_already_confirmed_by_hand_is_shown_as_such(app, seller, seller_owner, transfer):
    payment_id, reference, _order_id = transfer
    from market import payments
    with app.test_request_context():
        payments.confirm_bank_transfer(db.session.get(User, seller_owner), db.session.get(Payment, payment_id))
        db.session.commit()
    _layout, outcomes, _ = run(app, seller_owner, seller, vietcombank_csv(("15/11/2026", "100.000", reference)))
    assert outcomes == [(LineOutcome.ALREADY_PAID, 100_000)]


def test_another_payees_reference_does_not_match(app, shop, seller_owner, seller, transfer):
    _payment_id, reference, _order_id = transfer
    other = shop.seller()
    owner = shop.member(other)
    _layout, outcomes, _ = run(app, owner, other, vietcombank_csv(("15/11/2026", "100.000", reference)))
    assert outcomes == [(LineOutcome.UNMATCHED, 0)]


def test_an_xlsx_techcombank_statement_is_read(app, seller, seller_owner, transfer):
    payment_id, reference, _order_id = transfer
    book = Workbook()
    sheet = book.active
    sheet.append(["TECHCOMBANK - SAO KÊ TÀI KHOẢN"])
    sheet.append([])
    sheet.append(["Ngày giao dịch", "Đối tác", "Diễn giải", "Nợ TKTT", "Có TKTT", "Số dư", "Số giao dịch"])
    sheet.append(["2026-11-20", "SIEU THI LANG SON", f"{reference} thanh toan", None, 100000, 5100000, "FT123"])
    sheet.append(["2026-11-21", "", "Phi dich vu", 11000, None, 5089000, "FT124"])
    data = io.BytesIO()
    book.save(data)
    layout, outcomes, _ = run(app, seller_owner, seller, data.getvalue(), "tcb.xlsx")
    assert layout == "techcombank" and outcomes == [(LineOutcome.MATCHED, 100_000)]  # the debit line is skipped
    assert payment_status(app, payment_id) == PaymentStatus.SUCCEEDED


def test_an_unknown_layout_asks_for_its_columns_and_then_applies(app, shop, seller, seller_owner, transfer):
    payment_id, reference, _order_id = transfer
    data = f"Ngay,Tien vao,Tien ra,Noi dung\n20/11/2026,100000,,{reference}\n".encode()
    pending = run(app, seller_owner, seller, data, "other-bank.csv")
    assert isinstance(pending, statements.NeedsMapping)
    assert shop.count(StatementLine) == 0 and payment_status(app, payment_id) == PaymentStatus.PENDING
    with app.test_request_context():
        stored = db.session.merge(pending.upload)
        user = db.session.get(User, seller_owner)
        with pytest.raises(ValidationFailed) as refused:
            statements.apply_mapping(user, stored, {"header": "1", "date": "0", "credit": "", "description": "9"})
        assert set(refused.value.errors) == {"credit", "description"}
        db.session.rollback()
        report = statements.apply_mapping(user, stored, {"header": "1", "date": "0", "credit": "1",
                                                         "description": "3"})
        db.session.commit()
        assert [o.line.outcome for o in report.new] == [LineOutcome.MATCHED]
    assert payment_status(app, payment_id) == PaymentStatus.SUCCEEDED


def test_an_unreadable_amount_refuses_the_whole_file(app, shop, seller, seller_owner, transfer):
    _payment_id, reference, _order_id = transfer
    data = vietcombank_csv(("15/11/2026", "100.000", reference), ("16/11/2026", "một trăm", "x"))
    with app.test_request_context(), pytest.raises(ValidationFailed):
        statements.upload(db.session.get(User, seller_owner), db.session.get(Organisation, seller), data, "x.csv")
    assert shop.count(StatementLine) == 0


def test_only_owners_and_managers_upload_statements(app, shop, seller, transfer):
    from market.models import Role
    member = shop.member(seller, Role.MEMBER)
    with app.test_request_context(), pytest.raises(PermissionDenied):
        statements.upload(db.session.get(User, member), db.session.get(Organisation, seller),
                          vietcombank_csv(("15/11/2026", "100.000", "x")), "x.csv")


def test_the_page_imports_and_explains_an_unknown_layout_in_vietnamese(app, client, shop, seller, seller_owner,
                                                                       transfer):
    _payment_id, reference, _order_id = transfer
    log_in(client, seller_owner)
    url = f"/workspace/{seller}/statements"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "file": (io.BytesIO(b"a,b\n1,2\n"), "la.csv")}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "không theo mẫu của ngân hàng nào hệ thống biết" in page and "Chọn cột" in page
    assert shop.count(StatementLine) == 0
    log_in_en(client, seller_owner)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "file": (
        io.BytesIO(vietcombank_csv(("15/11/2026", "100.000", reference))), "vcb.csv")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 paid" in page and reference in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatementLine)) == 1


def test_totals_and_footers_are_skipped_but_money_without_a_date_is_refused(app, shop, seller, seller_owner,
                                                                            transfer):
    _payment_id, reference, _order_id = transfer
    data = vietcombank_csv(("15/11/2026", "100.000", reference)) + "\nCộng phát sinh;;;;100.000;;\n".encode()
    _layout, outcomes, _ = run(app, seller_owner, seller, data)
    assert outcomes == [(LineOutcome.MATCHED, 100_000)]
    other = shop.seller()
    owner = shop.member(other)
    bad = vietcombank_csv(("hôm qua", "50.000", "tien hang"))
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        statements.upload(db.session.get(User, owner), db.session.get(Organisation, other), bad, "x.csv")
    assert "dòng 6" in str(refused.value) and shop.count_where(StatementLine, StatementLine.organisation_id == other) == 0
