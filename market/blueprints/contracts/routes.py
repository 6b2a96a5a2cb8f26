"""Offtake contracts: the list, a proposal from a harvest listing, the contract page (negotiation,
signatures, deposit, deliveries), a printable copy, and the public traceability page of a delivery."""
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from market import access, payments, permissions
from market.blueprints import confirm, write
from market.blueprints.contracts.forms import (
    TERM_LABELS,
    ActionForm,
    CancelForm,
    ConfirmTransferForm,
    CounterForm,
    DeliveryForm,
    DepositForm,
    DisputeForm,
    InspectionForm,
    ProposalForm,
    SignForm,
)
from market.clock import today
from market.extensions import db
from market.inputs import digits, int_arg
from market.labels import label
from market.models import (
    Contract,
    ContractState,
    Delivery,
    DeliveryStatus,
    GrowingZone,
    OrgKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ReviewStatus,
    SupplyListing,
)
from market.numbers import plain
from market.payments import gateway
from market.services import contracts, conversations, disputes, holds, inspections, visibility
from market.services.errors import PermissionDenied
from market.services.visibility import can_see_listing

bp = Blueprint("contracts", __name__)

# The order of the groups on the list: what needs someone's attention first.
STATE_ORDER = (ContractState.PROPOSED, ContractState.SIGNED, ContractState.DISPUTED, ContractState.ACTIVE,
               ContractState.DRAFT, ContractState.COMPLETED, ContractState.CANCELLED)
LABELS = {"term_labels": TERM_LABELS}
ROLE = _l("Your role does not allow this on the contract.")


# --- helpers -------------------------------------------------------------------------------------

def _contract_or_404(contract_id: int) -> Contract:
    contract = db.get_or_404(Contract, contract_id)
    if not contracts.can_view(current_user, contract):
        abort(404)
    return contract


def _delivery_or_404(contract: Contract, delivery_id: int) -> Delivery:
    delivery = db.get_or_404(Delivery, delivery_id)
    if delivery.contract_id != contract.id:
        abort(404)
    return delivery


def _back(contract: Contract, anchor: str = ""):
    return redirect(url_for("contracts.show", contract_id=contract.id) + (f"#{anchor}" if anchor else ""))


def _note(text: str | None) -> str | None:
    return (text or "").strip() or None


def _present(key: str, value) -> str:
    """A term's value as shown in the differences between versions."""
    if value is None or value == "":
        return "—"
    if key in ("delivery_start", "delivery_end"):
        return format_date(date.fromisoformat(value))
    if key == "price_per_unit":
        return f"{format_decimal(value)} ₫"
    if key == "quantity":
        return format_decimal(value)
    if key == "product_form":
        return label("product_form", value)
    if key == "unit":
        return label("unit", value)
    if key == "deposit_pct":
        return f"{value} %"
    return str(value)


def _history(contract: Contract) -> list:
    """(version, differences from the one before) for each version, newest first."""
    history, previous = [], None
    for v in contract.versions:
        diffs = None if previous is None else [
            (key, _present(key, old), _present(key, new)) for key, old, new in
            contracts.differences(previous.terms, v.terms)]
        history.append((v, diffs))
        previous = v
    return history[::-1]


def _delivery_zones(contract: Contract) -> list[GrowingZone]:
    """Zones a delivery may come from: those named in the terms, else the seller's zones of the crop."""
    codes = contract.current.terms.zone_codes
    query = sa.select(GrowingZone).where(GrowingZone.organisation_id == contract.seller_id)
    if codes:
        query = query.where(GrowingZone.code.in_(codes))
    else:
        query = query.where(GrowingZone.crop_id == contract.crop_id,
                            GrowingZone.status.not_in((ReviewStatus.RECALLED, ReviewStatus.REJECTED)))
    return list(db.session.scalars(query.order_by(GrowingZone.code)))


def _counter_form(contract: Contract, **kwargs) -> CounterForm:
    return CounterForm(contract.seller, prefix="counter-", **kwargs)


def _delivery_form(contract: Contract, **kwargs) -> DeliveryForm:
    return DeliveryForm(_delivery_zones(contract), prefix="delivery-", **kwargs)


