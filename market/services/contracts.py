"""Offtake contracts: versioned terms, signatures bound to a hash of the terms, the state machine,
and deliveries. Every change checks who is acting; nothing here commits.

The deposit goes through market.payments: this module decides it is due (`start_deposit`) or must be given
back (`cancel`), and reacts to what payments announce (`payment_received` activates the contract,
`payment_refunded` tells the buyer)."""
import hashlib
import secrets
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask.signals import Namespace
from flask_babel import format_decimal
from flask_babel import gettext as _

from market import payments
from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.labels import PRODUCT_FORMS, UNITS, status_label, unit_label
from market.models import (
    Contract,
    ContractSignature,
    ContractState,
    ContractVersion,
    Crop,
    Delivery,
    DeliveryStatus,
    Dispute,
    DisputeState,
    GrowingZone,
    ListingStatus,
    OfferStatus,
    Organisation,
    OrgKind,
    Payment,
    ReviewStatus,
    Role,
    SourcingOffer,
    SupplyListing,
    User,
)
from market.models.terms import ContractTerms, DeliveryWindow, Item, Party, canonical_json
from market.models.types import utcnow
from market.numbers import clean_number, format_number
from market.permissions import NEGOTIATORS, PAYERS, SIGNERS, can_view_contract
from market.services import audit, documents, gs1, holds, notifications
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_role

# What this module announces about deliveries; services/disputes.py records them as disputes (a signal, so the
# disputes, which build on this module, are not imported by it). Receivers run in the sender's transaction.
_signals = Namespace()
delivery_disputed = _signals.signal("delivery-disputed")  # (delivery, actor=, organisation=, reason=)
delivery_withdrawn = _signals.signal("delivery-withdrawn")  # (delivery, actor=, organisation=), before deletion

MAX_QUANTITY = 10_000_000
MAX_PRICE = 1_000_000_000

# The state machine: (from, to) -> who may make the change ("buyer", "seller", "either", "system").
# `move` enforces both: the change must be listed, and made by the side listed ("either" is the buyer or
# the seller; "system" is this module reacting to signatures, payments and deliveries, never a person).
TRANSITIONS = {
    (ContractState.DRAFT, ContractState.PROPOSED): "either",
    (ContractState.DRAFT, ContractState.CANCELLED): "either",
    (ContractState.PROPOSED, ContractState.PROPOSED): "either",  # a counter-proposal
    (ContractState.PROPOSED, ContractState.SIGNED): "system",  # when both parties signed the same version
    (ContractState.PROPOSED, ContractState.CANCELLED): "either",
    (ContractState.SIGNED, ContractState.ACTIVE): "system",  # deposit received (or none due)
    (ContractState.SIGNED, ContractState.CANCELLED): "either",
    (ContractState.ACTIVE, ContractState.COMPLETED): "system",  # everything delivered and confirmed
    (ContractState.ACTIVE, ContractState.DISPUTED): "either",  # a dispute opened (services/disputes.py)
    (ContractState.ACTIVE, ContractState.CANCELLED): "either",  # only before any delivery
    (ContractState.DISPUTED, ContractState.ACTIVE): "system",  # no delivery or dispute left open
    (ContractState.DISPUTED, ContractState.COMPLETED): "system",
}


SIDES = ("buyer", "seller", "system")


def move(contract: Contract, to: str, *, by: str) -> None:
    """The one place a contract changes state. `by` is "buyer", "seller" or "system"."""
    if by not in SIDES:
        raise ValueError(f"a contract is moved by the buyer, the seller or the system, not {by!r}")
    who = TRANSITIONS.get((contract.state, to))
    if who is None:
        raise ValidationFailed({"state": _("A contract cannot go from %(old)s to %(new)s.",
                                           old=status_label(contract.state), new=status_label(to))})
    if who == by or (who == "either" and by != "system"):
        contract.state = to
        return
    old, new = status_label(contract.state), status_label(to)
    if who == "system":
        raise PermissionDenied(_("Nobody moves a contract from %(old)s to %(new)s by hand: it happens when the "
                                 "signatures, the deposit or the deliveries are in.", old=old, new=new))
    if who == "either":
        raise PermissionDenied(_("Only the buyer or the seller moves a contract from %(old)s to %(new)s.",
                                 old=old, new=new))
    if who == "buyer":
        raise PermissionDenied(_("Only the buyer moves a contract from %(old)s to %(new)s.", old=old, new=new))
    raise PermissionDenied(_("Only the seller moves a contract from %(old)s to %(new)s.", old=old, new=new))


