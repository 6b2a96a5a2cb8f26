"""Organisation profiles: who sees them, who edits what, and what verification changes."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Membership, Organisation, OrgKind, OrgStatus, Role
from market.services import reference_data
from tests.conftest import log_in, submit


def get_org(app, org_id) -> dict:
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        return {c.name: getattr(org, c.name) for c in Organisation.__table__.columns}


def commune_id(app, name) -> str:
    with app.app_context():
        return str(reference_data.commune_named(name).id)


# --- who sees a profile ---------------------------------------------------------------------------

@pytest.mark.parametrize("status", [OrgStatus.PENDING, OrgStatus.REJECTED])
def test_unverified_org_is_hidden_from_anonymous_and_outsiders(client, factory, status):
    org = factory.org(status=status)
    assert client.get(f"/orgs/{org}").status_code == 404
    log_in(client, factory.member(factory.org(), Role.OWNER))
    assert client.get(f"/orgs/{org}").status_code == 404


@pytest.mark.parametrize("role", Role.ALL)
def test_unverified_org_is_visible_to_its_members(client, factory, role):
    org = factory.org(status=OrgStatus.PENDING, name="HTX Mắc ca chờ duyệt")
    log_in(client, factory.member(org, role))
    response = client.get(f"/orgs/{org}")
    assert response.status_code == 200
    assert "HTX Mắc ca chờ duyệt" in response.get_data(as_text=True)


def test_unverified_org_is_visible_to_department_staff(client, factory):
    org = factory.org(status=OrgStatus.PENDING)
    log_in(client, factory.department_staff())
    response = client.get(f"/orgs/{org}")
    assert response.status_code == 200
    assert f"/department/organisations/{org}" in response.get_data(as_text=True)


def test_staff_of_an_unverified_department_do_not_see_pending_orgs(client, factory):
    org = factory.org(status=OrgStatus.PENDING)
    department = factory.org(kind=OrgKind.DEPARTMENT, status=OrgStatus.PENDING, commune="Lương Văn Tri")
    log_in(client, factory.member(department))
    assert client.get(f"/orgs/{org}").status_code == 404


def test_verified_org_is_public(client, factory):
    org = factory.org(name="HTX Na Chi Lăng", commune="Chi Lăng")
    response = client.get(f"/orgs/{org}")
    assert response.status_code == 200
    assert "HTX Na Chi Lăng" in response.get_data(as_text=True)
    assert client.get("/orgs/999999").status_code == 404


def test_directory_lists_only_verified_self_service_orgs(client, factory):
    factory.org(name="HTX Đã duyệt")
    factory.org(name="HTX Đang chờ", status=OrgStatus.PENDING)
    factory.org(name="HTX Bị từ chối", status=OrgStatus.REJECTED)
    factory.org(name="Sở Nông nghiệp thử", kind=OrgKind.DEPARTMENT, commune="Lương Văn Tri")
    html = client.get("/orgs/").get_data(as_text=True)
    assert "HTX Đã duyệt" in html
    for hidden in ("HTX Đang chờ", "HTX Bị từ chối", "Sở Nông nghiệp thử"):
        assert hidden not in html


# --- can_publish ----------------------------------------------------------------------------------

@pytest.mark.parametrize("status, allowed", [
    (OrgStatus.PENDING, False), (OrgStatus.REJECTED, False), (OrgStatus.VERIFIED, True)])
def test_only_verified_orgs_can_publish(app, factory, status, allowed):
    org_id = factory.org(status=status)
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.can_publish is allowed
        assert org.is_verified is allowed


def test_new_organisation_starts_unable_to_publish(ctx):
    org = Organisation(name="HTX Mới", name_key="htx mới", kind=OrgKind.COOPERATIVE, status=OrgStatus.PENDING)
    assert not org.can_publish
    org.status = OrgStatus.VERIFIED
    assert org.can_publish


# --- editing --------------------------------------------------------------------------------------

def test_owner_of_verified_org_edits_contact_fields_only(client, app, factory):
    org = factory.org(name="HTX Hồi Văn Quan", tax_code="4900112233")
    owner = factory.member(org, Role.OWNER)
    log_in(client, owner)
    page = client.get(f"/orgs/{org}/edit").get_data(as_text=True)
    assert 'name="address"' in page and 'name="name"' not in page and 'name="tax_code"' not in page

    response = submit(client, f"/orgs/{org}/edit", {
        "name": "Tên khác hẳn", "tax_code": "4900999999", "commune_id": commune_id(app, "Chi Lăng"),
        "kind": OrgKind.ENTERPRISE, "address": "Thôn Bản Chành, Văn Quan", "contact_name": "Lương Văn Minh",
        "phone": "+84 912 345 678", "email": "LienHe@HTX-Hoi.vn", "description": "Hoa hồi khô",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orgs/{org}")
    row = get_org(app, org)
    assert (row["name"], row["tax_code"], row["commune_id"], row["kind"], row["status"]) == (
        "HTX Hồi Văn Quan", "4900112233", int(commune_id(app, "Văn Quan")), OrgKind.COOPERATIVE, OrgStatus.VERIFIED)
    assert (row["address"], row["contact_name"], row["phone"], row["email"], row["description"]) == (
        "Thôn Bản Chành, Văn Quan", "Lương Văn Minh", "0912345678", "lienhe@htx-hoi.vn", "Hoa hồi khô")
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
        assert event.actor_id == owner
        assert event.details["changes"]["phone"] == [None, "0912345678"]


def test_bad_phone_in_contact_edit_is_refused(client, app, factory):
    org = factory.org()
    log_in(client, factory.member(org, Role.OWNER))
    response = submit(client, f"/orgs/{org}/edit", {"phone": "12345", "address": "Mới"})
    assert response.status_code == 200
    assert 'id="phone-error"' in response.get_data(as_text=True)
    row = get_org(app, org)
    assert row["phone"] is None and row["address"] is None


def test_manager_may_edit_the_profile(client, app, factory):
    org = factory.org()
    log_in(client, factory.member(org, Role.MANAGER))
    assert submit(client, f"/orgs/{org}/edit", {"address": "Số 1 Trần Đăng Ninh"}).status_code == 302
    assert get_org(app, org)["address"] == "Số 1 Trần Đăng Ninh"


@pytest.mark.parametrize("role", [Role.SIGNER, Role.MEMBER])
def test_signer_or_member_cannot_edit(client, app, factory, role):
    org = factory.org()
    log_in(client, factory.member(org, role))
    assert client.get(f"/orgs/{org}/edit").status_code == 403
    response = submit(client, f"/orgs/{org}/edit", {"address": "Không được sửa"}, form_page=f"/orgs/{org}")
    assert response.status_code == 403
    assert get_org(app, org)["address"] is None


def test_outsider_cannot_edit(client, app, factory):
    org = factory.org()
    log_in(client, factory.member(factory.org(), Role.OWNER))
    assert client.get(f"/orgs/{org}/edit").status_code == 403
    pending = factory.org(status=OrgStatus.PENDING)
    assert client.get(f"/orgs/{pending}/edit").status_code == 404


def test_edit_of_rejected_org_returns_it_to_pending(client, app, factory):
    org = factory.org(status=OrgStatus.REJECTED, name="HTX Quế Tràng Định", commune="Tràng Định")
    with app.app_context():
        db.session.get(Organisation, org).status_reason = "Mã số thuế chưa đúng"
        db.session.commit()
    log_in(client, factory.member(org, Role.OWNER))
    page = client.get(f"/orgs/{org}/edit").get_data(as_text=True)
    assert 'name="tax_code"' in page  # identity may still be corrected before verification

    response = submit(client, f"/orgs/{org}/edit", {
        "name": "HTX Quế Tràng Định", "kind": OrgKind.COOPERATIVE, "tax_code": "4900445566",
        "commune_id": commune_id(app, "Tràng Định"), "address": "Thôn Nà Cạn"})
    assert response.status_code == 302
    row = get_org(app, org)
    assert row["status"] == OrgStatus.PENDING and row["status_reason"] is None
    assert row["tax_code"] == "4900445566" and row["address"] == "Thôn Nà Cạn"
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
        assert event.details["changes"]["status"] == [OrgStatus.REJECTED, OrgStatus.PENDING]


@pytest.mark.both_engines
def test_pending_org_identity_edit_checks_duplicates(client, app, factory):
    factory.org(name="HTX Hồi Văn Quan", tax_code="4900112233")
    org = factory.org(status=OrgStatus.PENDING, name="HTX Hồi mới")
    log_in(client, factory.member(org, Role.OWNER))
    response = submit(client, f"/orgs/{org}/edit", {
        "name": "htx hồi  VĂN QUAN", "kind": OrgKind.COOPERATIVE, "tax_code": "4900112233",
        "commune_id": commune_id(app, "Văn Quan")})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="tax_code-error"' in html
    row = get_org(app, org)
    assert row["name"] == "HTX Hồi mới" and row["tax_code"] is None


def test_pending_org_keeps_its_own_name_and_tax_code_on_edit(client, app, factory):
    org = factory.org(status=OrgStatus.PENDING, name="HTX Hồi mới", tax_code="4900112233")
    log_in(client, factory.member(org, Role.OWNER))
    response = submit(client, f"/orgs/{org}/edit", {
        "name": "HTX Hồi mới", "kind": OrgKind.COOPERATIVE, "tax_code": "4900112233",
        "commune_id": commune_id(app, "Văn Quan"), "description": "Hoa hồi"})
    assert response.status_code == 302
    assert get_org(app, org)["description"] == "Hoa hồi"


def test_kind_cannot_be_changed_by_editing(client, app, factory):
    org = factory.org(status=OrgStatus.PENDING, kind=OrgKind.FARMER_GROUP)
    log_in(client, factory.member(org, Role.OWNER))
    response = submit(client, f"/orgs/{org}/edit", {
        "name": "Tổ hợp tác mới", "kind": OrgKind.ENTERPRISE, "commune_id": commune_id(app, "Văn Quan")})
    assert response.status_code == 302
    row = get_org(app, org)
    assert row["kind"] == OrgKind.FARMER_GROUP and row["name"] == "Tổ hợp tác mới"


# --- applying for another organisation ------------------------------------------------------------

def test_signed_in_person_applies_for_another_org(client, app, factory):
    user = factory.member(factory.org(), Role.MEMBER)
    log_in(client, user)
    response = submit(client, "/orgs/new", {
        "name": "Công ty Chế biến Hồi", "kind": OrgKind.ENTERPRISE, "commune_id": commune_id(app, "Văn Quan"),
        "tax_code": "4901001001"})
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.tax_code == "4901001001"))
        assert org.status == OrgStatus.PENDING and org.kind == OrgKind.ENTERPRISE
        assert db.session.scalar(sa.select(Membership.role).where(
            Membership.organisation_id == org.id, Membership.user_id == user)) == Role.OWNER
        assert response.headers["Location"].endswith(f"/orgs/{org.id}")


def test_applying_for_an_authority_is_refused(client, app, factory):
    log_in(client, factory.user())
    before = get_count(app)
    response = submit(client, "/orgs/new", {
        "name": "UBND xã giả", "kind": OrgKind.COMMUNE_OFFICE, "commune_id": commune_id(app, "Văn Quan")})
    assert response.status_code == 200
    assert 'id="kind-error"' in response.get_data(as_text=True)
    assert get_count(app) == before


def get_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))


def test_owner_of_rejected_commune_office_can_correct_it(client, app, factory):
    """Regression: the edit form's kind offered only self-service kinds, so an authority could never save."""
    org = factory.org(status=OrgStatus.REJECTED, kind=OrgKind.COMMUNE_OFFICE, name="UBND xã Văn Quan")
    log_in(client, factory.member(org, Role.OWNER))
    response = submit(client, f"/orgs/{org}/edit", {
        "name": "UBND xã Văn Quan", "kind": OrgKind.COMMUNE_OFFICE, "commune_id": commune_id(app, "Văn Quan"),
        "address": "Trụ sở UBND xã"})
    assert response.status_code == 302
    row = get_org(app, org)
    assert row["status"] == OrgStatus.PENDING and row["address"] == "Trụ sở UBND xã"
