"""Log-in, log-out, CSRF on the log-in form, safe redirects and the rate limit."""
import pytest

from market.extensions import db
from market.models import User
from tests.conftest import PASSWORD, csrf_token, log_in, submit

LOGIN = "/auth/login"


def session_user(client) -> str | None:
    """The user id in the client's session cookie (which also names the log-in session: "<id>:<token>")."""
    with client.session_transaction() as session:
        value = session.get("_user_id")
    return value and value.partition(":")[0]


def test_right_password_logs_in_and_records_the_time(client, app, factory):
    user_id = factory.user(email="lan@example.vn")
    response = submit(client, LOGIN, {"email": "lan@example.vn", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert session_user(client) == str(user_id)
    with app.app_context():
        assert db.session.get(User, user_id).last_login_at is not None


@pytest.mark.both_engines
def test_email_is_matched_without_regard_to_case_and_spaces(client, factory):
    user_id = factory.user(email="lan@example.vn")
    response = submit(client, LOGIN, {"email": " LAN@Example.VN ", "password": PASSWORD})
    assert response.status_code == 302
    assert session_user(client) == str(user_id)


@pytest.mark.parametrize("email, password", [
    ("lan@example.vn", PASSWORD + "x"),
    ("lan@example.vn", PASSWORD.upper()),
    ("nobody@example.vn", PASSWORD),
])
def test_wrong_credentials_show_an_inline_error(client, factory, email, password):
    factory.user(email="lan@example.vn")
    client.get("/lang/en")
    response = submit(client, LOGIN, {"email": email, "password": password})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html
    assert "E-mail or password is not right." in html
    assert session_user(client) is None


def test_inactive_user_is_refused(client, app, factory):
    user_id = factory.user(email="lan@example.vn")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    response = submit(client, LOGIN, {"email": "lan@example.vn", "password": PASSWORD})
    assert response.status_code == 200
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert session_user(client) is None


def test_invited_user_without_password_cannot_log_in(client, app):
    with app.app_context():
        db.session.add(User(email="moi@example.vn", full_name="Người được mời"))
        db.session.commit()
    for password in ("", "unset", PASSWORD):
        response = submit(client, LOGIN, {"email": "moi@example.vn", "password": password})
        assert response.status_code == 200
    assert session_user(client) is None


def test_deactivated_user_loses_an_open_session(client, app, factory):
    user_id = factory.user()
    log_in(client, user_id)
    assert client.get("/auth/account").status_code == 200
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    response = client.get("/auth/account")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_logged_in_visitor_is_sent_home_from_the_login_page(client, factory):
    log_in(client, factory.user())
    response = client.get(LOGIN)
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/orgs/", "/auth/account?tab=1"])
def test_next_follows_local_paths(client, factory, target):
    factory.user(email="lan@example.vn")
    response = submit(client, f"{LOGIN}?next={target}", {"email": "lan@example.vn", "password": PASSWORD},
                      form_page=LOGIN)
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["//evil.example", "//evil.example/orgs", "http://evil.example",
                                    "https://evil.example/auth/login", "javascript:alert(1)", "evil.example"])
def test_next_never_leaves_the_site(client, factory, target):
    factory.user(email="lan@example.vn")
    response = client.post(LOGIN, query_string={"next": target}, data={
        "email": "lan@example.vn", "password": PASSWORD,
        "csrf_token": _token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example"])
def test_next_with_a_backslash_stays_on_the_site(client, factory, target):
    """Browsers read '/\\host' as '//host'; Werkzeug percent-encodes the backslash, so it stays a path."""
    factory.user(email="lan@example.vn")
    response = client.post(LOGIN, query_string={"next": target}, data={
        "email": "lan@example.vn", "password": PASSWORD, "csrf_token": _token(client)})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and location[1:2] not in ("/", "\\")


# Regression: a tab is stripped by Werkzeug's iri_to_uri(), so ?next=/%09/evil.example used to become
# "Location: //evil.example" (an open redirect); a newline made redirect() raise (a 500 after a good log-in).
@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example"])
def test_next_with_control_characters_goes_home(client, factory, target):
    factory.user(email="lan@example.vn")
    response = client.post(LOGIN, query_string={"next": target}, data={
        "email": "lan@example.vn", "password": PASSWORD, "csrf_token": _token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_next_with_a_tab_stays_on_the_site(client):
    response = client.get("/lang/en", query_string={"next": "/\t/evil.example"})
    assert response.status_code == 302
    assert not response.headers["Location"].startswith("//")


def _token(client) -> str:
    return csrf_token(client, LOGIN)


def test_login_without_csrf_token_is_refused(client, factory):
    factory.user(email="lan@example.vn")
    response = client.post(LOGIN, data={"email": "lan@example.vn", "password": PASSWORD})
    assert response.status_code == 400
    assert session_user(client) is None


def test_login_with_a_forged_csrf_token_is_refused(client, factory):
    factory.user(email="lan@example.vn")
    client.get(LOGIN)
    response = client.post(LOGIN, data={"email": "lan@example.vn", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert session_user(client) is None


# --- rate limit: LOGIN_RATE_LIMIT is "5 per minute;30 per hour" -----------------------------------

def test_sixth_post_in_a_minute_is_refused_with_a_clear_page(client, app, factory):
    assert app.config["LOGIN_RATE_LIMIT"] == "5 per minute;30 per hour"
    factory.user(email="lan@example.vn")
    client.get("/lang/en")
    for _ in range(5):
        response = submit(client, LOGIN, {"email": "lan@example.vn", "password": "not-the-password-1"})
        assert response.status_code == 200
    response = submit(client, LOGIN, {"email": "lan@example.vn", "password": "not-the-password-1"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html and "<html" in html
    # GET is not limited: the form still shows.
    assert client.get(LOGIN).status_code == 200


def test_right_password_is_refused_once_limited(client, factory):
    factory.user(email="lan@example.vn")
    for _ in range(5):
        submit(client, LOGIN, {"email": "lan@example.vn", "password": "not-the-password-1"})
    response = submit(client, LOGIN, {"email": "lan@example.vn", "password": PASSWORD})
    assert response.status_code == 429
    assert session_user(client) is None


def test_limit_counts_attempts_across_emails_from_one_address(client, factory):
    factory.user(email="lan@example.vn")
    for n in range(5):
        submit(client, LOGIN, {"email": f"other{n}@example.vn", "password": "not-the-password-1"})
    response = submit(client, LOGIN, {"email": "lan@example.vn", "password": PASSWORD})
    assert response.status_code == 429
    assert session_user(client) is None


def test_a_strangers_failures_from_another_address_do_not_lock_the_owner_out(client, factory):
    """Failures on one e-mail are counted per address: someone who knows a cooperative's e-mail cannot keep
    its owner out by failing on purpose from their own connection, however often."""
    factory.user(email="lan@example.vn")
    for n in range(12):
        response = client.post(LOGIN, data={"email": "lan@example.vn", "password": "not-the-password-1",
                                            "csrf_token": _token(client)},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n % 3 + 1}"})
        assert response.status_code in (200, 429)
    owner = client.application.test_client()
    response = owner.post(LOGIN, data={"email": "LAN@example.vn", "password": PASSWORD,
                                       "csrf_token": _token(owner)},
                          environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert response.status_code == 302
    assert session_user(owner) is not None


def test_failures_for_one_email_from_one_address_wait_longer_and_longer(client, app, factory, monkeypatch):
    """After LOGIN_FREE_FAILURES failures the next try waits LOGIN_DELAY_SECONDS, doubling with each failure;
    while it waits even the right password is refused. Other e-mails from the same address are not slowed."""
    import time

    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "100 per minute")  # the address limit aside
    monkeypatch.setitem(app.config, "LOGIN_FREE_FAILURES", 2)
    monkeypatch.setitem(app.config, "LOGIN_DELAY_SECONDS", 1)
    factory.user(email="lan@example.vn")
    factory.user(email="mai@example.vn")
    client.get("/lang/en")
    wrong = {"email": "lan@example.vn", "password": "not-the-password-1"}
    for _ in range(3):
        assert submit(client, LOGIN, wrong).status_code == 200
    response = submit(client, LOGIN, {"email": "lan@example.vn", "password": PASSWORD})
    assert response.status_code == 429
    assert "Try again in 1 seconds" in response.get_data(as_text=True)
    assert session_user(client) is None
    # Another e-mail from the same address is not held back.
    assert submit(client, LOGIN, {"email": "mai@example.vn", "password": PASSWORD}).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/account")})
    time.sleep(1.1)
    assert submit(client, LOGIN, wrong).status_code == 200  # the wait is over: one more failure...
    response = submit(client, LOGIN, {"email": "lan@example.vn", "password": PASSWORD})
    assert response.status_code == 429
    assert "Try again in 2 seconds" in response.get_data(as_text=True)  # ...doubles the next wait


# --- log-out --------------------------------------------------------------------------------------

def test_logout_is_post_only(client, factory):
    user_id = factory.user()
    log_in(client, user_id)
    assert client.get("/auth/logout").status_code == 405
    assert session_user(client) == str(user_id)


def test_logout_ends_the_session(client, factory):
    log_in(client, factory.user())
    response = submit(client, "/auth/logout", {}, form_page="/")
    assert response.status_code == 302
    assert session_user(client) is None
    account = client.get("/auth/account")
    assert account.status_code == 302 and "/auth/login" in account.headers["Location"]


def test_logout_without_csrf_token_is_refused(client, factory):
    user_id = factory.user()
    log_in(client, user_id)
    assert client.post("/auth/logout").status_code == 400
    assert session_user(client) == str(user_id)