def _dispute_form(delivery: Delivery, **kwargs) -> DisputeForm:
    return DisputeForm(prefix=f"dispute-{delivery.id}-", **kwargs)


def _show(contract: Contract, **forms):
    """The contract page; `forms` are the submitted forms to show again with their errors. Who may do what is
    decided in market.permissions, here (which forms to offer) and in the template alike."""
    user, version = current_user, contract.current
    terms = version.terms
    sign_org = permissions.signing_organisation(user, contract)
    if sign_org:
        forms.setdefault("sign_form", SignForm(formdata=None, version_id=str(version.id)))
    if permissions.can_counter_propose(user, contract) and "counter_form" not in forms:
        form = _counter_form(contract, formdata=None)
        form.fill_from_terms(terms.to_dict(), contract.seller)
        form.base_version_id.data = str(version.id)
        forms["counter_form"] = form
    if permissions.can_cancel_contract(user, contract):
        forms.setdefault("cancel_form", CancelForm(formdata=None))
    if permissions.can_propose(user, contract):
        forms["propose_form"] = ActionForm(formdata=None)
    if permissions.can_record_delivery(user, contract) and "delivery_form" not in forms:
        form = _delivery_form(contract, formdata=None, delivered_on=today())
        if len(form.zone_ids.choices) == 1:
            form.zone_ids.data = [form.zone_ids.choices[0].value]
        forms["delivery_form"] = form
    dispute_forms = forms.pop("dispute_forms", {})
    if permissions.can_answer_delivery(user, contract):
        for d in contract.deliveries:
            if d.status == DeliveryStatus.RECORDED and d.id not in dispute_forms:
                dispute_forms[d.id] = _dispute_form(d, formdata=None)

    payment = db.session.scalar(sa.select(Payment).where(Payment.contract_id == contract.id)
                                .order_by(Payment.id.desc()).limit(1))
    awaiting_transfer = (payment is not None and payment.status == PaymentStatus.PENDING
                         and payment.method == PaymentMethod.BANK_TRANSFER)
    return render_template(
        "contracts/show.html", contract=contract, version=version, terms=terms, history=_history(contract),
        signatures=contract.signatures, current_signed={s.organisation_id for s in contract.signatures_of(version)},
        sign_org=sign_org, delivered=contracts.delivered_quantity(contract),
        confirmed=contracts.delivered_quantity(contract, confirmed_only=True),
        remaining=contracts.remaining_quantity(contract), dispute_forms=dispute_forms,
        action_form=ActionForm(formdata=None), deposit=terms.deposit_amount, payment=payment,
        paid=payments.received_payment(contract_id=contract.id), awaiting_transfer=awaiting_transfer,
        stripe_enabled=gateway.enabled(), deposit_form=DepositForm(formdata=None),
        confirm_form=ConfirmTransferForm(formdata=None, payment_id=str(payment.id) if payment else ""),
        bank_details=current_app.config.get("BANK_TRANSFER_DETAILS"), can=permissions,
        disputes=disputes.of_contract(contract), threads=conversations.for_subject(user, "contract", contract.id),
        held_why=_held_why(contract), **forms, **LABELS)


def _held_why(contract: Contract) -> str | None:
    """An open contract resting on something recalled: it goes on (the recall notice told both sides) but
    cannot be newly signed or re-proposed while the recall stands."""
    if contract.state in (ContractState.COMPLETED, ContractState.CANCELLED):
        return None
    held = holds.contract_holds(contract)
    return holds.why(held) if held else None


# --- the list and a new proposal ---------------------------------------------------------------

@bp.get("/")
@access.rule(access.LOGGED_IN)
@login_required
def index():
    query = visibility.contracts_for(current_user).order_by(Contract.created_at.desc(), Contract.id.desc())
    rows = db.session.scalars(query).all()
    groups = [(state, [c for c in rows if c.state == state]) for state in STATE_ORDER]
    return render_template("contracts/index.html", groups=[g for g in groups if g[1]],
                           totals={c.id: c.current.terms.total_value for c in rows}, **LABELS)


