"""Organisations: the public directory and profiles, applying, editing, and members."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access
from market.blueprints import confirm, write
from market.blueprints.auth.routes import send_reset_link
from market.blueprints.forms import choices_of
from market.blueprints.orgs.forms import (
    AddMemberForm,
    ConfirmForm,
    ContactForm,
    OrganisationForm,
    ProcessingForm,
    RoleForm,
    WithdrawFacilityForm,
)
from market.clock import today
from market.extensions import db
from market.inputs import int_arg, page_arg
from market.labels import UNITS
from market.models import Commune, Crop, Membership, Organisation, OrgKind, OrgStatus, ProcessingCapability, Role
from market.services import capabilities, catalog, organisations
from market.services.visibility import can_see_organisation

bp = Blueprint("orgs", __name__)


def _get_org(org_id: int) -> Organisation:
    org = db.get_or_404(Organisation, org_id)
    if not can_see_organisation(current_user, org):
        abort(404)
    return org


@bp.get("/")
@access.rule(access.PUBLIC)
def directory():
    kind = request.args.get("kind", "")
    commune_id = int_arg("commune")
    query = sa.select(Organisation).where(Organisation.status == OrgStatus.VERIFIED,
                                          Organisation.kind.in_(OrgKind.SELF_SERVICE))
    if kind in OrgKind.SELF_SERVICE:
        query = query.where(Organisation.kind == kind)
    if commune_id:
        query = query.where(Organisation.commune_id == commune_id)
    page = db.paginate(query.order_by(Organisation.name), page=page_arg(), per_page=30, error_out=False)
    communes = db.session.scalars(sa.select(Commune).order_by(Commune.name))
    return render_template("orgs/directory.html", page=page, kind=kind, commune_id=commune_id,
                           communes=communes, kinds=OrgKind.SELF_SERVICE)


@bp.route("/new", methods=["GET", "POST"])
@access.rule(access.LOGGED_IN)
@login_required
def apply():
    form = OrganisationForm()
    if form.validate_on_submit() and (done := write.run(
            lambda: organisations.apply_for_organisation(current_user, **_org_data(form)), form=form,
            success=lambda org: _("%(org)s is registered and waits for the department's verification.",
                                  org=org.name))):
        return redirect(url_for("orgs.show", org_id=done.value.id))
    return render_template("orgs/apply.html", form=form)


def _org_data(form) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


@bp.get("/<int:org_id>")
@access.rule(access.visible("organisation"))
def show(org_id: int):
    org = _get_org(org_id)
    membership = current_user.membership_in(org) if current_user.is_authenticated else None
    return render_template("orgs/show.html", org=org, membership=membership, on=today(),
                           catalog=catalog.public_catalog(org))


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@access.rule(access.member(*Role.ADMINS))
@login_required
def edit(org_id: int):
    org = _get_org(org_id)
    organisations.require_role(current_user, org, *Role.ADMINS)
    form_class = ContactForm if org.is_verified else OrganisationForm
    form = form_class(obj=org)
    if not org.is_verified:
        del form.kind  # the kind is fixed at application
    if request.method == "GET" and not org.is_verified:
        form.commune_id.data = str(org.commune_id or "")
    if form.validate_on_submit() and write.run(
            lambda: organisations.update_organisation(current_user, org, **_org_data(form)), form=form,
            success=_("Saved.")):
        return redirect(url_for("orgs.show", org_id=org.id))
    return render_template("orgs/edit.html", form=form, org=org)


@bp.route("/<int:org_id>/members", methods=["GET", "POST"])
@access.rule(access.member(), POST=access.member(*Role.ADMINS))
@login_required
def members(org_id: int):
    org = _get_org(org_id)
    mine = organisations.require_role(current_user, org)
    form = AddMemberForm()
    if form.validate_on_submit():
        def work():
            membership, invited = organisations.add_member(
                current_user, org, email=form.email.data, role=form.role.data, full_name=form.full_name.data or "")
            if invited:
                send_reset_link(membership.user, invited_to=org.name)
            return membership, invited

        def success(added) -> str:
            membership, invited = added
            if invited:
                return _("Invitation sent to %(email)s.", email=membership.user.email)
            return _("%(name)s was added.", name=membership.user.full_name)

        if write.run(work, form=form, success=success):
            return redirect(url_for("orgs.members", org_id=org.id))
    rows = sorted(org.memberships, key=lambda m: (m.role != Role.OWNER, m.user.full_name))
    return render_template("orgs/members.html", org=org, mine=mine, rows=rows, form=form,
                           role_form=RoleForm(), confirm_form=ConfirmForm())


def _get_membership(org_id: int, membership_id: int) -> Membership:
    membership = db.get_or_404(Membership, membership_id)
    if membership.organisation_id != org_id:
        abort(404)
    return membership


@bp.post("/<int:org_id>/members/<int:membership_id>/role")
@access.rule(access.member(*Role.ADMINS))
@login_required
def change_role(org_id: int, membership_id: int):
    membership = _get_membership(org_id, membership_id)
    form = RoleForm()
    if form.validate_on_submit():
        write.run(lambda: organisations.change_role(current_user, membership, form.role.data),
                  success=_("Role changed."))
    else:
        flash(_("Choose a role."), "error")
    return redirect(url_for("orgs.members", org_id=org_id))


@bp.post("/<int:org_id>/members/<int:membership_id>/remove")
@access.rule(access.member(*Role.ADMINS, or_self="membership_id"))
@login_required
def remove_member(org_id: int, membership_id: int):
    membership = _get_membership(org_id, membership_id)
    leaving = membership.user_id == current_user.id
    form = ConfirmForm()
    if form.validate_on_submit() and (page := confirm.ask(
            _("Leave %(org)s?", org=membership.organisation.name) if leaving else
            _("Remove %(name)s from %(org)s?", name=membership.user.full_name, org=membership.organisation.name),
            back=url_for("orgs.members", org_id=org_id), button=_("Yes, leave") if leaving else _("Yes, remove"))
    ) is not None:
        return page
    if form.validate_on_submit() and write.run(lambda: organisations.remove_member(current_user, membership),
                                               success=_("Member removed.")) and leaving:
        return redirect(url_for("main.home"))
    return redirect(url_for("orgs.members", org_id=org_id))


@bp.route("/<int:org_id>/processing", methods=["GET", "POST"])
@access.rule(access.member(*Role.ADMINS))
@login_required
def processing(org_id: int):
    """The organisation's processing facility (the capability "processes"), declared for the department's check."""
    org = _get_org(org_id)
    organisations.require_role(current_user, org, *Role.ADMINS)
    form = _processing_form()
    if form.validate_on_submit():
        data = {k: f.data for k, f in form._fields.items() if k != "csrf_token"}
        if write.run(lambda: capabilities.declare(current_user, org, data), form=form,
                     success=_("Sent to the department: it checks the facility before it counts.")):
            return redirect(url_for("orgs.processing", org_id=org.id))
    return _processing_page(org, form), 400 if request.method == "POST" else 200


def _processing_form(**kwargs) -> ProcessingForm:
    form = ProcessingForm(**kwargs)
    form.capacity_unit.choices = choices_of(UNITS)
    form.crop_id.choices = choices_of({"": "—", **{str(c.id): c.name_vi for c in db.session.scalars(
        sa.select(Crop).where(Crop.tradable).order_by(Crop.name_vi))}})
    return form


def _withdraw_form(capability: ProcessingCapability, **kwargs) -> WithdrawFacilityForm:
    """One withdrawal form per facility, its fields' ids apart (the page may list several)."""
    form = WithdrawFacilityForm(**kwargs)
    form.reason.id, form.closed_on.id = f"c{capability.id}-reason", f"c{capability.id}-closed_on"
    return form


