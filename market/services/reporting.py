"""The plan's yearly reporting cycle: "every year, communes report between 18 and 20 November; the department
compiles the provincial report before 1 December" (the plan's reporting calendar, /work/shared/plan).

- The department opens the year's round (`open_round`): the dates default to 18-20 November and 1 December;
  the figures are computed as of the round's date (`as_of`, by default the last reporting day). One round is
  open at a time.
- Each commune office reviews its commune's figures (computed by services/targets.py for the commune alone,
  read-only), writes its narrative, attaches PDF documents (services/uploads.py) and submits
  (`save`, `attach`, `submit`). Only staff of that commune's office may; nobody may for another commune.
- A submitted report is changed only after the department reopens it, with a reason (`reopen`, audit log).
- Late and missing reports are visible on the round's page (`overview`) and reminded (`send_reminders`:
  inbox and e-mail to the commune office, once per commune per day, from the first reporting day until the
  round is locked; the `flask market remind-reports` command and the `remind_reports` periodic job).
- The department compiles the provincial report from the submissions and the computed figures and locks it
  (`compile_and_lock`): a ReportSnapshot of kind "provincial", locked, that nothing can change afterwards;
  the round and its commune reports are frozen with it.

The clock is `market.clock.today()` (the date in Lạng Sơn), read through the module so tests can move it.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from market import clock
from market.extensions import db
from market.models import (
    Commune,
    CommuneReport,
    CommuneReportStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    ReportingRound,
    ReportSnapshot,
    RoundReminder,
    RoundStatus,
    User,
)
from market.models.types import utcnow
from market.permissions import can_report_for, can_run_reporting
from market.services import audit, commune_figures, notifications, reports, targets, uploads
from market.services.errors import PermissionDenied, ValidationFailed
from market.text import fold

NARRATIVE_MAX = 20_000
REASON_MAX = 2_000

# A commune's state in a round, as the round's page shows it (labels in STATE_LABELS).
SUBMITTED, SUBMITTED_LATE, IN_PROGRESS, NOT_STARTED, LATE, REOPENED = (
    "submitted", "submitted_late", "in_progress", "not_started", "late", "reopened")
STATES_VI = {SUBMITTED: "Đã nộp", SUBMITTED_LATE: "Nộp muộn", IN_PROGRESS: "Đang soạn", NOT_STARTED: "Chưa nộp",
             LATE: "Quá hạn, chưa nộp", REOPENED: "Sở đã mở lại"}  # in the exports, always Vietnamese
BADGES = {SUBMITTED: "valid", SUBMITTED_LATE: "expired", IN_PROGRESS: "draft", NOT_STARTED: "draft", LATE: "expired",
          REOPENED: "draft"}  # the badge colour of each state (site.css)
STATE_LABELS = {SUBMITTED: _l("Submitted"), SUBMITTED_LATE: _l("Submitted late"), IN_PROGRESS: _l("Being written"),
                NOT_STARTED: _l("Not submitted"), LATE: _l("Late, not submitted"), REOPENED: _l("Reopened by the department")}


def default_dates(year: int) -> dict[str, date]:
    """The plan's calendar for `year`: report 18-20 November, compile before 1 December; figures as of the 20th."""
    return {"year": year, "reports_from": date(year, 11, 18), "reports_due": date(year, 11, 20),
            "as_of": date(year, 11, 20), "compile_by": date(year, 12, 1)}


def default_year(on: date | None = None) -> int:
    return max((on or clock.today()).year, targets.PERIOD_START.year)


# --- who may --------------------------------------------------------------------------------------

def require_department(actor: User) -> None:
    if not can_run_reporting(actor):
        raise PermissionDenied(_("Only staff of the Department of Agriculture and Environment may do this."))


def require_reporter(actor: User, commune: Commune) -> None:
    if not can_report_for(actor, commune):
        raise PermissionDenied(_("Only the staff of %(commune)s's office report for it.", commune=commune.display_name))


def require_viewer(actor: User, commune: Commune) -> None:
    if not (can_run_reporting(actor) or can_report_for(actor, commune)):
        raise PermissionDenied(_("Commune staff see their own commune's figures only."))


# --- rounds ---------------------------------------------------------------------------------------

def open_round_now() -> ReportingRound | None:
    return db.session.scalar(sa.select(ReportingRound).where(ReportingRound.status == RoundStatus.OPEN)
                             .order_by(ReportingRound.id.desc()).limit(1))


def rounds() -> list[ReportingRound]:
    return list(db.session.scalars(sa.select(ReportingRound).order_by(ReportingRound.as_of.desc(),
                                                                      ReportingRound.id.desc())))


