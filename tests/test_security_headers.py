"""Security headers on every kind of response, and pages that need no inline script or style.

The whole demo market is crawled as a visitor, a cooperative owner, a buyer and department staff: every page
answered carries the Content-Security-Policy (no 'unsafe-inline'), nosniff, a strict Referrer-Policy and no
framing; no HTML page holds a <script> block, an on*= handler, a <style> block or a style= attribute, which
the policy would block. JSON, errors, redirects and static files carry the headers too."""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from market import create_app
from market.extensions import db
from market.models import User
from market.services import demo_market
from tests.conftest import built_once, log_in

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
       "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self' https://checkout.stripe.com")
MAX_PAGES = 160  # per role: every kind of page of the demo market, within a few seconds


def load_demo(factory) -> bool:
    with factory.app.app_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        demo_market.seed_demo_contracts()
        demo_market.seed_demo_orders()
        db.session.commit()
    return True


@pytest.fixture(scope="module")
def _demo_once(app):
    yield from built_once(app, load_demo)


@pytest.fixture
def demo(app, factory, _demo_once):
    if not _demo_once:
        load_demo(factory)
    return app


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    if where.startswith("/media/"):
        assert headers["Content-Security-Policy"].startswith("sandbox;"), where
    else:
        assert headers["Content-Security-Policy"] == CSP, where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "same-origin", where
    assert headers["X-Frame-Options"] == "DENY", where


class _Inline(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block, and the page's same-site links."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("<script> block")
        if tag == "style":
            self.problems.append("<style> block")
        for name, _value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
        if tag == "a" and names.get("href"):
            self.links.append(names["href"])
        if tag == "a" and (names.get("href") or "").startswith("javascript:"):
            self.problems.append("javascript: link")


def crawl(client, start: list[str]) -> dict[str, int]:
    seen: set[str] = set()
    queue = list(start)
    statuses: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, buffered=True)
        statuses[path] = response.status_code
        assert response.status_code < 500, path
        assert_security_headers(response, path)
        if response.mimetype != "text/html":
            continue
        parser = _Inline()
        parser.feed(response.get_data(as_text=True))
        assert not parser.problems, (path, parser.problems)
        for href in parser.links:
            parts = urlsplit(urljoin("http://localhost" + path, href))
            if parts.netloc not in ("", "localhost") or parts.path.startswith(("/lang/", "/static/")):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and not re.search(r"\.(xlsx|csv|png|pdf)$|fmt=xlsx|/export", target):
                queue.append(target)
    return statuses


START = ["/", "/listings", "/products", "/orgs/", "/search?q=hoi", "/auth/login", "/auth/signup"]


@pytest.mark.parametrize("who", [None, "htx.hoi@demo.langson.vn", "dn.chebien@demo.langson.vn",
                                 "so@demo.langson.vn", "cuahang@demo.langson.vn"])
def test_every_page_of_the_demo_market_has_the_headers_and_no_inline_code(app, client, demo, who):
    start = list(START)
    if who:
        with app.app_context():
            user_id = db.session.scalar(db.select(User.id).where(User.email == who))
        log_in(client, user_id)
        start += ["/workspace/", "/contracts/", "/sourcing/", "/orders/", "/inbox/", "/auth/account",
                  "/dashboard/", "/department/queue"]
    statuses = crawl(client, start)
    assert sum(1 for status in statuses.values() if status == 200) >= 15, statuses


def test_json_errors_redirects_and_static_files_have_the_headers(client, app, factory):
    for path in ("/api/v1/search?q=hoi", "/no-such-page", "/contracts/", "/static/css/site.css",
                 "/api/v1/no-such-thing"):
        response = client.get(path, buffered=True)
        assert_security_headers(response, path)
    forbidden = client.post("/auth/logout")  # no CSRF token: a 400 page
    assert forbidden.status_code == 400
    assert_security_headers(forbidden, "/auth/logout")


def test_the_map_tile_host_is_the_only_outside_image_origin():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "MAP_TILE_HOST": None, "MAP_TILE_URL": "https://{s}.tiles.example.vn/{z}/{x}/{y}.png"})
    policy = app.test_client().get("/static/css/site.css", buffered=True).headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.vn;" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
