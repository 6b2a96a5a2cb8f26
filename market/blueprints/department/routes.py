"""The department's work: verifying organisations (later: zones, certificates, targets)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.blueprints.department.forms import RejectForm, VerifyForm
from market.blueprints.forms import ORG_KIND_LABELS, attach_errors
from market.extensions import db
from market.models import Organisation, Role
from market.services import mail, organisations
from market.services.errors import ValidationFailed

bp = Blueprint("department", __name__)


@bp.before_request
@login_required
def require_staff():
    organisations.require_department(current_user)


@bp.get("/")
def queue():
    return render_template("department/queue.html", pending=organisations.pending_organisations(),
                           kind_labels=ORG_KIND_LABELS)


@bp.get("/organisations/<int:org_id>")
def review(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    return render_template("department/review.html", org=org, verify_form=VerifyForm(), reject_form=RejectForm(),
                           kind_labels=ORG_KIND_LABELS)


def _tell_owners(org: Organisation, subject: str, body: str) -> None:
    owners = [m.user.email for m in org.memberships if m.role in Role.ADMINS]
    if owners:
        mail.send(owners, subject, body)


@bp.post("/organisations/<int:org_id>/verify")
def verify(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    if VerifyForm().validate_on_submit():
        organisations.verify_organisation(current_user, org)
        db.session.commit()
        _tell_owners(org, _("%(org)s is verified", org=org.name),
                     _("The department verified %(org)s. You can now publish and sign contracts.", org=org.name))
        flash(_("%(org)s is verified.", org=org.name), "success")
    return redirect(url_for("department.queue"))


@bp.post("/organisations/<int:org_id>/reject")
def reject(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            organisations.reject_organisation(current_user, org, form.reason.data)
        except ValidationFailed as exc:
            db.session.rollback()
            attach_errors(form, exc)
        else:
            db.session.commit()
            _tell_owners(org, _("%(org)s needs corrections", org=org.name),
                         _("The department could not verify %(org)s: %(reason)s\n"
                           "Correct the profile and it returns to the queue.", org=org.name, reason=org.status_reason))
            flash(_("%(org)s is rejected; the applicant was told why.", org=org.name), "success")
            return redirect(url_for("department.queue"))
    return render_template("department/review.html", org=org, verify_form=VerifyForm(), reject_form=form,
                           kind_labels=ORG_KIND_LABELS), 400
