"""Keeping the index in step with the database (market/search/sync.py), on both engines and both databases:
changes are queued in the outbox inside the transaction, pushed after the commit, and kept (with the error)
when the engine is down, until `flask search sync` or `flask search reindex` catches up."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import gettext

from market.clock import today
from market.extensions import db
from market.models import (
    Certificate,
    CertificateKind,
    GrowingZone,
    ListingStatus,
    OcopProduct,
    Organisation,
    OrgKind,
    OrgStatus,
    ProductStatus,
    SearchOutbox,
    ShopOrder,
    SupplyListing,
    User,
)
from market.models.types import utcnow
from market.search import SearchQuery, get_backend, set_backend, sync
from market.search.elastic import ElasticsearchBackend
from market.services import listings, orders, organisations, products, zones
from market.text import name_key
from tests.conftest import log_in, submit
from tests.factories import crop_id, listing_data

# Both engines: the outbox is written by an after_flush hook in the transaction and pushed after the commit.
pytestmark = pytest.mark.both_engines

UNAVAILABLE = "Search is unavailable for a moment. Your changes are saved and will appear when it is back."


@pytest.fixture
def use_backend(app, monkeypatch):
    """Swap the app's search engine for the test; the original comes back afterwards. The push back-off
    that sync keeps at module level after a failure is reset, so one test's failures never leak."""
    original = app.extensions.get("market.search")
    monkeypatch.setattr(sync, "_backoff_until", 0.0)

    def use(backend):
        set_backend(app, backend)
        sync._backoff_until = 0.0
        return backend

    yield use
    set_backend(app, original)


@pytest.fixture
def searching(engine, use_backend):
    """The app searches and indexes through this test's `engine`."""
    return use_backend(engine)


def found(engine, text: str = "", **filters) -> set[str]:
    engine.refresh()
    return {hit.key for hit in engine.search(SearchQuery(text=text, filters=filters, per_page=50)).hits}


def outbox_rows(app) -> list[SearchOutbox]:
    with app.app_context():
        rows = db.session.scalars(sa.select(SearchOutbox).order_by(SearchOutbox.id)).all()
        db.session.expunge_all()
        return rows


def listing_form(app, zone_id: int, title: str) -> dict:
    """The workspace's listing form as a browser posts it."""
    on = today()
    with app.app_context():
        hoi = crop_id("hoi")
    return {"title": title, "crop_id": str(hoi), "product_form": "dried", "zone_ids": [str(zone_id)],
            "harvest_start": (on + timedelta(days=10)).isoformat(),
            "harvest_end": (on + timedelta(days=70)).isoformat(), "quantity": "12", "unit": "tan", "grade": "",
            "price_per_unit": "95000", "min_order_qty": "", "ends_on": "", "description": ""}


def listing_rows(app) -> list[SupplyListing]:
    with app.app_context():
        rows = db.session.scalars(sa.select(SupplyListing).order_by(SupplyListing.id)).all()
        db.session.expunge_all()
        return rows


def retry_now() -> None:
    """Forget the back-off, so that the next commit tries the engine again."""
    sync._backoff_until = 0.0


def seller(factory, cat, name="HTX Hồi Pác Cáp", code="LS-VQ-HOI-0101", **org) -> tuple[int, int, int]:
    """A verified cooperative, its owner and one verified star-anise zone."""
    org_id = factory.org(name=name, **org)
    return org_id, factory.member(org_id), cat.zone(org_id, code=code)


# --- pushed after commit ----------------------------------------------------------------------------------

def test_a_saved_listing_is_queued_in_its_transaction_and_pushed_after_commit(app, factory, cat, engine, searching):
    org_id, owner_id, zone_id = seller(factory, cat)
    assert outbox_rows(app) == []
    with app.test_request_context():
        actor, org = db.session.get(User, owner_id), db.session.get(Organisation, org_id)
        listing = listings.create_listing(actor, org, listing_data([zone_id], title="Hoa hồi Bản Chang"))
        listings.change_status(actor, listing, ListingStatus.OPEN)
        db.session.flush()
        key = f"listing:{listing.id}"
        queued = db.session.scalars(sa.select(SearchOutbox.doc_key)).all()
        assert key in queued, "the outbox row is written in the same transaction"
        assert key not in found(engine, "ban chang"), "nothing reaches the engine before the commit"
        db.session.commit()
    assert outbox_rows(app) == [], "the commit pushed the queue and emptied it"
    assert key in found(engine, "ban chang")
    assert key in found(engine, "Bản Chang", crop=["hoi"], commune=["Văn Quan"])
    [hit] = [h for h in engine.search(SearchQuery(text="ban chang")).hits if h.key == key]
    assert hit.title == "Hoa hồi Bản Chang" and hit.data["seller"] == "HTX Hồi Pác Cáp"


