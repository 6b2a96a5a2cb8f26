"""The department enters a recall (or its lifting) with the day it took effect, on the confirmation page: the
figures from that day on change, earlier ones never; the record pages show the day it took effect and the day it
was entered. Bad dates are answered next to the field and change nothing. Worked out by hand: one verified zone of
30 ha of star anise holding a valid planting-area code, and one verified 4-star OCOP product."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import AuditEvent, FactChange, GrowingZone, OcopProduct, ReviewStatus
from tests.conftest import log_in, submit

pytestmark = pytest.mark.figures
V = ReviewStatus.VERIFIED
REASON = "Kiểm tra thực địa phát hiện sai lệch ranh giới vùng"


@pytest.fixture
def zone(world):
    org = world.org()
    return world.zone(org, 30, certificates=[("planting_area_code", date(2025, 6, 1), date(2028, 6, 1), V)])


@pytest.fixture
def staff(client, world):
    staff = world.department_staff()
    log_in(client, staff)
    return staff


def _recall(client, what, item_id, action="recall", **data):
    url = f"/department/{what}/{item_id}/confirm/{action}"
    return submit(client, url, {"reason": REASON, **data}, form_page=url)


def _status(model, item_id, world):
    with world.context():
        return db.session.get(model, item_id).status


def _changes(world) -> int:
    with world.context():
        return db.session.scalar(sa.select(sa.func.count(FactChange.id)))


def test_a_back_dated_zone_recall_changes_the_figures_from_its_day_only(client, world, zone, staff):
    before = world.values()  # as of 2026-06-15
    assert before["zone_area_hoi"] == 30.0
    page = client.get(f"/department/zone/{zone}/confirm/recall").get_data(as_text=True)
    assert 'name="effective_on"' in page and f'value="{today().isoformat()}"' in page  # today unless told
    response = _recall(client, "zone", zone, effective_on="2026-08-01")
    assert response.status_code == 302
    assert world.values() == before  # the report of 2026-06-15 is unchanged
    assert world.values(as_of=date(2026, 7, 31))["zone_area_hoi"] == 30.0
    assert world.values(as_of=date(2026, 8, 1))["zone_area_hoi"] == 0.0
    assert world.values(as_of=today())["zone_area_hoi"] == 0.0
    with world.context():
        change = db.session.scalar(sa.select(FactChange).where(FactChange.subject == "growing_zone"))
        assert (change.after, change.effective_on, change.recorded_by_id) == ({"status": "recalled"},
                                                                              date(2026, 8, 1), staff)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "zone.recalled"))
        assert event.details["effective_on"] == "2026-08-01"
        code = db.session.get(GrowingZone, zone).code
    # The zone's page shows the day it took effect and the day it was entered.
    html = client.get(f"/zones/{code}").get_data(as_text=True)
    assert "data-recall-dates" in html and REASON in html and "2026" in html.split("data-recall-dates")[1][:200]


def test_lifting_can_be_back_dated_too_but_not_before_the_recall(client, world, zone, staff):
    _recall(client, "zone", zone, effective_on="2026-08-01")
    response = _recall(client, "zone", zone, action="lift", effective_on="2026-07-15")
    assert response.status_code == 400 and 'id="effective_on-error"' in response.get_data(as_text=True)
    assert _status(GrowingZone, zone, world) == ReviewStatus.RECALLED
    response = _recall(client, "zone", zone, action="lift", effective_on="2026-09-01")
    assert response.status_code == 302 and _status(GrowingZone, zone, world) == V
    assert [world.values(as_of=d)["zone_area_hoi"] for d in (
        date(2026, 7, 31), date(2026, 8, 1), date(2026, 8, 31), date(2026, 9, 1), today())] == [30, 0, 0, 30, 30]
    # A new recall cannot go back before the lifting it follows.
    response = _recall(client, "zone", zone, effective_on="2026-08-20")
    assert response.status_code == 400 and _status(GrowingZone, zone, world) == V


@pytest.mark.parametrize("value", ["31/02/2026", "abc", "2026-13-01"])
def test_a_malformed_date_is_a_field_error_and_nothing_is_saved(client, world, zone, staff, value):
    changes = _changes(world)
    response = _recall(client, "zone", zone, effective_on=value)
    assert response.status_code == 400
    assert 'id="effective_on-error"' in response.get_data(as_text=True)
    assert _status(GrowingZone, zone, world) == V and _changes(world) == changes


@pytest.mark.parametrize("day", [today() + timedelta(days=1), date(2025, 12, 31)])
def test_a_recall_in_the_future_or_before_the_plan_is_refused(client, world, zone, staff, day):
    response = _recall(client, "zone", zone, effective_on=day.isoformat())
    assert response.status_code == 400 and 'id="effective_on-error"' in response.get_data(as_text=True)
    assert _status(GrowingZone, zone, world) == V


def test_a_certificate_cannot_be_recalled_before_it_was_issued(client, world, staff):
    org = world.org()
    z = world.zone(org, 10, certificates=[("vietgap", date(2026, 5, 1), date(2028, 5, 1), V)])
    with world.context():
        cert = db.session.get(GrowingZone, z).certificates[0].id
    response = _recall(client, "certificate", cert, effective_on="2026-04-30")
    assert response.status_code == 400 and "01/05/2026" in response.get_data(as_text=True)
    response = _recall(client, "certificate", cert, effective_on="2026-05-01")
    assert response.status_code == 302
    assert world.values(as_of=date(2026, 4, 30))["cert_gap_organic_zone_ha"] == 0.0  # not yet issued then
    assert world.values(as_of=date(2026, 5, 1))["cert_gap_organic_zone_ha"] == 0.0
    assert world.values(as_of=date(2026, 4, 30))["zone_area_hoi"] == 10.0


def test_a_back_dated_ocop_recall_and_its_record_page(client, world, staff):
    a = world.org()
    p = world.product(a, 4)
    before = world.values()
    assert before["ocop_four_star"] == 1
    with world.context():
        cert = db.session.get(OcopProduct, p).ocop_certificate_id
    assert _recall(client, "ocop", cert, effective_on="2026-10-01").status_code == 302
    assert world.values() == before
    assert world.values(as_of=date(2026, 9, 30))["ocop_four_star"] == 1
    assert world.values(as_of=date(2026, 10, 1))["ocop_four_star"] == 0
    html = client.get(f"/department/ocop/{cert}").get_data(as_text=True)
    assert "data-effective-on" in html and "data-recall-dates" in html


def test_only_the_department_recalls(client, world, zone):
    with world.context():
        org = db.session.get(GrowingZone, zone).organisation_id
    log_in(client, world.user(org))
    response = submit(client, f"/department/zone/{zone}/confirm/recall",
                      {"reason": REASON, "effective_on": "2026-08-01"}, form_page="/auth/reset")
    assert response.status_code == 403 and _status(GrowingZone, zone, world) == V
