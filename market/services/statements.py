"""Reconciliation: a payee uploads its bank's statement (CSV or XLSX, read by the importer's file reader) and
each credit line that quotes one of its payments' references is matched to that payment.

- Known layouts: the column names of the exports of Vietcombank, VietinBank, BIDV, Agribank and Techcombank
  (`LAYOUTS`); the header row is looked for in the first rows (statements begin with the bank's name, the
  account and the period). An unknown layout is refused with a message; the file waits (`StatementUpload`)
  for the payee to say which column holds what (`apply(..., mapping=...)`).
- A line matches a payment when its description holds the payment's reference (compared without spaces,
  hyphens or case: banks rewrite descriptions). The payment is marked received (through
  `payments.mark_received`, so the contract or order reacts) only when what its lines brought equals the amount
  due; less is shown as partial, more as overpaid: never guessed.
- Each credit line is stored once per payee, by a fingerprint of its date, amount, description, the bank's
  transaction number and its rank among identical lines of the file: importing the same statement again (or an
  overlapping period) changes nothing.
- Debit lines are skipped. A line whose date or amount cannot be read refuses the whole file (nothing saved)."""
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market import payments
from market.extensions import db
from market.inputs import digits
from market.models import (
    LineOutcome,
    Organisation,
    Payment,
    PaymentMethod,
    PaymentStatus,
    StatementLine,
    StatementUpload,
    User,
)
from market.models.types import utcnow
from market.numbers import BadValue, parse_number
from market.permissions import RECEIVERS
from market.services import audit
from market.services.errors import ValidationFailed
from market.services.importer import FileRejected, header_key, open_cells, parse_date
from market.services.organisations import require_role

HEADER_SEARCH = 30  # rows looked at for the header
MAX_LINES = 20_000
FIELDS = ("date", "credit", "debit", "amount", "description", "reference")


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    columns: dict[str, tuple[str, ...]]  # field -> header keys (importer.header_key of the bank's column names)

    def find(self, header: list) -> dict[str, int] | None:
        """Positions of this layout's fields in `header`, if it has a date, a description and a credit (or a
        signed amount) column."""
        keys = [header_key(cell) for cell in header]
        found = {}
        for name, aliases in self.columns.items():
            for index, key in enumerate(keys):
                if key and key in aliases:
                    found[name] = index
                    break
        if "date" in found and "description" in found and ("credit" in found or "amount" in found):
            return found
        return None


LAYOUTS = (
    Layout("vietcombank", "Vietcombank", {
        "date": ("ngay_giao_dich", "ngay_gd", "transaction_date"),
        "reference": ("so_tham_chieu", "so_ct", "reference_no"),
        "debit": ("so_tien_ghi_no", "ghi_no", "debit"),
        "credit": ("so_tien_ghi_co", "ghi_co", "credit"),
        "description": ("mo_ta", "noi_dung", "description")}),
    Layout("vietinbank", "VietinBank", {
        "date": ("ngay_giao_dich", "ngay_hach_toan", "ngay_gd"),
        "description": ("dien_giai", "noi_dung_giao_dich", "mo_ta_giao_dich"),
        "debit": ("no", "ghi_no", "so_tien_no"),
        "credit": ("co", "ghi_co", "so_tien_co"),
        "reference": ("so_giao_dich", "so_but_toan", "ma_giao_dich")}),
    Layout("bidv", "BIDV", {
        "date": ("ngay_hieu_luc", "ngay_giao_dich", "ngay_gd"),
        "reference": ("so_tham_chieu", "ma_giao_dich", "so_but_toan"),
        "debit": ("ghi_no", "phat_sinh_no"),
        "credit": ("ghi_co", "phat_sinh_co"),
        "description": ("mo_ta", "noi_dung_giao_dich", "mo_ta_giao_dich")}),
    Layout("agribank", "Agribank", {
        "date": ("ngay_gd", "ngay_giao_dich", "ngay_hach_toan"),
        "reference": ("so_ct", "so_chung_tu", "so_but_toan"),
        "debit": ("phat_sinh_no", "so_tien_phat_sinh_no", "ps_no"),
        "credit": ("phat_sinh_co", "so_tien_phat_sinh_co", "ps_co"),
        "description": ("noi_dung", "dien_giai", "noi_dung_giao_dich")}),
    Layout("techcombank", "Techcombank", {
        "date": ("ngay_giao_dich", "ngay_giao_dich_transaction_date", "ngay_hieu_luc"),
        "description": ("dien_giai", "dien_giai_description", "noi_dung"),
        "debit": ("no_tktt", "no_tktt_debit", "ghi_no_tktt"),
        "credit": ("co_tktt", "co_tktt_credit", "ghi_co_tktt"),
        "reference": ("so_giao_dich", "so_giao_dich_transaction_no", "ma_giao_dich")}),
)
LAYOUT_LABELS = {layout.key: layout.label for layout in LAYOUTS} | {"mapped": _l("Columns chosen by hand")}


