"""The fixtures every test directory shares: the app on SQLite, or on PostgreSQL for the tests marked
`both_engines` or `postgres` (tests/README.md says which and why), a clean database for every test, the
builders of tests/factories.py, request contexts, Stripe on stripe-mock, logged-in clients, and a live
server for the browser suite."""
import os
import re
import sqlite3
import tempfile
import threading
from pathlib import Path

import flask
import pytest

# Before the app is imported: keep the developer's instance/ folder (secret key, SQLite file) untouched.
_INSTANCE = tempfile.mkdtemp(prefix="market-test-instance-")
os.environ["MARKET_INSTANCE_DIR"] = _INSTANCE
os.environ.pop("DATABASE_URL", None)  # tests choose their database below, never the app's default
os.environ.pop("ELASTICSEARCH_URL", None)  # nor a real cluster: tests/search starts its own engines
os.environ.pop("STRIPE_SECRET_KEY", None)

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from market import create_app  # noqa: E402
from market.extensions import db, limiter, mail  # noqa: E402
from market.models import Role  # noqa: E402
from market.services import reference_data  # noqa: E402
from tests.factories import PASSWORD, Factory, Shop  # noqa: E402,F401 - PASSWORD: tests import it from here
from tests.jobs.queue import real_queue  # noqa: E402,F401 - the real job queue, for any test that asks for it

IN_CI = os.environ.get("CI", "").lower() == "true"
# Loaded once per session by `flask market seed`; on PostgreSQL every other table is emptied after each test.
REFERENCE_TABLES = {"commune", "commune_alias", "crop", "crop_commune", "plan_target", "alembic_version"}


def require_service(name: str, reason: str) -> None:
    """Skip a test whose server is missing, except under CI, where a missing server is a failure."""
    if IN_CI:
        pytest.fail(f"{name} is required under CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


ENGINES = ("sqlite", "postgresql")
# Set to 1 to run every database test on both engines (the way the suite ran before tests/README.md).
ALL_ENGINES = os.environ.get("MARKET_TEST_ALL_ENGINES", "") == "1"


def engines_for(item_or_definition) -> list[str]:
    """Which engines a test runs on: see tests/README.md. SQLite unless the test is marked `both_engines`
    (or `figures`, which computes the plan's figures in SQL) or `postgres` (PostgreSQL only)."""
    marks = {mark.name for mark in item_or_definition.iter_markers()}
    if "postgres" in marks:
        return ["postgresql"]
    if ALL_ENGINES or marks & {"both_engines", "figures"}:
        return list(ENGINES)
    return ["sqlite"]


def pytest_generate_tests(metafunc):
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", engines_for(metafunc.definition), indirect=True, scope="session")


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'market.sqlite3'}"
    url = os.environ.get("MARKET_TEST_POSTGRES_URL")
    if not url:
        require_service("PostgreSQL", os.environ.get("MARKET_TEST_POSTGRES_REASON",
                                                     "MARKET_TEST_POSTGRES_URL is not set; run ./scripts/test"))
    return url


def _no_fsync(dbapi_connection, _record) -> None:
    """Tests need no durability: a commit does not wait for the disk (the answers cannot differ)."""
    cursor = dbapi_connection.cursor()
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor.execute("PRAGMA synchronous=OFF")
    else:
        cursor.execute("SET synchronous_commit TO OFF")
        dbapi_connection.commit()  # a SET in a transaction rolled back would be undone with it
    cursor.close()


def _drop_everything() -> None:
    """Start from an empty schema so `flask db upgrade` runs from the first migration."""
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": None,
        "MAIL_SUPPRESS_SEND": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # scrypt costs ~50 ms a hash: the demo seed alone would add a second to every test using it.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Tests restore the database under the app's feet: no shared page may outlive a test.
        "PAGE_CACHE_SECONDS": 0,
        "MAP_TILE_URL": "",  # the browser suite never reaches a tile server; maps show markers alone
        "JOBS_IMMEDIATE": True,  # jobs run where they are queued; tests/jobs drive the real queue
        # The walks of url_map call /api/ hundreds of times a minute; tests/api/test_tokens.py lowers them.
        "API_RATE_LIMIT": "100000 per minute", "API_ANONYMOUS_RATE_LIMIT": "100000 per minute",
    })
    with app.app_context():
        sa.event.listen(db.engine, "connect", _no_fsync)
        db.engine.dispose()  # connections made while the app started get the setting too
        _drop_everything()
        upgrade()  # the migrations, not create_all: tests run on the schema users get
        reference_data.seed_plan()
        db.session.commit()
        db.session.remove()
    if _is_sqlite(app):
        push_baseline(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- a clean database for every test ------------------------------------------------------------------
#
# SQLite: the database as it was after the reference data (or after a module's read-only world, see
# `built_once`) is kept as an in-memory copy, and copied back after each test with SQLite's backup API:
# whatever the test committed, from any connection or thread, is gone in a millisecond. The code under
# test commits for real, so a transaction rolled back around the test would not see what it sees in
# production. PostgreSQL: every non-reference table is emptied after each test.

BASELINES = "tests.sqlite_baselines"


def _is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target)


def push_baseline(app) -> None:
    """Remember the SQLite database as it is now: each test from now on starts from it."""
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            _copy_sqlite(raw.driver_connection, copy)
        finally:
            raw.close()
    app.extensions.setdefault(BASELINES, []).append(copy)


def restore_baseline(app) -> None:
    raw = db.engine.raw_connection()
    try:
        _copy_sqlite(app.extensions[BASELINES][-1], raw.driver_connection)
    finally:
        raw.close()


