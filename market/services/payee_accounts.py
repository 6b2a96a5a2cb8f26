"""Payee accounts: the bank accounts an organisation is paid into. Registered by its owner or manager (the
roles that receive money, `permissions.RECEIVERS`), each account is verified before payers see it, either by the
department (which checked the bank's confirmation) or by a first small transfer whose exact amount the payee
confirms (the department sends 1.000-9.999 ₫; three tries). One verified account is the default: transfers go
there (market.payments.service.payee_account)."""
import re
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from market.extensions import db
from market.models import AccountCheck, Organisation, OrgKind, OrgStatus, PayeeAccount, User
from market.models.types import utcnow
from market.numbers import BadValue, parse_number
from market.payments import banks
from market.permissions import RECEIVERS
from market.services import audit, notifications
from market.services.errors import ValidationFailed
from market.services.organisations import require_department, require_role
from market.text import fold

MIN_DIGITS, MAX_DIGITS = 6, 19  # NAPAS: an account number in a VietQR code is at most 19 characters
MICRO_RANGE = (1_000, 9_999)
MICRO_TRIES = 3
_SEPARATORS = re.compile(r"[\s.\-]")


def clean_account_number(raw) -> str:
    """Digits only (spaces, dots and hyphens people type between groups are dropped); ValidationFailed with
    a message that says what is wrong otherwise."""
    text = _SEPARATORS.sub("", str(raw or ""))
    if not text:
        raise ValidationFailed({"account_number": _("Enter the account number.")})
    if not text.isascii() or not text.isdigit():
        raise ValidationFailed({"account_number": _(
            "A bank account number has only digits; \"%(value)s\" has letters or other signs.",
            value=str(raw)[:40])})
    if not MIN_DIGITS <= len(text) <= MAX_DIGITS:
        raise ValidationFailed({"account_number": _("A bank account number has %(low)d to %(high)d digits.",
                                                    low=MIN_DIGITS, high=MAX_DIGITS)})
    return text


def clean_holder_name(raw) -> str:
    """The holder's name as banks print it: upper case, no diacritics (Đ → D), single spaces."""
    name = fold(str(raw or "")).upper()
    if not name:
        raise ValidationFailed({"holder_name": _("Enter the account holder's name as the bank shows it.")})
    if not re.fullmatch(r"[A-Z0-9 &.,()\-]{2,70}", name):
        raise ValidationFailed({"holder_name": _(
            "The holder's name has letters, digits and spaces only, 2 to 70 characters.")})
    return name


def accounts(org: Organisation) -> list[PayeeAccount]:
    return list(db.session.scalars(sa.select(PayeeAccount).where(
        PayeeAccount.organisation_id == org.id, PayeeAccount.removed_at.is_(None)).order_by(
        PayeeAccount.is_default.desc(), PayeeAccount.id)))


def add_account(actor: User, org: Organisation, *, bank_code, account_number, holder_name) -> PayeeAccount:
    require_role(actor, org, *RECEIVERS)
    errors: dict[str, list[str]] = {}
    bank = banks.by_code(str(bank_code or "").strip())
    if bank is None:
        errors["bank_code"] = [_("Choose the bank from the list.")]
    cleaned = {}
    for key, clean, value in (("account_number", clean_account_number, account_number),
                              ("holder_name", clean_holder_name, holder_name)):
        try:
            cleaned[key] = clean(value)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    duplicate = db.session.scalar(sa.select(PayeeAccount).where(
        PayeeAccount.organisation_id == org.id, PayeeAccount.bank_bin == bank.bin,
        PayeeAccount.account_number == cleaned["account_number"], PayeeAccount.removed_at.is_(None)))
    if duplicate is not None:
        raise ValidationFailed({"account_number": _("This account is already registered.")})
    removed = db.session.scalar(sa.select(PayeeAccount).where(
        PayeeAccount.organisation_id == org.id, PayeeAccount.bank_bin == bank.bin,
        PayeeAccount.account_number == cleaned["account_number"]))
    account = removed or PayeeAccount(organisation_id=org.id, bank_bin=bank.bin,
                                      account_number=cleaned["account_number"])
    account.bank_code, account.holder_name, account.created_by_id = bank.code, cleaned["holder_name"], actor.id
    account.removed_at = account.verified_at = account.verified_by_id = account.verified_how = None
    account.is_default, account.micro_attempts = False, 0
    account.micro_amount = MICRO_RANGE[0] + secrets.randbelow(MICRO_RANGE[1] - MICRO_RANGE[0] + 1)
    db.session.add(account)
    db.session.flush()
    audit.record("payee_account.added", actor, organisation=org, obj=account, bank=bank.code,
                 account=_masked(account.account_number))
    for department in db.session.scalars(sa.select(Organisation).where(Organisation.kind == OrgKind.DEPARTMENT,
                                                                       Organisation.status == OrgStatus.VERIFIED)):
        notifications.notify(department, "payee_account.to_verify", _(
            "%(org)s registered a %(bank)s account to be paid into: verify it, or send the small transfer.",
            org=org.name, bank=bank.short_name), notifications.page("banking.review"))
    return account