def test_a_rolled_back_change_queues_nothing(app, factory, cat, engine, searching):
    org_id, owner_id, zone_id = seller(factory, cat)
    with app.test_request_context():
        actor, org = db.session.get(User, owner_id), db.session.get(Organisation, org_id)
        listings.create_listing(actor, org, listing_data([zone_id], title="Hoa hồi bỏ dở"))
        db.session.flush()
        db.session.rollback()
    assert outbox_rows(app) == []
    assert found(engine, "bo do") == set()


def test_a_listing_that_closes_leaves_the_index(app, factory, cat, engine, searching):
    org_id, owner_id, zone_id = seller(factory, cat)
    listing_id = cat.listing(org_id, [zone_id], title="Hoa hồi Khau Phạ")
    key = f"listing:{listing_id}"
    assert key in found(engine, "khau pha")
    with app.test_request_context():
        listings.change_status(db.session.get(User, owner_id), db.session.get(SupplyListing, listing_id),
                               ListingStatus.CLOSED)
        db.session.commit()
    assert key not in found(engine, "khau pha") and key not in found(engine)
    assert outbox_rows(app) == []


def test_a_draft_is_not_indexed_until_published(app, factory, cat, engine, searching):
    org_id, owner_id, zone_id = seller(factory, cat)
    listing_id = cat.listing(org_id, [zone_id], title="Hoa hồi Khau Phạ", status=ListingStatus.DRAFT)
    assert f"listing:{listing_id}" not in found(engine)
    with app.test_request_context():
        listings.change_status(db.session.get(User, owner_id), db.session.get(SupplyListing, listing_id),
                               ListingStatus.OPEN)
        db.session.commit()
    assert f"listing:{listing_id}" in found(engine, "khau pha")


def test_a_withdrawn_product_leaves_the_index(app, factory, cat, engine, searching):
    org_id, owner_id, _zone = seller(factory, cat)
    product_id = cat.product(org_id, name="Tinh dầu hồi Khau Phạ", stars=5)
    key = f"product:{product_id}"
    assert key in found(engine, "tinh dau", kind=["product"])
    with app.test_request_context():
        products.change_status(db.session.get(User, owner_id), db.session.get(OcopProduct, product_id),
                               ProductStatus.WITHDRAWN)
        db.session.commit()
    assert key not in found(engine, "tinh dau")
    assert outbox_rows(app) == []


def test_a_seller_that_loses_its_verification_leaves_the_index(app, factory, cat, engine, searching):
    org_id, _owner, zone_id = seller(factory, cat)
    listing_id = cat.listing(org_id, [zone_id], title="Hoa hồi Khau Phạ")
    product_id = cat.product(org_id, name="Tinh dầu hồi Khau Phạ")
    mine = {f"listing:{listing_id}", f"product:{product_id}", f"organisation:{org_id}"}
    assert mine <= found(engine)
    staff_id = factory.department_staff()
    with app.test_request_context():
        organisations.reject_organisation(db.session.get(User, staff_id), db.session.get(Organisation, org_id),
                                          "Giấy phép kinh doanh đã hết hạn")
        db.session.commit()
    assert not mine & found(engine), "its listings, products and profile all leave"
    assert outbox_rows(app) == []


def test_renaming_an_organisation_reindexes_its_listings(app, factory, cat, engine, searching):
    org_id, _owner, zone_id = seller(factory, cat, name="HTX Hồi Pác Cáp")
    listing_id = cat.listing(org_id, [zone_id], title="Hoa hồi khô vụ mùa")
    product_id = cat.product(org_id, name="Tinh dầu hồi")
    keys = {f"listing:{listing_id}", f"product:{product_id}", f"organisation:{org_id}"}
    assert keys <= found(engine, "pac cap")
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        org.name, org.name_key = "HTX Hồi Mẫu Sơn", name_key("HTX Hồi Mẫu Sơn")
        db.session.commit()
    assert keys <= found(engine, "mau son")
    assert not keys & found(engine, "pac cap")
    sellers = {h.key: h.data["seller"] for h in engine.search(SearchQuery(text="mau son")).hits}
    assert {sellers[k] for k in keys} == {"HTX Hồi Mẫu Sơn"}


