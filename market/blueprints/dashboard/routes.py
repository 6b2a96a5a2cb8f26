"""The department's monitoring: targets, linkage chains, the yearly report and its snapshots, the audit log.
Commune staff see their own commune; everyone else gets a 403."""
import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access
from market.blueprints import write
from market.blueprints.dashboard.forms import DeclareChainForm
from market.extensions import db
from market.i18n import select_locale
from market.inputs import int_arg, page_arg
from market.models import AuditEvent, Commune, Crop, Organisation, OrgStatus, ReportSnapshot, User
from market.services import chains, reports, targets
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_department

bp = Blueprint("dashboard", __name__)
api_bp = Blueprint("targets_api", __name__)


def _scope() -> targets.Scope:
    """The scope from ?as_of=&commune=&crop=, checked against who is asking."""
    as_of = targets.check_as_of(reports.parse_as_of(request.values.get("as_of")))
    commune_id = targets.commune_for(current_user, request.values.get("commune", type=int))
    crop_id = targets.crop_for(request.values.get("crop", type=int))
    return targets.Scope(as_of=as_of, commune_id=commune_id, crop_id=crop_id)


def _options():
    communes = db.session.scalars(sa.select(Commune).order_by(Commune.name)).all()
    if not current_user.is_department_staff:
        own = {c.id for c in current_user.office_communes}
        communes = [c for c in communes if c.id in own]
    crops = db.session.scalars(sa.select(Crop).where(Crop.tradable).order_by(Crop.name_vi)).all()
    return communes, crops


@bp.before_request
@login_required
def _staff_only():
    if not (current_user.is_department_staff or current_user.office_communes):
        raise PermissionDenied(_("Only department and commune staff see the plan's figures."))


@bp.get("/")
@access.rule(access.AUTHORITY)
def index():
    try:
        scope = _scope()
    except ValidationFailed as exc:
        flash(" ".join(sum(exc.errors.values(), [])), "error")
        return redirect(url_for("dashboard.index"))
    locale = select_locale()
    world = targets.Facts(scope.as_of)
    figures = targets.compute(scope, locale, world)
    communes, crops = _options()
    trend = {key: targets.monthly_trend(key, scope.as_of.year, scope) for key in ("linkage_orgs", "ocop_valid")}
    return render_template("dashboard/index.html", scope=scope, figures=figures, communes=communes, crops=crops,
                           basis=targets.BASIS, linkage_rule=targets.LINKAGE_RULE, conversions=targets.CONVERSIONS,
                           crop_rows=targets.area_by_crop(scope, world), volumes=targets.volumes(scope, world),
                           chains=targets.linkage_chains(scope, world), trend=trend,
                           late=targets.late_changes(scope, locale, figures),
                           not_tracked=targets.not_tracked(locale),
                           commune_name=targets.commune_name(scope.commune_id))


def _send_snapshot(snapshot: ReportSnapshot, fmt: str):
    report = snapshot.figures
    name = f"bao-cao-ke-hoach-{report['as_of']}-{snapshot.id}"
    if fmt == "xlsx":
        return Response(reports.to_xlsx(report), headers={
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fmt == "csv":
        return Response(reports.to_csv(report), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return render_template("dashboard/report.html", report=report, tables=reports.tables(report), snapshot=snapshot)


@bp.post("/report.<any(xlsx, csv, html):fmt>")
@access.rule(access.AUTHORITY)
def export(fmt: str):
    """Exporting keeps a snapshot, so it is a POST (a prefetching browser must not create reports)."""
    done = write.run(lambda: reports.take_snapshot(current_user, _scope()))
    if not done:
        return redirect(url_for("dashboard.index"))
    return _send_snapshot(done.value, fmt)


@bp.get("/snapshots/")
@access.rule(access.AUTHORITY)
def snapshots():
    query = sa.select(ReportSnapshot).order_by(ReportSnapshot.created_at.desc())
    if not current_user.is_department_staff:
        query = query.where(ReportSnapshot.commune_id.in_([c.id for c in current_user.office_communes]))
    return render_template("dashboard/snapshots.html", snapshots=db.session.scalars(query.limit(200)).all())


@bp.get("/snapshots/<int:snapshot_id>.<any(xlsx, csv, html):fmt>")
@access.rule(access.AUTHORITY)
def snapshot(snapshot_id: int, fmt: str):
    item = db.get_or_404(ReportSnapshot, snapshot_id)
    if not current_user.is_department_staff and item.commune_id not in [c.id for c in current_user.office_communes]:
        abort(404)
    return _send_snapshot(item, fmt)


@bp.route("/chains", methods=["GET", "POST"])
@access.rule(access.DEPARTMENT)
def declared_chains():
    require_department(current_user)
    form = DeclareChainForm()
    orgs = db.session.scalars(sa.select(Organisation).where(Organisation.kind.in_(targets.PROCESSOR_KINDS),
                                                            Organisation.status == OrgStatus.VERIFIED)
                              .order_by(Organisation.name)).all()
    form.organisation_id.choices = [("", "—")] + [(str(o.id), o.name) for o in orgs]
    form.crop_id.choices = [("", "—")] + [(str(c.id), c.name_vi) for c in _options()[1]]
    if form.validate_on_submit():
        data = {k: f.data for k, f in form._fields.items() if k not in ("csrf_token", "evidence")}
        if write.run(lambda: chains.declare(current_user, data, form.evidence.data), form=form,
                     success=_("The chain is declared; it counts apart from contracted chains.")):
            return redirect(url_for("dashboard.declared_chains"))
    return render_template("dashboard/chains.html", form=form, chains=chains.declared_chains())


@bp.get("/audit")
@access.rule(access.DEPARTMENT)
def audit_log():
    require_department(current_user)
    query = sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    org_id, user_id = int_arg("organisation"), int_arg("user")
    action = (request.args.get("action") or "").strip()
    if org_id:
        query = query.where(AuditEvent.organisation_id == org_id)
    if user_id:
        query = query.where(AuditEvent.actor_id == user_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    page = db.paginate(query, page=page_arg(), per_page=50, error_out=False)
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template("dashboard/audit.html", page=page, actions=actions, action=action, org_id=org_id,
                           user_id=user_id,
                           organisations=db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all(),
                           users=db.session.scalars(sa.select(User).order_by(User.full_name)).all())


@api_bp.get("/targets")
@access.rule(access.AUTHORITY)
def api_targets():
    if not current_user.is_authenticated:
        return jsonify({"error": {"status": 401, "message": _("Log in as department or commune staff.")}}), 401
    if not (current_user.is_department_staff or current_user.office_communes):
        raise PermissionDenied(_("Only department and commune staff see the plan's figures."))
    scope = write.run_json(_scope, invalid=_("Some arguments are not valid.")).value
    return jsonify(targets.api_payload(scope, select_locale()))
