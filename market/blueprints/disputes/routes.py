"""Disputes on a contract or a delivery: opened, answered, settled or referred by the parties on the contract
page (#disputes); the department's list of referred disputes and its mediation outcome. Rules in
services/disputes.py; a refused step is flashed on the contract page and nothing is saved."""
import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access, permissions
from market.blueprints import write
from market.blueprints.contracts.forms import ActionForm
from market.extensions import db
from market.inputs import digits
from market.models import Contract, Delivery, Dispute, DisputeState
from market.services import contracts, disputes
from market.services.errors import PermissionDenied

bp = Blueprint("disputes", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Disputes are between the parties of a contract and the department."""


def _back(contract_id: int):
    return redirect(url_for("contracts.show", contract_id=contract_id) + "#disputes")


def _dispute_or_404(dispute_id: int) -> Dispute:
    dispute = db.get_or_404(Dispute, dispute_id)
    if not contracts.can_view(current_user, dispute.contract):
        abort(404)
    return dispute


def _checked() -> bool:
    return ActionForm().validate_on_submit()


@bp.get("/")
@access.rule(access.LOGGED_IN)
def index():
    """Department staff: what was referred to them, then what they closed. Parties: their ongoing disputes."""
    if current_user.is_department_staff:
        waiting = disputes.referred()
        closed = db.session.scalars(sa.select(Dispute).where(Dispute.state == DisputeState.CLOSED)
                                    .order_by(Dispute.resolved_at.desc()).limit(50)).all()
    else:
        org_ids = [m.organisation_id for m in current_user.memberships]
        waiting = db.session.scalars(sa.select(Dispute).join(Contract).where(
            Dispute.state.in_(DisputeState.ONGOING),
            sa.or_(Contract.buyer_id.in_(org_ids), Contract.seller_id.in_(org_ids))).order_by(Dispute.id)).all()
        closed = []
    return render_template("disputes/index.html", waiting=waiting, closed=closed)


@bp.post("/contracts/<int:contract_id>")
@access.rule(access.party("contract", *permissions.NEGOTIATORS))
def open_dispute(contract_id: int):
    contract = db.get_or_404(Contract, contract_id)
    if not contracts.can_view(current_user, contract):
        abort(404)
    if _checked():
        delivery = None
        raw = request.form.get("delivery_id", "")
        if raw:
            delivery = db.session.get(Delivery, number) if (number := digits(raw)) is not None else None
            if delivery is None or delivery.contract_id != contract.id:
                abort(404)
        write.run(lambda: disputes.open_dispute(current_user, contract, request.form.get("reason", ""),
                                                delivery=delivery),
                  success=_("Dispute opened; the other party has been told."))
    return _back(contract.id)


@bp.post("/<int:dispute_id>/answer")
@access.rule(access.party("dispute", *permissions.NEGOTIATORS, side="other"))
def answer(dispute_id: int):
    dispute = _dispute_or_404(dispute_id)
    if _checked():
        write.run(lambda: disputes.answer(current_user, dispute, request.form.get("answer", "")),
                  success=_("Answer sent."))
    return _back(dispute.contract_id)


@bp.post("/<int:dispute_id>/settle")
@access.rule(access.party("dispute", *permissions.NEGOTIATORS, side="opener"))
def settle(dispute_id: int):
    dispute = _dispute_or_404(dispute_id)
    if _checked():
        write.run(lambda: disputes.settle(current_user, dispute, request.form.get("outcome", ""),
                                          accepted_quantity=request.form.get("accepted_quantity")),
                  success=_("The dispute is settled by agreement."))
    return _back(dispute.contract_id)


@bp.post("/<int:dispute_id>/refer")
@access.rule(access.party("dispute", *permissions.NEGOTIATORS))
def refer(dispute_id: int):
    dispute = _dispute_or_404(dispute_id)
    if _checked():
        write.run(lambda: disputes.refer(current_user, dispute, request.form.get("note")),
                  success=_("The dispute was referred to the department for mediation."))
    return _back(dispute.contract_id)


@bp.post("/<int:dispute_id>/mediate")
@access.rule(access.DEPARTMENT)
def mediate(dispute_id: int):
    dispute = _dispute_or_404(dispute_id)
    if not permissions.can_review(current_user):
        raise PermissionDenied(_("Only staff of the Department of Agriculture and Environment may do this."))
    if _checked():
        write.run(lambda: disputes.mediate(current_user, dispute, request.form.get("outcome", ""),
                                           accepted_quantity=request.form.get("accepted_quantity")),
                  success=_("Mediation outcome recorded; the dispute is closed."))
    return _back(dispute.contract_id)