@bp.route("/new", methods=["GET", "POST"])
@access.rule(access.buyer(*permissions.NEGOTIATORS))
@login_required
def new():
    """A buyer proposes an offtake contract straight from a supply listing."""
    listing = db.session.get(SupplyListing, int_arg("listing", 0))
    if listing is None or not can_see_listing(current_user, listing):
        abort(404)
    buyers = [m.organisation for m in current_user.memberships
              if m.organisation.kind in OrgKind.BUYERS and m.role in contracts.NEGOTIATORS]
    if not buyers:
        raise PermissionDenied(_("Only the owner, a manager or a signer of a processing enterprise, retail chain "
                                 "or shop proposes offtake contracts."))
    seller = listing.organisation
    if request.method == "GET" and (held := holds.listing_holds(listing)):
        flash(holds.refusal(held, listing.title), "error")  # the listing page says why and where to go instead
        return redirect(url_for("catalog.listing", listing_id=listing.id))
    form = ProposalForm(buyers, seller)
    if request.method == "GET":
        form.crop_id.data, form.product_form.data = str(listing.crop_id), listing.product_form
        form.grade.data, form.unit.data = listing.grade or "", listing.unit
        form.quantity.data = listing.quantity
        form.price_per_unit.data = "" if listing.price_per_unit is None else str(listing.price_per_unit)
        form.delivery_start.data, form.delivery_end.data = listing.harvest_start, listing.harvest_end
        form.zone_ids.data = [str(z.id) for z in listing.zones]
    if form.validate_on_submit():
        buyer = next(o for o in buyers if str(o.id) == form.buyer_id.data)

        def work():
            contract = contracts.start_contract(current_user, buyer, seller, form.terms(), listing=listing,
                                                note=_note(form.note.data))
            return contracts.propose(current_user, contract)

        if done := write.run(work, form=form, success=lambda contract: _(
                "Contract %(ref)s was proposed to %(org)s.", ref=contract.reference, org=seller.name)):
            return _back(done.value)
    return render_template("contracts/form.html", form=form, seller=seller, listing=listing, offer=None,
                           title=_("Propose an offtake contract"), **LABELS)


# --- the contract page and its actions -----------------------------------------------------------

@bp.get("/<int:contract_id>")
@access.rule(access.party("contract", department=True))
@login_required
def show(contract_id: int):
    return _show(_contract_or_404(contract_id))


@bp.get("/<int:contract_id>/print")
@access.rule(access.party("contract", department=True))
@login_required
def print_view(contract_id: int):
    contract = _contract_or_404(contract_id)
    version = contract.current
    return render_template("contracts/print.html", contract=contract, version=version,
                           signatures=contract.signatures_of(version), **LABELS)


@bp.post("/<int:contract_id>/propose")
@access.rule(access.party("contract", *permissions.NEGOTIATORS, why=ROLE))
@login_required
def propose(contract_id: int):
    contract = _contract_or_404(contract_id)
    if ActionForm().validate_on_submit():
        write.run(lambda: contracts.propose(current_user, contract),
                  success=_("Contract %(ref)s was sent to the other party.", ref=contract.reference))
    return _back(contract)


@bp.post("/<int:contract_id>/counter")
@access.rule(access.party("contract", *permissions.NEGOTIATORS, why=ROLE))
@login_required
def counter(contract_id: int):
    contract = _contract_or_404(contract_id)
    form = _counter_form(contract)
    if form.validate_on_submit():
        if form.base_version_id.data != str(contract.current.id):
            form.form_errors.append(_("The terms changed since you opened them: version %(n)d is shown above. "
                                      "Read it before you propose new terms.", n=contract.current.number))
            form.base_version_id.data = str(contract.current.id)  # the page now shows that version
        elif write.run(lambda: contracts.counter_propose(current_user, contract, form.terms(),
                                                         note=_note(form.note.data),
                                                         base_version_id=contract.current.id), form=form,
                       success=lambda version: _("Version %(n)d was sent to the other party; earlier signatures "
                                                 "no longer count.", n=version.number)):
            return _back(contract)
    return _show(contract, counter_form=form)


