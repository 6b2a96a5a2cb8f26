"""Fixtures for the search tests: `engine`, a fresh and empty backend per test, once for each engine.

SQLite FTS5 runs in a file under the test's tmp_path. Elasticsearch runs on the throwaway node that
./scripts/test starts (MARKET_TEST_ELASTICSEARCH_URL), behind an alias of its own, whose indices are
deleted after the test; without a node the test skips with the reason, or fails under CI."""
import os
import uuid

import pytest

from market.search.elastic import ElasticsearchBackend
from market.search.sqlite_fts import SqliteFtsBackend
from tests.conftest import require_service

ENGINES = ["sqlite-fts5", "elasticsearch"]

def elasticsearch_url() -> str:
    url = os.environ.get("MARKET_TEST_ELASTICSEARCH_URL")
    if not url:
        require_service("Elasticsearch", os.environ.get(
            "MARKET_TEST_ELASTICSEARCH_REASON", "MARKET_TEST_ELASTICSEARCH_URL is not set; run ./scripts/test"))
    _refresh_test_indices_often(url)
    return url


# The tests write with refresh="wait_for" (refresh_on_write=True): a write returns once a refresh has made it
# visible, and with Elasticsearch's default refresh_interval of 1 s that is up to a second a write, which was
# most of the search suite's time. Test indices (market-test-*) refresh every 50 ms instead, through an index
# template on the test node: the code under test and what a write waits for are unchanged, only sooner.
REFRESH_TEMPLATE = "market-test-refresh"
_template_put: set[str] = set()


def _refresh_test_indices_often(url: str) -> None:
    if url in _template_put:
        return
    _template_put.add(url)
    from elasticsearch import Elasticsearch

    client = Elasticsearch(url, request_timeout=10)
    try:
        client.indices.put_index_template(name=REFRESH_TEMPLATE, index_patterns=["market-test-*"], priority=50,
                                          template={"settings": {"index.refresh_interval": "50ms"}})
    except Exception:  # noqa: BLE001 - an unreachable node fails in the test that needs it, with its own message
        pass
    finally:
        client.close()


def drop_indices(backend: ElasticsearchBackend) -> None:
    """Every index this backend created: the live one behind the alias and any left by a reindex."""
    try:
        names = list(backend.client.indices.get(index=f"{backend.alias}-*", expand_wildcards="all").keys())
        if names:
            backend.client.indices.delete(index=",".join(names), ignore_unavailable=True)
    finally:
        backend.client.close()


@pytest.fixture
def elastic(request):
    """A fresh Elasticsearch backend on the test node, under an alias nobody else uses."""
    backend = ElasticsearchBackend(elasticsearch_url(), alias=f"market-test-{uuid.uuid4().hex[:12]}",
                                   refresh_on_write=True)
    yield backend
    drop_indices(backend)


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path):
    if request.param == "sqlite-fts5":
        backend = SqliteFtsBackend(str(tmp_path / "search.sqlite3"))
        yield backend
        backend.close()
    else:
        yield request.getfixturevalue("elastic")
