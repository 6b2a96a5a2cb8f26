"""Disputes on a contract or one of its deliveries. Nothing here commits.

States: open -> answered (the other side replies) -> settled (the side that opened it declares an agreement,
or withdraws it) | referred (either side asks the department) -> closed (the department records its mediation
outcome). A settlement or a mediation on a delivery may fix the accepted quantity (what the plan's delivered
figures count). While a dispute is ongoing the contract is "disputed"; when none is left it goes back to active
(or completed). Every step is in the audit log and written into the contract's conversation thread."""
import sqlalchemy as sa
from flask_babel import gettext as _

from market.extensions import db
from market.labels import unit_label
from market.models import (
    Contract,
    ContractState,
    Delivery,
    DeliveryStatus,
    Dispute,
    DisputeState,
    Organisation,
    OrgKind,
    OrgStatus,
    User,
)
from market.models.types import utcnow
from market.numbers import clean_number, format_number
from market.permissions import NEGOTIATORS, dispute_side
from market.services import audit, contracts, conversations, notifications
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_department

MIN_TEXT = 5


def _text(field: str, value: str | None, message: str) -> str:
    value = (value or "").strip()
    if len(value) < MIN_TEXT:
        raise ValidationFailed({field: message})
    if len(value) > 4000:
        raise ValidationFailed({field: _("At most %(n)d characters.", n=4000)})
    return value


def _page(contract: Contract) -> str:
    return notifications.page("contracts.show", contract_id=contract.id) + "#disputes"


def _write(dispute: Dispute, org: Organisation | None, actor: User | None, text: str) -> None:
    thread = conversations.contract_thread(dispute.contract, actor)
    conversations.add_event(thread, org, actor, text)


def ongoing(contract: Contract) -> list[Dispute]:
    return list(db.session.scalars(sa.select(Dispute).where(Dispute.contract_id == contract.id,
                                                            Dispute.state.in_(DisputeState.ONGOING))))


def of_contract(contract: Contract) -> list[Dispute]:
    return list(db.session.scalars(sa.select(Dispute).where(Dispute.contract_id == contract.id)
                                   .order_by(Dispute.id)))


def referred() -> list[Dispute]:
    """What waits for the department's mediation."""
    return list(db.session.scalars(sa.select(Dispute).where(Dispute.state == DisputeState.REFERRED)
                                   .order_by(Dispute.referred_at, Dispute.id)))


@contracts.delivery_disputed.connect
def _delivery_disputed(delivery: Delivery, *, actor: User, organisation: Organisation, reason: str, **_kw) -> None:
    """The buyer disputed a delivery from the contract page (contracts.dispute_delivery): the same dispute, open."""
    dispute = Dispute(contract=delivery.contract, delivery=delivery, opened_by_org=organisation, opened_by_id=actor.id,
                      reason=reason)
    db.session.add(dispute)
    db.session.flush()
    audit.record("dispute.opened", actor, organisation=organisation, obj=dispute,
                 contract=delivery.contract.reference, delivery=delivery.id, reason=reason)
    _write(dispute, organisation, actor, _("%(org)s opened a dispute on %(what)s of %(ref)s: %(reason)s",
                                           org=organisation.name, ref=delivery.contract.reference, reason=reason,
                                           what=_("a delivery of %(n)s %(unit)s", n=format_number(delivery.quantity),
                                                  unit=unit_label(delivery.contract.current.terms.item.unit))))


