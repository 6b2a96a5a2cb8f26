"""The department's verification queue: who may use it, verifying and rejecting applications."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Membership, Organisation, OrgKind, OrgStatus, Role, User
from market.services import organisations
from tests.conftest import log_in, submit


def org_state(app, org_id) -> tuple:
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        return org.status, org.status_reason, org.status_changed_by_id


def verify(client, org_id, **kwargs):
    return submit(client, f"/department/organisations/{org_id}/verify", {},
                  form_page=kwargs.get("form_page", f"/department/organisations/{org_id}"))


def reject(client, org_id, reason):
    return submit(client, f"/department/organisations/{org_id}/reject", {"reason": reason, "confirmed": "1"},
                  form_page=f"/department/organisations/{org_id}")


@pytest.fixture
def staff(client, factory):
    user_id = factory.department_staff()
    log_in(client, user_id)
    return user_id


@pytest.fixture
def applicant(factory):
    """A pending cooperative with an owner, a manager and a plain member."""
    org = factory.org(status=OrgStatus.PENDING, name="HTX Mắc ca Lộc Bình", commune="Lộc Bình")
    factory.member(org, Role.OWNER, email="chu@macca.vn")
    factory.member(org, Role.MANAGER, email="quanly@macca.vn")
    factory.member(org, Role.MEMBER, email="xaxa@macca.vn")
    return org


# --- who gets in ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/department/", "/department/organisations/1"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_non_staff_gets_403(client, factory, applicant):
    log_in(client, factory.member(factory.org(), Role.OWNER))
    assert client.get("/department/").status_code == 403
    assert client.get(f"/department/organisations/{applicant}").status_code == 403


def test_commune_office_staff_are_not_department_staff(client, factory):
    office = factory.org(kind=OrgKind.COMMUNE_OFFICE, name="UBND xã Văn Quan")
    log_in(client, factory.member(office))
    assert client.get("/department/").status_code == 403


def test_staff_of_an_unverified_department_are_not_staff(client, app, factory, applicant):
    department = factory.org(kind=OrgKind.DEPARTMENT, status=OrgStatus.PENDING, commune="Lương Văn Tri",
                             name="Sở giả mạo")
    log_in(client, factory.member(department))
    assert client.get("/department/").status_code == 403
    response = verify(client, applicant, form_page="/")
    assert response.status_code == 403
    assert org_state(app, applicant)[0] == OrgStatus.PENDING


def test_non_staff_cannot_verify(client, app, factory, applicant):
    log_in(client, factory.member(applicant, Role.OWNER))
    assert verify(client, applicant, form_page=f"/orgs/{applicant}").status_code == 403
    assert org_state(app, applicant) == (OrgStatus.PENDING, None, None)


def test_staff_sees_pending_orgs_only(client, factory, staff, applicant):
    factory.org(name="HTX Đã duyệt từ trước")
    factory.org(name="HTX Bị trả lại", status=OrgStatus.REJECTED)
    response = client.get("/department/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "HTX Mắc ca Lộc Bình" in html and f"/department/organisations/{applicant}" in html
    assert "HTX Đã duyệt từ trước" not in html and "HTX Bị trả lại" not in html


def test_staff_reviews_an_application(client, staff, applicant):
    response = client.get(f"/department/organisations/{applicant}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "chu@macca.vn" in html and "/verify" in html and 'name="reason"' in html
    assert client.get("/department/organisations/999999").status_code == 404


# --- verifying ------------------------------------------------------------------------------------

def test_verify_sets_status_tells_owners_and_audits(client, app, staff, applicant, outbox):
    response = verify(client, applicant)
    assert response.status_code == 302 and response.headers["Location"].endswith("/department/")
    status, reason, changed_by = org_state(app, applicant)
    assert (status, reason, changed_by) == (OrgStatus.VERIFIED, None, staff)
    with app.app_context():
        org = db.session.get(Organisation, applicant)
        assert org.status_changed_at is not None and org.can_publish
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.verified"))
        assert event.actor_id == staff and event.organisation_id == applicant
    [message] = outbox
    assert sorted(message.recipients) == ["chu@macca.vn", "quanly@macca.vn"]
    assert "HTX Mắc ca Lộc Bình" in message.subject
    # The organisation has left the queue and is now public.
    assert f"/department/organisations/{applicant}" not in client.get("/department/").get_data(as_text=True)
    assert app.test_client().get(f"/orgs/{applicant}").status_code == 200


def test_verify_without_csrf_token_is_refused(client, app, staff, applicant, outbox):
    assert client.post(f"/department/organisations/{applicant}/verify").status_code == 400
    assert org_state(app, applicant)[0] == OrgStatus.PENDING
    assert outbox == []


def test_verify_unknown_org_is_404(client, staff):
    assert submit(client, "/department/organisations/999999/verify", {}, form_page="/department/").status_code == 404


def test_staff_cannot_verify_their_own_department(client, app, factory, applicant):
    """A staff member of the verified department who also belongs to a second, pending department."""
    staff = factory.department_staff()
    other = factory.org(kind=OrgKind.DEPARTMENT, status=OrgStatus.PENDING, commune="Lương Văn Tri",
                        name="Sở Nông nghiệp mới")
    with app.app_context():
        db.session.add(Membership(user_id=staff, organisation_id=other, role=Role.OWNER))
        db.session.commit()
    log_in(client, staff)
    client.get("/lang/en")
    response = verify(client, other)
    assert response.status_code == 403
    assert "Nobody verifies an organisation they belong to." in response.get_data(as_text=True)
    assert org_state(app, other) == (OrgStatus.PENDING, None, None)
    # Others' applications are still theirs to verify.
    assert verify(client, applicant).status_code == 302


def test_staff_cannot_reverify_or_reject_their_own_department(client, app, factory):
    staff = factory.department_staff()
    log_in(client, staff)
    with app.app_context():
        department = db.session.get(User, staff).memberships[0].organisation_id
    assert verify(client, department).status_code == 403
    assert reject(client, department, "Tự từ chối mình").status_code == 403
    assert org_state(app, department) == (OrgStatus.VERIFIED, None, None)


# --- rejecting ------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", "Sai", "  ab  "])
def test_reject_needs_a_reason(client, app, staff, applicant, outbox, reason):
    response = reject(client, applicant, reason)
    assert response.status_code == 400
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert org_state(app, applicant) == (OrgStatus.PENDING, None, None)
    assert outbox == []


def test_reject_with_reason(client, app, staff, applicant, outbox):
    reason = "Mã số thuế không khớp với đăng ký kinh doanh."
    response = reject(client, applicant, f"  {reason} ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/department/")
    assert org_state(app, applicant) == (OrgStatus.REJECTED, reason, staff)
    [message] = outbox
    assert sorted(message.recipients) == ["chu@macca.vn", "quanly@macca.vn"]
    assert reason in message.body
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.rejected"))
        assert event.actor_id == staff and event.details["reason"] == reason


def test_rejected_org_returns_to_the_queue_after_correction(client, app, staff, applicant):
    """The edit form itself is covered in tests/orgs; here the owner corrects through the service."""
    reject(client, applicant, "Thiếu địa chỉ trụ sở.")
    assert f"/department/organisations/{applicant}" not in client.get("/department/").get_data(as_text=True)
    with app.app_context():
        org = db.session.get(Organisation, applicant)
        owner = db.session.scalar(sa.select(User).join(Membership).where(
            Membership.organisation_id == applicant, Membership.role == Role.OWNER))
        organisations.update_organisation(owner, org, address="Thôn Nà Làng")
        db.session.commit()
    assert org_state(app, applicant)[:2] == (OrgStatus.PENDING, None)
    assert f"/department/organisations/{applicant}" in client.get("/department/").get_data(as_text=True)


def test_staff_cannot_verify_their_own_cooperative(client, app, factory):
    staff = factory.department_staff()
    own = factory.org(status=OrgStatus.PENDING, name="HTX của cán bộ Sở")
    with app.app_context():
        db.session.add(Membership(user_id=staff, organisation_id=own, role=Role.MEMBER))
        db.session.commit()
    log_in(client, staff)
    assert verify(client, own).status_code == 403
    assert org_state(app, own)[0] == OrgStatus.PENDING


def test_verifying_twice_changes_nothing(client, app, factory, applicant):
    log_in(client, factory.department_staff())
    assert verify(client, applicant).status_code == 302
    first = org_state(app, applicant)
    client.get("/lang/en")
    response = verify(client, applicant)
    assert response.status_code == 302
    assert org_state(app, applicant) == first
    page = client.get("/department/").get_data(as_text=True)
    assert "is already" in page
