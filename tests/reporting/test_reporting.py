"""The yearly reporting cycle (services/reporting.py) through its pages: the department opens the round,
commune offices review their figures and submit, late and missing reports are reminded once a day, a
submitted report is reopened only by the department with a reason, and the provincial report is compiled
and locked."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import (
    AuditEvent,
    CommuneReport,
    Notification,
    ReportingRound,
    ReportSnapshot,
    RoundReminder,
    User,
)
from market.models.monitoring import LockedSnapshot
from market.services import reporting
from tests.conftest import csrf_token, log_in, submit
from tests.factories import pdf

pytestmark = pytest.mark.both_engines

ROUND = {"year": "2026", "reports_from": "2026-11-18", "reports_due": "2026-11-20", "as_of": "2026-11-20",
         "compile_by": "2026-12-01"}


def _open(client, cast, day):
    day(date(2026, 11, 10))
    log_in(client, cast["department"])
    response = submit(client, "/reporting/", ROUND)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/reporting/rounds/(\d+)", response.headers["Location"]).group(1))


def _report_url(round_id, commune_id):
    return f"/reporting/rounds/{round_id}/communes/{commune_id}"


def _inbox(user_id, kind):
    return db.session.scalars(sa.select(Notification.message).where(Notification.user_id == user_id,
                                                                    Notification.kind == kind)).all()


def test_the_form_defaults_to_the_plans_calendar(client, cast, day):
    day(date(2026, 10, 1))
    log_in(client, cast["department"])
    html = client.get("/reporting/").get_data(as_text=True)
    for name, value in ROUND.items():
        assert re.search(rf'name="{name}"[^>]*value="{value}"|value="{value}"[^>]*name="{name}"', html), name


def test_a_whole_round(client, app, world, cast, day, upload_dir):
    round_id = _open(client, cast, day)
    van_quan, chi_lang, bac_son = (world.commune_id(n) for n in ("Văn Quan", "Chi Lăng", "Bắc Sơn"))
    with app.app_context():
        assert _inbox(cast["bac_son"], "reporting.opened")  # every commune office is told
        assert db.session.get(ReportingRound, round_id).as_of == date(2026, 11, 20)

    # Văn Quan reviews its figures (read-only, for the commune alone: no provincial goal), attaches, submits.
    day(date(2026, 11, 19))
    log_in(client, cast["van_quan"])
    page = client.get(_report_url(round_id, van_quan)).get_data(as_text=True)
    assert 'data-key="linkage_orgs"' in page and "12,5" in page  # the producer A, its verified zone
    assert "30" not in re.search(r'<table class="table" id="figures">.*?</table>', page, re.S).group(0)
    assert client.get(_report_url(round_id, chi_lang)).status_code == 403  # not their commune
    response = client.post(f"{_report_url(round_id, van_quan)}/attachments",
                           data={"csrf_token": csrf_token(client, _report_url(round_id, van_quan)),
                                 "file": pdf("bien-ban.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert submit(client, _report_url(round_id, van_quan), {"narrative": "", "action": "submit"}).status_code == 200
    assert submit(client, _report_url(round_id, van_quan),
                  {"narrative": "Xã đã rà soát vùng trồng hồi.", "action": "submit"}).status_code == 302
    # Nobody submits for another commune, nor reopens.
    assert submit(client, _report_url(round_id, chi_lang), {"narrative": "x", "action": "submit"},
                  form_page=_report_url(round_id, van_quan)).status_code == 403
    assert submit(client, f"{_report_url(round_id, van_quan)}/reopen", {"reason": "x"},
                  form_page=_report_url(round_id, van_quan)).status_code == 403

    # Chi Lăng submits on the last day; Bắc Sơn does not.
    day(date(2026, 11, 20))
    log_in(client, cast["chi_lang"])
    assert submit(client, _report_url(round_id, chi_lang), {"narrative": "Chi Lăng", "action": "submit"}).status_code == 302

    # 22 November: Bắc Sơn is late; reminders go once a day.
    day(date(2026, 11, 22))
    with app.test_request_context():
        assert reporting.send_reminders() == 1
        db.session.commit()
        assert reporting.send_reminders() == 0  # the same day: nothing twice
        db.session.commit()
        assert len(_inbox(cast["bac_son"], "reporting.reminder")) == 1
        assert not _inbox(cast["van_quan"], "reporting.reminder")
        assert db.session.scalar(sa.select(RoundReminder.late)) is True
    log_in(client, cast["department"])
    html = client.get(f"/reporting/rounds/{round_id}").get_data(as_text=True)
    assert re.search(rf'data-commune="{bac_son}" data-state="late"', html)
    assert re.search(rf'data-commune="{van_quan}" data-state="submitted"', html)
    assert re.search(rf'data-commune="{chi_lang}" data-state="submitted"', html)
    assert html.count('data-state="') >= 65 + 6  # every commune and ward, and the counts

    # The department reopens Chi Lăng's report: a reason is required, recorded in the audit log.
    assert submit(client, f"{_report_url(round_id, chi_lang)}/reopen", {"reason": ""},
                  form_page=_report_url(round_id, chi_lang)).status_code == 200
    assert submit(client, f"{_report_url(round_id, chi_lang)}/reopen", {"reason": "Thiếu biên bản"},
                  form_page=_report_url(round_id, chi_lang)).status_code == 302
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reporting.reopened"))
        assert event.actor_id == cast["department"] and event.details["reason"] == "Thiếu biên bản"
        assert _inbox(cast["chi_lang"], "reporting.reopened")
    log_in(client, cast["chi_lang"])
    assert submit(client, _report_url(round_id, chi_lang), {"narrative": "Chi Lăng, bổ sung", "action": "submit"}).status_code == 302

    # Compile and lock on 1 December.
    day(date(2026, 12, 1))
    log_in(client, cast["department"])
    assert submit(client, f"/reporting/rounds/{round_id}/compile", {}, form_page=f"/reporting/rounds/{round_id}").status_code == 302
    with app.app_context():
        item = db.session.get(ReportingRound, round_id)
        assert item.is_locked and item.snapshot.is_locked and item.snapshot.kind == "provincial"
        by_commune = {s["commune"]: s for s in item.snapshot.figures["submissions"]}
        assert by_commune["xã Văn Quan"]["attachments"] == ["bien-ban.pdf"]
        assert by_commune["xã Chi Lăng"]["submitted_on"] == "2026-11-22"
        assert by_commune["xã Chi Lăng"]["state"] == "submitted_late"  # resubmitted after the 20th
        assert by_commune["xã Bắc Sơn"]["state"] == "late"
        assert len(by_commune) == 65
        communes = {c["commune"]: c for c in item.snapshot.figures["communes"]}  # each commune's own figures
        assert len(communes) == 65 and communes["xã Văn Quan"]["area_ha"] == 12.5
        # The processor's commune counts it; the producer's does not (the plan counts processors only).
        assert communes["xã Chi Lăng"]["linkage"] == 1 and communes["xã Văn Quan"]["linkage"] == 0
        snapshot_id = item.snapshot.id
        # Locked: neither changed nor deleted, and the round takes no more reports.
        item.snapshot.figures = {}
        with pytest.raises(LockedSnapshot):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(ReportSnapshot, snapshot_id))
        with pytest.raises(LockedSnapshot):
            db.session.flush()
        db.session.rollback()
    log_in(client, cast["bac_son"])
    assert submit(client, _report_url(round_id, bac_son), {"narrative": "muộn", "action": "submit"},
                  form_page=f"/reporting/rounds/{round_id}").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(CommuneReport).where(CommuneReport.commune_id == bac_son)) is None
        assert reporting.send_reminders(date(2026, 12, 2)) == 0  # a locked round reminds nobody
    log_in(client, cast["department"])
    xlsx = client.get(f"/reporting/rounds/{round_id}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    printed = client.get(f"/reporting/rounds/{round_id}/report.html").get_data(as_text=True)
    assert "Báo cáo của các xã, phường" in printed and "Số liệu theo xã, phường" in printed
    assert "Thiếu biên bản" not in printed  # the reason stays in the audit log, not in the province's report


def test_only_the_department_opens_and_compiles(client, app, cast, day):
    day(date(2026, 11, 10))
    log_in(client, cast["van_quan"])
    assert submit(client, "/reporting/", ROUND).status_code == 403
    round_id = _open(client, cast, day)
    assert submit(client, "/reporting/", ROUND).status_code == 200  # one open round at a time
    log_in(client, cast["van_quan"])
    assert submit(client, f"/reporting/rounds/{round_id}/compile", {}, form_page="/reporting/").status_code == 403
    assert submit(client, f"/reporting/rounds/{round_id}/remind", {}, form_page="/reporting/").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportingRound)) == 1


def test_reminders_start_on_the_first_reporting_day(app, client, cast, day):
    round_id = _open(client, cast, day)
    with app.test_request_context():
        assert reporting.send_reminders(date(2026, 11, 17)) == 0
        assert reporting.send_reminders(date(2026, 11, 18)) == 3  # three offices, none submitted
        assert reporting.send_reminders(date(2026, 11, 18)) == 0
        assert reporting.send_reminders(date(2026, 11, 19)) == 3  # once per commune per day
        db.session.commit()
        reminded = db.session.scalars(sa.select(RoundReminder).where(RoundReminder.round_id == round_id)).all()
        assert len(reminded) == 6 and not any(r.late for r in reminded)
        user = db.session.get(User, cast["bac_son"])
        assert len(_inbox(user.id, "reporting.reminder")) == 2


def test_the_cli_command_reminds_by_inbox_and_email(app, client, cast, day, outbox):
    round_id = _open(client, cast, day)
    del outbox[:]  # the round's opening told the offices
    day(date(2026, 11, 21))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["market", "remind-reports"])
    assert "report reminders sent: 3" in first.output, first.output
    with app.app_context():
        emails = {db.session.get(User, cast[key]).email for key in ("van_quan", "chi_lang", "bac_son")}
    assert {m.recipients[0] for m in outbox} == emails and len(outbox) == 3
    assert all(f"/reporting/rounds/{round_id}/communes/" in m.body for m in outbox)  # a link to their report
    assert "report reminders sent: 0" in runner.invoke(args=["market", "remind-reports"]).output
    assert len(outbox) == 3  # nothing twice the same day


@pytest.mark.postgres
def test_two_reminder_runs_at_once_remind_each_commune_once(app, client, cast, day, database_url):
    """Two transactions on two connections: the second waits on the first's uncommitted round_reminder rows,
    then finds them taken and reminds nobody."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer at a time into the whole file: the race runs on PostgreSQL")
    from tests.orders.race import interleave

    _open(client, cast, day)
    day(date(2026, 11, 21))
    first, second = interleave(app, reporting.send_reminders, reporting.send_reminders)
    assert first.error is None and second.error is None, (first.error, second.error)
    assert (first.result, second.result) == (3, 0)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(RoundReminder.id))) == 3
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "reporting.reminder")) == 3
