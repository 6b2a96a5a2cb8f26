"""The capability "processes" (services/capabilities.py): an enterprise or cooperative declares its processing
facility, the department checks it, and only then does the organisation count as a processor in the linkage
figure, from the day of the check. Through the pages, as people use them."""
import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import AuditEvent, CapabilityStatus, ContractState, FactChange, OrgKind, ProcessingCapability, Role
from tests.conftest import log_in, submit

pytestmark = pytest.mark.figures

FORM = {"products": "Tinh dầu hồi", "capacity": "1.200", "capacity_unit": "kg", "address": "Thôn Bản Mới, Văn Quan",
        "crop_id": ""}


@pytest.fixture
def enterprise(world):
    org = world.org(OrgKind.ENTERPRISE, name="Công ty Tinh dầu Thử")
    return org, world.user(org, Role.OWNER)


def _capability():
    return db.session.scalar(sa.select(ProcessingCapability))


def test_the_owner_declares_the_facility_and_it_waits_for_the_department(client, world, enterprise):
    org, owner = enterprise
    log_in(client, owner)
    response = submit(client, f"/orgs/{org}/processing", FORM)
    assert response.status_code == 302
    with world.context():
        cap = _capability()
        assert (cap.products, cap.capacity, cap.capacity_unit, cap.status) == (
            "Tinh dầu hồi", 1200.0, "kg", CapabilityStatus.PENDING)  # "1.200" is twelve hundred in Vietnamese
    page = client.get(f"/orgs/{org}/processing").get_data(as_text=True)
    assert "Tinh dầu hồi" in page


def test_bad_input_is_answered_next_to_the_fields_and_nothing_is_saved(client, world, enterprise):
    org, owner = enterprise
    log_in(client, owner)
    response = submit(client, f"/orgs/{org}/processing", {**FORM, "products": " ", "capacity": "abc",
                                                          "capacity_unit": "bao"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="products-error"' in html and 'id="capacity-error"' in html and 'id="capacity_unit-error"' in html
    with world.context():
        assert _capability() is None


@pytest.mark.parametrize("who", ["member", "retail", "other"])
def test_only_the_organisations_admins_declare(client, world, enterprise, who):
    org, _owner = enterprise
    if who == "member":
        user = world.user(org, Role.MEMBER)
    elif who == "retail":
        retail = world.org(OrgKind.RETAIL_CHAIN)
        user, org = world.user(retail), retail
    else:
        user = world.user(world.org(OrgKind.ENTERPRISE))
    log_in(client, user)
    response = submit(client, f"/orgs/{org}/processing", FORM, form_page="/auth/reset")
    if who == "retail":  # its own page, but a retail chain is a buyer: the service refuses
        assert response.status_code == 400
    else:
        assert response.status_code in (403, 404)
    with world.context():
        assert _capability() is None


def test_the_department_verifies_and_the_processor_counts_from_that_day(client, world, enterprise):
    org, _owner = enterprise
    producer = world.org(OrgKind.COOPERATIVE)
    world.contract(org, producer, ContractState.ACTIVE, activated=today())
    cap = world.capability(org, verified_on=None)
    assert world.values(as_of=today())["linkage_orgs"] == 0  # pending: not a processor yet
    staff = world.department_staff()
    log_in(client, staff)
    queue = client.get("/department/").get_data(as_text=True)
    assert "data-capability-queue" in queue and "Tinh dầu hồi" in queue
    response = submit(client, f"/department/capabilities/{cap}/verify", {"against": "document"},
                      form_page="/department/")
    assert response.status_code == 302
    with world.context():
        row = db.session.get(ProcessingCapability, cap)
        assert (row.status, row.verified_against, row.verified_by_id) == (CapabilityStatus.VERIFIED, "document", staff)
        assert row.verified_at is not None
        change = db.session.scalar(sa.select(FactChange).where(FactChange.subject == "processing_capability"))
        assert (change.before, change.after, change.effective_on, change.recorded_by_id) == (
            {"status": "pending"}, {"status": "verified"}, today(), staff)
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "capability.verified"))
    assert world.values(as_of=today())["linkage_orgs"] == 1


def test_a_withdrawal_needs_a_reason_and_ends_the_count_from_today_only(client, world, enterprise):
    org, _owner = enterprise
    cap = world.capability(org)  # verified 2026-01-10
    staff = world.department_staff()
    log_in(client, staff)
    response = submit(client, f"/department/capabilities/{cap}/withdraw", {"reason": ""}, form_page="/department/")
    assert response.status_code == 302
    with world.context():
        assert db.session.get(ProcessingCapability, cap).status == CapabilityStatus.VERIFIED
    submit(client, f"/department/capabilities/{cap}/withdraw", {"reason": "Cơ sở đã ngừng chế biến."},
           form_page="/department/")
    with world.context():
        assert db.session.get(ProcessingCapability, cap).status == CapabilityStatus.WITHDRAWN
        change = db.session.scalar(sa.select(FactChange).where(FactChange.subject == "processing_capability"))
        assert change.effective_on == today()


def test_only_the_department_decides(client, world, enterprise):
    org, owner = enterprise
    cap = world.capability(org, verified_on=None)
    log_in(client, owner)
    response = submit(client, f"/department/capabilities/{cap}/verify", {"against": "visit"}, form_page="/auth/reset")
    assert response.status_code == 403
    with world.context():
        assert db.session.get(ProcessingCapability, cap).status == CapabilityStatus.PENDING
