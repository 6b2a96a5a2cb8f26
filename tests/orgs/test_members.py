"""Members of an organisation: adding, inviting, roles, removing, leaving, and who may do what."""
import re

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Membership, OrgStatus, Role, User
from tests.conftest import PASSWORD, log_in, submit


def members_url(org_id: int) -> str:
    return f"/orgs/{org_id}/members"


def role_of(app, org_id, user_id) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(Membership.role).where(
            Membership.organisation_id == org_id, Membership.user_id == user_id))


def membership_id(app, org_id, user_id) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Membership.id).where(
            Membership.organisation_id == org_id, Membership.user_id == user_id))


def membership_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Membership))


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


@pytest.fixture
def org(factory):
    """A verified cooperative."""
    return factory.org()


@pytest.fixture
def owner(client, factory, org):
    """The organisation's only owner, logged in on `client`."""
    user_id = factory.member(org, Role.OWNER)
    log_in(client, user_id)
    return user_id


def add(client, org_id, **data):
    return submit(client, members_url(org_id), data)


# --- adding ---------------------------------------------------------------------------------------

def test_owner_sees_members_page(client, org, owner):
    response = client.get(members_url(org))
    assert response.status_code == 200
    assert 'name="full_name"' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", Role.ALL)
def test_owner_adds_an_existing_user_with_a_role(client, app, factory, org, owner, outbox, role):
    user_id = factory.user(email="lan@example.vn")
    response = add(client, org, email="Lan@Example.vn", role=role)
    assert response.status_code == 302 and response.headers["Location"].endswith(members_url(org))
    assert role_of(app, org, user_id) == role
    assert outbox == []  # an existing account gets no invitation
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "member.added"))
        assert event.actor_id == owner and event.organisation_id == org
        assert event.details["role"] == role and event.details["invited"] is False


def test_unknown_email_without_full_name_asks_for_it(client, app, org, owner, outbox):
    users, memberships = user_count(app), membership_count(app)
    response = add(client, org, email="moi@example.vn", role=Role.MEMBER)
    assert response.status_code == 200
    assert 'id="full_name-error"' in response.get_data(as_text=True)
    assert (user_count(app), membership_count(app)) == (users, memberships)
    assert outbox == []