def test_a_certificate_recall_changes_the_cert_facet(app, factory, cat, engine, searching):
    org_id, _owner, zone_id = seller(factory, cat)
    cat.certificate(zone_id, kind=CertificateKind.PLANTING_AREA_CODE)
    vietgap = cat.certificate(zone_id, kind=CertificateKind.VIETGAP)
    listing_id = cat.listing(org_id, [zone_id], title="Hoa hồi Khau Phạ")
    key = f"listing:{listing_id}"
    assert key in found(engine, cert=["vietgap"])
    facets = dict(engine.search(SearchQuery(text="khau pha")).facets["cert"])
    assert facets == {"vietgap": 1, "planting_area_code": 1}
    staff_id = factory.department_staff()
    with app.test_request_context():
        zones.recall_certificate(db.session.get(User, staff_id), db.session.get(Certificate, vietgap),
                                 "Vi phạm quy trình sản xuất VietGAP")
        db.session.commit()
    assert key not in found(engine, cert=["vietgap"])
    assert key in found(engine, cert=["planting_area_code"]) and key in found(engine, "khau pha")
    facets = dict(engine.search(SearchQuery(text="khau pha")).facets["cert"])
    assert facets == {"planting_area_code": 1}
    assert outbox_rows(app) == []


def test_a_zone_recall_marks_its_listing_and_product_recalled_until_it_is_lifted(app, factory, cat, engine,
                                                                                 searching):
    """services/holds.py: a recalled zone's listing loses its certificates and is no longer available; the
    product grown there too. The recall and its lifting reach the index through the outbox."""
    from market.services import recalls

    org_id, _owner, zone_id = seller(factory, cat)
    cat.certificate(zone_id, kind=CertificateKind.VIETGAP)
    listing_id = cat.listing(org_id, [zone_id], title="Hoa hồi Khau Phạ")
    product_id = cat.product(org_id, [zone_id], name="Tinh dầu hồi Khau Phạ")
    keys = {f"listing:{listing_id}", f"product:{product_id}"}

    def recalled() -> dict[str, bool]:
        engine.refresh()
        return {h.key: h.data.get("recalled") for h in engine.search(SearchQuery(text="khau pha")).hits}

    assert recalled() == dict.fromkeys(keys, False) and f"listing:{listing_id}" in found(engine, cert=["vietgap"])
    staff_id = factory.department_staff()
    with app.test_request_context():
        zone = db.session.get(GrowingZone, zone_id)
        recalls.recall(db.session.get(User, staff_id), zone, "Phát hiện sai lệch khi kiểm tra thực địa")
        db.session.commit()
    assert recalled() == dict.fromkeys(keys, True)
    assert f"listing:{listing_id}" not in found(engine, cert=["vietgap"])
    with app.test_request_context():
        zone = db.session.get(GrowingZone, zone_id)
        recalls.lift(db.session.get(User, staff_id), zone, "Đã khắc phục, kiểm tra lại đạt yêu cầu")
        db.session.commit()
    assert recalled() == dict.fromkeys(keys, False) and f"listing:{listing_id}" in found(engine, cert=["vietgap"])
    assert outbox_rows(app) == []


def test_a_zone_edit_reaches_its_listings(app, factory, cat, engine, searching):
    """A zone's code is in its listings' text: changing the zone re-indexes them."""
    org_id, _owner, zone_id = seller(factory, cat, code="LS-VQ-HOI-0101")
    listing_id = cat.listing(org_id, [zone_id], title="Hoa hồi Khau Phạ")
    assert f"listing:{listing_id}" in found(engine, "0101")
    with app.app_context():
        db.session.get(GrowingZone, zone_id).code = "LS-VQ-HOI-0777"
        db.session.commit()
    assert f"listing:{listing_id}" in found(engine, "0777")
    assert f"listing:{listing_id}" not in found(engine, "0101")


def test_labels_are_indexed_in_vietnamese_whoever_saves(request, app, client, factory, cat, engine, searching):
    """documents._vi() promises labels "in Vietnamese and English both ... so buyers find either"; the same
    listing must be indexed alike by the CLI (Vietnamese) and by a member who reads the site in English."""
    org_id, owner_id, zone_id = seller(factory, cat)
    cat.certificate(zone_id, kind=CertificateKind.ORGANIC)
    log_in(client, owner_id)
    client.get("/lang/en")
    form = listing_form(app, zone_id, "Hồi Bản Chang vụ tháng mười")
    assert submit(client, f"/workspace/{org_id}/listings/new", form).status_code == 302
    [listing] = listing_rows(app)
    assert submit(client, f"/workspace/{org_id}/listings/{listing.id}/status", {"status": "open"},
                  form_page=f"/workspace/{org_id}/").status_code == 302
    key = f"listing:{listing.id}"
    assert key in found(engine, "ban chang")
    assert key in found(engine, "ban chang kho") and key in found(engine, "ban chang huu co")