@bp.post("/<int:contract_id>/sign")
@access.rule(access.party("contract", *permissions.SIGNERS, why=ROLE))
@login_required
def sign(contract_id: int):
    contract = _contract_or_404(contract_id)
    form = SignForm()
    if form.validate_on_submit():
        version_id = digits(form.version_id.data) or 0

        def signed(_signature) -> str:
            if contract.state == ContractState.PROPOSED:
                return _("Signed. The contract is signed once the other party signs the same version.")
            return _("Both parties signed contract %(ref)s.", ref=contract.reference)

        if write.run(lambda: contracts.sign(current_user, contract, version_id=version_id,
                                            password=form.password.data), form=form, success=signed):
            return _back(contract)
        if form.version_id.errors:  # stale: the page now shows the current terms, which may then be signed
            form.version_id.data = str(contract.current.id)
    return _show(contract, sign_form=form)


@bp.post("/<int:contract_id>/cancel")
@access.rule(access.party("contract", *permissions.NEGOTIATORS, why=ROLE))
@login_required
def cancel(contract_id: int):
    contract = _contract_or_404(contract_id)
    form = CancelForm()
    if form.validate_on_submit():
        if (page := confirm.ask(_("Cancel contract %(ref)s?", ref=contract.reference), back=url_for(
                "contracts.show", contract_id=contract.id), button=_("Yes, cancel the contract"),
                detail=form.reason.data)) is not None:
            return page
        if write.run(lambda: contracts.cancel(current_user, contract, form.reason.data), form=form,
                     success=_("Contract %(ref)s was cancelled.", ref=contract.reference)):
            return _back(contract)
    return _show(contract, cancel_form=form)


# --- deliveries -------------------------------------------------------------------------------------

@bp.post("/<int:contract_id>/deliveries")
@access.rule(access.party("contract", side="seller"))
@login_required
def record_delivery(contract_id: int):
    contract = _contract_or_404(contract_id)
    form = _delivery_form(contract)
    if form.validate_on_submit():
        data = {name: form._fields[name].data for name in ("quantity", "delivered_on", "zone_ids", "lot_code",
                                                           "note")}
        if write.run(lambda: contracts.record_delivery(current_user, contract, data), form=form,
                     success=_("Delivery recorded; the buyer will confirm it.")):
            return _back(contract, "deliveries")
    return _show(contract, delivery_form=form)


@bp.post("/<int:contract_id>/deliveries/<int:delivery_id>/confirm")
@access.rule(access.party("contract", *permissions.NEGOTIATORS, side="buyer", why=ROLE))
@login_required
def confirm_delivery(contract_id: int, delivery_id: int):
    contract = _contract_or_404(contract_id)
    delivery = _delivery_or_404(contract, delivery_id)
    if ActionForm().validate_on_submit():
        write.run(lambda: contracts.confirm_delivery(current_user, delivery), success=_("Delivery confirmed."))
    return _back(contract, "deliveries")


@bp.post("/<int:contract_id>/deliveries/<int:delivery_id>/dispute")
@access.rule(access.party("contract", *permissions.NEGOTIATORS, side="buyer", why=ROLE))
@login_required
def dispute_delivery(contract_id: int, delivery_id: int):
    contract = _contract_or_404(contract_id)
    delivery = _delivery_or_404(contract, delivery_id)
    form = _dispute_form(delivery)
    if form.validate_on_submit():
        if write.run(lambda: contracts.dispute_delivery(current_user, delivery, form.note.data), form=form,
                     success=_("Delivery disputed; the seller has been told.")):
            return _back(contract, "deliveries")
    return _show(contract, dispute_forms={delivery.id: form})


@bp.post("/<int:contract_id>/deliveries/<int:delivery_id>/withdraw")
@access.rule(access.party("contract", side="seller"))
@login_required
def withdraw_delivery(contract_id: int, delivery_id: int):
    contract = _contract_or_404(contract_id)
    delivery = _delivery_or_404(contract, delivery_id)
    if ActionForm().validate_on_submit():
        if (page := confirm.ask(_("Withdraw this delivery?"), back=url_for("contracts.show", contract_id=contract.id),
                                button=_("Yes, withdraw it"))) is not None:
            return page
        write.run(lambda: contracts.withdraw_delivery(current_user, delivery),
                  success=_("Delivery withdrawn; record it again when the goods are delivered."))
    return _back(contract, "deliveries")


