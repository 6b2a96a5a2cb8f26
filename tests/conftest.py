"""Fixtures: one app per database engine (SQLite always, PostgreSQL when the test command started one),
a clean database for every test, factories, logged-in clients, and a live server for the browser suite."""
import os
import re
import tempfile
import threading
from pathlib import Path

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
from market.models import Membership, Organisation, OrgKind, OrgStatus, Role, User  # noqa: E402
from market.services import reference_data  # noqa: E402
from market.text import name_key  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "Rừng-hồi-2026"
# Loaded once per session by `flask market seed`; every other table is emptied after each test.
REFERENCE_TABLES = {"commune", "commune_alias", "crop", "crop_commune", "plan_target", "alembic_version"}


def require_service(name: str, reason: str) -> None:
    """Skip a test whose server is missing, except under CI, where a missing server is a failure."""
    if IN_CI:
        pytest.fail(f"{name} is required under CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'market.sqlite3'}"
    url = os.environ.get("MARKET_TEST_POSTGRES_URL")
    if not url:
        require_service("PostgreSQL", os.environ.get("MARKET_TEST_POSTGRES_REASON",
                                                     "MARKET_TEST_POSTGRES_URL is not set; run ./scripts/test"))
    return url


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
    })
    with app.app_context():
        _drop_everything()
        upgrade()  # the migrations, not create_all: tests run on the schema users get
        reference_data.seed_plan()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """After each test: empty every non-reference table and forget rate-limit counters."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    conn.execute(table.delete())
        limiter.reset()


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


class Factory:
    """Builds committed rows with sensible defaults; each call gives a new, unique one."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def commune_id(self, name: str = "Văn Quan") -> int:
        with self.app.app_context():
            return reference_data.commune_named(name).id

    def org(self, *, kind=OrgKind.COOPERATIVE, status=OrgStatus.VERIFIED, name=None, commune="Văn Quan",
            tax_code=None) -> int:
        n = self._next()
        name = name or f"HTX thử nghiệm số {n}"
        with self.app.app_context():
            org = Organisation(name=name, name_key=name_key(name), kind=kind, status=status, tax_code=tax_code,
                               commune_id=reference_data.commune_named(commune).id)
            db.session.add(org)
            db.session.commit()
            return org.id

    def user(self, *, email=None, password=PASSWORD, org_id=None, role=Role.OWNER, full_name=None) -> int:
        n = self._next()
        with self.app.app_context():
            user = User(email=email or f"nguoi{n}@example.vn", full_name=full_name or f"Người dùng {n}")
            user.set_password(password)
            db.session.add(user)
            if org_id:
                db.session.add(Membership(user=user, organisation_id=org_id, role=role))
            db.session.commit()
            return user.id

    def member(self, org_id: int, role=Role.OWNER, **kwargs) -> int:
        return self.user(org_id=org_id, role=role, **kwargs)

    def department_staff(self) -> int:
        department = self.org(kind=OrgKind.DEPARTMENT, name=f"Sở Nông nghiệp và Môi trường {self._next()}",
                              commune="Lương Văn Tri")
        return self.member(department)


@pytest.fixture
def factory(app):
    return Factory(app)


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
    """Sign a test client in without the form (the form itself is tested in tests/auth)."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True


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