def test_unknown_email_with_full_name_invites_a_new_account(client, app, org, owner, outbox):
    response = add(client, org, email="Moi@Example.vn", full_name="  Vi Thị Lan ", role=Role.SIGNER)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "moi@example.vn"))
        assert user is not None and user.full_name == "Vi Thị Lan"
        assert user.password_hash is None and not user.check_password("")
        user_id = user.id
    assert role_of(app, org, user_id) == Role.SIGNER

    [message] = outbox
    assert message.recipients == ["moi@example.vn"]
    path = re.search(r"(/auth/reset/[A-Za-z0-9_.\-]+)", message.body).group(1)
    # The invited person sets a password through the link and is then logged in.
    invited = app.test_client()
    response = submit(invited, path, {"password": "Hồi-Văn-Quan-42", "confirm": "Hồi-Văn-Quan-42"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).check_password("Hồi-Văn-Quan-42")
    with invited.session_transaction() as session:
        assert session["_user_id"].partition(":")[0] == str(user_id)


def test_adding_an_existing_member_is_refused(client, app, factory, org, owner):
    user_id = factory.member(org, Role.MEMBER, email="lan@example.vn")
    memberships = membership_count(app)
    client.get("/lang/en")
    response = add(client, org, email="lan@example.vn", role=Role.SIGNER)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "This person is already a member." in html
    assert membership_count(app) == memberships
    assert role_of(app, org, user_id) == Role.MEMBER


def test_unknown_role_is_refused(client, app, factory, org, owner):
    user_id = factory.user(email="lan@example.vn")
    response = add(client, org, email="lan@example.vn", role="admin")
    assert response.status_code == 200
    assert 'id="role-error"' in response.get_data(as_text=True)
    assert role_of(app, org, user_id) is None


def test_member_post_without_csrf_token_is_refused(client, app, factory, org, owner):
    user_id = factory.user(email="lan@example.vn")
    response = client.post(members_url(org), data={"email": "lan@example.vn", "role": Role.MEMBER})
    assert response.status_code == 400
    assert role_of(app, org, user_id) is None


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_manager_cannot_grant_owner_or_manager(client, app, factory, org, role):
    log_in(client, factory.member(org, Role.MANAGER))
    user_id = factory.user(email="lan@example.vn")
    response = add(client, org, email="lan@example.vn", role=role)
    assert response.status_code == 403
    assert role_of(app, org, user_id) is None


@pytest.mark.parametrize("role", [Role.SIGNER, Role.MEMBER])
def test_manager_can_add_signers_and_members(client, app, factory, org, role):
    log_in(client, factory.member(org, Role.MANAGER))
    user_id = factory.user(email="lan@example.vn")
    assert add(client, org, email="lan@example.vn", role=role).status_code == 302
    assert role_of(app, org, user_id) == role


@pytest.mark.parametrize("role", [Role.SIGNER, Role.MEMBER])
def test_signer_or_member_cannot_add_anyone(client, app, factory, org, role):
    log_in(client, factory.member(org, role))
    user_id = factory.user(email="lan@example.vn")
    page = client.get(members_url(org))
    assert page.status_code == 200 and 'name="full_name"' not in page.get_data(as_text=True)
    response = add(client, org, email="lan@example.vn", role=Role.MEMBER)
    assert response.status_code == 403
    assert role_of(app, org, user_id) is None


def test_outsider_gets_404_for_members_of_a_pending_org(client, app, factory):
    pending = factory.org(status=OrgStatus.PENDING)
    factory.member(pending, Role.OWNER)
    log_in(client, factory.member(factory.org(), Role.OWNER))
    assert client.get(members_url(pending)).status_code == 404


def test_outsider_cannot_act_on_a_verified_org(client, app, factory, org):
    victim = factory.member(org, Role.MEMBER)
    factory.member(org, Role.OWNER)
    log_in(client, factory.member(factory.org(), Role.OWNER))
    user_id = factory.user(email="lan@example.vn")
    assert client.get(members_url(org)).status_code == 403
    # The members page is closed to them, so the CSRF token comes from the home page.
    response = submit(client, members_url(org), {"email": "lan@example.vn", "role": Role.MEMBER}, form_page="/")
    assert response.status_code == 403
    assert role_of(app, org, user_id) is None
    victim_membership = membership_id(app, org, victim)
    assert submit(client, f"{members_url(org)}/{victim_membership}/role", {"role": Role.OWNER},
                  form_page="/").status_code == 403
    assert submit(client, f"{members_url(org)}/{victim_membership}/remove", {"confirmed": "1"}, form_page="/").status_code == 403
    assert role_of(app, org, victim) == Role.MEMBER


def test_anonymous_is_sent_to_login(client, org):
    response = client.get(members_url(org))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- roles ----------------------------------------------------------------------------------------

def change(client, org_id, membership, role):
    return submit(client, f"{members_url(org_id)}/{membership}/role", {"role": role}, form_page=members_url(org_id))


def remove(client, org_id, membership):
    return submit(client, f"{members_url(org_id)}/{membership}/remove", {"confirmed": "1"}, form_page=members_url(org_id))


def test_owner_changes_a_role(client, app, factory, org, owner):
    user_id = factory.member(org, Role.MEMBER)
    response = change(client, org, membership_id(app, org, user_id), Role.SIGNER)
    assert response.status_code == 302
    assert role_of(app, org, user_id) == Role.SIGNER


def test_last_owner_cannot_change_own_role(client, app, org, owner):
    client.get("/lang/en")
    response = change(client, org, membership_id(app, org, owner), Role.MEMBER)
    assert response.status_code == 302
    assert role_of(app, org, owner) == Role.OWNER
    page = client.get(members_url(org)).get_data(as_text=True)
    assert "An organisation needs at least one owner." in page


def test_one_of_two_owners_may_step_down(client, app, factory, org, owner):
    factory.member(org, Role.OWNER)
    assert change(client, org, membership_id(app, org, owner), Role.MANAGER).status_code == 302
    assert role_of(app, org, owner) == Role.MANAGER


def test_last_owner_cannot_be_removed(client, app, factory, org, owner):
    client.get("/lang/en")
    response = remove(client, org, membership_id(app, org, owner))
    assert response.status_code == 302
    assert role_of(app, org, owner) == Role.OWNER
    assert "An organisation needs at least one owner." in client.get(members_url(org)).get_data(as_text=True)


@pytest.mark.parametrize("target_role, new_role", [
    (Role.MEMBER, Role.MANAGER), (Role.MEMBER, Role.OWNER), (Role.OWNER, Role.MEMBER), (Role.MANAGER, Role.SIGNER)])
def test_manager_cannot_touch_owner_and_manager_roles(client, app, factory, org, owner, target_role, new_role):
    manager = factory.member(org, Role.MANAGER)
    target = factory.member(org, target_role) if target_role != Role.OWNER else owner
    log_in(client, manager)
    assert change(client, org, membership_id(app, org, target), new_role).status_code == 403
    assert role_of(app, org, target) == target_role


def test_manager_cannot_make_themself_owner(client, app, factory, org, owner):
    manager = factory.member(org, Role.MANAGER)
    log_in(client, manager)
    assert change(client, org, membership_id(app, org, manager), Role.OWNER).status_code == 403
    assert role_of(app, org, manager) == Role.MANAGER


def test_manager_changes_member_to_signer_and_removes_a_member(client, app, factory, org, owner):
    manager = factory.member(org, Role.MANAGER)
    member = factory.member(org, Role.MEMBER)
    other = factory.member(org, Role.MEMBER)
    log_in(client, manager)
    assert change(client, org, membership_id(app, org, member), Role.SIGNER).status_code == 302
    assert role_of(app, org, member) == Role.SIGNER
    assert remove(client, org, membership_id(app, org, other)).status_code == 302
    assert role_of(app, org, other) is None


def test_manager_cannot_remove_an_owner(client, app, factory, org, owner):
    log_in(client, factory.member(org, Role.MANAGER))
    assert remove(client, org, membership_id(app, org, owner)).status_code == 403
    assert role_of(app, org, owner) == Role.OWNER


def test_member_cannot_remove_or_change_others(client, app, factory, org, owner):
    member = factory.member(org, Role.MEMBER)
    other = factory.member(org, Role.MEMBER)
    log_in(client, member)
    assert change(client, org, membership_id(app, org, other), Role.SIGNER).status_code == 403
    assert remove(client, org, membership_id(app, org, other)).status_code == 403
    assert role_of(app, org, other) == Role.MEMBER


def test_member_may_leave(client, app, factory, org, owner):
    member = factory.member(org, Role.MEMBER)
    log_in(client, member)
    response = remove(client, org, membership_id(app, org, member))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert role_of(app, org, member) is None
    with app.app_context():
        assert db.session.get(User, member) is not None  # leaving keeps the account
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "member.removed"))
        assert event.actor_id == member and event.organisation_id == org