# --- terms ------------------------------------------------------------------------------------

def canonical(terms: ContractTerms | dict) -> str:
    """The exact text that is hashed and signed: keys sorted, no spaces, UTF-8."""
    return terms.canonical() if isinstance(terms, ContractTerms) else canonical_json(terms)


def terms_hash(terms: ContractTerms | dict) -> str:
    """SHA-256 of the canonical text. Takes the dict shape too (demo seed code builds terms that way)."""
    return hashlib.sha256(canonical(terms).encode("utf-8")).hexdigest()


def _party(org: Organisation) -> Party:
    return Party(id=org.id, name=org.name, tax_code=org.tax_code)


def _num(errors, field, raw, *, low, high, integer=False):
    """A number of the terms, read the page's way (`market.numbers.clean_number`)."""
    return clean_number(errors, field, raw, minimum=low, maximum=high, integer=integer)


def _contract_zones(contract: Contract, raw_ids, crop) -> tuple[list[GrowingZone], str | None]:
    """The seller's zones named in the terms, and what is wrong with them (None when nothing)."""
    zone_ids = [int(z) for z in raw_ids or [] if str(z).isdigit()]
    zones = list(db.session.scalars(sa.select(GrowingZone).where(GrowingZone.id.in_(zone_ids)))) if zone_ids else []
    if len(zones) != len(set(zone_ids)) or any(z.organisation_id != contract.seller_id for z in zones):
        return zones, _("The goods can only come from the seller's own zones.")
    if any(z.status in (ReviewStatus.RECALLED, ReviewStatus.REJECTED) for z in zones):
        return zones, _("A recalled or rejected zone cannot supply a contract.")
    if held := holds.zones_holds(zones):
        return zones, holds.refusal(held, ", ".join(z.code for z in zones))
    if crop and any(z.crop_id != crop.id for z in zones):
        return zones, _("Every zone must grow the contracted crop.")
    return zones, None


def clean_terms(contract: Contract, data: dict) -> ContractTerms:
    """Terms from a form or API body, checked; raises ValidationFailed with one message per field."""
    errors: dict[str, list[str]] = {}
    crop = db.session.get(Crop, int(data["crop_id"])) if str(data.get("crop_id") or "").isdigit() else None
    if crop is None or not crop.tradable:
        errors["crop_id"] = [_("Choose the crop.")]
    if data.get("product_form") not in PRODUCT_FORMS:
        errors["product_form"] = [_("Choose the product form.")]
    if data.get("unit") not in UNITS:
        errors["unit"] = [_("Choose the unit.")]
    quantity = _num(errors, "quantity", data.get("quantity"), low=0.01, high=MAX_QUANTITY)
    price = _num(errors, "price_per_unit", data.get("price_per_unit"), low=0, high=MAX_PRICE, integer=True)
    start, end = data.get("delivery_start"), data.get("delivery_end")
    if not isinstance(start, date):
        errors["delivery_start"] = [_("Enter the first delivery day.")]
    if not isinstance(end, date):
        errors["delivery_end"] = [_("Enter the last delivery day.")]
    elif isinstance(start, date) and end < start:
        errors["delivery_end"] = [_("The last delivery day is before the first.")]
    deposit = _num(errors, "deposit_pct", data.get("deposit_pct") if data.get("deposit_pct") not in (None, "") else 0,
                   low=0, high=100, integer=True)
    if "deposit_pct" in errors:
        errors["deposit_pct"] = [_("A deposit is a percentage from 0 to 100.")]
    payment_days = _num(errors, "payment_days", data.get("payment_days") if data.get("payment_days") not in (None, "")
                        else 0, low=0, high=365, integer=True)
    zones, zone_error = _contract_zones(contract, data.get("zone_ids"), crop)
    if zone_error:
        errors["zone_ids"] = [zone_error]
    if errors:
        raise ValidationFailed(errors)
    return ContractTerms(
        contract=contract.reference, buyer=_party(contract.buyer), seller=_party(contract.seller), currency="VND",
        item=Item(crop=crop.key, crop_name=crop.name_vi, product_form=data["product_form"],
                  grade=(data.get("grade") or "").strip() or None, quantity=quantity, unit=data["unit"],
                  price_per_unit=price),
        delivery_window=DeliveryWindow(start=start, end=end, quantity=quantity),
        zone_codes=tuple(sorted(z.code for z in zones)), deposit_pct=deposit, payment_days=payment_days,
        payment_terms=(data.get("payment_terms") or "").strip(),
        cancellation_terms=(data.get("cancellation_terms") or "").strip())