def open_dispute(actor: User, contract: Contract, reason: str, *, delivery: Delivery | None = None) -> Dispute:
    """Either party opens a dispute, on the contract or on one of its deliveries, saying why."""
    side, org = contracts.acting_side(actor, contract)
    reason = _text("reason", reason, _("Say what the dispute is about (at least %(n)d characters).", n=MIN_TEXT))
    if contract.state not in (ContractState.ACTIVE, ContractState.DISPUTED):
        raise ValidationFailed({"state": _("Disputes are opened on active contracts only.")})
    if delivery is not None and delivery.contract_id != contract.id:
        raise ValidationFailed({"delivery": _("This delivery is not part of the contract.")})
    same = [d for d in ongoing(contract) if d.delivery_id == (delivery.id if delivery else None)]
    if same:
        raise ValidationFailed({"reason": _("A dispute on this is already open: answer it there.")})
    dispute = Dispute(contract=contract, delivery=delivery, opened_by_org=org, opened_by_id=actor.id, reason=reason)
    db.session.add(dispute)
    if delivery is not None:
        delivery.status, delivery.dispute_note = DeliveryStatus.DISPUTED, reason
    if contract.state == ContractState.ACTIVE:
        contracts.move(contract, ContractState.DISPUTED, by=side)
        contract.dispute_reason = reason
    db.session.flush()
    audit.record("dispute.opened", actor, organisation=org, obj=dispute, contract=contract.reference,
                 delivery=delivery.id if delivery else None, reason=reason)
    other = contract.seller if side == "buyer" else contract.buyer
    what = (_("a delivery of %(n)s %(unit)s", n=format_number(delivery.quantity),
              unit=unit_label(contract.current.terms.item.unit)) if delivery else _("the contract"))
    text = _("%(org)s opened a dispute on %(what)s of %(ref)s: %(reason)s", org=org.name, what=what,
             ref=contract.reference, reason=reason)
    notifications.notify(other, "delivery.disputed" if delivery else "dispute.opened", text, _page(contract))
    _write(dispute, org, actor, text)
    return dispute


def _party(actor: User, dispute: Dispute, wanted: str) -> Organisation:
    side = dispute_side(actor, dispute)
    contract = dispute.contract
    if side is None:
        raise PermissionDenied(_("Only the two parties of the contract act on its disputes."))
    if side != wanted:
        raise PermissionDenied(_("The other party answers a dispute; the side that opened it settles it.")
                               if wanted == "other" else _("Only the side that opened the dispute settles it."))
    return next(org for org in (contract.buyer, contract.seller) if actor.has_role(org, *NEGOTIATORS))


def _require_state(dispute: Dispute, *states: str) -> None:
    if dispute.state not in states:
        raise ValidationFailed({"state": _("This dispute is no longer waiting for that.")})


def answer(actor: User, dispute: Dispute, text: str) -> Dispute:
    org = _party(actor, dispute, "other")
    _require_state(dispute, DisputeState.OPEN)
    dispute.answer = _text("answer", text, _("Write your answer (at least %(n)d characters).", n=MIN_TEXT))
    dispute.state, dispute.answered_at = DisputeState.ANSWERED, utcnow()
    audit.record("dispute.answered", actor, organisation=org, obj=dispute, answer=dispute.answer)
    message = _("%(org)s answered the dispute on %(ref)s: %(answer)s", org=org.name,
                ref=dispute.contract.reference, answer=dispute.answer)
    notifications.notify(dispute.opened_by_org, "dispute.answered", message, _page(dispute.contract),
                         roles=NEGOTIATORS)
    _write(dispute, org, actor, message)
    return dispute


def _accepted(dispute: Dispute, raw) -> float | None:
    """The accepted quantity a settlement fixes for the delivery (None: unchanged)."""
    if raw in (None, "") or dispute.delivery is None:
        return None
    delivery = dispute.delivery
    received = delivery.received_quantity if delivery.received_quantity is not None else delivery.quantity
    errors: dict = {}
    value = clean_number(errors, "accepted_quantity", raw, minimum=0, maximum=received, required=False)
    if errors:
        errors["accepted_quantity"] = [_("The agreed accepted quantity is between 0 and the %(n)s %(unit)s "
                                         "received.", n=format_number(received),
                                         unit=unit_label(dispute.contract.current.terms.item.unit))]
        raise ValidationFailed(errors)
    return value


def _finish(dispute: Dispute, actor: User, state: str, outcome: str, accepted: float | None) -> None:
    dispute.state, dispute.outcome = state, outcome
    dispute.resolved_at, dispute.resolved_by_id = utcnow(), actor.id
    delivery = dispute.delivery
    if delivery is not None:
        if accepted is not None:
            received = delivery.received_quantity if delivery.received_quantity is not None else delivery.quantity
            delivery.received_quantity = received
            delivery.accepted_quantity, delivery.rejected_quantity = accepted, received - accepted
            dispute.agreed_accepted_quantity = accepted
            delivery.inspected_at = delivery.inspected_at or utcnow()
            delivery.inspected_by_id = delivery.inspected_by_id or actor.id
        if not any(d.delivery_id == delivery.id and d.id != dispute.id for d in ongoing(dispute.contract)):
            delivery.status = DeliveryStatus.CONFIRMED if delivery.inspected else DeliveryStatus.RECORDED
            delivery.dispute_note = None
    db.session.flush()
    contracts._settle(dispute.contract)


