"""The department's work: verifying organisations (later: zones, certificates, targets)."""
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access
from market.blueprints import confirm, write
from market.blueprints.department.forms import (
    CheckFacilityForm,
    RecallForm,
    RejectForm,
    VerifyForm,
    WithdrawFacilityForm,
)
from market.blueprints.workspace.forms import ReasonForm
from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    Certificate,
    GrowingZone,
    OcopCertificate,
    Organisation,
    ProcessingCapability,
    Revision,
    Role,
)
from market.services import (
    capabilities,
    mail,
    ocop,
    organisations,
    products,
    recalls,
    revisions,
    verification,
    zones,
)

bp = Blueprint("department", __name__)


@bp.before_request
@login_required
def require_staff():
    organisations.require_department(current_user)


@bp.get("/")
@access.rule(access.DEPARTMENT)
def queue():
    pending_zones, pending_certificates = zones.review_queue()
    return render_template("department/queue.html", pending=organisations.pending_organisations(),
                           pending_zones=pending_zones, pending_certificates=pending_certificates,
                           revisions=[(r, zones.revision_zone(r), zones.revision_changes(r))
                                      for r in zones.pending_revisions()],
                           expiring=zones.expiring_certificates(on=today()),
                           pending_ocop=ocop.queue(), ocop_conflicts=ocop.conflicts(),
                           product_revisions=revisions.queue(products.REVISION_KIND), revision_target=revisions.target,
                           recent_ocop=ocop.recent(), today=today(), recalled=recalls.recalled(),
                           recalled_on=verification.recalled_on, describe=recalls.describe, kind_of=recalls.kind_of, verify_form=VerifyForm(), reason_form=ReasonForm(),
                           pending_capabilities=capabilities.queue(), verified_capabilities=capabilities.verified(),
                           facility_form=CheckFacilityForm(), checked_labels=capabilities.CHECKED_AGAINST_LABELS)


@bp.get("/organisations/<int:org_id>")
@access.rule(access.DEPARTMENT)
def review(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    return render_template("department/review.html", org=org, verify_form=VerifyForm(), reject_form=RejectForm())


def _tell_owners(org: Organisation, subject: str, body: str) -> None:
    """E-mail the organisation's owners and managers once the decision is saved."""
    owners = [m.user.email for m in org.memberships if m.role in Role.ADMINS]
    if owners:
        mail.send_after_commit(owners, subject, body)


@bp.post("/organisations/<int:org_id>/verify")
@access.rule(access.DEPARTMENT)
def verify(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    if VerifyForm().validate_on_submit():
        def work():
            organisations.verify_organisation(current_user, org)
            _tell_owners(org, _("%(org)s is verified", org=org.name),
                         _("The department verified %(org)s. You can now publish and sign contracts.", org=org.name))

        write.run(work, success=_("%(org)s is verified.", org=org.name))
    return redirect(url_for("department.queue"))


@bp.post("/organisations/<int:org_id>/reject")
@access.rule(access.DEPARTMENT)
def reject(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = RejectForm()
    if form.validate_on_submit():
        if (page := confirm.ask(_("Reject %(org)s?", org=org.name), back=url_for("department.queue"),
                                button=_("Yes, reject"), detail=form.reason.data)) is not None:
            return page

        def work():
            organisations.reject_organisation(current_user, org, form.reason.data)
            _tell_owners(org, _("%(org)s needs corrections", org=org.name),
                         _("The department could not verify %(org)s: %(reason)s\n"
                           "Correct the profile and it returns to the queue.", org=org.name, reason=org.status_reason))

        if write.run(work, form=form, success=_("%(org)s is rejected; the applicant was told why.", org=org.name)):
            return redirect(url_for("department.queue"))
    return render_template("department/review.html", org=org, verify_form=VerifyForm(), reject_form=form), 400


# Zones and certificates: verify, reject (pending) or recall (verified), each with a reason. A recall tells
# the seller and every buyer depending on it (services/recalls.py).
REVIEW_ACTIONS = {
    ("zone", "verify"): zones.verify_zone, ("zone", "reject"): zones.reject_zone, ("zone", "recall"): recalls.recall,
    ("certificate", "verify"): zones.verify_certificate, ("certificate", "reject"): zones.reject_certificate,
    ("certificate", "recall"): recalls.recall,
}


@bp.post("/<any(zone, certificate):what>/<int:item_id>/<any(verify, reject, recall):action>")
@access.rule(access.DEPARTMENT)
def review_item(what: str, item_id: int, action: str):
    item = db.get_or_404(GrowingZone if what == "zone" else Certificate, item_id)
    form = VerifyForm() if action == "verify" else ReasonForm()
    if not form.validate_on_submit():
        flash(_("Say why, so the applicant can put it right."), "error")
        return redirect(url_for("department.queue"))
    if action != "verify" and (page := confirm.ask(
            _("Recall it?") if action == "recall" else _("Reject it?"), back=url_for("department.queue"),
            button=_("Yes, recall") if action == "recall" else _("Yes, reject"), detail=form.reason.data)) is not None:
        return page
    handler = REVIEW_ACTIONS[(what, action)]
    reason = () if action == "verify" else (form.reason.data,)
    write.run(lambda: handler(current_user, item, *reason), success=_("Done."))
    return redirect(url_for("department.queue"))


# --- OCOP certificates ---------------------------------------------------------------------------------

def _history(item) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == type(item).__name__, AuditEvent.object_id == str(item.id))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(50)))


