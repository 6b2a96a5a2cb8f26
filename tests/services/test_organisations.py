"""market/services/organisations.py called directly: identity checks, permissions, members and status."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Membership, Organisation, OrgKind, OrgStatus, Role, User
from market.services import organisations, reference_data
from market.services.errors import PermissionDenied, ValidationFailed


def commune(name="Văn Quan") -> int:
    return reference_data.commune_named(name).id


def org(org_id) -> Organisation:
    return db.session.get(Organisation, org_id)


def user(user_id) -> User:
    return db.session.get(User, user_id)


def membership(org_id, user_id) -> Membership:
    return db.session.scalar(sa.select(Membership).where(
        Membership.organisation_id == org_id, Membership.user_id == user_id))


# --- new organisations ----------------------------------------------------------------------------

def test_clean_new_organisation_normalizes(req_en):
    fields = organisations.clean_new_organisation(
        name="  HTX   Hồi  Văn Quan ", kind=OrgKind.COOPERATIVE, tax_code=" 4900 123 456 ",
        commune_id=str(commune()), phone="0205.3812.345", email=" LienHe@HTX.vn ", address="  ")
    assert fields["name"] == "HTX Hồi Văn Quan" and fields["name_key"] == "htx hồi văn quan"
    assert fields["tax_code"] == "4900123456" and fields["phone"] == "02053812345"
    assert fields["email"] == "lienhe@htx.vn" and fields["address"] is None
    assert fields["status"] == OrgStatus.PENDING and fields["commune_id"] == commune()


def test_clean_new_organisation_collects_errors(req_en):
    with pytest.raises(ValidationFailed) as caught:
        organisations.clean_new_organisation(name="   ", kind="bank", tax_code="12", commune_id="abc", phone="1")
    assert set(caught.value.errors) == {"name", "kind", "tax_code", "commune_id", "phone"}


def test_only_the_department_path_may_create_authorities(req_en):
    with pytest.raises(ValidationFailed):
        organisations.clean_new_organisation(name="UBND xã Văn Quan", kind=OrgKind.COMMUNE_OFFICE,
                                             commune_id=commune())
    fields = organisations.clean_new_organisation(name="UBND xã Văn Quan", kind=OrgKind.COMMUNE_OFFICE,
                                                  commune_id=commune(), allow_authority=True)
    assert fields["kind"] == OrgKind.COMMUNE_OFFICE
    # The provincial department needs no commune.
    fields = organisations.clean_new_organisation(name="Sở Nông nghiệp", kind=OrgKind.DEPARTMENT,
                                                  allow_authority=True)
    assert fields["commune_id"] is None


@pytest.mark.both_engines
def test_name_is_unique_per_commune_ignoring_case_and_spacing(req_en, factory):
    factory.org(name="HTX Hồi Văn Quan", commune="Văn Quan")
    with pytest.raises(ValidationFailed) as caught:
        organisations.clean_new_organisation(name="htx  HỒI văn quan", kind=OrgKind.COOPERATIVE,
                                             commune_id=commune("Văn Quan"))
    assert set(caught.value.errors) == {"name"}
    organisations.clean_new_organisation(name="htx  HỒI văn quan", kind=OrgKind.COOPERATIVE,
                                         commune_id=commune("Chi Lăng"))
    # Diacritics are part of the name: Hồng is not Hông.
    factory.org(name="HTX Hồng", commune="Văn Quan")
    organisations.clean_new_organisation(name="HTX Hông", kind=OrgKind.COOPERATIVE, commune_id=commune("Văn Quan"))


def test_apply_for_organisation_makes_the_actor_owner(req_en, factory):
    actor = user(factory.user())
    new = organisations.apply_for_organisation(actor, name="Công ty Hồi", kind=OrgKind.ENTERPRISE,
                                               commune_id=commune())
    db.session.commit()
    assert new.status == OrgStatus.PENDING and actor.has_role(new, Role.OWNER)
    assert db.session.scalar(sa.select(AuditEvent.action)) == "organisation.applied"


# --- permissions ----------------------------------------------------------------------------------

def test_require_role(req_en, factory):
    org_id = factory.org()
    manager = user(factory.member(org_id, Role.MANAGER))
    outsider = user(factory.user())
    assert organisations.require_role(manager, org(org_id)).role == Role.MANAGER
    assert organisations.require_role(manager, org(org_id), *Role.ADMINS).role == Role.MANAGER
    with pytest.raises(PermissionDenied):
        organisations.require_role(manager, org(org_id), Role.OWNER)
    with pytest.raises(PermissionDenied):
        organisations.require_role(outsider, org(org_id))
    with pytest.raises(PermissionDenied):
        organisations.require_role(None, org(org_id))


def test_require_department(req_en, factory):
    organisations.require_department(user(factory.department_staff()))
    with pytest.raises(PermissionDenied):
        organisations.require_department(user(factory.member(factory.org(), Role.OWNER)))
    pending_department = factory.org(kind=OrgKind.DEPARTMENT, status=OrgStatus.PENDING, commune="Lương Văn Tri")
    with pytest.raises(PermissionDenied):
        organisations.require_department(user(factory.member(pending_department)))
    with pytest.raises(PermissionDenied):
        organisations.require_department(None)


def test_office_communes(req_en, factory):
    office = factory.org(kind=OrgKind.COMMUNE_OFFICE, name="UBND xã Chi Lăng", commune="Chi Lăng")
    pending_office = factory.org(kind=OrgKind.COMMUNE_OFFICE, status=OrgStatus.PENDING, commune="Văn Quan")
    person = user(factory.member(office))
    db.session.add(Membership(user=person, organisation_id=pending_office, role=Role.MEMBER))
    db.session.flush()
    db.session.refresh(person)
    assert [c.name for c in person.office_communes] == ["Chi Lăng"]
    assert not person.is_department_staff


# --- profile updates ------------------------------------------------------------------------------

def test_update_of_verified_org_ignores_identity_fields(req_en, factory):
    org_id = factory.org(name="HTX Hồi Văn Quan", tax_code="4900112233")
    owner = user(factory.member(org_id))
    organisations.update_organisation(owner, org(org_id), name="Đổi tên", tax_code="4900999999",
                                      commune_id=commune("Chi Lăng"), address="Thôn Bản Chành")
    db.session.commit()
    row = org(org_id)
    assert (row.name, row.tax_code, row.commune_id) == ("HTX Hồi Văn Quan", "4900112233", commune())
    assert row.address == "Thôn Bản Chành" and row.status == OrgStatus.VERIFIED


def test_update_needs_owner_or_manager(req_en, factory):
    org_id = factory.org()
    signer = user(factory.member(org_id, Role.SIGNER))
    with pytest.raises(PermissionDenied):
        organisations.update_organisation(signer, org(org_id), address="x")


def test_update_of_rejected_org_resets_status(req_en, factory):
    org_id = factory.org(status=OrgStatus.REJECTED)
    org(org_id).status_reason = "Thiếu mã số thuế"
    owner = user(factory.member(org_id))
    organisations.update_organisation(owner, org(org_id), tax_code="4900445566")
    row = org(org_id)
    assert (row.status, row.status_reason, row.tax_code) == (OrgStatus.PENDING, None, "4900445566")


# --- verification ---------------------------------------------------------------------------------

def test_verify_and_reject(req_en, factory):
    staff = user(factory.department_staff())
    first, second = factory.org(status=OrgStatus.PENDING), factory.org(status=OrgStatus.PENDING)
    assert [o.id for o in organisations.pending_organisations()] == [first, second]
    organisations.verify_organisation(staff, org(first))
    with pytest.raises(ValidationFailed):
        organisations.reject_organisation(staff, org(second), "  abc  ")
    organisations.reject_organisation(staff, org(second), "  Sai mã số thuế ")
    assert (org(first).status, org(first).status_changed_by_id) == (OrgStatus.VERIFIED, staff.id)
    assert (org(second).status, org(second).status_reason) == (OrgStatus.REJECTED, "Sai mã số thuế")
    assert organisations.pending_organisations() == []


def test_non_staff_cannot_verify(req_en, factory):
    pending = factory.org(status=OrgStatus.PENDING)
    owner = user(factory.member(pending))
    with pytest.raises(PermissionDenied):
        organisations.verify_organisation(owner, org(pending))
    with pytest.raises(PermissionDenied):
        organisations.reject_organisation(owner, org(pending), "Không đủ giấy tờ")
    assert org(pending).status == OrgStatus.PENDING


def test_staff_cannot_verify_an_office_they_belong_to(req_en, factory):
    staff = user(factory.department_staff())
    office = factory.org(kind=OrgKind.COMMUNE_OFFICE, status=OrgStatus.PENDING)
    db.session.add(Membership(user=staff, organisation_id=office, role=Role.MEMBER))
    db.session.flush()
    db.session.refresh(staff)
    with pytest.raises(PermissionDenied):
        organisations.verify_organisation(staff, org(office))
    assert org(office).status == OrgStatus.PENDING


# --- members --------------------------------------------------------------------------------------

def test_add_member_by_email(req_en, factory):
    org_id = factory.org()
    owner = user(factory.member(org_id))
    existing = factory.user(email="lan@example.vn")
    added, invited = organisations.add_member(owner, org(org_id), email=" LAN@example.vn ", role=Role.SIGNER)
    assert (added.user_id, added.role, invited) == (existing, Role.SIGNER, False)
    added, invited = organisations.add_member(owner, org(org_id), email="moi@example.vn", role=Role.MEMBER,
                                              full_name=" Vi Thị Lan ")
    assert invited and added.user.password_hash is None and added.user.full_name == "Vi Thị Lan"
    with pytest.raises(ValidationFailed) as caught:
        organisations.add_member(owner, org(org_id), email="lan@example.vn", role=Role.MEMBER)
    assert set(caught.value.errors) == {"email"}
    with pytest.raises(ValidationFailed) as caught:
        organisations.add_member(owner, org(org_id), email="khac@example.vn", role=Role.MEMBER)
    assert set(caught.value.errors) == {"full_name"}
    with pytest.raises(ValidationFailed) as caught:
        organisations.add_member(owner, org(org_id), email="khac@example.vn", role="boss", full_name="X")
    assert set(caught.value.errors) == {"role"}


def test_manager_limits(req_en, factory):
    org_id = factory.org()
    owner_id = factory.member(org_id, Role.OWNER)
    manager = user(factory.member(org_id, Role.MANAGER))
    other_manager = factory.member(org_id, Role.MANAGER)
    signer = factory.member(org_id, Role.SIGNER)
    for role in (Role.OWNER, Role.MANAGER):
        with pytest.raises(PermissionDenied):
            organisations.add_member(manager, org(org_id), email=f"{role}@example.vn", role=role, full_name="X")
    with pytest.raises(PermissionDenied):
        organisations.remove_member(manager, membership(org_id, other_manager))
    with pytest.raises(PermissionDenied):
        organisations.change_role(manager, membership(org_id, owner_id), Role.MEMBER)
    organisations.change_role(manager, membership(org_id, signer), Role.MEMBER)
    assert membership(org_id, signer).role == Role.MEMBER


def test_last_owner_stays(req_en, factory):
    org_id = factory.org()
    owner = user(factory.member(org_id, Role.OWNER))
    with pytest.raises(ValidationFailed):
        organisations.change_role(owner, membership(org_id, owner.id), Role.MANAGER)
    with pytest.raises(ValidationFailed):
        organisations.remove_member(owner, membership(org_id, owner.id))
    second = factory.member(org_id, Role.OWNER)
    db.session.expire_all()
    owner = user(owner.id)
    organisations.remove_member(owner, membership(org_id, owner.id))
    db.session.commit()
    assert [(m.user_id, m.role) for m in org(org_id).memberships] == [(second, Role.OWNER)]


def test_anyone_may_leave(req_en, factory):
    org_id = factory.org()
    factory.member(org_id, Role.OWNER)
    member = user(factory.member(org_id, Role.MEMBER))
    organisations.remove_member(member, membership(org_id, member.id))
    db.session.commit()
    assert membership(org_id, member.id) is None
    assert user(member.id) is not None


def test_services_report_problems_outside_a_request(ctx):
    """Regression: select_locale() read `session` outside a request, so CLI commands got RuntimeError."""
    with pytest.raises(ValidationFailed):
        organisations.clean_new_organisation(name="", kind="bank")
