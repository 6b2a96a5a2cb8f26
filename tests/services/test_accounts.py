"""market/services/accounts.py called directly: sign-up rules, authentication, passwords and reset tokens."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Membership, Organisation, OrgKind, OrgStatus, Role, User
from market.services import accounts, reference_data
from market.services.errors import ValidationFailed
from tests.conftest import PASSWORD


def organisation(**overrides) -> dict:
    data = {"name": "HTX Hồi Tân Đoàn", "kind": OrgKind.COOPERATIVE, "tax_code": "4900123456",
            "commune_id": str(reference_data.commune_named("Văn Quan").id)}
    data.update(overrides)
    return data


def sign_up(**overrides):
    data = {"full_name": " Lương Văn Minh ", "email": " Minh@HTX-Hoi.vn ", "phone": "+84 912 345 678",
            "password": PASSWORD, "organisation": organisation()}
    data.update(overrides)
    return accounts.sign_up(**data)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_sign_up_builds_everything_in_the_session(req_en):
    user, org = sign_up()
    db.session.commit()
    assert (user.email, user.full_name, user.phone) == ("minh@htx-hoi.vn", "Lương Văn Minh", "0912345678")
    assert user.check_password(PASSWORD)
    assert org.status == OrgStatus.PENDING and org.name_key == "htx hồi tân đoàn"
    assert user.has_role(org, Role.OWNER) and not user.has_role(org, Role.MEMBER)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("user.signed_up", "User", str(user.id)), ("organisation.applied", "Organisation", str(org.id))]
    assert events[1].details == {"kind": OrgKind.COOPERATIVE}


def test_sign_up_reports_all_errors_with_org_prefix_and_adds_nothing(req_en, factory):
    factory.user(email="minh@htx-hoi.vn")
    factory.org(tax_code="4900123456")
    with pytest.raises(ValidationFailed) as caught:
        sign_up(password="short", phone="123",
                organisation=organisation(kind=OrgKind.COMMUNE_OFFICE, commune_id=""))
    assert {"email", "password", "phone", "org_kind", "org_tax_code", "org_commune_id"} <= set(caught.value.errors)
    assert not db.session.new
    assert count(User) == 1 and count(Organisation) == 1 and count(Membership) == 0


def test_sign_up_without_phone_is_fine(req_en):
    user, org = sign_up(phone="")
    assert user.phone is None and org.phone is None


@pytest.mark.parametrize("kind", [OrgKind.DEPARTMENT, OrgKind.COMMUNE_OFFICE])
def test_sign_up_never_creates_an_authority(req_en, kind):
    with pytest.raises(ValidationFailed) as caught:
        sign_up(organisation=organisation(kind=kind))
    assert set(caught.value.errors) == {"org_kind"}


def test_authenticate(req_en, factory):
    user_id = factory.user(email="lan@example.vn")
    assert accounts.authenticate("lan@example.vn", "wrong-password-1") is None
    assert accounts.authenticate("nobody@example.vn", PASSWORD) is None
    user = accounts.authenticate(" LAN@example.vn", PASSWORD)
    assert user is not None and user.id == user_id and user.last_login_at is not None
    user.active = False
    assert accounts.authenticate("lan@example.vn", PASSWORD) is None


def test_user_without_password_never_authenticates(req_en):
    db.session.add(User(email="moi@example.vn", full_name="Người được mời"))
    db.session.flush()
    assert accounts.authenticate("moi@example.vn", "") is None
    assert accounts.authenticate("moi@example.vn", "unset") is None


def test_passwords_are_hashed_with_a_salt(req_en, factory, app, monkeypatch):
    # The suite hashes cheaply for speed; the application's own default is what users get.
    monkeypatch.delitem(app.config, "PASSWORD_HASH_METHOD")
    one = db.session.get(User, factory.user())
    two = db.session.get(User, factory.user())
    assert PASSWORD not in one.password_hash
    assert one.password_hash != two.password_hash
    assert one.password_hash.startswith("scrypt:")


def test_change_password(req_en, factory):
    user = db.session.get(User, factory.user())
    with pytest.raises(ValidationFailed) as caught:
        accounts.change_password(user, "wrong-one-123", "Rừng-quế-2027")
    assert set(caught.value.errors) == {"current_password"}
    with pytest.raises(ValidationFailed) as caught:
        accounts.change_password(user, PASSWORD, "1234567890")
    assert set(caught.value.errors) == {"new_password"}
    assert user.check_password(PASSWORD)
    accounts.change_password(user, PASSWORD, "Rừng-quế-2027")
    assert user.check_password("Rừng-quế-2027")


# --- reset tokens ---------------------------------------------------------------------------------



def test_reset_token_round_trip_and_single_use(req_en, factory):
    user = db.session.get(User, factory.user())
    token = accounts.make_reset_token(user)
    assert accounts.user_for_reset_token(token) is user
    accounts.reset_password(token, "Rừng-quế-2027")
    assert user.check_password("Rừng-quế-2027")
    with pytest.raises(ValidationFailed) as caught:
        accounts.user_for_reset_token(token)
    assert "already been used" in caught.value.errors["token"][0]


def test_reset_token_expires(req_en, app, factory, monkeypatch):
    token = accounts.make_reset_token(db.session.get(User, factory.user()))
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    with pytest.raises(ValidationFailed) as caught:
        accounts.user_for_reset_token(token)
    assert "expired" in caught.value.errors["token"][0]


def test_reset_token_is_bound_to_the_secret_key(req_en, app, factory, monkeypatch):
    token = accounts.make_reset_token(db.session.get(User, factory.user()))
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key")
    with pytest.raises(ValidationFailed) as caught:
        accounts.user_for_reset_token(token)
    assert "not valid" in caught.value.errors["token"][0]


def test_reset_token_of_inactive_or_deleted_user_fails(req_en, factory):
    user = db.session.get(User, factory.user())
    token = accounts.make_reset_token(user)
    user.active = False
    with pytest.raises(ValidationFailed):
        accounts.user_for_reset_token(token)
    db.session.delete(user)
    db.session.flush()
    with pytest.raises(ValidationFailed):
        accounts.user_for_reset_token(token)


def test_reset_password_refuses_a_weak_one_and_keeps_the_token(req_en, factory):
    user = db.session.get(User, factory.user(email="lan.nguyen@example.vn"))
    token = accounts.make_reset_token(user)
    with pytest.raises(ValidationFailed) as caught:
        accounts.reset_password(token, "lan.nguyen-2026")
    assert set(caught.value.errors) == {"password"}
    assert user.check_password(PASSWORD)
    assert accounts.user_for_reset_token(token) is user


def test_invited_user_token_stops_working_once_a_password_is_set(req_en):
    user = User(email="moi@example.vn", full_name="Người được mời")
    db.session.add(user)
    db.session.flush()
    token = accounts.make_reset_token(user)
    assert accounts.user_for_reset_token(token) is user
    accounts.reset_password(token, "Hồi-Văn-Quan-42")
    with pytest.raises(ValidationFailed):
        accounts.reset_password(token, "Another-one-2027")
    assert user.check_password("Hồi-Văn-Quan-42")