@bp.get("/ocop/<int:certificate_id>")
@access.rule(access.DEPARTMENT)
def ocop_certificate(certificate_id: int):
    certificate = db.get_or_404(OcopCertificate, certificate_id)
    on = today()
    return render_template("department/ocop_certificate.html", certificate=certificate, on=on,
                           record=verification.record(certificate, on), products=ocop.products_of(certificate),
                           conflicts=[p for p, c in ocop.conflicts() if c.id == certificate.id],
                           history=_history(certificate), verify_form=VerifyForm(), reason_form=ReasonForm(),
                           iso_day=date.fromisoformat)


@bp.post("/ocop/<int:certificate_id>/<any(verify, reject):action>")
@access.rule(access.DEPARTMENT)
def ocop_review(certificate_id: int, action: str):
    certificate = db.get_or_404(OcopCertificate, certificate_id)
    form = VerifyForm() if action == "verify" else ReasonForm()
    if not form.validate_on_submit():
        flash(_("Say why, so the applicant can put it right."), "error")
        return redirect(url_for("department.ocop_certificate", certificate_id=certificate.id))
    if action == "verify":
        write.run(lambda: ocop.verify(current_user, certificate),
                  success=_("OCOP certificate %(number)s is verified.", number=certificate.number))
    else:
        write.run(lambda: ocop.reject(current_user, certificate, form.reason.data),
                  success=_("OCOP certificate %(number)s is rejected; the producer can see why.", number=certificate.number))
    return redirect(url_for("department.ocop_certificate", certificate_id=certificate.id))


# --- recalls: a confirmation page (no JavaScript needed), then the recall or its lifting ---------------

def _recallable(what: str, item_id: int):
    return db.get_or_404(recalls.WHAT[what], item_id)


def _back_to(item) -> str:
    if isinstance(item, OcopCertificate):
        return url_for("department.ocop_certificate", certificate_id=item.id)
    zone = item if isinstance(item, GrowingZone) else item.zone
    return url_for("catalog.zone", code=zone.code)


@bp.route("/<any(zone, certificate, ocop):what>/<int:item_id>/confirm/<any(recall, lift):action>",
          methods=["GET", "POST"])
