"""Sessions that can be revoked: a session or remember-me cookie copied before a log-out, a password change
or "log out everywhere" opens nothing afterwards; the remember-me cookie carries the session cookie's flags."""
from http.cookies import SimpleCookie

from market.extensions import db
from market.models import LoginSession
from tests.conftest import PASSWORD, csrf_token, submit

LOGIN = "/auth/login"
NEW_PASSWORD = "Mật-khẩu-mới-2026"


def log_in_remembered(client, email="lan@example.vn"):
    response = submit(client, LOGIN, {"email": email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return response


def copied_cookies(client) -> dict[str, str]:
    """What a thief copies from the browser: every cookie the client holds."""
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def thief(app, cookies: dict[str, str], only: str | None = None):
    """A new browser holding the copied cookies (or only one of them)."""
    other = app.test_client()
    for name, value in cookies.items():
        if only is None or name == only:
            other.set_cookie(name, value)
    return other


def opens_account(client) -> bool:
    response = client.get("/auth/account")
    return response.status_code == 200


def test_a_copied_session_cookie_and_remember_cookie_stop_working_after_logout(app, client, factory):
    factory.user(email="lan@example.vn")
    log_in_remembered(client)
    cookies = copied_cookies(client)
    assert {"session", "remember_token"} <= set(cookies)
    assert opens_account(thief(app, cookies, "session"))
    assert opens_account(thief(app, cookies, "remember_token"))  # a fresh browser, remembered

    assert submit(client, "/auth/logout", {}, form_page="/auth/account").status_code == 302

    assert not opens_account(thief(app, cookies, "session"))
    assert not opens_account(thief(app, cookies, "remember_token"))
    assert not opens_account(thief(app, cookies))


def test_logout_on_one_device_keeps_the_others(app, client, factory):
    factory.user(email="lan@example.vn")
    log_in_remembered(client)
    phone = app.test_client()
    log_in_remembered(phone)
    submit(client, "/auth/logout", {}, form_page="/auth/account")
    assert opens_account(phone)


def test_copied_cookies_stop_working_after_a_password_change_but_this_device_stays(app, client, factory):
    user_id = factory.user(email="lan@example.vn")
    log_in_remembered(client)
    stolen = copied_cookies(client)
    other_device = app.test_client()
    log_in_remembered(other_device)

    response = submit(client, "/auth/account", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    assert opens_account(client)  # the device that changed the password stays logged in
    assert not opens_account(thief(app, stolen, "session"))
    assert not opens_account(thief(app, stolen, "remember_token"))
    assert not opens_account(other_device)
    # The device that changed it keeps being remembered, with a new cookie that works.
    renewed = copied_cookies(client)
    assert renewed["remember_token"] != stolen["remember_token"]
    assert opens_account(thief(app, renewed, "remember_token"))
    with app.app_context():
        open_sessions = db.session.scalars(db.select(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))).all()
        assert len(open_sessions) == 1


def test_a_wrong_current_password_revokes_nothing(app, client, factory):
    factory.user(email="lan@example.vn")
    log_in_remembered(client)
    other_device = app.test_client()
    log_in_remembered(other_device)
    response = submit(client, "/auth/account", {"current_password": "not-it-at-all-1", "new_password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert opens_account(other_device)


def test_a_password_reset_revokes_every_session(app, client, factory, outbox):
    import re

    factory.user(email="lan@example.vn")
    log_in_remembered(client)
    stolen = copied_cookies(client)
    visitor = app.test_client()
    submit(visitor, "/auth/reset", {"email": "lan@example.vn"})
    link = re.search(r"https?://[^/\s]+(/auth/reset/\S+)", outbox[-1].body).group(1)
    assert submit(visitor, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert opens_account(visitor)
    assert not opens_account(client)
    assert not opens_account(thief(app, stolen, "remember_token"))


def test_log_out_everywhere_closes_every_device(app, client, factory):
    factory.user(email="lan@example.vn")
    log_in_remembered(client)
    phone = app.test_client()
    log_in_remembered(phone)
    stolen = copied_cookies(phone)
    assert client.get("/auth/account").status_code == 200
    response = client.post("/auth/logout-everywhere", data={"csrf_token": csrf_token(client, "/auth/account")})
    assert response.status_code == 302
    assert not opens_account(client)
    assert not opens_account(phone)
    assert not opens_account(thief(app, stolen, "remember_token"))
    # Logging in again works as usual.
    log_in_remembered(phone)
    assert opens_account(phone)


def test_a_cookie_from_before_revocable_sessions_opens_nothing(app, client, factory):
    """Session cookies of the old form ("<user id>" alone) are refused: the holder logs in again."""
    user_id = factory.user(email="lan@example.vn")
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
    assert not opens_account(client)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id + 1}:made-up"
    assert not opens_account(client)


def _set_cookie_headers(response, name):
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


def test_the_remember_cookie_follows_the_session_cookie_flags(factory, client, app, monkeypatch):
    factory.user(email="lan@example.vn")
    response = log_in_remembered(client)
    (header,) = _set_cookie_headers(response, "remember_token")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    cookie = SimpleCookie(header)["remember_token"]
    assert cookie["httponly"]


def test_secure_sessions_make_a_secure_remember_cookie():
    from market import create_app

    app = create_app({"TESTING": True, "SESSION_COOKIE_SECURE": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_old_sessions_are_closed_by_the_daily_prune(app, client, factory):
    from datetime import timedelta

    from market.models.types import utcnow
    from market.services import sessions

    factory.user(email="lan@example.vn")
    log_in_remembered(client)
    assert opens_account(client)
    with app.app_context():
        assert sessions.prune() == 0  # a fresh session stays
        db.session.commit()
        assert sessions.prune(now=utcnow() + timedelta(days=31)) == 1  # past the remember-me cookie's life
        db.session.commit()
    assert not opens_account(client)
    with app.app_context():
        sessions.prune(now=utcnow() + timedelta(days=62))  # closed a month ago: forgotten
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(LoginSession)) == 0