def _processing_page(org: Organisation, form: ProcessingForm, withdrawing: WithdrawFacilityForm | None = None,
                     withdrawing_id: int | None = None):
    rows = capabilities.of(org)
    withdraw_forms = {}
    for cap in rows:
        if cap.status in capabilities.ORG_WITHDRAWABLE:
            if cap.id == withdrawing_id:
                withdraw_forms[cap.id] = withdrawing
            else:
                withdraw_forms[cap.id] = _withdraw_form(cap, formdata=None)
                withdraw_forms[cap.id].closed_on.data = today()
    return render_template("orgs/processing.html", form=form, org=org, capabilities=rows,
                           checked_labels=capabilities.CHECKED_AGAINST_LABELS, withdraw_forms=withdraw_forms,
                           closed_on=capabilities.closed_on)


@bp.post("/<int:org_id>/processing/<int:capability_id>/withdraw")
@access.rule(access.member(*Role.ADMINS))
@login_required
def withdraw_processing(org_id: int, capability_id: int):
    """An owner or manager withdraws the facility (it closed, from a day) with a reason."""
    org = _get_org(org_id)
    capability = db.get_or_404(ProcessingCapability, capability_id)
    if capability.organisation_id != org.id:
        abort(404)
    organisations.require_role(current_user, org, *Role.ADMINS)
    form = _withdraw_form(capability)
    if form.validate_on_submit() and write.run(
            lambda: capabilities.withdraw_own(current_user, capability, form.reason.data, form.closed_on.data),
            form=form, success=_("The facility is withdrawn. The figures for earlier days keep it.")):
        return redirect(url_for("orgs.processing", org_id=org.id))
    return _processing_page(org, _processing_form(formdata=None), form, capability.id), 400