def total_quantity(terms: ContractTerms | dict) -> float:
    return ContractTerms.coerce(terms).total_quantity


def total_value(terms: ContractTerms | dict) -> int:
    return ContractTerms.coerce(terms).total_value


def deposit_amount(terms: ContractTerms | dict) -> int:
    return ContractTerms.coerce(terms).deposit_amount


def differences(old: ContractTerms | dict, new: ContractTerms | dict) -> list[tuple[str, object, object]]:
    """(field, old, new) for each term that changed between two versions, for the counter-proposal view."""
    def flat(terms: ContractTerms):
        item, window = terms.item, terms.delivery_window
        return {"crop": item.crop_name, "product_form": item.product_form, "grade": item.grade,
                "quantity": item.quantity, "unit": item.unit, "price_per_unit": item.price_per_unit,
                "delivery_start": window.start.isoformat(), "delivery_end": window.end.isoformat(),
                "zone_codes": ", ".join(terms.zone_codes), "deposit_pct": terms.deposit_pct,
                "payment_days": terms.payment_days, "payment_terms": terms.payment_terms,
                "cancellation_terms": terms.cancellation_terms}
    before, after = flat(ContractTerms.coerce(old)), flat(ContractTerms.coerce(new))
    return [(key, before[key], after[key]) for key in after if before[key] != after[key]]


# --- who is acting ------------------------------------------------------------------------------

def acting_side(actor: User, contract: Contract, roles=NEGOTIATORS) -> tuple[str, Organisation]:
    """("buyer"|"seller", org) the actor acts for in this contract, with one of `roles`."""
    for side, org in (("buyer", contract.buyer), ("seller", contract.seller)):
        if actor.has_role(org, *roles):
            return side, org
    if any(actor.membership_in(org) for org in (contract.buyer, contract.seller)):
        raise PermissionDenied(_("Your role does not allow this on the contract."))
    raise PermissionDenied(_("Only the two parties of a contract may act on it."))


def can_view(user: User, contract: Contract) -> bool:
    return can_view_contract(user, contract)


def _require_verified(*orgs: Organisation) -> None:
    for org in orgs:
        if not org.is_verified:
            raise PermissionDenied(_("%(org)s is not verified by the department yet: it cannot contract.",
                                     org=org.name))


def _reference() -> str:
    return f"HD-{today().year}-{secrets.token_hex(3).upper()}"


# --- creating and negotiating -----------------------------------------------------------------

