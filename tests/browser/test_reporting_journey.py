"""The yearly reporting round in a browser, on a phone-sized screen: the department opens the round, two
communes submit their reports, the third is late and reminded (once that day), and the department compiles
and locks the provincial report. The reporting calendar's today is moved (market.clock.today, read by
services/reporting.py; the live server runs in this process), the figures keep the real date."""
from datetime import date

import pytest
import sqlalchemy as sa

from market import clock
from market.extensions import db
from market.models import Notification, ReportingRound
from market.services import reporting
from tests.conftest import signed_in_cookie
from tests.factories import FiguresWorld

pytestmark = pytest.mark.browser


def _as(page, app, live_server, user_id):
    page.context.clear_cookies()
    page.context.add_cookies([signed_in_cookie(app, user_id, live_server)])


def test_open_submit_remind_compile_and_lock(page, live_server, app, monkeypatch):
    world = FiguresWorld(app)
    department = world.department_staff()
    officers = {name: world.commune_officer(name) for name in ("Văn Quan", "Chi Lăng", "Bắc Sơn")}
    communes = {name: world.commune_id(name) for name in officers}
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 10))

    # The department opens the round: the form holds the plan's calendar.
    _as(page, app, live_server, department)
    page.goto("/reporting/")
    assert page.input_value("#reports_from") == "2026-11-18"
    assert page.input_value("#compile_by") == "2026-12-01"
    page.click("#open-round button[type=submit]")
    page.wait_for_url("**/reporting/rounds/*")
    round_url = page.url
    round_id = int(round_url.rstrip("/").rsplit("/", 1)[1])

    # Two communes submit on 19 November.
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 19))
    for name in ("Văn Quan", "Chi Lăng"):
        _as(page, app, live_server, officers[name])
        page.goto(f"/reporting/rounds/{round_id}/communes/{communes[name]}")
        assert page.locator("#figures tr[data-key='linkage_orgs']").count() == 1  # its figures, read-only
        page.fill("#narrative", f"Báo cáo của xã {name}: đã rà soát vùng trồng.")
        page.click("#submit-report")
        page.wait_for_load_state()
        assert page.get_attribute("#report-state", "data-state") == "submitted"
        assert page.locator("#report-form").count() == 0  # no more edits: only the department can reopen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # 22 November: Bắc Sơn is late; the department sees it and reminds (once that day).
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 22))
    _as(page, app, live_server, department)
    page.goto(f"/reporting/rounds/{round_id}")
    assert page.get_attribute(f"tr[data-commune='{communes['Bắc Sơn']}']", "data-state") == "late"
    assert page.get_attribute(f"tr[data-commune='{communes['Văn Quan']}']", "data-state") == "submitted"
    page.click("#remind")
    page.wait_for_load_state()
    page.click("#remind")  # again the same day: nothing more
    page.wait_for_load_state()
    with app.app_context():
        reminders = db.session.scalars(sa.select(Notification.message).where(
            Notification.user_id == officers["Bắc Sơn"], Notification.kind == "reporting.reminder")).all()
        assert len(reminders) == 1
        assert not db.session.scalars(sa.select(Notification.id).where(
            Notification.user_id == officers["Văn Quan"], Notification.kind == "reporting.reminder")).all()
    _as(page, app, live_server, officers["Bắc Sơn"])
    page.goto("/inbox/")
    assert page.locator("text=2026").count() >= 1

    # 1 December: the department compiles and locks.
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    _as(page, app, live_server, department)
    page.goto(f"/reporting/rounds/{round_id}")
    page.click("#compile")
    page.wait_for_load_state()
    assert page.locator("#compile").count() == 0
    assert page.locator("a[href$='/report.xlsx']").count() == 1
    with app.app_context():
        item = db.session.get(ReportingRound, round_id)
        assert item.is_locked and item.snapshot.locked_at is not None
        states = {s["commune"]: s["state"] for s in item.snapshot.figures["submissions"]}
        assert states["xã Văn Quan"] == states["xã Chi Lăng"] == reporting.SUBMITTED
        assert states["xã Bắc Sơn"] == reporting.LATE
    page.goto(f"/reporting/rounds/{round_id}/report.html")
    assert "Kế hoạch phát triển nông, lâm nghiệp chủ lực tập trung" in page.locator("h1").inner_text()
    assert "Báo cáo của xã Văn Quan" in page.content()
    # Printed, it fits the width of an A4 page (210 mm less 15 mm margins each side = 180 mm = 680 px).
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 962})
    assert page.evaluate("document.documentElement.scrollWidth") <= 680
    assert len(page.pdf(format="A4")) > 1000
