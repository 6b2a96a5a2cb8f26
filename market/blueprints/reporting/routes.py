"""The per-commune view and the yearly reporting cycle (services/commune_figures.py, services/reporting.py).
Department staff see every commune and run the rounds; commune office staff see and report for their own
commune. Thin routes: the services check who is acting."""
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access, clock
from market.blueprints import write
from market.blueprints.reporting.forms import AttachForm, CommuneReportForm, OpenRoundForm, ReopenForm
from market.extensions import db
from market.i18n import select_locale
from market.models import Commune, Crop, ReportingRound, ReportSnapshot
from market.permissions import can_run_reporting
from market.services import commune_figures, reporting, reports, targets
from market.services.errors import PermissionDenied, ValidationFailed

bp = Blueprint("reporting", __name__)


@bp.before_request
@login_required
def _staff_only():
    if not (current_user.is_department_staff or current_user.office_communes):
        raise PermissionDenied(_("Only department and commune staff see the plan's figures."))


@bp.app_template_filter("vi_cell")
def vi_cell(value) -> str:
    """A report cell as written in Vietnamese ("12.000", "16,7%")."""
    return reports.vi_text(value)


@bp.app_template_global("report_title")
def report_title(report: dict) -> str:
    return reports.title(report)


@bp.app_template_global("report_scope")
def report_scope(report: dict) -> str:
    return reports.scope_line(report)


def _own_ids() -> list[int] | None:
    """None for the department (every commune), else the commune staff's own communes."""
    return None if current_user.is_department_staff else [c.id for c in current_user.office_communes]


def _as_of() -> date:
    """?as_of= (from 1 January 2026 to today); a date that cannot be used is said, and today shown instead."""
    try:
        return targets.check_as_of(reports.parse_as_of(request.args.get("as_of")))
    except ValidationFailed as exc:
        flash(write.messages(exc), "error")
        return clock.today()


# --- the communes ----------------------------------------------------------------------------------

@bp.get("/communes/")
@access.rule(access.AUTHORITY)
def communes():
    as_of = _as_of()
    sort = request.args.get("sort", "name")
    descending = request.args.get("dir") == "desc"
    crop_id = request.args.get("crop", type=int)
    q, kind = (request.args.get("q") or "").strip()[:80], request.args.get("kind", "")
    rows = commune_figures.table(as_of, locale=select_locale(), commune_ids=_own_ids(), q=q, kind=kind,
                                 crop_id=crop_id, sort=sort, descending=descending)
    crops = db.session.scalars(sa.select(Crop).where(Crop.tradable).order_by(Crop.name_vi)).all()
    return render_template("reporting/communes.html", rows=rows, as_of=as_of, sort=sort, descending=descending,
                           q=q, kind=kind, crop_id=crop_id, crops=crops, sorts=commune_figures.SORTS,
                           locale=select_locale())


@bp.get("/communes/<int:commune_id>")
@access.rule(access.AUTHORITY)
def commune(commune_id: int):
    item = db.get_or_404(Commune, commune_id)
    reporting.require_viewer(current_user, item)
    as_of = _as_of()
    data = commune_figures.commune_page(item, as_of, select_locale())
    current = reporting.open_round_now()
    return render_template("reporting/commune.html", commune=item, as_of=as_of, current=current,
                           locale=select_locale(), **data)


# --- rounds -------------------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@access.rule(access.AUTHORITY, POST=access.DEPARTMENT)
def index():
    form = OpenRoundForm(data=reporting.default_dates(reporting.default_year()))
    if request.method == "POST" and form.validate_on_submit():
        data = {k: f.data for k, f in form._fields.items() if k != "csrf_token"}
        done = write.run(lambda: reporting.open_round(current_user, data), form=form,
                         success=_("The round is open: commune offices were told."))
        if done:
            return redirect(url_for("reporting.round_page", round_id=done.value.id))
    return render_template("reporting/index.html", rounds=reporting.rounds(), form=form,
                           current=reporting.open_round_now(), own=current_user.office_communes)


def _round(round_id: int) -> ReportingRound:
    return db.get_or_404(ReportingRound, round_id)


@bp.get("/rounds/<int:round_id>")
@access.rule(access.AUTHORITY)
def round_page(round_id: int):
    item = _round(round_id)
    rows = reporting.overview(item, commune_ids=_own_ids())
    return render_template("reporting/round.html", round=item, rows=rows, counts=reporting.counts(rows),
                           today=clock.today(), states=reporting.STATE_LABELS, badges=reporting.BADGES)


