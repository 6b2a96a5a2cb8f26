"""An organisation's owner or manager withdraws its own processing facility on /orgs/<id>/processing, with a
reason and the day it stopped processing: the linkage figure keeps it for the days before, drops it from that day.
Worked out by hand: an enterprise with a facility verified on 2026-01-10, linked since 2026-03-02 with a
cooperative through an active contract."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    CapabilityStatus,
    FactChange,
    Notification,
    OrgKind,
    ProcessingCapability,
    Role,
)
from tests.conftest import log_in, submit
from tests.factories import AS_OF

pytestmark = pytest.mark.figures
REASON = "Xưởng chưng cất ngừng hoạt động để chuyển địa điểm"


@pytest.fixture
def linked(world):
    processor = world.org(OrgKind.ENTERPRISE, name="Công ty Tinh dầu Hồi Xứ Lạng")
    cap = world.capability(processor)
    world.contract(processor, world.org(OrgKind.COOPERATIVE))
    world.department_staff()  # the department is told of the closure
    return processor, cap


def _withdraw(client, org, cap, **data):
    return submit(client, f"/orgs/{org}/processing/{cap}/withdraw", {"reason": REASON, **data},
                  form_page=f"/orgs/{org}/processing")


def _status(world, cap):
    with world.context():
        return db.session.get(ProcessingCapability, cap).status


def test_the_owner_withdraws_from_a_day_and_earlier_figures_keep_the_processor(client, world, linked):
    org, cap = linked
    before = world.values()
    assert before["linkage_orgs"] == 1
    log_in(client, world.user(org, Role.MANAGER))
    page = client.get(f"/orgs/{org}/processing").get_data(as_text=True)
    assert f'data-withdraw="{cap}"' in page and f'id="c{cap}-closed_on"' in page
    response = _withdraw(client, org, cap, closed_on="2026-09-01")
    assert response.status_code == 302
    assert world.values() == before  # the report as of 2026-06-15 is unchanged
    assert world.values(as_of=date(2026, 8, 31))["linkage_orgs"] == 1
    assert world.values(as_of=date(2026, 9, 1))["linkage_orgs"] == 0
    assert world.values(as_of=today())["linkage_orgs"] == 0
    with world.context():
        row = db.session.get(ProcessingCapability, cap)
        assert (row.status, row.status_reason) == (CapabilityStatus.WITHDRAWN, REASON)
        change = db.session.scalar(sa.select(FactChange).where(FactChange.subject == "processing_capability"))
        assert (change.before, change.after, change.effective_on) == (
            {"status": "verified"}, {"status": "withdrawn"}, date(2026, 9, 1))
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "capability.withdrawn_by_organisation"))
        assert event.details["effective_on"] == "2026-09-01"
        assert db.session.scalar(sa.select(Notification.id).where(Notification.kind == "capability.withdrawn"))
    html = client.get(f"/orgs/{org}/processing").get_data(as_text=True)
    assert "data-closed-on" in html and REASON in html and f'data-withdraw="{cap}"' not in html


def test_without_a_date_it_stops_counting_from_today(client, world, linked):
    org, cap = linked
    log_in(client, world.user(org, Role.OWNER))
    assert _withdraw(client, org, cap, closed_on="").status_code == 302
    assert world.values(as_of=today() - timedelta(days=1))["linkage_orgs"] == 1
    assert world.values(as_of=today())["linkage_orgs"] == 0
    assert world.values(as_of=AS_OF)["linkage_orgs"] == 1


@pytest.mark.parametrize("data, field", [
    ({"closed_on": "32/13/2026"}, "closed_on"),
    ({"closed_on": "abc"}, "closed_on"),
    ({"closed_on": (today() + timedelta(days=1)).isoformat()}, "closed_on"),
    ({"closed_on": "2026-01-09"}, "closed_on"),  # before the department verified it: it never counted then
    ({"reason": "  "}, "reason"),
])
def test_bad_input_is_a_field_error_and_nothing_changes(client, world, linked, data, field):
    org, cap = linked
    log_in(client, world.user(org, Role.OWNER))
    response = _withdraw(client, org, cap, **data)
    assert response.status_code == 400
    assert f'id="c{cap}-{field}-error"' in response.get_data(as_text=True)
    assert _status(world, cap) == CapabilityStatus.VERIFIED
    with world.context():
        assert db.session.scalar(sa.select(FactChange.id).where(FactChange.subject == "processing_capability")) is None


@pytest.mark.parametrize("who", ["member", "other_owner", "department"])
def test_only_the_organisations_owner_or_manager_withdraws(client, world, linked, who):
    org, cap = linked
    if who == "member":
        user = world.user(org, Role.MEMBER)
    elif who == "other_owner":
        user = world.user(world.org(OrgKind.ENTERPRISE))
    else:
        user = world.department_staff()
    log_in(client, user)
    response = submit(client, f"/orgs/{org}/processing/{cap}/withdraw", {"reason": REASON, "closed_on": ""},
                      form_page="/auth/reset")
    assert response.status_code in (403, 404)
    assert _status(world, cap) == CapabilityStatus.VERIFIED


def test_a_declaration_still_waiting_can_be_taken_back(client, world):
    org = world.org(OrgKind.COOPERATIVE)
    cap = world.capability(org, verified_on=None)
    log_in(client, world.user(org, Role.OWNER))
    assert _withdraw(client, org, cap).status_code == 302
    assert _status(world, cap) == CapabilityStatus.WITHDRAWN
    # A withdrawn facility cannot be withdrawn again: the form is gone and the service refuses.
    response = _withdraw(client, org, cap)
    assert response.status_code == 400 and _status(world, cap) == CapabilityStatus.WITHDRAWN


def test_the_department_can_date_its_withdrawal_too(client, world, linked):
    org, cap = linked
    log_in(client, world.department_staff())
    response = submit(client, f"/department/capabilities/{cap}/withdraw", {"reason": REASON, "closed_on": "abc"},
                      form_page="/department/", follow_redirects=True)
    assert _status(world, cap) == CapabilityStatus.VERIFIED and 'class="flash' in response.get_data(as_text=True)
    response = submit(client, f"/department/capabilities/{cap}/withdraw",
                      {"reason": REASON, "closed_on": "2026-10-01"}, form_page="/department/")
    assert response.status_code == 302 and _status(world, cap) == CapabilityStatus.WITHDRAWN
    assert world.values(as_of=date(2026, 9, 30))["linkage_orgs"] == 1
    assert world.values(as_of=date(2026, 10, 1))["linkage_orgs"] == 0