def start_contract(actor: User, buyer: Organisation, seller: Organisation, data: dict, *,
                   listing: SupplyListing | None = None, offer: SourcingOffer | None = None,
                   note: str | None = None) -> Contract:
    """A buyer's draft (version 1). Buyers are enterprises, retail chains or shops; sellers produce."""
    require_role(actor, buyer, *NEGOTIATORS)
    if buyer.kind not in OrgKind.BUYERS:
        raise PermissionDenied(_("Only processing enterprises, retail chains and shops propose offtake contracts."))
    if seller.kind not in OrgKind.SELLERS + (OrgKind.ENTERPRISE,) or seller.id == buyer.id:
        raise ValidationFailed({"seller": _("Choose a cooperative or producer as the other party.")})
    if listing is not None and (listing.organisation_id != seller.id or listing.status not in ListingStatus.PUBLIC):
        raise ValidationFailed({"listing": _("This listing is not open for contracts.")})
    if listing is not None:
        holds.refuse_if_held(holds.listing_holds(listing), "listing", listing.title)
    if offer is not None:
        holds.refuse_if_held(holds.offer_holds(offer), "offer", _("The offer"))
    contract = Contract(reference=_reference(), buyer=buyer, seller=seller, state=ContractState.DRAFT,
                        listing=listing, offer_id=offer.id if offer else None, created_by_id=actor.id)
    db.session.add(contract)
    terms = clean_terms(contract, data)
    contract.crop_id = db.session.scalar(sa.select(Crop.id).where(Crop.key == terms.item.crop))
    contract.versions.append(ContractVersion(number=1, terms=terms, terms_hash=terms_hash(terms),
                                             proposed_by_id=buyer.id, created_by_id=actor.id, note=note))
    db.session.flush()
    audit.record("contract.drafted", actor, organisation=buyer, obj=contract, reference=contract.reference)
    return contract


def propose(actor: User, contract: Contract) -> Contract:
    """Send the draft to the other party."""
    side, org = acting_side(actor, contract)
    _require_verified(contract.buyer, contract.seller)
    if contract.state != ContractState.DRAFT:
        raise ValidationFailed({"state": _("Only a draft can be proposed.")})
    if org.id != contract.current.proposed_by_id:
        raise PermissionDenied(_("Only the side that drafted the terms sends them."))
    holds.refuse_if_held(holds.contract_holds(contract), "contract", contract.reference)
    move(contract, ContractState.PROPOSED, by=side)
    other = contract.seller if side == "buyer" else contract.buyer
    audit.record("contract.proposed", actor, organisation=org, obj=contract, version=contract.current.number)
    notifications.notify(other, "contract.proposed", _("%(org)s proposes offtake contract %(ref)s.",
                                                        org=org.name, ref=contract.reference),
                         notifications.page("contracts.show", contract_id=contract.id))
    return contract


def counter_propose(actor: User, contract: Contract, data: dict, note: str | None = None, *,
                    base_version_id: int | None = None) -> ContractVersion:
    """New terms from either side: a new version; signatures on earlier versions no longer count.
    `base_version_id` is the version the person edited: if the other side changed the terms meanwhile,
    the counter-proposal is refused rather than silently overwriting what they proposed."""
    side, org = acting_side(actor, contract)
    if base_version_id is not None and base_version_id != contract.current.id:
        raise ValidationFailed({"base_version_id": _("The terms changed since you opened them. Read version %(n)d "
                                                     "and propose again.", n=contract.current.number)})
    if contract.state == ContractState.DRAFT and org.id == contract.current.proposed_by_id:
        # Still a draft of its author: edit in place, nothing was sent or signed.
        terms = clean_terms(contract, data)
        contract.current.terms, contract.current.terms_hash = terms, terms_hash(terms)
        contract.current.note = note
        audit.record("contract.draft_edited", actor, organisation=org, obj=contract)
        return contract.current
    if contract.state != ContractState.PROPOSED:
        raise ValidationFailed({"state": _("Terms can only change while the contract is proposed.")})
    _require_verified(contract.buyer, contract.seller)
    holds.refuse_if_held(holds.contract_holds(contract), "contract", contract.reference)
    terms = clean_terms(contract, data)
    if terms_hash(terms) == contract.current.terms_hash:
        raise ValidationFailed({"terms": _("Nothing changed in the terms.")})
    version = ContractVersion(number=contract.current.number + 1, terms=terms, terms_hash=terms_hash(terms),
                              proposed_by_id=org.id, created_by_id=actor.id, note=note)
    contract.versions.append(version)
    move(contract, ContractState.PROPOSED, by=side)
    db.session.flush()
    other = contract.seller if side == "buyer" else contract.buyer
    audit.record("contract.countered", actor, organisation=org, obj=contract, version=version.number)
    notifications.notify(other, "contract.countered", _("%(org)s proposes new terms (version %(n)d) for %(ref)s.",
                                                         org=org.name, n=version.number, ref=contract.reference),
                         notifications.page("contracts.show", contract_id=contract.id))
    return version