@access.rule(access.DEPARTMENT)
def confirm_recall(what: str, item_id: int, action: str):
    item = _recallable(what, item_id)
    form = RecallForm()
    if not form.is_submitted():
        form.effective_on.data = today()
    if form.validate_on_submit():
        handler = recalls.recall if action == "recall" else recalls.lift
        done = write.run(lambda: handler(current_user, item, form.reason.data, form.effective_on.data), form=form,
                         success=_("The recall is recorded; the seller and the buyers depending on it were told.")
                         if action == "recall" else _("The recall is lifted; the seller and the buyers were told."))
        if done:
            return redirect(_back_to(item))
    status = 400 if form.is_submitted() else 200
    return render_template("department/confirm_recall.html", item=item, what=what, action=action, form=form,
                           describe=recalls.describe(item), seller=recalls.seller_of(item),
                           buyers=recalls.affected_buyers(item), back=_back_to(item)), status


# --- revisions of verified products --------------------------------------------------------------------

@bp.post("/revisions/<int:revision_id>/<any(accept, reject):action>")
@access.rule(access.DEPARTMENT)
def revision_decide(revision_id: int, action: str):
    revision = db.get_or_404(Revision, revision_id)
    if revisions.target(revision) is None:
        abort(404)
    return _decide(revision, action, revisions.accept, revisions.reject)


@bp.post("/zone-revisions/<int:revision_id>/<any(accept, reject):action>")
@access.rule(access.DEPARTMENT)
def zone_revision_decide(revision_id: int, action: str):
    """A zone's material change: accepted (the zone takes it, stays verified) or rejected (it keeps its values)."""
    revision = db.get_or_404(Revision, revision_id)
    if zones.revision_zone(revision) is None:
        abort(404)
    return _decide(revision, action, zones.accept_revision, zones.reject_revision)


def _decide(revision: Revision, action: str, accept, reject):
    """Accept, or reject with a reason, through the service that owns the revised record."""
    form = VerifyForm() if action == "accept" else ReasonForm()
    if not form.validate_on_submit():
        flash(_("Say why, so the applicant can put it right."), "error")
        return redirect(url_for("department.queue"))
    if action == "accept":
        write.run(lambda: accept(current_user, revision), success=_("The change is accepted and shown."))
    else:
        write.run(lambda: reject(current_user, revision, form.reason.data),
                  success=_("The change is rejected; the verified version stays."))
    return redirect(url_for("department.queue"))
    if action == "accept":
        write.run(lambda: zones.accept_revision(current_user, revision), success=_("The change is accepted and shown."))
    else:
        write.run(lambda: zones.reject_revision(current_user, revision, form.reason.data),
                  success=_("The change is rejected; the verified version stays."))
    return redirect(url_for("department.queue"))


# --- processing facilities (the capability "processes", issue 10a) -------------------------------------

@bp.post("/capabilities/<int:capability_id>/<any(verify, reject, withdraw):action>")
@access.rule(access.DEPARTMENT)
def capability_review(capability_id: int, action: str):
    capability = db.get_or_404(ProcessingCapability, capability_id)
    form = CheckFacilityForm() if action == "verify" else WithdrawFacilityForm() if action == "withdraw" \
        else ReasonForm()
    if not form.validate_on_submit():
        if action == "withdraw" and form.errors.get("closed_on"):
            flash(" ".join(str(e) for e in form.errors["closed_on"]), "error")
        else:
            flash(_("Say why, so the applicant can put it right.") if action != "verify"
                  else _("Say what the facility was checked against."), "error")
        return redirect(url_for("department.queue", _anchor="capabilities"))
    if action == "verify":
        write.run(lambda: capabilities.verify(current_user, capability, form.against.data),
                  success=_("%(org)s counts as a processor from today.", org=capability.organisation.name))
    elif action == "reject":
        write.run(lambda: capabilities.reject(current_user, capability, form.reason.data), success=_("Done."))
    else:
        write.run(lambda: capabilities.withdraw(current_user, capability, form.reason.data, form.closed_on.data),
                  success=_("%(org)s no longer counts as a processor from that day; earlier dates keep it.",
                            org=capability.organisation.name))
    return redirect(url_for("department.queue", _anchor="capabilities"))
