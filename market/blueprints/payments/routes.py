"""Money coming in: Stripe's webhook (the only thing that marks a card payment received) and the receiving
side's confirmation that a bank transfer arrived. The rules are in market.payments."""
import json

from flask import Blueprint, abort, current_app, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.routing import BuildError

from market import access, payments, permissions
from market.blueprints import write
from market.blueprints.orders.forms import ActionForm
from market.extensions import csrf, db
from market.models import Payment, StripeEvent

bp = Blueprint("payments", __name__)


def _signed_event_id(payload: bytes) -> str | None:
    try:
        event = json.loads(payload)
    except ValueError:
        return None
    return event.get("id") if isinstance(event, dict) and isinstance(event.get("id"), str) else None


class _NotRecorded(Exception):
    """handle_webhook refused the event (bad signature, not an event): answer `status`, keep nothing."""

    def __init__(self, outcome: str, status: int):
        super().__init__(outcome)
        self.outcome, self.status = outcome, status


@bp.post("/stripe/webhook")
@access.rule(access.SIGNED)
@csrf.exempt
def webhook():
    """Stripe calls this; it signs the body with STRIPE_WEBHOOK_SECRET. A bad signature or a body that is not
    an event is a 400; the database down a 503 with nothing recorded, so that Stripe's retry of the event does
    the work again. Anything else that goes wrong is a bug: a 500, logged (Stripe retries it too). A refund the
    event calls for runs after the commit (market.payments)."""
    payload = request.get_data()

    def handle() -> str:
        outcome, status = payments.handle_webhook(payload, request.headers.get("Stripe-Signature"))
        if status != 200:
            raise _NotRecorded(outcome, status)  # nothing of a refused event is kept
        return outcome

    try:
        outcome = write.commit(handle).value  # rolled back whenever anything below is raised
    except _NotRecorded as refused:
        return jsonify({"outcome": refused.outcome}), refused.status
    except IntegrityError:
        # The same event delivered twice at once: the other delivery recorded it first.
        event_id = _signed_event_id(payload)
        if event_id and db.session.get(StripeEvent, event_id) is not None:
            return jsonify({"outcome": "duplicate"}), 200
        raise  # a constraint broken by our own code: a bug
    except OperationalError:
        current_app.logger.exception("Stripe webhook: the database is unavailable")
        return jsonify({"outcome": "try again later"}), 503
    return jsonify({"outcome": outcome}), 200


def _back(payment: Payment) -> str:
    if payment.order_id:
        return url_for("orders.show", order_id=payment.order_id)
    try:
        return url_for("contracts.show", contract_id=payment.contract_id)
    except BuildError:
        return url_for("main.home")


@bp.post("/<int:payment_id>/confirm-transfer")
@access.rule(access.party("payment", *permissions.RECEIVERS, side="payee"))
@login_required
def confirm_transfer(payment_id: int):
    payment = db.get_or_404(Payment, payment_id)
    if not (current_user.membership_in(payment.payee) or current_user.membership_in(payment.payer)):
        abort(404)
    back = _back(payment)
    if ActionForm().validate_on_submit():
        write.run(lambda: payments.confirm_bank_transfer(current_user, payment),
                  success=_("Transfer %(ref)s confirmed: the payment is received.", ref=payment.reference))
    return redirect(back)