@dataclass
class NeedsMapping:
    """No known bank's columns in the file: it is kept, and the payee says which column holds what (`rows` are
    the first rows, to choose from). Nothing else was saved."""
    upload: StatementUpload
    rows: list[tuple[int, list]]

    @staticmethod
    def message() -> str:
        return _("The columns of this statement are not those of a bank we know (Vietcombank, VietinBank, BIDV, "
                 "Agribank, Techcombank). Choose below which row names the columns and which column holds the "
                 "date, the amount received and the description.")


@dataclass
class Line:
    number: int
    booked_on: date | None
    amount: int
    description: str
    bank_reference: str | None


@dataclass
class Outcome:
    line: StatementLine
    payment: Payment | None
    received_so_far: int = 0


@dataclass
class Report:
    upload: StatementUpload
    layout: str
    new: list[Outcome] = field(default_factory=list)
    already_imported: int = 0
    debits: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.new if o.line.outcome == outcome)


def cells(upload: StatementUpload) -> list[tuple[int, list]]:
    _fmt, raw, _delimiter = open_cells(upload.content, upload.filename, sniff_lines=HEADER_SEARCH)
    rows = []
    for line, row in raw:
        if any(v not in (None, "") and str(v).strip() for v in row):
            rows.append((line, list(row)))
        if len(rows) > MAX_LINES:
            raise FileRejected(_("The statement has more than %(max)s lines; export a shorter period.",
                                 max=format_decimal(MAX_LINES)))
    if not rows:
        raise FileRejected(_("The file is empty."))
    return rows


def detect(rows: list[tuple[int, list]]) -> tuple[Layout, int, dict[str, int]] | None:
    """The known layout whose columns the file has, the header's position in `rows`, and the columns."""
    best = None
    for position, (_line, row) in enumerate(rows[:HEADER_SEARCH]):
        for layout in LAYOUTS:
            found = layout.find(row)
            if found and (best is None or len(found) > len(best[2])):
                best = (layout, position, found)
        if best:
            return best
    return None


