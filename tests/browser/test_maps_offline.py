"""Maps draw the zones with Leaflet (and the list says the same without JavaScript); a member's visited
pages stay readable offline through the service worker, and a form says it cannot be sent."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import SupplyListing, User
from market.services import demo_market
from tests.conftest import signed_in_cookie

pytestmark = pytest.mark.browser


def _seed(app) -> dict:
    with app.app_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        db.session.commit()
        listing = db.session.scalar(sa.select(SupplyListing).where(SupplyListing.title == "Hoa hồi khô vụ mùa, hữu cơ"))
        owner = db.session.scalar(sa.select(User.id).where(User.email == "htx.hoi@demo.langson.vn"))
        return {"listing": listing.id, "zones": [z.code for z in listing.zones], "owner": owner,
                "org": listing.organisation_id}


def _log_in(context, app, base, user_id):
    context.add_cookies([signed_in_cookie(app, user_id, base)])


def test_listing_map_draws_its_zones_on_wide_screens_and_on_a_tap_on_phones(browser, live_server, app):
    demo = _seed(app)
    wide = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768})
    page = wide.new_page()
    page.goto(f"/listings/{demo['listing']}")
    page.wait_for_selector(".map.map-ready path.leaflet-interactive")
    assert page.locator(".map path.leaflet-interactive").count() == len(demo["zones"])
    wide.close()

    phone = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = phone.new_page()
    leaflet = []
    page.on("request", lambda r: leaflet.append(r.url) if "leaflet" in r.url else None)
    page.goto(f"/listings/{demo['listing']}")
    assert leaflet == []  # 45 kB saved until asked for
    assert not page.locator(".map").is_visible()
    page.click("button.show-map")
    page.wait_for_selector(".map.map-ready path.leaflet-interactive")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.close()

    # Without JavaScript: no map, and the zones are all listed with links.
    plain = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = plain.new_page()
    page.goto(f"/listings/{demo['listing']}")
    assert not page.locator(".map").is_visible()
    for code in demo["zones"]:
        assert page.locator(f"a:has-text('{code}')").count() >= 1
    plain.close()


def test_visited_pages_read_offline_and_forms_say_they_cannot_be_sent(browser, live_server, app):
    demo = _seed(app)
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, locale="vi-VN")
    _log_in(context, app, live_server, demo["owner"])
    page = context.new_page()
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the worker's control
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    kept = "caches.open('market-pages').then(c => c.match(location.href)).then(Boolean)"
    page.goto(f"/listings/{demo['listing']}")
    title = page.locator("h1").inner_text()
    page.wait_for_function(kept)
    page.goto(f"/workspace/{demo['org']}/")
    workspace = page.locator("h1").inner_text()
    page.wait_for_function(kept)

    context.set_offline(True)
    page.goto(f"/listings/{demo['listing']}")
    assert page.locator("h1").inner_text() == title
    assert page.locator(".offline-banner").is_visible()
    page.goto(f"/workspace/{demo['org']}/")
    assert page.locator("h1").inner_text() == workspace
    # A page never opened: the offline page, in Vietnamese.
    page.goto("/orgs/")
    assert page.locator("h1").inner_text() == "Bạn đang ngoại tuyến"
    # A form: not sent, what was typed stays, and the page says why.
    context.set_offline(False)
    page.goto(f"/workspace/{demo['org']}/listings/new")
    page.fill("#title", "Hồi tươi gửi khi mất mạng")
    context.set_offline(True)
    page.click("form.form button[type=submit]")
    alert = page.locator(".offline-form")
    alert.wait_for()
    assert "không có mạng" in alert.inner_text()
    assert page.input_value("#title") == "Hồi tươi gửi khi mất mạng"
    context.close()