def _clean_round(data: dict) -> dict:
    errors: dict[str, str] = {}
    year = data.get("year")
    if not isinstance(year, int) or not targets.PERIOD_START.year <= year <= 2030:
        errors["year"] = _("The plan runs from 2026 to 2030: choose one of those years.")
    fields = {}
    for name in ("as_of", "reports_from", "reports_due", "compile_by"):
        value = data.get(name)
        if not isinstance(value, date):
            errors[name] = _("Enter a date.")
        fields[name] = value
    if not errors:
        if fields["as_of"] < targets.PERIOD_START:
            errors["as_of"] = _("The plan starts on 1 January 2026: choose that date or a later one.")
        if fields["reports_due"] < fields["reports_from"]:
            errors["reports_due"] = _("The last reporting day cannot come before the first.")
        if fields["compile_by"] < fields["reports_due"]:
            errors["compile_by"] = _("The department compiles after the communes report: choose a later date.")
        if fields["as_of"] > fields["compile_by"]:
            errors["as_of"] = _("The figures' date must come before the compilation date.")
    if errors:
        raise ValidationFailed(errors)
    return {"year": year, **fields}


def open_round(actor: User, data: dict) -> ReportingRound:
    """Open the year's round (the department). Commune offices are told in their inbox and by e-mail."""
    require_department(actor)
    fields = _clean_round(data)
    if open_round_now() is not None:
        raise ValidationFailed({"year": _("A round is already open: compile and lock it before opening another.")})
    round_ = ReportingRound(**fields, status=RoundStatus.OPEN, opened_by_id=actor.id)
    db.session.add(round_)
    db.session.flush()
    audit.record("reporting.round_opened", actor, obj=round_, year=round_.year, as_of=round_.as_of.isoformat(),
                 reports_from=round_.reports_from.isoformat(), reports_due=round_.reports_due.isoformat(),
                 compile_by=round_.compile_by.isoformat())
    link = notifications.page("reporting.round_page", round_id=round_.id)
    text = _("The department opened the %(year)d reporting round: send your commune's report between %(start)s "
             "and %(end)s.", year=round_.year, start=format_date(round_.reports_from),
             end=format_date(round_.reports_due))
    for office in _offices():
        notifications.notify(office, "reporting.opened", text, link)
    return round_


def _offices() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.COMMUNE_OFFICE, Organisation.status == OrgStatus.VERIFIED,
        Organisation.commune_id.is_not(None)).order_by(Organisation.id)))


def _require_open(round_: ReportingRound) -> None:
    if round_.is_locked:
        raise ValidationFailed({"round": _("This round's report is compiled and locked: nothing can change in it.")})


# --- a commune's report ---------------------------------------------------------------------------

def report_of(round_: ReportingRound, commune: Commune) -> CommuneReport | None:
    return db.session.scalar(sa.select(CommuneReport).where(CommuneReport.round_id == round_.id,
                                                            CommuneReport.commune_id == commune.id))


def _report_for_writing(actor: User, round_: ReportingRound, commune: Commune) -> CommuneReport:
    require_reporter(actor, commune)
    _require_open(round_)
    report = report_of(round_, commune)
    if report is None:
        report = CommuneReport(round=round_, commune=commune, status=CommuneReportStatus.DRAFT, narrative="")
        db.session.add(report)
    if report.is_submitted:
        raise ValidationFailed({"narrative": _("The report is submitted: only the department can reopen it.")})
    return report


def _clean_narrative(narrative: str | None, *, required: bool) -> str:
    text = (narrative or "").strip().replace("\r\n", "\n")
    if required and not text:
        raise ValidationFailed({"narrative": _("Write the commune's report before submitting it.")})
    if len(text) > NARRATIVE_MAX:
        raise ValidationFailed({"narrative": _("The report is too long: at most %(n)d characters.", n=NARRATIVE_MAX)})
    return text


def save(actor: User, round_: ReportingRound, commune: Commune, narrative: str | None) -> CommuneReport:
    """Save the narrative as a draft (the commune office)."""
    report = _report_for_writing(actor, round_, commune)
    report.narrative = _clean_narrative(narrative, required=False)
    db.session.flush()
    audit.record("reporting.draft_saved", actor, obj=report, commune=commune.name, round=round_.id)
    return report


def _office_of(actor: User, commune: Commune) -> Organisation:
    return next(m.organisation for m in actor.memberships if m.organisation.kind == OrgKind.COMMUNE_OFFICE
                and m.organisation.is_verified and m.organisation.commune_id == commune.id)


def attach(actor: User, round_: ReportingRound, commune: Commune, file_storage) -> CommuneReport:
    """Attach a PDF (minutes, tables signed by the commune): stored as the commune office's document, served
    only to its members and the department (media blueprint)."""
    report = _report_for_writing(actor, round_, commune)
    upload = uploads.save_upload(actor, _office_of(actor, commune), file_storage, allowed=(uploads.PDF,))
    report.attachments.append(upload)
    db.session.flush()
    audit.record("reporting.attached", actor, obj=report, upload=upload.id, name=upload.original_name)
    return report