def sign(actor: User, contract: Contract, *, version_id: int, password: str) -> ContractSignature:
    """A signer re-enters their password and signs the version they read. If the terms changed since,
    the signature is refused: nobody signs terms they have not seen."""
    side, org = acting_side(actor, contract, roles=SIGNERS)
    if not actor.check_password(password or ""):
        raise ValidationFailed({"password": _("The password is not right.")})
    if contract.state != ContractState.PROPOSED:
        raise ValidationFailed({"state": _("Only a proposed contract can be signed.")})
    holds.refuse_if_held(holds.contract_holds(contract), "contract", contract.reference)
    _require_verified(contract.buyer, contract.seller)
    version = contract.current
    if version.id != version_id:
        raise ValidationFailed({"version_id": _("The terms changed since you opened them. Read version %(n)d and "
                                                "sign again.", n=version.number)})
    if any(s.organisation_id == org.id for s in contract.signatures_of(version)):
        raise ValidationFailed({"version_id": _("%(org)s has already signed this version.", org=org.name)})
    signature = ContractSignature(contract=contract, version=version, organisation_id=org.id, signer_id=actor.id,
                                  signer_name=actor.full_name, terms_hash=version.terms_hash)
    db.session.add(signature)
    db.session.flush()
    audit.record("contract.signed", actor, organisation=org, obj=contract, version=version.number,
                 terms_hash=version.terms_hash)
    other = contract.seller if side == "buyer" else contract.buyer
    notifications.notify(other, "contract.signed", _("%(name)s signed %(ref)s for %(org)s.", name=actor.full_name,
                                                      ref=contract.reference, org=org.name),
                         notifications.page("contracts.show", contract_id=contract.id))
    if {s.organisation_id for s in contract.signatures_of(version)} == {contract.buyer_id, contract.seller_id}:
        move(contract, ContractState.SIGNED, by="system")
        contract.signed_at = utcnow()
        if version.terms.deposit_amount == 0:
            activate(contract)
    return signature


def activate(contract: Contract) -> None:
    """Signed, and the deposit (if any) received: deliveries may start."""
    if contract.state != ContractState.SIGNED:
        return
    move(contract, ContractState.ACTIVE, by="system")
    contract.activated_at = utcnow()
    for org in (contract.buyer, contract.seller):
        notifications.notify(org, "contract.active", _("Contract %(ref)s is active: deliveries can start.",
                                                        ref=contract.reference),
                             notifications.page("contracts.show", contract_id=contract.id))