@bp.route("/<int:contract_id>/deliveries/<int:delivery_id>/inspect", methods=["GET", "POST"])
@access.rule(access.party("contract", *permissions.NEGOTIATORS, side="buyer", why=ROLE))
@login_required
def inspect_delivery(contract_id: int, delivery_id: int):
    """The buyer records what arrived: received, accepted and rejected quantities, grade, weigh ticket, photos."""
    contract = _contract_or_404(contract_id)
    delivery = _delivery_or_404(contract, delivery_id)
    if not permissions.can_inspect_delivery(current_user, delivery):
        raise PermissionDenied(_("The buyer's owner, managers and signers inspect a delivery waiting for them."))
    form = InspectionForm()
    if request.method == "GET":
        form.received_quantity.data = form.accepted_quantity.data = plain(delivery.quantity)
        form.rejected_quantity.data = "0"
    if form.validate_on_submit():
        data = {name: form._fields[name].data for name in ("received_quantity", "accepted_quantity",
                                                           "rejected_quantity", "rejection_reason", "grade_found",
                                                           "weigh_ticket")}
        photos = request.files.getlist(form.photos.name)
        if write.run(lambda: inspections.inspect(current_user, delivery, data, photos), form=form,
                     success=_("Inspection recorded; the accepted quantity counts as delivered.")):
            return _back(contract, "deliveries")
    return render_template("contracts/inspect.html", contract=contract, delivery=delivery, form=form,
                           unit=contract.current.terms.item.unit, **LABELS), 400 if form.errors else 200


# --- the deposit ----------------------------------------------------------------------------------------

@bp.post("/<int:contract_id>/deposit")
@access.rule(access.party("contract", *permissions.PAYERS, side="buyer", why=ROLE))
@login_required
def deposit(contract_id: int):
    contract = _contract_or_404(contract_id)
    form = DepositForm()
    if not form.validate_on_submit():
        flash(_("Choose how to pay."), "error")
        return _back(contract, "deposit")
    done = write.run(lambda: contracts.start_deposit(current_user, contract, form.method.data), failed=lambda exc: _(
        "The card payment could not be started (%(error)s). Nothing was charged: try again, or pay by bank "
        "transfer.", error=str(exc)))
    if not done:
        return _back(contract, "deposit")
    payment = done.value
    if payment.method == PaymentMethod.STRIPE and payment.checkout_url:
        return redirect(payment.checkout_url, 303)
    flash(_("Transfer the deposit quoting the payment reference %(ref)s.", ref=payment.reference), "success")
    return _back(contract, "deposit")


@bp.post("/<int:contract_id>/deposit/confirm")
@access.rule(access.party("contract", *permissions.RECEIVERS, side="seller", why=ROLE))
@login_required
def confirm_transfer(contract_id: int):
    contract = _contract_or_404(contract_id)
    form = ConfirmTransferForm()
    if form.validate_on_submit():
        payment = db.session.get(Payment, payment_id) if (payment_id := digits(form.payment_id.data)) else None
        if payment is None or payment.contract_id != contract.id:
            abort(404)
        write.run(lambda: payments.confirm_bank_transfer(current_user, payment),
                  success=_("Deposit received: contract %(ref)s is active.", ref=contract.reference))
    return _back(contract, "deposit")


# --- public traceability of a delivery -----------------------------------------------------------------

@bp.get("/deliveries/<public_id>")
@access.rule(access.TOKEN)
def public_delivery(public_id: str):
    """What a QR code on a lot leads to: the delivery, its zones and their certificates. No login."""
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.public_id == public_id))
    if delivery is None:
        abort(404)
    return render_template("contracts/delivery.html", delivery=delivery, contract=delivery.contract,
                           unit=delivery.contract.current.terms.item.unit, on=today(), **LABELS)
