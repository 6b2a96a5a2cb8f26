"""Light on slow networks, maps and offline reading: what the server sends (compression, hashed static
names and their cache lifetimes, Cache-Control on pages, the shared anonymous page cache, the zone map's
data, the manifest and the service worker)."""
import json
import re

import pytest

from market.extensions import db
from market.models import GrowingZone
from market.web import cache
from tests.conftest import csrf_token, log_in


def _static_url(html: str, name: str) -> str:
    match = re.search(r'/static/%s\.([0-9a-f]{12})\.%s' % tuple(name.rsplit(".", 1)), html)
    assert match, f"no hashed {name} in the page"
    return match.group(0)


def test_pages_are_compressed_when_the_browser_accepts_it(client):
    plain = client.get("/auth/login")
    assert "Content-Encoding" not in plain.headers
    for encoding in ("br", "gzip"):
        packed = client.get("/auth/login", headers={"Accept-Encoding": encoding})
        assert packed.headers["Content-Encoding"] == encoding
        assert len(packed.data) < len(plain.data) / 2


def test_static_files_have_content_hashed_names_kept_a_year(client, app):
    html = client.get("/").get_data(as_text=True)
    css = _static_url(html, "css/site.css")
    response = client.get(css)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    with open(app.static_folder + "/css/site.css", "rb") as f:
        assert response.data == f.read()
    response.close()
    # An old or made-up hash is not the file: 404, never a year-long cache of the wrong content.
    assert client.get("/static/css/site.000000000000.css").status_code == 404
    # The plain name still works, revalidated every time.
    plain = client.get("/static/css/site.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers.get("Cache-Control", "")
    plain.close()


def test_dynamic_pages_are_private_and_revalidated(client):
    response = client.get("/listings")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response.headers["Vary"]


@pytest.fixture
def page_cache(app):
    app.config["PAGE_CACHE_SECONDS"] = 30
    with app.app_context():
        cache.clear()
    yield
    app.config["PAGE_CACHE_SECONDS"] = 0
    with app.app_context():
        cache.clear()


def test_anonymous_public_pages_are_shared_until_a_write(client, app, factory, page_cache):
    org = factory.org(name="HTX Thử Bộ Nhớ")
    zone = factory.zone(org)
    listing = factory.listing(org, [zone], title="Mật ong lô một")
    first = client.get("/listings").get_data(as_text=True)
    assert "Mật ong lô một" in first
    # A change behind the app's back (not through its session): visitors still get the shared page.
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(db.text("UPDATE supply_listing SET title = 'Mật ong lô hai' WHERE id = :id"), {"id": listing})
    assert client.get("/listings").get_data(as_text=True) == first
    # A committed write through the session drops every shared page: the next visitor sees both changes.
    factory.listing(org, [zone], title="Mật ong lô ba")
    fresh = client.get("/listings").get_data(as_text=True)
    assert "Mật ong lô hai" in fresh and "Mật ong lô ba" in fresh and "Mật ong lô một" not in fresh


def test_members_always_get_a_fresh_page(client, factory, page_cache):
    org = factory.org()
    user = factory.member(org)
    log_in(client, user)

    def shared_pages():
        with client.application.app_context():
            return {k for k in cache.cache._cache if str(k).startswith("page:")}

    before = shared_pages()
    client.get("/listings")
    assert shared_pages() == before
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/account")})
    client.get("/listings")  # shows the "logged out" message: this one is the visitor's own
    assert shared_pages() == before
    client.get("/listings")
    assert len(shared_pages() - before) == 1


def test_zone_page_and_listing_page_carry_their_map_points(client, factory):
    org = factory.org()
    zone = factory.zone(org, code="LS-MAP-0001")
    listing = factory.listing(org, [zone])
    # Without coordinates there is no map.
    assert "data-points" not in client.get("/zones/LS-MAP-0001").get_data(as_text=True)
    with client.application.app_context():
        row = db.session.get(GrowingZone, zone)
        row.latitude, row.longitude = 21.857, 106.553
        db.session.commit()
    html = client.get("/zones/LS-MAP-0001").get_data(as_text=True)
    points = json.loads(re.search(r"data-points='([^']*)'", html).group(1))
    assert points[0]["code"] == "LS-MAP-0001" and points[0]["lat"] == 21.857 and points[0]["cert"] == "none"
    assert 'data-tiles=""' in html  # tests never reach a tile server
    assert "<script>" not in html and " style=" not in html.split("<main", 1)[1]
    listing_html = client.get(f"/listings/{listing}").get_data(as_text=True)
    assert "LS-MAP-0001" in re.search(r"data-points='([^']*)'", listing_html).group(1)


def test_zone_map_shows_what_each_visitor_may_see(client, factory):
    verified = factory.org(name="HTX Đã Xác Minh")
    pending = factory.org(name="HTX Chờ Duyệt", status="pending")
    for org, code, lat in ((verified, "LS-MAP-V", 21.8), (pending, "LS-MAP-P", 21.9)):
        zone = factory.zone(org, code=code)
        with client.application.app_context():
            row = db.session.get(GrowingZone, zone)
            row.latitude, row.longitude = lat, 106.7
            db.session.commit()
    factory.certificate(db_zone_id(client, "LS-MAP-V"))
    codes = {z["code"]: z for z in client.get("/map/zones.json").get_json()["zones"]}
    assert set(codes) == {"LS-MAP-V"} and codes["LS-MAP-V"]["cert"] == "certified"
    log_in(client, factory.department_staff())
    assert {z["code"] for z in client.get("/map/zones.json").get_json()["zones"]} == {"LS-MAP-V", "LS-MAP-P"}
    assert [z["code"] for z in client.get("/map/zones.json?cert=none").get_json()["zones"]] == ["LS-MAP-P"]
    page = client.get("/map/?cert=certified").get_data(as_text=True)
    assert "LS-MAP-V" in page and "LS-MAP-P" not in page


def db_zone_id(client, code: str) -> int:
    with client.application.app_context():
        return db.session.scalar(db.select(GrowingZone.id).where(GrowingZone.code == code))


def test_manifest_service_worker_and_offline_page(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = json.loads(manifest.data)
    assert body["start_url"] == "/" and body["display"] == "standalone"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in body["icons"]}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/sw.js")
    assert worker.mimetype == "text/javascript" and worker.headers["Service-Worker-Allowed"] == "/"
    source = worker.get_data(as_text=True)
    assert "__SHELL__" not in source and re.search(r'/static/css/site\.[0-9a-f]{12}\.css', source)
    assert '"/offline?form=1"' in source
    offline = client.get("/offline?form=1").get_data(as_text=True)
    assert "Không có mạng" in offline or "không có mạng" in offline
    home = client.get("/").get_data(as_text=True)
    assert 'rel="manifest"' in home and 'data-sw="/sw.js"' in home