def cancel(actor: User, contract: Contract, reason: str) -> Contract:
    """Either party cancels before any delivery. A deposit being paid is abandoned; a received one is given
    back: by Stripe after the commit (the contract is cancelled even if Stripe is down: the refund stays
    queued), or by the seller's bank transfer, whom we tell."""
    side, org = acting_side(actor, contract)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed({"reason": _("Say why the contract is cancelled.")})
    if contract.state in (ContractState.ACTIVE, ContractState.DISPUTED) and contract.deliveries:
        raise ValidationFailed({"state": _("Goods were already delivered: settle the contract instead of "
                                           "cancelling it.")})
    move(contract, ContractState.CANCELLED, by=side)
    contract.cancelled_at, contract.cancel_reason = utcnow(), reason
    audit.record("contract.cancelled", actor, organisation=org, obj=contract, reason=reason)
    other = contract.seller if side == "buyer" else contract.buyer
    notifications.notify(other, "contract.cancelled", _("%(org)s cancelled %(ref)s: %(reason)s", org=org.name,
                                                         ref=contract.reference, reason=reason),
                         notifications.page("contracts.show", contract_id=contract.id))
    payments.cancel_unpaid(contract_id=contract.id)
    paid = payments.received_payment(contract_id=contract.id)
    if paid is not None and not payments.refund(paid, actor):
        notifications.notify(contract.seller, "payment.refund_due", _(
            "Contract %(ref)s was cancelled: return the deposit of %(amount)s VND to %(org)s by bank transfer.",
            ref=contract.reference, amount=format_decimal(paid.amount), org=contract.buyer.name))
    return contract


# --- the deposit, through market.payments -------------------------------------------------------

def start_deposit(actor: User, contract: Contract, method: str) -> Payment:
    """The buyer pays the deposit once both parties signed (card: a Stripe Checkout page; or bank transfer)."""
    require_role(actor, contract.buyer, *PAYERS)
    if contract.state != ContractState.SIGNED:
        raise ValidationFailed({"payment": _("The deposit is paid once both parties have signed.")})
    amount = contract.current.terms.deposit_amount
    if amount <= 0:
        raise ValidationFailed({"payment": _("This contract has no deposit.")})
    return payments.start(actor, purpose="deposit", payer=contract.buyer, payee=contract.seller, amount=amount,
                          method=method, contract_id=contract.id,
                          name=_("Deposit for contract %(ref)s", ref=contract.reference),
                          return_url=url_for("contracts.show", contract_id=contract.id, _external=True))


@payments.payment_received.connect
def _deposit_received(payment: Payment, **_kwargs) -> None:
    if payment.contract_id:
        activate(db.session.get(Contract, payment.contract_id))


@payments.payment_refunded.connect
def _deposit_refunded(payment: Payment, **_kwargs) -> None:
    if payment.contract_id:
        contract = db.session.get(Contract, payment.contract_id)
        notifications.notify(contract.buyer, "payment.refunded", _(
            "The deposit of %(amount)s VND for contract %(ref)s was refunded to your card.",
            amount=format_decimal(payment.amount), ref=contract.reference), f"/contracts/{contract.id}")


# --- deliveries ----------------------------------------------------------------------------------

def delivered_quantity(contract: Contract, *, confirmed_only: bool = False) -> float:
    """Confirmed deliveries count their accepted quantity (all of it unless inspected); deliveries still
    waiting for the buyer count in full unless `confirmed_only`. Rejected goods are still to deliver."""
    confirmed = sum(d.accepted for d in contract.deliveries if d.status == DeliveryStatus.CONFIRMED)
    if confirmed_only:
        return confirmed
    return confirmed + sum(d.quantity for d in contract.deliveries if d.status == DeliveryStatus.RECORDED)


def remaining_quantity(contract: Contract) -> float:
    return max(0.0, contract.current.terms.total_quantity - delivered_quantity(contract))