def submit(actor: User, round_: ReportingRound, commune: Commune, narrative: str | None) -> CommuneReport:
    """Submit the commune's report (the commune office): dated today in Lạng Sơn; after the last reporting
    day it is marked late. The department is told."""
    report = _report_for_writing(actor, round_, commune)
    report.narrative = _clean_narrative(narrative, required=True)
    report.status = CommuneReportStatus.SUBMITTED
    report.submitted_at, report.submitted_on, report.submitted_by_id = utcnow(), clock.today(), actor.id
    db.session.flush()
    late = report.submitted_on > round_.reports_due
    audit.record("reporting.submitted", actor, obj=report, commune=commune.name, round=round_.id, late=late)
    link = notifications.page("reporting.commune_report", round_id=round_.id, commune_id=commune.id)
    text = (_("%(commune)s submitted its %(year)d report, late.", commune=commune.display_name, year=round_.year)
            if late else _("%(commune)s submitted its %(year)d report.", commune=commune.display_name,
                           year=round_.year))
    for department in _departments():
        notifications.notify(department, "reporting.submitted", text, link)
    return report


def reopen(actor: User, round_: ReportingRound, commune: Commune, reason: str | None) -> CommuneReport:
    """Reopen a submitted report (the department only), with the reason, in the audit log; the commune office
    is told why."""
    require_department(actor)
    _require_open(round_)
    report = report_of(round_, commune)
    if report is None or not report.is_submitted:
        raise ValidationFailed({"reason": _("Only a submitted report can be reopened.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("Say why the report is reopened: the commune reads it.")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _("The reason is too long: at most %(n)d characters.", n=REASON_MAX)})
    report.status = CommuneReportStatus.REOPENED
    report.reopened_at, report.reopened_by_id, report.reopen_reason = utcnow(), actor.id, reason
    db.session.flush()
    audit.record("reporting.reopened", actor, obj=report, commune=commune.name, round=round_.id, reason=reason)
    link = notifications.page("reporting.commune_report", round_id=round_.id, commune_id=commune.id)
    for office in _offices():
        if office.commune_id == commune.id:
            notifications.notify(office, "reporting.reopened",
                                 _("The department reopened your %(year)d report: %(reason)s", year=round_.year,
                                   reason=reason), link)
    return report


def _departments() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.DEPARTMENT, Organisation.status == OrgStatus.VERIFIED)))


# --- where the round stands -------------------------------------------------------------------------

def figures_date(round_: ReportingRound) -> date:
    """The date the commune's figures are computed for: the round's date, or today while it is still ahead."""
    return min(round_.as_of, clock.today())


def state(round_: ReportingRound, report: CommuneReport | None, on: date | None = None) -> str:
    on = on or clock.today()
    if report is not None and report.is_submitted:
        return SUBMITTED_LATE if report.submitted_on and report.submitted_on > round_.reports_due else SUBMITTED
    if report is not None and report.status == CommuneReportStatus.REOPENED:
        return REOPENED  # the department is waiting for the corrected report
    if on > round_.reports_due:
        return LATE
    return IN_PROGRESS if report is not None else NOT_STARTED


@dataclass
class Row:
    commune: Commune
    report: CommuneReport | None
    state: str
    has_office: bool
    reminders: int
    last_reminded: date | None


def overview(round_: ReportingRound, on: date | None = None, *, commune_ids: list[int] | None = None) -> list[Row]:
    """Every commune and ward: its report's state (late and missing first), whether it has an office on the
    market (who can report and be reminded), and the reminders sent."""
    on = on or clock.today()
    query = sa.select(Commune).order_by(Commune.name)
    if commune_ids is not None:
        query = query.where(Commune.id.in_(commune_ids or [-1]))
    reports_by = {r.commune_id: r for r in round_.reports}
    offices = {o.commune_id for o in _offices()}
    reminded: dict[int, list[date]] = {}
    for reminder in db.session.scalars(sa.select(RoundReminder).where(RoundReminder.round_id == round_.id)):
        reminded.setdefault(reminder.commune_id, []).append(reminder.sent_on)
    rows = [Row(c, reports_by.get(c.id), state(round_, reports_by.get(c.id), on), c.id in offices,
                len(reminded.get(c.id, [])), max(reminded[c.id]) if c.id in reminded else None)
            for c in db.session.scalars(query)]
    order = {LATE: 0, REOPENED: 1, NOT_STARTED: 2, IN_PROGRESS: 3, SUBMITTED_LATE: 4, SUBMITTED: 5}
    return sorted(rows, key=lambda r: (order[r.state], not r.has_office, fold(r.commune.name)))


