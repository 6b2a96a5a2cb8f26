"""The search page and GET /api/v1/search on the embedded engine (the engine contract itself is in
tests/search): shareable URLs, facets, chips, highlights, bad input, and an empty result's advice."""
import pytest

from market.extensions import db
from market.models import Organisation
from market.search import sync
from market.services import demo_market
from tests.conftest import built_once


def load_demo(factory) -> bool:
    with factory.app.app_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        db.session.commit()
    return True


@pytest.fixture(scope="module")
def _demo_once(app):
    yield from built_once(app, load_demo)


@pytest.fixture
def demo(app, factory, _demo_once):
    """The demo market (loaded once per module on SQLite), indexed afresh for each test: the index lives
    outside the database, so a test's edits would otherwise outlive it there."""
    if not _demo_once:
        load_demo(factory)
    with app.app_context():
        sync.reindex()
    return app


def titles(body):
    return [hit["title"] for hit in body["hits"]]


def test_folded_query_finds_vietnamese_text(client, demo):
    body = client.get("/api/v1/search?q=hoi&kind=listing").get_json()
    assert body["total"] == 3
    assert all("hồi" in t.lower() for t in titles(body))
    assert {h["kind"] for h in body["hits"]} == {"listing"}
    # The same query with diacritics gives the same answer.
    assert client.get("/api/v1/search?q=h%E1%BB%93i&kind=listing").get_json()["total"] == 3


def test_api_shape_and_facet_counts(client, demo):
    body = client.get("/api/v1/search?q=hoi").get_json()
    assert set(body) >= {"total", "hits", "facets"}
    hit = body["hits"][0]
    assert set(hit) >= {"id", "kind", "title", "url"}
    assert hit["url"].startswith(("/listings/", "/products/", "/orgs/"))
    kinds = dict((f["value"], f["count"]) for f in body["facets"]["kind"])
    assert sum(kinds.values()) == body["total"]


def test_two_filters_narrow_and_combine(client, demo):
    everything = client.get("/api/v1/search?kind=listing").get_json()["total"]
    hoi = client.get("/api/v1/search?kind=listing&crop=hoi").get_json()
    narrowed = client.get("/api/v1/search?kind=listing&crop=hoi&cert=organic").get_json()
    assert everything > hoi["total"] > narrowed["total"] >= 1
    # Both listings drawing on the organic zone LS-VQ-HOI-0001, not the spring crop from the other zone.
    assert set(titles(narrowed)) == {"Hoa hồi khô vụ mùa, hữu cơ", "Tinh dầu hồi chưng cất"}
    either = client.get("/api/v1/search?kind=listing&crop=hoi&crop=na").get_json()["total"]
    na = client.get("/api/v1/search?kind=listing&crop=na").get_json()["total"]
    assert either == hoi["total"] + na


def test_retail_shelf_is_four_and_five_stars_with_valid_certificates(client, demo):
    body = client.get("/api/v1/search?retail=1").get_json()
    assert body["total"] >= 1
    assert all(h["kind"] == "product" and h["stars"] in (4, 5) and h["certificate_valid"] for h in body["hits"])


def test_sort_by_price(client, demo):
    prices = [h["price"] for h in client.get("/api/v1/search?kind=listing&sort=price_asc").get_json()["hits"]]
    priced = [p for p in prices if p is not None]
    assert priced == sorted(priced)
    assert prices[len(priced):] == [None] * (len(prices) - len(priced))  # negotiable last


def test_page_shows_facets_chips_highlights_and_keeps_the_url_shareable(client, demo):
    client.get("/lang/en")
    html = client.get("/search?q=hoi&crop=hoi&kind=listing").get_data(as_text=True)
    assert "<mark>hồi</mark>" in html or "<mark>Hồi</mark>" in html
    assert 'name="crop" value="hoi" checked' in html
    # A chip removes its own filter and keeps the rest.
    assert 'href="/search?q=hoi&amp;kind=listing"' in html
    assert "3 results" in html


def test_htmx_style_request_gets_only_the_results(client, demo):
    response = client.get("/search?q=hoi", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)


def test_empty_result_suggests_what_to_loosen(client, demo):
    client.get("/lang/en")
    html = client.get("/search?q=hoi&crop=na").get_data(as_text=True)
    assert "Nothing matches." in html
    assert "without the filter Crop" in html
    assert 'href="/search?q=hoi"' in html


@pytest.mark.parametrize("args, field", [
    ("page=-1", "page"), ("page=abc", "page"), ("page=100000", "page"), ("sort=cheapest", "sort"),
    ("colour=red", "filter"), ("stars=7", "stars"), ("month=13", "month"), ("kind=tractor", "kind"),
    ("price_min=50&price_max=10", "price_max"), ("q=" + "a" * 501, "q"),
])
def test_bad_arguments_get_a_clear_json_error(client, demo, args, field):
    response = client.get(f"/api/v1/search?{args}")
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    page = client.get(f"/search?{args}")
    assert page.status_code == 400
    assert 'class="flash flash-error"' in page.get_data(as_text=True)


@pytest.mark.parametrize("text", ["", "   ", "!!!", "' OR 1=1 --", '"*', "NEAR(", "<script>alert(1)</script>",
                                  "a" * 500])
def test_odd_text_never_fails(client, demo, text):
    response = client.get("/api/v1/search", query_string={"q": text})
    assert response.status_code == 200
    page = client.get("/search", query_string={"q": text})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)


def test_page_past_the_end_is_empty_with_the_total(client, demo):
    body = client.get("/api/v1/search?kind=listing&page=50").get_json()
    assert body["hits"] == [] and body["total"] > 0


def test_an_edit_reaches_the_index_after_commit(client, demo):
    with demo.app_context():
        org = db.session.scalar(db.select(Organisation).where(Organisation.name == "HTX Na Chi Lăng"))
        org.name = "HTX Na dai Chi Lăng"
        db.session.commit()
    body = client.get("/api/v1/search?q=na%20dai%20chi%20lang&kind=organisation").get_json()
    assert titles(body) == ["HTX Na dai Chi Lăng"]
