"""Saved searches with alerts (market/services/saved_searches.py): a buyer saves a search, and listings and
products that start matching it are announced once (inbox at the check, e-mail in the daily digest); what
matched when it was saved is never announced. The saved query runs through the configured engine, so these
run on both engines (Elasticsearch when MARKET_TEST_ELASTICSEARCH_URL is set) and both databases."""
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from market.blueprints import write
from market.extensions import db
from market.models import Notification, OrgKind, SavedSearch, SavedSearchSeen, User
from market.search import set_backend, sync
from market.search.elastic import ElasticsearchBackend
from market.services import saved_searches
from market.services.errors import ValidationFailed
from tests.conftest import log_in_en, submit

pytestmark = pytest.mark.both_engines


@pytest.fixture
def searching(app, engine, monkeypatch):
    original = app.extensions.get("market.search")
    monkeypatch.setattr(sync, "_backoff_until", 0.0)
    set_backend(app, engine)
    yield engine
    set_backend(app, original)


@pytest.fixture
def world(factory, searching):
    seller = factory.org(name="HTX Nông lâm Pác Cáp")
    zone = factory.zone(seller, code="LS-VQ-HOI-0201")
    que_zone = factory.zone(seller, code="LS-VQ-QUE-0202", crop="que")
    buyer_org = factory.org(kind=OrgKind.ENTERPRISE, name="Công ty Tinh dầu Xứ Lạng")
    buyer = factory.member(buyer_org)
    other = factory.member(factory.org(kind=OrgKind.ENTERPRISE, name="Công ty Thu mua Quế"))
    old = factory.listing(seller, [zone], title="Hoa hồi khô vụ chiêm")
    return {"factory": factory, "seller": seller, "zone": zone, "que_zone": que_zone, "buyer": buyer,
            "other": other, "old": old, "engine": searching}


def save(app, user_id, name=None, **args):
    with app.test_request_context():
        user = db.session.get(User, user_id)
        return write.commit(lambda: saved_searches.save(user, MultiDict(args), name)).value.id


def check(app) -> dict:
    with app.test_request_context():
        return write.commit(saved_searches.check_all).value


def digest(app) -> int:
    with app.test_request_context():
        return write.commit(saved_searches.send_digests).value


def inbox(app, user_id) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id,
                                                                Notification.kind == "saved_search")
                                  .order_by(Notification.id)).all()
        db.session.expunge_all()
        return rows


def test_each_new_match_is_announced_once_and_what_matched_before_never(app, world, outbox):
    f, buyer = world["factory"], world["buyer"]
    search_id = save(app, buyer, q="hồi khô")
    with app.app_context():
        baseline = db.session.scalars(sa.select(SavedSearchSeen).where(
            SavedSearchSeen.saved_search_id == search_id)).all()
        assert [(s.doc_key, s.announced) for s in baseline] == [(f"listing:{world['old']}", False)]
    assert check(app)["announced"] == 0
    assert inbox(app, buyer) == []

    new = f.listing(world["seller"], [world["zone"]], title="Hồi khô loại 1 Pác Cáp")
    f.listing(world["seller"], [world["que_zone"]], crop="que", title="Vỏ quế ống")  # does not match
    product = f.product(world["seller"], name="Hoa hồi khô túi 200g")
    f.listing(world["seller"], [world["zone"]], title="Hồi khô nháp", status="draft")  # not public
    world["engine"].refresh()
    result = check(app)
    assert result["announced"] == 2 and not result["unavailable"]
    [note] = inbox(app, buyer)
    assert "2" in note.message and "hồi khô" in note.message
    assert note.link == "/search?q=h%E1%BB%93i+kh%C3%B4"
    assert inbox(app, world["other"]) == []

    assert check(app)["announced"] == 0, "announced once"
    assert len(inbox(app, buyer)) == 1

    assert digest(app) == 1
    [mail] = outbox
    with app.app_context():
        email = db.session.get(User, buyer).email
    assert mail.recipients == [email]
    assert f"/listings/{new}" in mail.body and f"/products/{product}" in mail.body
    assert f"/listings/{world['old']}" not in mail.body
    assert digest(app) == 0, "each result is in one digest"
    assert len(outbox) == 1


def test_filters_and_kinds_of_a_saved_search_apply(app, world):
    f, buyer = world["factory"], world["buyer"]
    save(app, buyer, name="Quế", crop="que")
    f.listing(world["seller"], [world["zone"]], title="Hoa hồi khô mới")  # another crop
    f.org(name="HTX Quế mới", commune="Bình Gia")  # an organisation is not supply
    world["engine"].refresh()
    assert check(app)["announced"] == 0
    que = f.listing(world["seller"], [world["que_zone"]], crop="que", title="Quế chẻ sấy khô")
    world["engine"].refresh()
    assert check(app)["announced"] == 1
    with app.app_context():
        keys = db.session.scalars(sa.select(SavedSearchSeen.doc_key).where(SavedSearchSeen.announced)).all()
    assert keys == [f"listing:{que}"]


