"""Sourcing: buyers post what they need, cooperatives whose zones fit answer with offers, and the buyer
turns an offer into a contract proposal."""
import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from market import access, permissions
from market.blueprints import confirm, write
from market.blueprints.contracts.forms import TERM_LABELS, ActionForm, TermsForm
from market.blueprints.sourcing.forms import OfferForm, RequestForm
from market.extensions import db
from market.models import (
    Commune,
    Organisation,
    OrgKind,
    RequestStatus,
    SourcingOffer,
    SourcingRequest,
)
from market.services import contracts, sourcing
from market.services.contracts import NEGOTIATORS
from market.services.errors import PermissionDenied

bp = Blueprint("sourcing", __name__)
OFFERERS = _l("Only a verified cooperative with zones that fit this request may offer.")

LABELS = {"term_labels": TERM_LABELS}


@bp.before_request
@login_required
def _signed_in():
    """Sourcing is between organisations: members only."""


def _my_orgs(kinds, roles=None) -> list[Organisation]:
    return [m.organisation for m in current_user.memberships
            if m.organisation.kind in kinds and (roles is None or m.role in roles)]


def _request_or_404(request_id: int) -> SourcingRequest:
    item = db.get_or_404(SourcingRequest, request_id)
    if not sourcing.can_view_request(current_user, item):
        abort(404)
    return item


def _fitting(item: SourcingRequest) -> dict[Organisation, list]:
    """The user's cooperatives that may answer this request, with their zones that fit it."""
    if item.status != RequestStatus.OPEN:
        return {}
    found = {}
    for org in _my_orgs(OrgKind.SELLERS + (OrgKind.ENTERPRISE,), NEGOTIATORS):
        zones = sourcing.fitting_zones(item, org) if org.is_verified and org.id != item.buyer_id else []
        if zones:
            found[org] = zones
    return found


# --- requests -----------------------------------------------------------------------------------

@bp.get("/")
@access.rule(access.LOGGED_IN)
def index():
    sellers = _my_orgs(OrgKind.SELLERS)
    buyers = _my_orgs(OrgKind.BUYERS)
    fitting = [(org, sourcing.open_requests_for(org)) for org in sellers]
    mine = db.session.scalars(
        sa.select(SourcingRequest).where(SourcingRequest.buyer_id.in_([o.id for o in buyers]))
        .order_by(SourcingRequest.created_at.desc(), SourcingRequest.id.desc())).all() if buyers else []
    everything = None
    if not sellers:
        everything = db.session.scalars(
            sa.select(SourcingRequest).where(SourcingRequest.status == RequestStatus.OPEN)
            .order_by(SourcingRequest.delivery_start, SourcingRequest.id)).all()
    return render_template("sourcing/index.html", fitting=fitting, mine=mine, everything=everything,
                           may_post=bool(_my_orgs(OrgKind.BUYERS, NEGOTIATORS)), **LABELS)


@bp.route("/new", methods=["GET", "POST"])
@access.rule(access.buyer(*permissions.NEGOTIATORS))
def new():
    buyers = _my_orgs(OrgKind.BUYERS, NEGOTIATORS)
    if not buyers:
        raise PermissionDenied(_("Only the owner, a manager or a signer of a processing enterprise, retail chain "
                                 "or shop posts sourcing requests."))
    form = RequestForm(buyers)
    if form.validate_on_submit():
        buyer = next(o for o in buyers if str(o.id) == form.buyer_id.data)
        if done := write.run(lambda: sourcing.create_request(current_user, buyer, form.data_for_service()), form=form,
                             success=_("Request posted; cooperatives whose zones fit it have been told.")):
            return redirect(url_for("sourcing.show", request_id=done.value.id))
    return render_template("sourcing/form.html", form=form, title=_("Post a sourcing request"))


@bp.get("/<int:request_id>")
@access.rule(access.visible("sourcing_request", logged_in=True))
def show(request_id: int):
    return _show(_request_or_404(request_id))