def test_owner_removes_a_member(client, app, factory, org, owner):
    member = factory.member(org, Role.SIGNER)
    response = remove(client, org, membership_id(app, org, member))
    assert response.status_code == 302 and response.headers["Location"].endswith(members_url(org))
    assert role_of(app, org, member) is None


def test_membership_of_another_org_gives_404(client, app, factory, org, owner):
    other_org = factory.org()
    stranger = factory.member(other_org, Role.MEMBER)
    factory.member(other_org, Role.OWNER)
    foreign = membership_id(app, other_org, stranger)
    assert change(client, org, foreign, Role.SIGNER).status_code == 404
    assert remove(client, org, foreign).status_code == 404
    assert role_of(app, other_org, stranger) == Role.MEMBER


def test_unknown_membership_gives_404(client, org, owner):
    assert change(client, org, 999999, Role.SIGNER).status_code == 404
    assert remove(client, org, 999999).status_code == 404


def test_invalid_role_change_is_refused(client, app, factory, org, owner):
    member = factory.member(org, Role.MEMBER)
    assert change(client, org, membership_id(app, org, member), "admin").status_code == 302
    assert role_of(app, org, member) == Role.MEMBER


def test_member_can_log_in_after_being_added(client, app, factory, org, owner):
    """Adding an existing user leaves their password alone."""
    user_id = factory.user(email="lan@example.vn")
    add(client, org, email="lan@example.vn", role=Role.MEMBER)
    with app.app_context():
        assert db.session.get(User, user_id).check_password(PASSWORD)