# --- Elasticsearch down, then back ------------------------------------------------------------------------

def test_with_elasticsearch_down_saves_work_and_sync_catches_up(app, client, factory, cat, elastic, use_backend,
                                                                  runner):
    dead = use_backend(ElasticsearchBackend("http://127.0.0.1:1", alias=elastic.alias, timeout=1))
    org_id, owner_id, zone_id = seller(factory, cat)
    log_in(client, owner_id)

    # Saving through the pages: a redirect, never a 500, and the listing is in the database.
    retry_now()
    response = submit(client, f"/workspace/{org_id}/listings/new", listing_form(app, zone_id, "Hoa hồi Khau Phạ"))
    assert response.status_code == 302
    [first] = listing_rows(app)
    retry_now()
    response = submit(client, f"/workspace/{org_id}/listings/{first.id}/status", {"status": "open"},
                      form_page=f"/workspace/{org_id}/")
    assert response.status_code == 302
    assert listing_rows(app)[0].status == ListingStatus.OPEN

    # Saving through a service and committing: no exception.
    retry_now()
    with app.test_request_context():
        actor, org = db.session.get(User, owner_id), db.session.get(Organisation, org_id)
        second = listings.create_listing(actor, org, listing_data([zone_id], title="Hồi tươi Bản Chang"))
        listings.change_status(actor, second, ListingStatus.OPEN)
        db.session.commit()
        second_id = second.id
    wanted = {f"listing:{first.id}", f"listing:{second_id}", f"organisation:{org_id}"}

    # Nothing was lost: every change waits in the outbox, with the attempt and the error.
    rows = outbox_rows(app)
    assert wanted <= {row.doc_key for row in rows}
    assert all(row.attempts >= 1 for row in rows), [(r.doc_key, r.attempts) for r in rows]
    assert all(row.last_error and "connect" in row.last_error.lower() for row in rows), rows[0].last_error
    assert sync._backoff_until > 0, "later commits back off instead of waiting on a dead host"

    # Searches say so: 503 with a clear message, as JSON and as a page.
    with app.test_request_context():
        message = gettext(UNAVAILABLE)
    response = client.get("/api/v1/search?q=hoi")
    assert response.status_code == 503 and response.is_json
    assert response.get_json() == {"error": {"status": 503, "code": "unavailable", "message": message}}  # the API's one shape
    page = client.get("/search?q=hoi")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert message in page.get_data(as_text=True)
    assert client.get("/search?q=hoi", headers={"HX-Request": "true"}).status_code == 503

    # The health check serves (200) and says "degraded".
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "degraded" and body["database"]["ok"] is True
    assert body["search"]["ok"] is False and body["search"]["engine"] == "elasticsearch"
    assert body["search"]["outbox"]["queued"] == len(rows)
    assert dead.health()["ok"] is False

    # Back on the real node: `flask search sync` pushes everything and empties the outbox.
    use_backend(elastic)
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert re.search(r"search sync: \d+ indexed", result.output)
    assert outbox_rows(app) == []
    assert wanted <= found(elastic)
    assert {f"listing:{first.id}", f"listing:{second_id}"} <= found(elastic, "khau pha") | found(elastic, "ban chang")
    response = client.get("/api/v1/search?q=hoi&kind=listing")
    assert response.status_code == 200
    assert {hit["id"] for hit in response.get_json()["hits"]} == {first.id, second_id}
    assert client.get("/search?q=hoi").status_code == 200
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_flask_search_sync_reports_a_dead_engine_and_keeps_the_queue(app, factory, cat, elastic, use_backend, runner):
    use_backend(ElasticsearchBackend("http://127.0.0.1:1", alias=elastic.alias, timeout=1))
    seller(factory, cat)
    queued = len(outbox_rows(app))
    assert queued
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 1
    assert "stay queued" in result.output
    assert len(outbox_rows(app)) == queued
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 1 and "cannot be reached" in result.output
    assert len(outbox_rows(app)) == queued


# --- flask search reindex ---------------------------------------------------------------------------------

