"""Department staff open the plan dashboard on a phone, on the demo market, and download the yearly report:
every target card shows a figure, the page does not scroll sideways, and the XLSX says what the page says."""
import re

import openpyxl
import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import ReportSnapshot
from market.services import demo_market, targets

pytestmark = pytest.mark.browser


def _seed_demo(app) -> list[str]:
    """The demo market; returns the keys of the figures the dashboard shows today."""
    with app.app_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        demo_market.seed_demo_contracts()
        db.session.commit()
    with app.test_request_context():
        return [f.key for f in targets.compute(targets.Scope(as_of=today()))]


def _number(text: str) -> float:
    """A figure as the Vietnamese page writes it: "1.234,5" -> 1234.5."""
    return float(text.strip().replace(".", "").replace(",", "."))


def test_department_staff_read_the_targets_and_download_the_report(page, live_server, app, tmp_path):
    keys = _seed_demo(app)
    assert page.viewport_size == {"width": 390, "height": 844}

    page.goto("/auth/login")
    page.fill("#email", demo_market.DEMO_ACCOUNTS[0][0])  # so@demo.langson.vn, the department
    page.fill("#password", demo_market.DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)

    page.goto("/dashboard/")
    assert page.locator("main h1").count() == 1
    cards = page.locator("li.target[data-key]")
    assert [cards.nth(i).get_attribute("data-key") for i in range(cards.count())] == keys
    for key in keys:
        card = page.locator(f"li.target[data-key='{key}']")
        assert card.is_visible(), key
        figure = card.locator("p.figure strong").inner_text().strip()
        assert re.fullmatch(r"[\d.,]+", figure), (key, figure)

    # The plan counts processors with a verified facility linked with producers today: HD-DEMO-02 and 08 (the
    # processor buying quế and hồi oil) and 03 (the resin company buying from the Đình Lập group): 2 organisations.
    # HD-DEMO-01 was completed 20 days ago, 04 is only signed (with a retail chain, a buyer, never a processor),
    # 05 proposed, 06 draft, 07 cancelled; the cooperatives and the group are producers, not processors.
    linkage_card = page.locator("li.target[data-key='linkage_orgs']")
    shown = _number(linkage_card.locator("p.figure strong").inner_text())
    assert shown == 2
    label = linkage_card.locator("h2").inner_text().strip()

    # A phone-sized screen: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")

    with page.expect_download() as info:
        page.click("form[action='/dashboard/report.xlsx'] button")
    download = info.value
    assert download.suggested_filename.startswith(f"bao-cao-ke-hoach-{today().isoformat()}-")
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] == label]
    assert len(rows) == 1, label
    assert rows[0][1] == shown
    with app.app_context():
        snapshot = db.session.scalar(sa.select(ReportSnapshot).where(ReportSnapshot.kind == "export"))  # not the demo round's
        assert snapshot.as_of == today()
        assert next(f["value"] for f in snapshot.figures["figures"] if f["key"] == "linkage_orgs") == shown