def _masked(number: str) -> str:
    return "*" * max(0, len(number) - 4) + number[-4:]


def _verified(account: PayeeAccount, actor: User, how: str) -> None:
    account.verified_at, account.verified_by_id, account.verified_how = utcnow(), actor.id, how
    account.micro_amount = None
    if not any(a.is_default for a in accounts(account.organisation) if a.id != account.id and a.is_verified):
        account.is_default = True
    audit.record("payee_account.verified", actor, organisation=account.organisation, obj=account, how=how)
    notifications.notify(account.organisation, "payee_account.verified", _(
        "The %(bank)s account ending %(last)s is verified: payers now see it.",
        bank=account.bank_code, last=account.account_number[-4:]))


def verify_by_department(actor: User, account: PayeeAccount) -> PayeeAccount:
    require_department(actor)
    if account.removed_at is not None or account.is_verified:
        raise ValidationFailed({"account": _("This account is not waiting for verification.")})
    _verified(account, actor, AccountCheck.DEPARTMENT)
    return account


def confirm_micro_transfer(actor: User, account: PayeeAccount, amount) -> PayeeAccount:
    """The payee says how much the small transfer brought; the exact amount verifies the account."""
    require_role(actor, account.organisation, *RECEIVERS)
    db.session.refresh(account, with_for_update=True)
    if account.removed_at is not None or account.is_verified or account.micro_amount is None:
        raise ValidationFailed({"amount": _("This account is not waiting for verification.")})
    if account.micro_attempts >= MICRO_TRIES:
        raise ValidationFailed({"amount": _("Too many wrong amounts: ask the department to check the account.")})
    try:
        value = parse_number(amount, integer=True)
    except BadValue:
        value = None
    if value is None:
        raise ValidationFailed({"amount": _("Enter the amount received, in đồng, e.g. 4.321.")})
    if value != account.micro_amount:
        account.micro_attempts += 1
        audit.record("payee_account.micro_wrong", actor, organisation=account.organisation, obj=account)
        return account  # the caller says it did not match; the failed try is kept
    _verified(account, actor, AccountCheck.MICRO_TRANSFER)
    return account


def make_default(actor: User, account: PayeeAccount) -> PayeeAccount:
    require_role(actor, account.organisation, *RECEIVERS)
    if not account.is_verified or account.removed_at is not None:
        raise ValidationFailed({"account": _("Only a verified account can receive payments.")})
    for other in accounts(account.organisation):
        other.is_default = other.id == account.id
    audit.record("payee_account.default", actor, organisation=account.organisation, obj=account)
    return account


def remove_account(actor: User, account: PayeeAccount) -> None:
    """Removed from use; kept for the payments that named it."""
    require_role(actor, account.organisation, *RECEIVERS)
    account.removed_at, was_default, account.is_default = utcnow(), account.is_default, False
    if was_default:
        rest = [a for a in accounts(account.organisation) if a.is_verified and a.id != account.id]
        if rest:
            rest[0].is_default = True
    audit.record("payee_account.removed", actor, organisation=account.organisation, obj=account)


def waiting_for_department() -> list[PayeeAccount]:
    return list(db.session.scalars(sa.select(PayeeAccount).where(
        PayeeAccount.verified_at.is_(None), PayeeAccount.removed_at.is_(None)).order_by(PayeeAccount.id)))
