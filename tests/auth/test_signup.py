"""Sign-up through the real form (CSRF included): what is saved on success, and that nothing is on failure."""
import re

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Membership, Organisation, OrgKind, OrgStatus, Role, User
from market.services import reference_data
from tests.conftest import PASSWORD, submit

SIGNUP = "/auth/signup"


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (User, Organisation, Membership, AuditEvent)}


def commune_id(app, name="Văn Quan") -> str:
    with app.app_context():
        return str(reference_data.commune_named(name).id)


@pytest.fixture
def form(app):
    return {
        "full_name": "Lương Văn Minh",
        "email": "minh@htx-hoi.vn",
        "phone": "0912 345 678",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "org_name": "HTX Hồi Tân Đoàn",
        "org_kind": OrgKind.COOPERATIVE,
        "org_tax_code": "4900123456",
        "org_commune_id": commune_id(app),
        "org_address": "Thôn Bản Chành",
    }


def assert_refused(client, app, form, field_id, before=None):
    """The form comes back (200) with the field's inline error, and not one row was written."""
    before = before or row_counts(app)
    response = submit(client, SIGNUP, form)
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert f'id="{field_id}-error"' in html, f"no inline error for {field_id}"
    assert row_counts(app) == before
    with client.session_transaction() as session:
        assert "_user_id" not in session
    return html


def test_signup_page_offers_only_self_service_kinds(client):
    html = client.get(SIGNUP).get_data(as_text=True)
    assert 'value="cooperative"' in html and 'value="tourist_shop"' in html
    assert 'value="department"' not in html and 'value="commune_office"' not in html


def test_signup_creates_user_pending_org_owner_and_audit(client, app, form):
    before = row_counts(app)
    response = submit(client, SIGNUP, form)

    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "minh@htx-hoi.vn"))
        assert user is not None and user.check_password(PASSWORD)
        assert user.full_name == "Lương Văn Minh"
        assert user.phone == "0912345678"
        [membership] = user.memberships
        org = membership.organisation
        assert membership.role == Role.OWNER
        assert org.status == OrgStatus.PENDING and not org.can_publish
        assert org.kind == OrgKind.COOPERATIVE
        assert org.name == "HTX Hồi Tân Đoàn" and org.tax_code == "4900123456"
        assert org.commune.name == "Văn Quan"
        assert org.address == "Thôn Bản Chành"
        assert org.email == "minh@htx-hoi.vn" and org.contact_name == "Lương Văn Minh"
        actions = {(e.action, e.actor_id, e.organisation_id)
                   for e in db.session.scalars(sa.select(AuditEvent))}
        assert actions == {("user.signed_up", user.id, org.id), ("organisation.applied", user.id, org.id)}
        org_id, user_id = org.id, user.id

    assert response.headers["Location"].endswith(f"/orgs/{org_id}")
    after = row_counts(app)
    assert after == {"User": before["User"] + 1, "Organisation": before["Organisation"] + 1,
                     "Membership": before["Membership"] + 1, "AuditEvent": before["AuditEvent"] + 2}
    with client.session_transaction() as session:
        assert session["_user_id"].partition(":")[0] == str(user_id)
    # The new owner sees their pending organisation, which anonymous visitors do not.
    assert client.get(f"/orgs/{org_id}").status_code == 200


def test_signup_email_is_stored_lower_case(client, app, form):
    form["email"] = "Minh@HTX-Hoi.VN"
    assert submit(client, SIGNUP, form).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.email)) == "minh@htx-hoi.vn"


@pytest.mark.both_engines
@pytest.mark.parametrize("email", ["minh@htx-hoi.vn", "MINH@htx-hoi.vn"])
def test_duplicate_email_is_refused(client, app, factory, form, email):
    factory.user(email="minh@htx-hoi.vn")
    form["email"] = email
    client.get("/lang/en")
    html = assert_refused(client, app, form, "email")
    assert "An account with this e-mail already exists" in html


@pytest.mark.parametrize("password, problem", [
    ("Ab1-xyz", "Use at least 10 characters."),
    ("20262026202620", "Mix letters with digits or symbols."),
    ("password123", "This password is too easy to guess."),
    ("minh@htx-2026", "Do not use your e-mail address in the password."),
])
def test_weak_password_is_refused(client, app, form, password, problem):
    form["password"] = form["confirm"] = password
    client.get("/lang/en")
    html = assert_refused(client, app, form, "password")
    assert problem in html


