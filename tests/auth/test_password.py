"""Password reset by e-mailed link, and changing the password on the account page."""
import re

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, User
from tests.conftest import PASSWORD, log_in, submit

NEW_PASSWORD = "Quýt-vàng-Bắc-Sơn-7"
_LINK = re.compile(r"https?://[^/\s]+(/auth/reset/[A-Za-z0-9_.\-]+)")


def session_user(client) -> str | None:
    """The user id in the client's session cookie (which also names the log-in session: "<id>:<token>")."""
    with client.session_transaction() as session:
        value = session.get("_user_id")
    return value and value.partition(":")[0]


def password_hash(app, user_id) -> str | None:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def check_password(app, user_id, password) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).check_password(password)


def reset_link(outbox, email: str) -> str:
    """The path of the reset link in the one message sent to `email`."""
    [message] = outbox
    assert message.recipients == [email]
    match = _LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def ask_for_reset(client, email):
    return submit(client, "/auth/reset", {"email": email})


# --- asking for a link ----------------------------------------------------------------------------

def test_known_and_unknown_email_get_the_same_answer(client, factory, outbox):
    factory.user(email="lan@example.vn")
    client.get("/lang/en")
    unknown = ask_for_reset(client, "nobody@example.vn")
    unknown_page = client.get(unknown.headers["Location"]).get_data(as_text=True)
    assert outbox == []
    known = ask_for_reset(client, "lan@example.vn")
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)

    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"] == "/auth/login"
    message = "If an account uses this address, a link to set a new password is on its way."
    assert message in unknown_page and message in known_page
    assert len(outbox) == 1


def test_known_email_gets_one_message_with_a_reset_link(client, factory, outbox):
    factory.user(email="lan@example.vn")
    ask_for_reset(client, "LAN@example.vn")
    path = reset_link(outbox, "lan@example.vn")
    assert path.startswith("/auth/reset/")
    assert client.get(path).status_code == 200


def test_inactive_account_gets_no_message(client, app, factory, outbox):
    user_id = factory.user(email="lan@example.vn")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert ask_for_reset(client, "lan@example.vn").status_code == 302
    assert outbox == []


def test_reset_request_without_csrf_token_sends_nothing(client, factory, outbox):
    factory.user(email="lan@example.vn")
    assert client.post("/auth/reset", data={"email": "lan@example.vn"}).status_code == 400
    assert outbox == []


def test_reset_requests_are_rate_limited(client, factory, outbox):
    factory.user(email="lan@example.vn")
    for _ in range(10):
        assert ask_for_reset(client, "lan@example.vn").status_code == 302
    assert ask_for_reset(client, "lan@example.vn").status_code == 429
    assert len(outbox) == 10


# --- using the link -------------------------------------------------------------------------------

@pytest.fixture
def link(client, factory, outbox):
    user_id = factory.user(email="lan@example.vn")
    ask_for_reset(client, "lan@example.vn")
    return user_id, reset_link(outbox, "lan@example.vn")


def test_link_sets_a_new_password_and_logs_in(client, app, link):
    user_id, path = link
    response = submit(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert check_password(app, user_id, NEW_PASSWORD)
    assert not check_password(app, user_id, PASSWORD)
    assert session_user(client) == str(user_id)
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.actor_id == user_id)) \
            == "user.password_reset"