def record_delivery(actor: User, contract: Contract, data: dict) -> Delivery:
    side, org = acting_side(actor, contract, roles=(*NEGOTIATORS, Role.MEMBER))
    if side != "seller":
        raise PermissionDenied(_("The seller records deliveries; the buyer confirms them."))
    if contract.state not in (ContractState.ACTIVE, ContractState.DISPUTED):
        raise ValidationFailed({"state": _("Deliveries are recorded on active or disputed contracts only.")})
    errors: dict[str, list[str]] = {}
    remaining = remaining_quantity(contract)
    unit = unit_label(contract.current.terms.item.unit)
    quantity = _num(errors, "quantity", data.get("quantity"), low=0.01, high=MAX_QUANTITY)
    if quantity is not None and quantity > remaining + 1e-9:
        errors["quantity"] = [_("Only %(n)s %(unit)s remain to deliver on this contract.",
                                n=format_number(remaining), unit=unit)]
    delivered_on = data.get("delivered_on")
    if not isinstance(delivered_on, date):
        errors["delivered_on"] = [_("Enter the delivery date.")]
    elif delivered_on > today():
        errors["delivered_on"] = [_("A delivery cannot be recorded before it happens.")]
    elif contract.signed_at and delivered_on < contract.signed_at.astimezone(LOCAL_TZ).date():
        errors["delivered_on"] = [_("The delivery date is before the contract was signed.")]
    allowed = set(contract.current.terms.zone_codes)
    zone_ids = [int(z) for z in data.get("zone_ids") or [] if str(z).isdigit()]
    zones = list(db.session.scalars(sa.select(GrowingZone).where(GrowingZone.id.in_(zone_ids)))) if zone_ids else []
    if not zones:
        errors["zone_ids"] = [_("Say which zones the goods came from.")]
    elif any(z.organisation_id != contract.seller_id for z in zones) or (allowed and
                                                                          any(z.code not in allowed for z in zones)):
        errors["zone_ids"] = [_("The goods must come from the zones named in the contract.")]
    elif any(z.status in (ReviewStatus.RECALLED, ReviewStatus.REJECTED) for z in zones):
        errors["zone_ids"] = [_("A recalled or rejected zone cannot supply a contract.")]
    lot_code = None
    try:  # the delivery's lot number follows GS1's rules (AI 10) so it can go into labels and EPCIS events
        lot_code = gs1.clean_lot(data.get("lot_code"))
    except gs1.BadIdentifier as exc:
        errors["lot_code"] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    delivery = Delivery(contract=contract, public_id=secrets.token_urlsafe(9), quantity=quantity,
                        delivered_on=delivered_on, lot_code=lot_code,
                        note=(data.get("note") or "").strip() or None, zones=zones, recorded_by_id=actor.id)
    db.session.add(delivery)
    db.session.flush()
    documents.issue_for_delivery(delivery)  # the delivery note's number, in this transaction
    audit.record("delivery.recorded", actor, organisation=org, obj=delivery, contract=contract.reference,
                 quantity=quantity)
    notifications.notify(contract.buyer, "delivery.recorded", _("%(org)s recorded a delivery of %(n)s %(unit)s on "
                                                                 "%(ref)s: please confirm it.", org=org.name,
                                                                 n=format_number(quantity), ref=contract.reference,
                                                                 unit=unit),
                         notifications.page("contracts.show", contract_id=contract.id))
    return delivery


def _buyer_answers(actor: User, delivery: Delivery) -> Organisation:
    side, org = acting_side(actor, delivery.contract)
    if side != "buyer":
        raise PermissionDenied(_("The buyer confirms or disputes deliveries."))
    return org


def confirm_delivery(actor: User, delivery: Delivery) -> Delivery:
    org = _buyer_answers(actor, delivery)
    if delivery.status == DeliveryStatus.CONFIRMED:
        raise ValidationFailed({"status": _("This delivery is already confirmed.")})
    delivery.status, delivery.answered_by_id, delivery.answered_at = DeliveryStatus.CONFIRMED, actor.id, utcnow()
    audit.record("delivery.confirmed", actor, organisation=org, obj=delivery)
    notifications.notify(delivery.contract.seller, "delivery.confirmed", _(
        "%(org)s confirmed the delivery of %(n)s %(unit)s on %(ref)s.", org=org.name, n=format_number(delivery.quantity),
        unit=unit_label(delivery.contract.current.terms.item.unit),
        ref=delivery.contract.reference), notifications.page("contracts.show", contract_id=delivery.contract_id))
    _settle(delivery.contract)
    return delivery