def counts(rows: list[Row]) -> dict[str, int]:
    out = {key: 0 for key in STATES_VI}
    for row in rows:
        out[row.state] += 1
    return out


# --- reminders --------------------------------------------------------------------------------------

def _claim(round_: ReportingRound, commune_id: int, on: date, late: bool) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(RoundReminder(round_id=round_.id, commune_id=commune_id, sent_on=on, late=late))
    except IntegrityError:
        return False
    return True


def send_reminders(on: date | None = None) -> int:
    """Remind every commune office whose report is not submitted in an open round, from the first reporting
    day on: inbox and e-mail, once per commune per day (a RoundReminder row claimed first, in a SAVEPOINT, so
    two runs at once send once). The caller commits. Returns how many communes were reminded."""
    on = on or clock.today()
    offices: dict[int, list[Organisation]] = {}
    for office in _offices():
        offices.setdefault(office.commune_id, []).append(office)
    sent = 0
    for round_ in db.session.scalars(sa.select(ReportingRound).where(ReportingRound.status == RoundStatus.OPEN)):
        if on < round_.reports_from:
            continue
        done = {r.commune_id for r in round_.reports if r.is_submitted}
        already = set(db.session.scalars(sa.select(RoundReminder.commune_id).where(
            RoundReminder.round_id == round_.id, RoundReminder.sent_on == on)))
        late = on > round_.reports_due
        for commune_id, commune_offices in offices.items():
            if commune_id in done or commune_id in already or not _claim(round_, commune_id, on, late):
                continue
            link = notifications.page("reporting.commune_report", round_id=round_.id, commune_id=commune_id)
            if late:
                text = _("Your commune's %(year)d report was due on %(date)s and has not been submitted: send it "
                         "now.", year=round_.year, date=format_date(round_.reports_due))
            else:
                text = _("Reminder: send your commune's %(year)d report by %(date)s.", year=round_.year,
                         date=format_date(round_.reports_due))
            for office in commune_offices:  # a commune with two offices on the market: both are told
                notifications.notify(office, "reporting.reminder", text, link)
            sent += 1
    return sent


# --- compiling --------------------------------------------------------------------------------------

def submission_rows(round_: ReportingRound, on: date | None = None) -> list[dict]:
    """Every commune's submission as the provincial report lists it (plain data, stored in the snapshot)."""
    rows = []
    for row in sorted(overview(round_, on), key=lambda r: fold(r.commune.name)):
        report = row.report if row.report is not None and row.report.is_submitted else None
        rows.append({"commune": row.commune.display_name, "commune_id": row.commune.id, "state": row.state,
                     "status_vi": STATES_VI[row.state],
                     "submitted_on": report.submitted_on.isoformat() if report and report.submitted_on else None,
                     "narrative": report.narrative if report else "",
                     "attachments": [u.original_name for u in report.attachments] if report else []})
    return rows


def commune_rows(as_of: date) -> list[dict]:
    """Each commune's own figures (services/commune_figures.py), as the provincial report lists them."""
    return [{"commune": r.commune.display_name, "organisations": r.organisations, "zones": r.zones,
             "area_ha": r.area_ha, "crops": r.crops, "linkage": r.linkage, "ocop": r.ocop, "contracts": r.contracts,
             "contracted_value": r.contracted_value} for r in commune_figures.table(as_of)]


def compile_and_lock(actor: User, round_: ReportingRound) -> ReportSnapshot:
    """The provincial report: the computed figures as of the round's date (services/reports.build, the same
    data any export of that date holds) and every commune's submission; kept as a locked snapshot."""
    require_department(actor)
    _require_open(round_)
    as_of = targets.check_as_of(round_.as_of)
    report = reports.build(targets.Scope(as_of=as_of))
    report["round"] = {"id": round_.id, "year": round_.year, "reports_from": round_.reports_from.isoformat(),
                       "reports_due": round_.reports_due.isoformat(), "compile_by": round_.compile_by.isoformat()}
    report["submissions"] = submission_rows(round_)
    report["communes"] = commune_rows(as_of)
    now = utcnow()
    snapshot = ReportSnapshot(as_of=as_of, commune_id=None, crop_id=None, figures=report, created_by_id=actor.id,
                              kind="provincial", locked_at=now)
    db.session.add(snapshot)
    db.session.flush()
    round_.status, round_.locked_at, round_.locked_by_id, round_.snapshot = RoundStatus.LOCKED, now, actor.id, snapshot
    submitted = sum(1 for s in report["submissions"] if s["submitted_on"])
    audit.record("reporting.compiled", actor, obj=snapshot, round=round_.id, year=round_.year,
                 as_of=as_of.isoformat(), submitted=submitted, communes=len(report["submissions"]))
    return snapshot