def test_link_works_only_once(client, app, link):
    user_id, path = link
    submit(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    other = app.test_client()
    other.get("/lang/en")
    response = other.get(path)
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    # Posting to it (with a valid CSRF token from another page) changes nothing either.
    response = submit(other, path, {"password": "Another-pass-2027", "confirm": "Another-pass-2027"},
                      form_page="/auth/login")
    assert response.status_code == 400
    assert check_password(app, user_id, NEW_PASSWORD)


def test_link_stops_working_once_the_password_changes_otherwise(client, app, link):
    user_id, path = link
    with app.app_context():
        db.session.get(User, user_id).set_password("Changed-elsewhere-1")
        db.session.commit()
    assert client.get(path).status_code == 400


def test_expired_link_is_refused(client, app, link, monkeypatch):
    user_id, path = link
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    client.get("/lang/en")
    response = client.get(path)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    before = password_hash(app, user_id)
    response = submit(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, form_page="/auth/login")
    assert response.status_code == 400
    assert password_hash(app, user_id) == before
    assert session_user(client) is None


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "x" + token,
    lambda token: "not-a-token",
])
def test_tampered_link_is_refused(client, app, link, tamper):
    user_id, path = link
    token = path.rsplit("/", 1)[1]
    client.get("/lang/en")
    response = client.get(f"/auth/reset/{tamper(token)}")
    assert response.status_code == 400
    assert "This link is not valid." in response.get_data(as_text=True)


def test_token_for_another_user_id_is_refused(client, app, factory, link):
    """A token is signed: it cannot be re-pointed at someone else's account."""
    from market.services import accounts

    user_id, path = link
    other_id = factory.user(email="hoa@example.vn")
    with app.test_request_context():
        token = accounts.make_reset_token(db.session.get(User, other_id))
    assert client.get(f"/auth/reset/{token}").status_code == 200
    forged = path.rsplit("/", 1)[1].split(".")[0] + "." + token.split(".", 1)[1]
    assert client.get(f"/auth/reset/{forged}").status_code == 400


@pytest.mark.parametrize("weak", ["short1!", "123456789012", "password123"])
def test_weak_new_password_is_refused_inline(client, app, link, weak):
    user_id, path = link
    before = password_hash(app, user_id)
    response = submit(client, path, {"password": weak, "confirm": weak})
    assert response.status_code == 200
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert password_hash(app, user_id) == before
    assert session_user(client) is None
    # The link still works after a refused attempt.
    assert client.get(path).status_code == 200


def test_mismatched_new_password_is_refused_inline(client, app, link):
    user_id, path = link
    before = password_hash(app, user_id)
    response = submit(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert response.status_code == 200
    assert 'id="confirm-error"' in response.get_data(as_text=True)
    assert password_hash(app, user_id) == before


# --- changing the password ------------------------------------------------------------------------

ACCOUNT = "/auth/account"


def test_account_page_needs_login(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_change_password_with_wrong_current_password(client, app, factory):
    user_id = factory.user()
    log_in(client, user_id)
    before = password_hash(app, user_id)
    client.get("/lang/en")
    response = submit(client, ACCOUNT, {"current_password": "not-my-password-1", "new_password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="current_password-error"' in html
    assert "The current password is not right." in html
    assert password_hash(app, user_id) == before


def test_change_password_success(client, app, factory):
    user_id = factory.user()
    log_in(client, user_id)
    before = password_hash(app, user_id)
    response = submit(client, ACCOUNT, {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == ACCOUNT
    assert password_hash(app, user_id) != before
    assert check_password(app, user_id, NEW_PASSWORD)
    assert not check_password(app, user_id, PASSWORD)
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.actor_id == user_id)) \
            == "user.password_changed"


@pytest.mark.parametrize("weak", ["Short-1", "98765432109876", "qwertyuiop", "aaaaaaaaaaaa1"])
def test_change_password_refuses_a_weak_one(client, app, factory, weak):
    user_id = factory.user()
    log_in(client, user_id)
    before = password_hash(app, user_id)
    response = submit(client, ACCOUNT, {"current_password": PASSWORD, "new_password": weak, "confirm": weak})
    assert response.status_code == 200
    assert 'id="new_password-error"' in response.get_data(as_text=True)
    assert password_hash(app, user_id) == before


def test_change_password_mismatch(client, app, factory):
    user_id = factory.user()
    log_in(client, user_id)
    before = password_hash(app, user_id)
    response = submit(client, ACCOUNT, {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                        "confirm": "Something-else-9"})
    assert response.status_code == 200
    assert 'id="confirm-error"' in response.get_data(as_text=True)
    assert password_hash(app, user_id) == before
