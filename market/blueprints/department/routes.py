"""The department's work: verifying organisations (later: zones, certificates, targets)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access
from market.blueprints import write
from market.blueprints.department.forms import RejectForm, VerifyForm
from market.blueprints.workspace.forms import ReasonForm
from market.clock import today
from market.extensions import db
from market.models import Certificate, GrowingZone, Organisation, Role
from market.services import mail, organisations, zones

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
                           expiring=zones.expiring_certificates(on=today()),
                           verify_form=VerifyForm(), reason_form=ReasonForm())


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
        def work():
            organisations.reject_organisation(current_user, org, form.reason.data)
            _tell_owners(org, _("%(org)s needs corrections", org=org.name),
                         _("The department could not verify %(org)s: %(reason)s\n"
                           "Correct the profile and it returns to the queue.", org=org.name, reason=org.status_reason))

        if write.run(work, form=form, success=_("%(org)s is rejected; the applicant was told why.", org=org.name)):
            return redirect(url_for("department.queue"))
    return render_template("department/review.html", org=org, verify_form=VerifyForm(), reject_form=form), 400


# Zones and certificates: verify, reject (pending) or recall (verified), each with a reason.
REVIEW_ACTIONS = {
    ("zone", "verify"): zones.verify_zone, ("zone", "reject"): zones.reject_zone, ("zone", "recall"): zones.recall_zone,
    ("certificate", "verify"): zones.verify_certificate, ("certificate", "reject"): zones.reject_certificate,
    ("certificate", "recall"): zones.recall_certificate,
}


@bp.post("/<any(zone, certificate):what>/<int:item_id>/<any(verify, reject, recall):action>")
@access.rule(access.DEPARTMENT)
def review_item(what: str, item_id: int, action: str):
    item = db.get_or_404(GrowingZone if what == "zone" else Certificate, item_id)
    form = VerifyForm() if action == "verify" else ReasonForm()
    if not form.validate_on_submit():
        flash(_("Say why, so the applicant can put it right."), "error")
        return redirect(url_for("department.queue"))
    handler = REVIEW_ACTIONS[(what, action)]
    reason = () if action == "verify" else (form.reason.data,)
    write.run(lambda: handler(current_user, item, *reason), success=_("Done."))
    return redirect(url_for("department.queue"))
