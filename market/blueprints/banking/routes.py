"""A payee's money pages in the organisation workspace: its bank accounts (add, confirm the small transfer,
default, remove), its bank statements (upload, map the columns of an unknown layout, what each line matched),
and the department's queue of accounts to verify. Thin: the rules are in market.services.payee_accounts and
market.services.statements."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access
from market.blueprints import write
from market.blueprints.banking.forms import (
    AccountForm,
    ActionForm,
    MappingForm,
    MicroForm,
    StatementForm,
    column_name,
)
from market.extensions import db
from market.models import Organisation, PayeeAccount, StatementUpload
from market.payments import banks, limits, transfer
from market.permissions import RECEIVERS
from market.services import organisations, payee_accounts, statements

bp = Blueprint("banking", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every page here is for signed-in members."""


@bp.app_context_processor
def _payment_helpers():
    """For every payment page: what to transfer where (with the VietQR code), and whether a card can pay."""
    return {"transfer_instructions": transfer.instructions, "card_refusal": limits.card_refusal}


def _org(org_id: int) -> Organisation:
    """The organisation, if the user receives money for it (owner or manager); 404 for strangers."""
    org = db.get_or_404(Organisation, org_id)
    if current_user.membership_in(org) is None:
        abort(404)
    organisations.require_role(current_user, org, *RECEIVERS)
    return org


def _account(org: Organisation, account_id: int) -> PayeeAccount:
    account = db.get_or_404(PayeeAccount, account_id)
    if account.organisation_id != org.id or account.removed_at is not None:
        abort(404)
    return account


@bp.route("/<int:org_id>/bank-accounts", methods=["GET", "POST"])
@access.rule(access.party("organisation", *RECEIVERS))
def accounts(org_id: int):
    org = _org(org_id)
    form = AccountForm()
    if form.validate_on_submit() and write.run(
            lambda: payee_accounts.add_account(current_user, org, bank_code=form.bank_code.data,
                                               account_number=form.account_number.data,
                                               holder_name=form.holder_name.data),
            form=form, success=_("Account added. It is shown to payers once verified.")):
        return redirect(url_for("banking.accounts", org_id=org.id))
    return render_template("banking/accounts.html", org=org, form=form, accounts=payee_accounts.accounts(org),
                           banks=banks, micro_form=MicroForm(formdata=None), action_form=ActionForm(formdata=None))


@bp.post("/<int:org_id>/bank-accounts/<int:account_id>/small-transfer")
@access.rule(access.party("organisation", *RECEIVERS))
def confirm_micro(org_id: int, account_id: int):
    org = _org(org_id)
    account = _account(org, account_id)
    form = MicroForm()
    if form.validate_on_submit():
        done = write.run(lambda: payee_accounts.confirm_micro_transfer(current_user, account, form.amount.data))
        if done and done.value.is_verified:
            flash(_("The amount matches: the account is verified."), "success")
        elif done:
            flash(_("That is not the amount of the small transfer. Check the statement and try again."), "error")
    return redirect(url_for("banking.accounts", org_id=org.id))


@bp.post("/<int:org_id>/bank-accounts/<int:account_id>/default")
@access.rule(access.party("organisation", *RECEIVERS))
def make_default(org_id: int, account_id: int):
    org = _org(org_id)
    account = _account(org, account_id)
    if ActionForm().validate_on_submit():
        write.run(lambda: payee_accounts.make_default(current_user, account),
                  success=_("Payers now transfer to this account."))
    return redirect(url_for("banking.accounts", org_id=org.id))


@bp.post("/<int:org_id>/bank-accounts/<int:account_id>/remove")
@access.rule(access.party("organisation", *RECEIVERS))
def remove(org_id: int, account_id: int):
    org = _org(org_id)
    account = _account(org, account_id)
    if ActionForm().validate_on_submit():
        write.run(lambda: payee_accounts.remove_account(current_user, account), success=_("Account removed."))
    return redirect(url_for("banking.accounts", org_id=org.id))


# --- bank statements ---------------------------------------------------------------------------------

@bp.route("/<int:org_id>/statements", methods=["GET", "POST"])
@access.rule(access.party("organisation", *RECEIVERS))
def statements_page(org_id: int):
    org = _org(org_id)
    form = StatementForm()
    report = None
    if form.validate_on_submit():
        file = form.file.data
        if not file or not getattr(file, "filename", ""):
            form.file.errors = [_("Choose the statement file.")]
        else:
            data, name = file.read(), file.filename
            done = write.run(lambda: statements.upload(current_user, org, data, name), form=form)
            if done and isinstance(done.value, statements.NeedsMapping):
                flash(statements.NeedsMapping.message(), "error")
                return redirect(url_for("banking.map_columns", org_id=org.id, upload_id=done.value.upload.id))
            if done:
                report = done.value
    return render_template("banking/statements.html", org=org, form=form, report=report,
                           lines=statements.lines_of(org), layouts=statements.LAYOUT_LABELS)


@bp.route("/<int:org_id>/statements/<int:upload_id>/columns", methods=["GET", "POST"])
@access.rule(access.party("organisation", *RECEIVERS))
def map_columns(org_id: int, upload_id: int):
    org = _org(org_id)
    stored = db.get_or_404(StatementUpload, upload_id)
    if stored.organisation_id != org.id:
        abort(404)
    if stored.applied_at is not None:
        return redirect(url_for("banking.statements_page", org_id=org.id))
    rows = statements.cells(stored)[:statements.HEADER_SEARCH]
    form = MappingForm()
    form.fill(rows)
    report = None
    if form.validate_on_submit():
        mapping = {name: getattr(form, name).data for name in ("header", "date", "credit", "description",
                                                               "reference")}
        done = write.run(lambda: statements.apply_mapping(current_user, stored, mapping), form=form)
        if done:
            report = done.value
            return render_template("banking/statements.html", org=org, form=StatementForm(formdata=None),
                                   report=report, lines=statements.lines_of(org), layouts=statements.LAYOUT_LABELS)
    return render_template("banking/map.html", org=org, form=form, rows=rows[:15], upload=stored,
                           width=max((len(r) for _n, r in rows), default=0), column_name=column_name)


# --- the department's checks ------------------------------------------------------------------------------

@bp.get("/bank-accounts/to-verify")
@access.rule(access.DEPARTMENT)
def review():
    organisations.require_department(current_user)
    return render_template("banking/review.html", accounts=payee_accounts.waiting_for_department(), banks=banks,
                           action_form=ActionForm(formdata=None))


@bp.post("/bank-accounts/<int:account_id>/verify")
@access.rule(access.DEPARTMENT)
def verify(account_id: int):
    organisations.require_department(current_user)
    account = db.get_or_404(PayeeAccount, account_id)
    if ActionForm().validate_on_submit():
        write.run(lambda: payee_accounts.verify_by_department(current_user, account),
                  success=_("Account verified."))
    return redirect(url_for("banking.review"))