def test_flask_search_reindex_rebuilds_from_the_database(app, factory, cat, engine, use_backend, runner, monkeypatch):
    use_backend(engine)
    engine.index([{**_stale_doc(), "key": "listing:999999", "object_id": 999999}])  # gone from the database
    monkeypatch.setitem(app.config, "SEARCH_SYNC_ON_COMMIT", False)  # every change below stays queued

    coop, _owner, zone = seller(factory, cat, name="HTX Hồi Bình Độ", code="LS-VQ-HOI-0201")
    other = factory.org(name="HTX Na Đồng Bành", commune="Chi Lăng")
    other_zone = cat.zone(other, code="LS-CL-NA-0202", crop="na", commune="Chi Lăng")
    pending = factory.org(name="HTX Hồi chờ duyệt", status=OrgStatus.PENDING)
    pending_zone = cat.zone(pending, code="LS-VQ-HOI-0203")
    factory.department_staff()  # an authority: never in the index

    public = {f"organisation:{coop}", f"organisation:{other}"}
    public.add(f"listing:{cat.listing(coop, [zone], title='Hoa hồi khô Bình Độ')}")
    public.add(f"listing:{cat.listing(coop, [zone], title='Hồi tươi Bình Độ', status=ListingStatus.SOLD_OUT)}")
    public.add(f"listing:{cat.listing(other, [other_zone], crop='na', title='Na dai', status=ListingStatus.RESERVED)}")
    public.add(f"product:{cat.product(coop, name='Tinh dầu hồi Bình Độ')}")
    cat.listing(coop, [zone], title="Bản nháp", status=ListingStatus.DRAFT)
    cat.listing(coop, [zone], title="Đã đóng", status=ListingStatus.CLOSED)
    cat.listing(pending, [pending_zone], title="Chưa được duyệt")
    cat.product(coop, name="Sản phẩm nháp", status=ProductStatus.DRAFT)
    cat.product(pending, name="Sản phẩm chờ duyệt")

    queued = outbox_rows(app)
    assert queued, "the changes were queued, not pushed"
    assert get_backend(app) is engine

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"search reindex: {len(public)} documents in the new index" in result.output
    engine.refresh()
    assert engine.count() == len(public) == 6
    assert found(engine) == public
    assert outbox_rows(app) == [], "what was queued before the rebuild is in the new index"
    if engine.name == "elasticsearch":
        assert len(engine.client.indices.get_alias(name=engine.alias)) == 1

    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 0 and "'ok': True" in status.output and "'queued': 0" in status.output


def _stale_doc() -> dict:
    from tests.search.test_contract import market_docs

    return market_docs()[0]


def test_checkout_and_expiry_move_the_stock_the_index_shows(app, factory, cat, shop, engine, searching):
    """Checkout takes stock with one conditional UPDATE (no flush hook sees it): the product's document
    must still follow, or search shows units that are gone."""
    org_id, _owner_id, _zone = seller(factory, cat)
    product_id = shop.product(org_id, stock=50, name="Tinh dầu hồi Pác Cáp")
    buyer_id = shop.buyer(kind=OrgKind.TOURIST_SHOP)
    user_id = shop.member(buyer_id)

    def stock_in_index() -> int:
        engine.refresh()
        hits = engine.search(SearchQuery(text="tinh dau hoi pac cap", filters={"kind": ["product"]}, per_page=5)).hits
        return next(h.data["stock"] for h in hits if h.key == f"product:{product_id}")

    assert stock_in_index() == 50
    (order_id,) = shop.place(user_id, buyer_id, {product_id: 3})
    assert stock_in_index() == 47
    assert outbox_rows(app) == []
    with app.app_context():  # the reservation runs out unpaid: the stock comes back, in the index too
        db.session.get(ShopOrder, order_id).reserved_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
        orders.expire_unpaid_orders()
        db.session.commit()
    assert stock_in_index() == 50


def test_a_listing_whose_harvest_ended_yesterday_is_queued_and_no_longer_available(app, factory, cat, engine,
                                                                                      searching):
    org_id, owner_id, zone_id = seller(factory, cat)
    with app.test_request_context():
        actor, org = db.session.get(User, owner_id), db.session.get(Organisation, org_id)
        listing = listings.create_listing(actor, org, listing_data([zone_id], title="Hoa hồi Khuổi Phầy"))
        listings.change_status(actor, listing, ListingStatus.OPEN)
        db.session.commit()
        key, ends = f"listing:{listing.id}", listing.harvest_end
    [doc] = _documents(app, key, ends)
    assert doc["available"] is True, "its last harvest day: still in season"
    with app.app_context():
        assert sync.enqueue_validity_changes(on=ends) == 0
        assert sync.enqueue_validity_changes(on=ends + timedelta(days=1)) == 1
    assert [row.doc_key for row in outbox_rows(app)] == [key]
    [doc] = _documents(app, key, ends + timedelta(days=1))
    assert doc["available"] is False


def _documents(app, key, on):
    from market.search import documents

    with app.test_request_context():
        return documents.build(db.session, [key], on)[0]
