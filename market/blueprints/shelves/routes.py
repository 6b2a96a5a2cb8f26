"""Retail shelves: the chain's own page ("Sản phẩm trên quầy của chúng tôi": requests to confirm, the
current shelf, the history) and the producer's page of one product's placements, where it asks a chain."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access
from market.blueprints import write
from market.blueprints.shelves.forms import ConfirmForm, DeclineForm, EndForm, RequestForm
from market.clock import today
from market.extensions import db
from market.models import OcopProduct, Organisation, OrgKind, ShelfPlacement
from market.services import organisations, shelves
from market.services.zones import EDITORS

bp = Blueprint("shelves", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every page here is for members only."""


@bp.get("/")
@access.rule(access.LOGGED_IN)
def home():
    mine = shelves.chains_of(current_user)
    if len(mine) == 1:
        return redirect(url_for("shelves.chain", org_id=mine[0].id))
    # Someone in no retail chain reads what the page is for (and where a producer asks a chain).
    return render_template("shelves/choose.html", orgs=mine)


def _chain(org_id: int) -> Organisation:
    org = db.get_or_404(Organisation, org_id)
    if org.kind != OrgKind.RETAIL_CHAIN:
        abort(404)
    organisations.require_role(current_user, org)
    return org


def _chain_page(org: Organisation, status: int = 200, **forms):
    return render_template("shelves/chain.html", org=org, on=today(), placements=shelves.for_chain(org),
                           confirm_form=forms.get("confirm_form") or ConfirmForm(formdata=None),
                           decline_form=forms.get("decline_form") or DeclineForm(formdata=None),
                           end_form=forms.get("end_form") or EndForm(formdata=None),
                           failed_id=forms.get("failed_id")), status


@bp.get("/chains/<int:org_id>/")
@access.rule(access.member())
def chain(org_id: int):
    return _chain_page(_chain(org_id))


def _placement(placement_id: int) -> ShelfPlacement:
    placement = db.get_or_404(ShelfPlacement, placement_id)
    organisations.require_role(current_user, placement.chain)
    return placement


@bp.post("/placements/<int:placement_id>/<any(confirm, decline, end):action>")
@access.rule(access.party("placement", side="chain"))
def answer(placement_id: int, action: str):
    placement = _placement(placement_id)
    form = {"confirm": ConfirmForm, "decline": DeclineForm, "end": EndForm}[action]()
    if form.validate_on_submit():
        work = {
            "confirm": lambda: shelves.confirm(current_user, placement, form.since.data),
            "decline": lambda: shelves.decline(current_user, placement, form.reason.data),
            "end": lambda: shelves.end(current_user, placement, form.ended_on.data),
        }[action]
        done = {"confirm": _("Confirmed: the product is shown as on your shelves."),
                "decline": _("Declined; the producer was told why."),
                "end": _("Ended: the product is no longer shown as on your shelves.")}[action]
        if write.run(work, form=form, success=done):
            return redirect(url_for("shelves.chain", org_id=placement.chain_id))
    return _chain_page(placement.chain, 400, failed_id=placement.id, **{f"{action}_form": form})


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@access.rule(access.party("product"))
def product(product_id: int):
    item = db.get_or_404(OcopProduct, product_id)
    organisations.require_role(current_user, item.organisation, *EDITORS)
    form = RequestForm()
    form.chain_id.choices = [("", _("— choose —"))] + [(str(o.id), o.name) for o in shelves.chains()]
    if form.validate_on_submit():
        data = {"chain_id": form.chain_id.data, "since": form.since.data, "note": form.note.data}
        if write.run(lambda: shelves.request(current_user, item, data), form=form,
                     success=_("Request sent; the chain's members will confirm it.")):
            return redirect(url_for("shelves.product", product_id=item.id))
    elif form.is_submitted():
        flash(_("Correct the fields below."), "error")
    status = 400 if form.errors else 200
    return render_template("shelves/product.html", product=item, form=form, on=today(),
                           placements=list(reversed(item.shelf_placements))), status
