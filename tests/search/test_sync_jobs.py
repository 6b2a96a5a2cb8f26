"""After Elasticsearch comes back the index converges by itself: the push job queued by a commit fails while the
engine is down (the changes wait in the outbox), and the worker's every-minute drain pushes them once it answers.
No `flask search sync`. Real queue, real Elasticsearch node."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import Organisation, SearchOutbox, User
from market.search import SearchQuery, set_backend, sync
from market.search.elastic import ElasticsearchBackend
from market.services import listings
from tests.factories import listing_data
from tests.jobs.queue import run_worker

pytestmark = pytest.mark.both_engines


@pytest.fixture
def swap_engine(app, monkeypatch):
    original = app.extensions.get("market.search")
    monkeypatch.setattr(sync, "_backoff_until", 0.0)
    yield lambda backend: set_backend(app, backend)
    set_backend(app, original)


def queued(app) -> set[str]:
    with app.app_context():
        keys = set(db.session.scalars(sa.select(SearchOutbox.doc_key)))
        db.session.remove()
        return keys


def test_the_index_converges_after_elasticsearch_comes_back(app, factory, cat, elastic, swap_engine, real_queue):
    swap_engine(ElasticsearchBackend("http://127.0.0.1:1", alias=elastic.alias, timeout=1))  # down
    org_id = factory.org(name="HTX Hồi Pác Cáp")
    owner_id = factory.member(org_id)
    zone_id = cat.zone(org_id, code="LS-VQ-HOI-0101")
    with app.test_request_context():
        listing = listings.create_listing(db.session.get(User, owner_id), db.session.get(Organisation, org_id),
                                          listing_data([zone_id], title="Hoa hồi Khau Phạ"))
        listings.change_status(db.session.get(User, owner_id), listing, "open")
        db.session.commit()
        key = f"listing:{listing.id}"
    assert any(task.name == "push_job" for task in real_queue.pending())  # the commit queued a push job
    run_worker(real_queue)  # it fails: the engine is down
    assert key in queued(app)

    swap_engine(elastic)  # Elasticsearch is back; nobody runs a command
    at = real_queue._get_timestamp().replace(second=0, microsecond=0)
    run_worker(real_queue, at=at, periodic=True)  # the next minute's periodic drain
    assert queued(app) == set()
    elastic.refresh()
    assert key in {hit.key for hit in elastic.search(SearchQuery(text="khau pha", per_page=10)).hits}