def _show(item: SourcingRequest, offer_form: OfferForm | None = None):
    buyer_side = current_user.membership_in(item.buyer) is not None
    if buyer_side or current_user.is_department_staff:
        offers = list(item.offers)
    else:
        offers = [o for o in item.offers if current_user.membership_in(o.seller)]
    fitting = _fitting(item)
    if offer_form is None and fitting:
        offer_form = OfferForm(fitting, formdata=None)
    communes = db.session.scalars(sa.select(Commune).where(Commune.id.in_(item.preferred_commune_ids))
                                  .order_by(Commune.name)).all() if item.preferred_commune_ids else []
    return render_template(
        "sourcing/show.html", item=item, offers=offers, buyer_side=buyer_side, offer_form=offer_form,
        communes=communes,
        action_form=ActionForm(formdata=None), **LABELS)


@bp.post("/<int:request_id>/offers")
@access.rule(access.seller(*NEGOTIATORS, verified=True, why=OFFERERS))
def offer(request_id: int):
    item = _request_or_404(request_id)
    fitting = _fitting(item)
    if not fitting:
        raise PermissionDenied(str(OFFERERS))
    form = OfferForm(fitting)
    if form.validate_on_submit():
        seller = next(o for o in fitting if str(o.id) == form.seller_id.data)
        if write.run(lambda: sourcing.make_offer(current_user, item, seller, form.data_for_service()), form=form,
                     success=_("Offer sent to %(org)s.", org=item.buyer.name)):
            return redirect(url_for("sourcing.show", request_id=item.id))
    return _show(item, offer_form=form)


@bp.post("/<int:request_id>/close")
@access.rule(access.party("sourcing_request", *permissions.NEGOTIATORS, side="buyer"))
def close(request_id: int):
    item = _request_or_404(request_id)
    if ActionForm().validate_on_submit():
        if (page := confirm.ask(_("Close the request “%(title)s”?", title=item.title),
                                back=url_for("sourcing.show", request_id=item.id), button=_("Yes, close it"),
                                detail=_("Offers still open are declined."))) is not None:
            return page
        write.run(lambda: sourcing.close_request(current_user, item),
                  success=_("Request closed; open offers were declined."))
    return redirect(url_for("sourcing.show", request_id=item.id))


# --- offers ---------------------------------------------------------------------------------------

def _offer_or_404(offer_id: int) -> SourcingOffer:
    item = db.get_or_404(SourcingOffer, offer_id)
    if not sourcing.can_view_offer(current_user, item):
        abort(404)
    return item


@bp.post("/offers/<int:offer_id>/withdraw")
@access.rule(access.party("sourcing_offer", *permissions.NEGOTIATORS, side="seller"))
def withdraw_offer(offer_id: int):
    item = _offer_or_404(offer_id)
    if ActionForm().validate_on_submit():
        if (page := confirm.ask(_("Withdraw your offer to %(org)s?", org=item.request.buyer.name),
                                back=url_for("sourcing.show", request_id=item.request_id),
                                button=_("Yes, withdraw the offer"))) is not None:
            return page
        write.run(lambda: sourcing.withdraw_offer(current_user, item), success=_("Offer withdrawn."))
    return redirect(url_for("sourcing.show", request_id=item.request_id))


@bp.route("/offers/<int:offer_id>/propose", methods=["GET", "POST"])
@access.rule(access.party("sourcing_offer", *permissions.NEGOTIATORS, side="buyer"))
def propose(offer_id: int):
    """The buyer turns an offer into a contract proposal, the terms pre-filled from request and offer."""
    item = _offer_or_404(offer_id)
    wanted = item.request
    if not current_user.membership_in(wanted.buyer):
        abort(404)
    form = TermsForm(item.seller)
    if request.method == "GET":
        form.crop_id.data, form.product_form.data = str(wanted.crop_id), wanted.product_form
        form.grade.data, form.unit.data = wanted.grade or "", wanted.unit
        form.quantity.data, form.price_per_unit.data = item.quantity, item.price_per_unit
        form.delivery_start.data, form.delivery_end.data = wanted.delivery_start, wanted.delivery_end
        form.zone_ids.data = [str(z.id) for z in item.zones]
    if form.validate_on_submit():
        if done := write.run(lambda: contracts.accept_offer_as_proposal(
                current_user, item, form.terms(), note=(form.note.data or "").strip() or None), form=form,
                success=lambda contract: _("Contract %(ref)s was proposed to %(org)s.", ref=contract.reference,
                                           org=item.seller.name)):
            return redirect(url_for("contracts.show", contract_id=done.value.id))
    return render_template("contracts/form.html", form=form, seller=item.seller, listing=None, offer=item,
                           title=_("Turn the offer into a contract proposal"), **LABELS)