def test_password_mismatch_is_refused(client, app, form):
    form["confirm"] = PASSWORD + "x"
    client.get("/lang/en")
    html = assert_refused(client, app, form, "confirm")
    assert "The passwords do not match." in html


@pytest.mark.parametrize("phone", ["12345", "0912 345 67", "phone me"])
def test_malformed_phone_is_refused(client, app, form, phone):
    form["phone"] = phone
    assert_refused(client, app, form, "phone")


def test_malformed_phone_error_is_shown_once(client, app, form):
    """Regression: the phone doubles as the organisation's, and its error used to show twice."""
    form["phone"] = "12345"
    client.get("/lang/en")
    html = assert_refused(client, app, form, "phone")
    # once next to the field, and once in the error summary at the top of the form (its link to the field)
    field_errors = re.findall(r'<p class="error"[^>]*>([^<]*)</p>', html)
    assert sum("Enter a Vietnamese phone number" in e for e in field_errors) == 1
    assert html.count("Enter a Vietnamese phone number") == 2


@pytest.mark.parametrize("tax_code", ["49001234", "abc1234567", "4900123456-1"])
def test_malformed_tax_code_is_refused(client, app, form, tax_code):
    form["org_tax_code"] = tax_code
    assert_refused(client, app, form, "org_tax_code")


@pytest.mark.both_engines
def test_duplicate_tax_code_is_refused(client, app, factory, form):
    factory.org(tax_code="4900123456", commune="Chi Lăng")
    form["org_tax_code"] = " 4900123456 "
    client.get("/lang/en")
    html = assert_refused(client, app, form, "org_tax_code")
    assert "An organisation with this tax number is already registered." in html


def test_tax_code_is_optional(client, app, form):
    form["org_tax_code"] = ""
    assert submit(client, SIGNUP, form).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation.tax_code)) is None


@pytest.mark.both_engines
@pytest.mark.parametrize("typed", ["HTX Hồi Tân Đoàn", "  htx   HỒI tân  ĐOÀN "])
def test_same_name_in_same_commune_is_refused(client, app, factory, form, typed):
    factory.org(name="HTX Hồi Tân Đoàn", commune="Văn Quan")
    form["org_name"] = typed
    client.get("/lang/en")
    html = assert_refused(client, app, form, "org_name")
    assert "An organisation with this name is already registered in" in html


def test_same_name_in_another_commune_is_allowed(client, app, factory, form):
    factory.org(name="HTX Hồi Tân Đoàn", commune="Chi Lăng")
    before = row_counts(app)
    assert submit(client, SIGNUP, form).status_code == 302
    assert row_counts(app)["Organisation"] == before["Organisation"] + 1


def test_missing_commune_is_refused(client, app, form):
    form["org_commune_id"] = ""
    assert_refused(client, app, form, "org_commune_id")


def test_unknown_commune_is_refused(client, app, form):
    form["org_commune_id"] = "999999"
    assert_refused(client, app, form, "org_commune_id")


@pytest.mark.parametrize("kind", [OrgKind.DEPARTMENT, OrgKind.COMMUNE_OFFICE, "bank", ""])
def test_authority_or_unknown_kind_posted_by_hand_is_refused(client, app, form, kind):
    form["org_kind"] = kind
    assert_refused(client, app, form, "org_kind")
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation).where(Organisation.kind.in_(OrgKind.AUTHORITIES))) is None


def test_every_problem_is_reported_at_once(client, app, factory, form):
    factory.user(email="minh@htx-hoi.vn")
    form.update(password="short", confirm="short", phone="123", org_tax_code="12")
    html = assert_refused(client, app, form, "email")
    for field_id in ("password", "phone", "org_tax_code"):
        assert f'id="{field_id}-error"' in html


def test_signup_without_csrf_token_is_refused(client, app, form):
    before = row_counts(app)
    response = client.post(SIGNUP, data=form)
    assert response.status_code == 400
    assert row_counts(app) == before