def test_an_engine_that_is_down_records_nothing_and_the_next_check_catches_up(app, world):
    f, buyer = world["factory"], world["buyer"]
    save(app, buyer, q="hoi kho")
    new = f.listing(world["seller"], [world["zone"]], title="Hồi khô vụ mùa")
    world["engine"].refresh()
    set_backend(app, ElasticsearchBackend("http://127.0.0.1:1", alias="nowhere", timeout=1))
    assert check(app)["unavailable"] is True
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedSearchSeen)
                                 .where(SavedSearchSeen.announced)) == 0
    set_backend(app, world["engine"])
    assert check(app)["announced"] == 1
    assert f"/listings/{new}" not in inbox(app, buyer)[0].message  # the message names it by title
    assert "Hồi khô vụ mùa" in inbox(app, buyer)[0].message


def test_saving_needs_words_or_filters_and_the_same_search_is_saved_once(app, world):
    buyer = world["buyer"]
    with pytest.raises(ValidationFailed) as empty:
        save(app, buyer, q="   ")
    assert "query" in empty.value.errors
    with pytest.raises(ValidationFailed) as bad:
        save(app, buyer, q="hoi", stars="9")
    assert "query" in bad.value.errors
    save(app, buyer, q="hoi kho", crop="hoi")
    with pytest.raises(ValidationFailed):
        save(app, buyer, crop="hoi", q="hoi kho", page="3")  # the same search, other order and page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 1


def test_the_pages_save_list_rename_and_delete_only_ones_own(app, client, world):
    buyer, other = world["buyer"], world["other"]
    log_in_en(client, buyer)
    page = client.get("/search?q=h%E1%BB%93i+kh%C3%B4&crop=hoi").get_data(as_text=True)
    assert 'action="/saved-searches/"' in page and "Save this search" in page
    query = urlencode({"crop": "hoi", "q": "hồi khô"})
    response = submit(client, "/saved-searches/", {"query": query, "name": "Hồi cho nhà máy"},
                      form_page="/search?q=hoi")
    assert response.status_code == 302 and response.headers["Location"].endswith("/saved-searches/")
    listing = client.get("/saved-searches/").get_data(as_text=True)
    assert "Hồi cho nhà máy" in listing and "/search?crop=hoi&amp;q=h%E1%BB%93i+kh%C3%B4" in listing
    with app.app_context():
        mine = db.session.scalar(sa.select(SavedSearch).where(SavedSearch.user_id == buyer))
        mine_id = mine.id

    assert submit(client, "/saved-searches/rename", {"search_id": mine_id, "name": "Hồi loại 1"},
                  form_page="/saved-searches/").status_code == 302
    assert submit(client, "/saved-searches/rename", {"search_id": mine_id, "name": " "},
                  form_page="/saved-searches/").status_code == 302
    with app.app_context():
        assert db.session.get(SavedSearch, mine_id).name == "Hồi loại 1"

    # Someone else can neither rename nor delete it, nor see it listed.
    stranger = app.test_client()
    log_in_en(stranger, other)
    assert "Hồi loại 1" not in stranger.get("/saved-searches/").get_data(as_text=True)
    submit(stranger, "/saved-searches/rename", {"search_id": mine_id, "name": "Của tôi"}, form_page="/saved-searches/")
    answer = submit(stranger, "/saved-searches/delete", {"search_id": mine_id}, form_page="/saved-searches/",
                    follow_redirects=True)
    assert "This saved search does not exist" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SavedSearch, mine_id).name == "Hồi loại 1"

    # An empty search is refused with a message, nothing saved; then the owner deletes theirs.
    answer = submit(client, "/saved-searches/", {"query": "", "name": "x"}, form_page="/search?q=hoi",
                    follow_redirects=True)
    assert "Type some words or choose a filter" in answer.get_data(as_text=True)
    assert submit(client, "/saved-searches/delete", {"search_id": mine_id},
                  form_page="/saved-searches/").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0


@pytest.mark.parametrize("search_id", ["9223372036854775808", "2147483648", "-2147483649"])
def test_an_id_past_a_database_integer_is_refused_not_a_500(app, client, world, search_id):
    # Found by the fuzz test: the id reached SQLite and overflowed its INTEGER (an OverflowError, a 500).
    log_in_en(client, world["buyer"])
    for path, data in (("/saved-searches/delete", {"search_id": search_id}),
                       ("/saved-searches/rename", {"search_id": search_id, "name": "Hồi"})):
        answer = submit(client, path, data, form_page="/saved-searches/", follow_redirects=True)
        assert answer.status_code == 200
        assert "Enter a number between" in answer.get_data(as_text=True)


def test_visitors_are_sent_to_log_in(client, world):
    assert "/auth/login" in client.get("/saved-searches/").headers["Location"]
    page = client.get("/search?q=hoi").get_data(as_text=True)
    assert "to save this search" in page or "để lưu tìm kiếm này" in page


def test_the_commands_check_and_send_the_digest(app, runner, world, outbox):
    f, buyer = world["factory"], world["buyer"]
    save(app, buyer, q="hoi kho")
    f.listing(world["seller"], [world["zone"]], title="Hồi khô hàng tuyển")
    world["engine"].refresh()
    result = runner.invoke(args=["saved-searches", "check"])
    assert result.exit_code == 0 and "new results announced: 1" in result.output
    result = runner.invoke(args=["saved-searches", "digest"])
    assert result.exit_code == 0 and "digests sent: 1" in result.output
    assert len(outbox) == 1 and "Hồi khô hàng tuyển" in outbox[0].body