def settle(actor: User, dispute: Dispute, outcome: str, *, accepted_quantity=None) -> Dispute:
    """The side that opened it records the agreement (or that it withdraws the dispute)."""
    org = _party(actor, dispute, "opener")
    _require_state(dispute, DisputeState.OPEN, DisputeState.ANSWERED)
    outcome = _text("outcome", outcome, _("Write what was agreed (at least %(n)d characters).", n=MIN_TEXT))
    accepted = _accepted(dispute, accepted_quantity)
    _finish(dispute, actor, DisputeState.SETTLED, outcome, accepted)
    audit.record("dispute.settled", actor, organisation=org, obj=dispute, outcome=outcome, accepted=accepted)
    contract = dispute.contract
    message = _("%(org)s settled the dispute on %(ref)s by agreement: %(outcome)s", org=org.name,
                ref=contract.reference, outcome=outcome)
    other = contract.seller if org.id == contract.buyer_id else contract.buyer
    notifications.notify(other, "dispute.settled", message, _page(contract), roles=NEGOTIATORS)
    _write(dispute, org, actor, message)
    return dispute


def refer(actor: User, dispute: Dispute, note: str | None = None) -> Dispute:
    """Either side asks the department to mediate."""
    if dispute_side(actor, dispute) is None:
        raise PermissionDenied(_("Only the two parties of the contract act on its disputes."))
    contract = dispute.contract
    org = next(o for o in (contract.buyer, contract.seller) if actor.has_role(o, *NEGOTIATORS))
    _require_state(dispute, DisputeState.OPEN, DisputeState.ANSWERED)
    dispute.state, dispute.referred_at = DisputeState.REFERRED, utcnow()
    note = (note or "").strip()
    audit.record("dispute.referred", actor, organisation=org, obj=dispute, note=note or None)
    message = _("%(org)s referred the dispute on %(ref)s to the department.", org=org.name, ref=contract.reference)
    if note:
        message += " " + note
    other = contract.seller if org.id == contract.buyer_id else contract.buyer
    notifications.notify(other, "dispute.referred", message, _page(contract), roles=NEGOTIATORS)
    for department in db.session.scalars(sa.select(Organisation).where(Organisation.kind == OrgKind.DEPARTMENT,
                                                                       Organisation.status == OrgStatus.VERIFIED)):
        notifications.notify(department, "dispute.referred", message,
                             notifications.page("disputes.index"))
    _write(dispute, org, actor, message)
    return dispute


def mediate(actor: User, dispute: Dispute, outcome: str, *, accepted_quantity=None) -> Dispute:
    """The department records the outcome of its mediation; the dispute is closed."""
    require_department(actor)
    _require_state(dispute, DisputeState.REFERRED)
    outcome = _text("outcome", outcome, _("Write the outcome of the mediation (at least %(n)d characters).",
                                          n=MIN_TEXT))
    accepted = _accepted(dispute, accepted_quantity)
    _finish(dispute, actor, DisputeState.CLOSED, outcome, accepted)
    audit.record("dispute.mediated", actor, obj=dispute, outcome=outcome, accepted=accepted)
    contract = dispute.contract
    message = _("The department closed the dispute on %(ref)s after mediation: %(outcome)s",
                ref=contract.reference, outcome=outcome)
    for org in (contract.buyer, contract.seller):
        notifications.notify(org, "dispute.mediated", message, _page(contract), roles=NEGOTIATORS)
    _write(dispute, None, actor, message)
    return dispute


@contracts.delivery_withdrawn.connect
def delivery_withdrawn(delivery: Delivery, *, actor: User, organisation: Organisation, **_kw) -> None:
    """The seller took back a disputed delivery: its disputes are settled by that."""
    for dispute in ongoing(delivery.contract):
        if dispute.delivery_id == delivery.id:
            dispute.state, dispute.outcome = DisputeState.SETTLED, _("The seller withdrew the delivery.")
            dispute.resolved_at, dispute.resolved_by_id = utcnow(), actor.id
            audit.record("dispute.settled", actor, organisation=organisation, obj=dispute, outcome=dispute.outcome)
            _write(dispute, organisation, actor, _("%(org)s withdrew the disputed delivery of %(n)s on %(ref)s.",
                                                   org=organisation.name, n=format_number(delivery.quantity),
                                                   ref=delivery.contract.reference))