@bp.post("/rounds/<int:round_id>/remind")
@access.rule(access.DEPARTMENT)
def remind(round_id: int):
    _round(round_id)
    reporting.require_department(current_user)
    write.run(lambda: reporting.send_reminders(), success=lambda n: _("Reminders sent today: %(n)d.", n=n))
    return redirect(url_for("reporting.round_page", round_id=round_id))


@bp.post("/rounds/<int:round_id>/compile")
@access.rule(access.DEPARTMENT)
def compile_report(round_id: int):
    item = _round(round_id)
    write.run(lambda: reporting.compile_and_lock(current_user, item),
              success=_("The provincial report is compiled and locked."))
    return redirect(url_for("reporting.round_page", round_id=round_id))


@bp.get("/rounds/<int:round_id>/report.<any(xlsx, csv, html):fmt>")
@access.rule(access.DEPARTMENT)
def round_report(round_id: int, fmt: str):
    item = _round(round_id)
    if item.snapshot is None:
        abort(404)
    return send_snapshot(item.snapshot, fmt)


def send_snapshot(snapshot: ReportSnapshot, fmt: str):
    report = snapshot.figures
    name = f"bao-cao-tinh-{report['as_of']}-{snapshot.id}"
    if fmt == "xlsx":
        return Response(reports.to_xlsx(report), headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fmt == "csv":
        return Response(reports.to_csv(report), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return render_template("dashboard/report.html", report=report, tables=reports.tables(report), snapshot=snapshot)


# --- a commune's report ----------------------------------------------------------------------------

def _commune_in(round_id: int, commune_id: int) -> tuple[ReportingRound, Commune]:
    item, commune_ = _round(round_id), db.get_or_404(Commune, commune_id)
    reporting.require_viewer(current_user, commune_)
    return item, commune_


def _report_page(item: ReportingRound, commune_: Commune, form=None, attach_form=None, reopen_form=None):
    report = reporting.report_of(item, commune_)
    form = form or CommuneReportForm(data={"narrative": report.narrative if report else ""})
    as_of = reporting.figures_date(item)
    figures = commune_figures.commune_page(commune_, as_of, select_locale())
    return render_template("reporting/commune_report.html", round=item, commune=commune_, report=report,
                           form=form, attach_form=attach_form or AttachForm(), reopen_form=reopen_form or ReopenForm(),
                           as_of=as_of, state=reporting.state(item, report), states=reporting.STATE_LABELS,
                           may_write=reporting.can_report_for(current_user, commune_) and not item.is_locked
                           and not (report and report.is_submitted),
                           may_reopen=can_run_reporting(current_user) and not item.is_locked
                           and bool(report and report.is_submitted), locale=select_locale(), **figures)


@bp.route("/rounds/<int:round_id>/communes/<int:commune_id>", methods=["GET", "POST"])
@access.rule(access.AUTHORITY, POST=access.COMMUNE_OFFICE)
def commune_report(round_id: int, commune_id: int):
    item, commune_ = _commune_in(round_id, commune_id)
    form = CommuneReportForm()
    if request.method == "POST" and form.validate_on_submit():
        submitting = request.form.get("action") == "submit"
        work = reporting.submit if submitting else reporting.save
        if write.run(lambda: work(current_user, item, commune_, form.narrative.data), form=form,
                     success=_("The report is submitted to the department.") if submitting else _("Draft saved.")):
            return redirect(url_for("reporting.commune_report", round_id=round_id, commune_id=commune_id))
    return _report_page(item, commune_, form=form if request.method == "POST" else None)


@bp.post("/rounds/<int:round_id>/communes/<int:commune_id>/attachments")
@access.rule(access.COMMUNE_OFFICE)
def attach(round_id: int, commune_id: int):
    item, commune_ = _commune_in(round_id, commune_id)
    form = AttachForm()
    if form.validate_on_submit() and write.run(
            lambda: reporting.attach(current_user, item, commune_, form.file.data), form=form,
            success=_("The document is attached.")):
        return redirect(url_for("reporting.commune_report", round_id=round_id, commune_id=commune_id))
    return _report_page(item, commune_, attach_form=form)


@bp.post("/rounds/<int:round_id>/communes/<int:commune_id>/reopen")
@access.rule(access.DEPARTMENT)
def reopen(round_id: int, commune_id: int):
    item, commune_ = _commune_in(round_id, commune_id)
    form = ReopenForm()
    if form.validate_on_submit() and write.run(
            lambda: reporting.reopen(current_user, item, commune_, form.reason.data), form=form,
            success=_("The report is reopened; the commune office was told why.")):
        return redirect(url_for("reporting.commune_report", round_id=round_id, commune_id=commune_id))
    return _report_page(item, commune_, reopen_form=form)