def pop_baseline(app) -> None:
    """Forget the latest baseline and go back to the one before it."""
    app.extensions[BASELINES].pop().close()
    with app.app_context():
        db.session.remove()
        restore_baseline(app)


@pytest.fixture(autouse=True)
def _clean_state(request):
    """After each test: the database as it was before the test, and no rate-limit counters."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        if _is_sqlite(app):
            restore_baseline(app)
        else:
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    if table.name not in REFERENCE_TABLES:
                        conn.execute(table.delete())
        limiter.reset()


def built_once(app, build):
    """For a module-scoped fixture: on SQLite, `build(Factory(app))` runs once, when the first test asks
    for it, and its rows become the baseline every later test of the module starts from (whatever a test
    commits is undone after it). Use it where every test of the module that touches the database wants
    those rows. Returns a generator for the fixture to `yield from`; it yields None on PostgreSQL, where
    the function-scoped fixture builds the rows for each test instead (`world` in tests/contracts)."""
    if not _is_sqlite(app):
        yield None
        return
    value = build(Factory(app))
    push_baseline(app)
    yield value
    pop_baseline(app)


@pytest.fixture
def ctx(app):
    """An application context for tests that call services and models directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    with mail.record_messages() as messages:
        yield messages


@pytest.fixture
def factory(app):
    return Factory(app)


@pytest.fixture
def cat(factory):
    """The catalogue's builder: the same object as `factory` (zones, certificates, listings, products)."""
    return factory


@pytest.fixture
def shop(factory):
    return Shop(factory)


@pytest.fixture
def req(app):
    """Services word their errors in the visitor's language (the locale comes from the session), so
    they are called inside a request context, which also pushes the app context (`ctx`)."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def req_en(app):
    """`req` in English: messages can be checked by their msgid, whatever the Vietnamese catalogue says."""
    with app.test_request_context():
        flask.session["lang"] = "en"
        yield
        db.session.remove()


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    """UPLOAD_FOLDER in the test's tmp_path (app.config is shared by the session: set, then put back)."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


# --- Stripe: the official client pointed at stripe-mock --------------------------------------------

WEBHOOK_SECRET = "whsec_test"
STRIPE_KEYS = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET")


def set_stripe(app, **values) -> dict:
    """Put Stripe settings on the shared app; returns the ones they replace, for app.config.update()."""
    saved = {key: app.config.get(key) for key in STRIPE_KEYS}
    app.config.update(values)
    return saved


@pytest.fixture(scope="session")
def stripe_api_base():
    url = os.environ.get("MARKET_TEST_STRIPE_API_BASE")
    if not url:
        require_service("stripe-mock", os.environ.get(
            "MARKET_TEST_STRIPE_REASON", "MARKET_TEST_STRIPE_API_BASE is not set; run ./scripts/test"))
    return url


@pytest.fixture
def stripe_mock(app, stripe_api_base):
    """Card payments on: the official client talks to stripe-mock (sk_test_...), webhooks use whsec_test."""
    saved = set_stripe(app, STRIPE_SECRET_KEY="sk_test_123", STRIPE_API_BASE=stripe_api_base,
                       STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield stripe_api_base
    app.config.update(saved)


# --- the shop's cast (tests/orders, tests/payments): a cooperative selling one product, a verified retail
# chain buying it, each with a member who may act ---------------------------------------------------------

@pytest.fixture
def seller(shop):
    return shop.seller(name="HTX Hồi Văn Quan")


@pytest.fixture
def seller_owner(shop, seller):
    return shop.member(seller, Role.OWNER)


@pytest.fixture
def product(shop, seller):
    return shop.product(seller, stock=10, price=50_000, name="Tinh dầu hồi Văn Quan")


@pytest.fixture
def buyer(shop):
    return shop.buyer(name="Siêu thị Lạng Sơn")


@pytest.fixture
def buyer_user(shop, buyer):
    return shop.member(buyer, Role.MEMBER)


# --- test clients ---------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def submit(client, url: str, data: dict, *, form_page: str | None = None, follow_redirects=False):
    """Post a form the way a browser does: read the CSRF token from the page that shows the form."""
    payload = {"csrf_token": csrf_token(client, form_page or url), **data}
    return client.post(url, data=payload, follow_redirects=follow_redirects)


def log_in(client, user_id: int) -> None:
    """Sign a test client in without the form (the form itself is tested in tests/auth): a log-in session is
    opened for the user as the form would (market.services.sessions), and its id put in the client's cookie."""
    from market.models import User
    from market.services import sessions

    with client.application.app_context():
        user = db.session.get(User, user_id)
        sessions.open_for(user)
        db.session.commit()
        session_id = user.get_id()
        db.session.remove()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True


def signed_in_cookie(app, user_id: int, base: str) -> dict:
    """The session cookie of a browser signed in as `user_id` without the form (Playwright's add_cookies): a
    log-in session opened as the form would, its id in the signed cookie."""
    from market.models import User
    from market.services import sessions

    with app.app_context():
        user = db.session.get(User, user_id)
        sessions.open_for(user)
        db.session.commit()
        session_id = user.get_id()
        db.session.remove()
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": session_id, "_fresh": True})
    return {"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": base}


def log_in_en(client, user_id: int) -> None:
    """Signed in, in English: the assertions read the msgids, whatever the Vietnamese catalogue says."""
    log_in(client, user_id)
    with client.session_transaction() as session:
        session["lang"] = "en"


# --- the live server for the browser suite --------------------------------------------------------

@pytest.fixture
def live_server(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the browser suite runs once, on the SQLite engine")
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        require_service("Chromium", f"{chromium} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