def dispute_delivery(actor: User, delivery: Delivery, note: str) -> Delivery:
    org = _buyer_answers(actor, delivery)
    note = (note or "").strip()
    if len(note) < 5:
        raise ValidationFailed({"note": _("Say what is wrong with the delivery.")})
    if delivery.status != DeliveryStatus.RECORDED:
        raise ValidationFailed({"status": _("Only a delivery waiting for confirmation can be disputed.")})
    delivery.status, delivery.dispute_note = DeliveryStatus.DISPUTED, note
    delivery.answered_by_id, delivery.answered_at = actor.id, utcnow()
    contract = delivery.contract
    if contract.state == ContractState.ACTIVE:
        move(contract, ContractState.DISPUTED, by="buyer")
        contract.dispute_reason = note
    audit.record("delivery.disputed", actor, organisation=org, obj=delivery, note=note)
    notifications.notify(contract.seller, "delivery.disputed", _("%(org)s disputes a delivery on %(ref)s: %(note)s",
                                                                  org=org.name, ref=contract.reference, note=note),
                         notifications.page("contracts.show", contract_id=contract.id))
    delivery_disputed.send(delivery, actor=actor, organisation=org, reason=note)
    return delivery


def withdraw_delivery(actor: User, delivery: Delivery) -> None:
    """The seller takes back a disputed delivery (the quantity is delivered again later)."""
    side, org = acting_side(actor, delivery.contract, roles=(*NEGOTIATORS, Role.MEMBER))
    if side != "seller" or delivery.status != DeliveryStatus.DISPUTED:
        raise PermissionDenied(_("Only the seller withdraws a disputed delivery."))
    contract = delivery.contract
    audit.record("delivery.withdrawn", actor, organisation=org, obj=delivery)
    notifications.notify(contract.buyer, "delivery.withdrawn", _(
        "%(org)s withdrew the disputed delivery of %(n)s %(unit)s on %(ref)s.", org=org.name,
        n=format_number(delivery.quantity), unit=unit_label(contract.current.terms.item.unit),
        ref=contract.reference), notifications.page("contracts.show", contract_id=contract.id))
    delivery_withdrawn.send(delivery, actor=actor, organisation=org)
    contract.deliveries.remove(delivery)
    db.session.delete(delivery)
    _settle(contract)


def _settle(contract: Contract) -> None:
    """After a delivery is answered: back to active when no dispute is left, completed when all is in."""
    if any(d.status == DeliveryStatus.DISPUTED for d in contract.deliveries):
        return
    ongoing = db.session.scalar(sa.select(sa.func.count(Dispute.id)).where(
        Dispute.contract_id == contract.id, Dispute.state.in_(DisputeState.ONGOING)))
    if ongoing:
        return
    if contract.state == ContractState.DISPUTED:
        move(contract, ContractState.ACTIVE, by="system")
        contract.dispute_reason = None
    if delivered_quantity(contract, confirmed_only=True) + 1e-9 >= contract.current.terms.total_quantity:
        move(contract, ContractState.COMPLETED, by="system")
        contract.completed_at = utcnow()
        for org in (contract.buyer, contract.seller):
            notifications.notify(org, "contract.completed", _("Contract %(ref)s is completed.",
                                                               ref=contract.reference),
                                 notifications.page("contracts.show", contract_id=contract.id))


def accept_offer_as_proposal(actor: User, offer: SourcingOffer, data: dict, note: str | None = None) -> Contract:
    """The buyer turns a cooperative's offer into a contract draft and proposes it."""
    request = offer.request
    if offer.status != OfferStatus.SUBMITTED:
        raise ValidationFailed({"offer": _("This offer is no longer open.")})
    contract = start_contract(actor, request.buyer, offer.seller, data, offer=offer, note=note)
    offer.status = OfferStatus.ACCEPTED
    propose(actor, contract)
    return contract