def _amount(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(round(value))
    text = re.sub(r"(?i)\s|vnd|đ|₫", "", str(value)).lstrip("+")
    # Banks export whole đồng grouped either way ("1.500.000" or "1,500,000"), some with ".00": a statement
    # is read as the bank wrote it, whatever the language of the page it is uploaded from.
    text = re.sub(r"[.,]0{1,2}$", "", text) if re.search(r"\d[.,]\d{3}[.,]0{1,2}$|^\d+[.,]0{1,2}$", text) else text
    if re.fullmatch(r"-?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*", text):
        return int(re.sub(r"[.,]", "", text))
    return parse_number(text, integer=True, locale="vi")


def _read_lines(rows, start: int, columns: dict[str, int]) -> tuple[list[Line], int]:
    """Credit lines after the header at `start`, and how many debit lines were skipped; ValidationFailed
    listing the first unreadable lines."""
    lines, debits, errors = [], 0, []

    def cell(row, name):
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    for number, row in rows[start + 1:]:
        raw_credit = cell(row, "credit") if "credit" in columns else cell(row, "amount")
        raw_date, raw_text = cell(row, "date"), cell(row, "description")
        if raw_credit in (None, "") and raw_date in (None, "") and raw_text in (None, ""):
            continue
        try:
            booked_on = parse_date(raw_date.split(" ")[0] if isinstance(raw_date, str) else raw_date)
        except BadValue:
            booked_on = False  # unreadable: an error if the line brought money, else a total or a footer
        try:
            credit = _amount(raw_credit)
        except BadValue as exc:
            if booked_on:
                errors.append(_("line %(n)d: %(error)s", n=number, error=str(exc)))
            continue
        if not booked_on:
            if booked_on is False and credit and credit > 0:
                errors.append(_("line %(n)d: %(error)s", n=number, error=_(
                    "'%(value)s' is not a date: use YYYY-MM-DD or DD/MM/YYYY.", value=str(raw_date)[:40])))
            continue
        if credit is None or credit <= 0:
            debits += 1
            continue
        text = " ".join(str(raw_text or "").split())[:500]
        reference = cell(row, "reference")
        reference = " ".join(str(reference).split())[:80] if reference not in (None, "") else None
        lines.append(Line(number, booked_on, credit, text, reference))
    if errors:
        shown = "; ".join(errors[:5]) + ("; …" if len(errors) > 5 else "")
        raise ValidationFailed({"file": _("Some lines cannot be read, so nothing was imported: %(lines)s",
                                          lines=shown)})
    return lines, debits


def compact(text: str) -> str:
    """Upper case letters and digits only: how a reference is looked for in a bank's description."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def fingerprint(line: Line, rank: int) -> str:
    key = "|".join((line.booked_on.isoformat() if line.booked_on else "", str(line.amount),
                    compact(line.description), compact(line.bank_reference or ""), str(rank)))
    return hashlib.sha256(key.encode()).hexdigest()


def _payments_of(org: Organisation) -> list[tuple[str, Payment]]:
    rows = db.session.scalars(sa.select(Payment).where(Payment.payee_id == org.id,
                                                       Payment.method == PaymentMethod.BANK_TRANSFER))
    return sorted(((compact(p.reference), p) for p in rows), key=lambda pair: -len(pair[0]))


def received(payment: Payment) -> int:
    """What the statement lines matched to `payment` brought so far."""
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StatementLine.amount), 0)).where(
        StatementLine.payment_id == payment.id)) or 0)


def upload(actor: User, org: Organisation, data: bytes, filename: str) -> "Report | NeedsMapping":
    """Read a statement and apply it when its layout is known; NeedsMapping otherwise (the file is kept for the
    mapping step, nothing else is saved). FileRejected when it is not a readable CSV or XLSX file."""
    require_role(actor, org, *RECEIVERS)
    stored = StatementUpload(organisation_id=org.id, filename=(filename or "statement")[:255], content=data,
                             created_by_id=actor.id)
    rows = cells(stored)
    found = detect(rows)
    db.session.add(stored)
    db.session.flush()
    if found is None:
        return NeedsMapping(stored, rows[:HEADER_SEARCH])
    layout, start, columns = found
    stored.layout, stored.mapping = layout.key, {"header": rows[start][0], **columns}
    return _apply(actor, org, stored, rows, start, columns)


def apply_mapping(actor: User, stored: StatementUpload, mapping: dict) -> Report:
    """The payee said which row is the header and which columns hold what."""
    org = db.session.get(Organisation, stored.organisation_id)
    require_role(actor, org, *RECEIVERS)
    if stored.applied_at is not None:
        raise ValidationFailed({"file": _("This statement was already imported.")})
    rows = cells(stored)
    errors: dict[str, list[str]] = {}
    columns: dict[str, int] = {}
    width = max((len(row) for _n, row in rows), default=0)
    for name in ("date", "credit", "description", "reference"):
        raw = str(mapping.get(name) or "").strip()
        if not raw:
            if name != "reference":
                errors[name] = [_("Choose the column.")]
            continue
        column = digits(raw)  # ASCII digits only: "²".isdigit() is true but int("²") fails
        if column is None or column >= width:
            errors[name] = [_("Choose a column of the file.")]
        else:
            columns[name] = column
    header_line = digits(str(mapping.get("header") or ""))
    start = next((i for i, (n, _row) in enumerate(rows) if header_line is not None and n == header_line), None)
    if start is None:
        errors["header"] = [_("Choose the row that names the columns.")]
    if errors:
        raise ValidationFailed(errors)
    if len(set(columns.values())) != len(columns):
        raise ValidationFailed({"credit": _("Each column can be chosen once.")})
    stored.layout, stored.mapping = "mapped", {"header": header_line, **columns}
    return _apply(actor, org, stored, rows, start, columns)


def _apply(actor: User, org: Organisation, stored: StatementUpload, rows, start: int,
           columns: dict[str, int]) -> Report:
    lines, debits = _read_lines(rows, start, columns)
    report = Report(stored, stored.layout or "", debits=debits)
    candidates = _payments_of(org)
    seen: dict[tuple, int] = {}
    for line in lines:
        identity = (line.booked_on, line.amount, compact(line.description), compact(line.bank_reference or ""))
        rank = seen.get(identity, 0)
        seen[identity] = rank + 1
        print_ = fingerprint(line, rank)
        exists = db.session.scalar(sa.select(StatementLine.id).where(StatementLine.organisation_id == org.id,
                                                                      StatementLine.fingerprint == print_))
        if exists is not None:
            report.already_imported += 1
            continue
        report.new.append(_match(actor, org, stored, line, print_, candidates))
    stored.applied_at = utcnow()
    audit.record("statement.imported", actor, organisation=org, obj=stored, layout=stored.layout,
                 lines=len(report.new), already=report.already_imported,
                 matched=report.count(LineOutcome.MATCHED))
    return report


def _match(actor, org, stored, line: Line, print_: str, candidates) -> Outcome:
    text = compact(line.description) + " " + compact(line.bank_reference or "")
    payment = next((p for ref, p in candidates if ref and ref in text), None)
    row = StatementLine(organisation_id=org.id, upload_id=stored.id, fingerprint=print_, line_number=line.number,
                        booked_on=line.booked_on, amount=line.amount, description=line.description,
                        bank_reference=line.bank_reference, payment_id=payment.id if payment else None,
                        outcome=LineOutcome.UNMATCHED)
    if payment is None:
        db.session.add(row)
        return Outcome(row, None)
    db.session.refresh(payment, with_for_update=True)  # not at the same time as a confirmation by hand
    before = received(payment)
    so_far = before + line.amount
    if payment.status == PaymentStatus.SUCCEEDED:
        row.outcome = LineOutcome.ALREADY_PAID
    elif payment.status != PaymentStatus.PENDING:
        row.outcome = LineOutcome.CLOSED
    elif so_far == payment.amount:
        row.outcome = LineOutcome.MATCHED
    elif so_far < payment.amount:
        row.outcome = LineOutcome.PARTIAL
    else:
        row.outcome = LineOutcome.OVERPAID
    db.session.add(row)
    db.session.flush()
    if row.outcome == LineOutcome.MATCHED:
        payments.mark_received(payment, actor)
    return Outcome(row, payment, so_far)


def lines_of(org: Organisation, limit: int = 200) -> list[StatementLine]:
    return list(db.session.scalars(sa.select(StatementLine).where(StatementLine.organisation_id == org.id)
                                   .order_by(StatementLine.id.desc()).limit(limit)))
