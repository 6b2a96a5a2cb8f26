"""Elasticsearch through the official client. Documents arrive already folded, so the standard analyzer
is all that is needed: any distribution works, with or without analysis plugins."""
import time
from collections.abc import Callable, Iterable

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from market.search.base import SearchBackend, SearchUnavailable
from market.search.query import FACETS, Hit, SearchQuery, SearchResult

FUZZINESS = "AUTO:5,8"  # the same typo tolerance as the embedded engine (sqlite_fts.allowed_edits)

MAPPING = {
    "dynamic": "strict",
    "properties": {
        "key": {"type": "keyword"},
        "kind": {"type": "keyword"},
        "object_id": {"type": "long"},
        "title": {"type": "keyword", "index": False},
        "body": {"type": "text", "index": False},
        "title_folded": {"type": "text", "analyzer": "standard"},
        "body_folded": {"type": "text", "analyzer": "standard"},
        "url": {"type": "keyword", "index": False},
        "crop": {"type": "keyword"},
        "form": {"type": "keyword"},
        "commune": {"type": "keyword"},
        "cert": {"type": "keyword"},
        "stars": {"type": "keyword"},
        "month": {"type": "keyword"},
        "price": {"type": "long"},
        "quantity": {"type": "double"},
        "seller": {"type": "keyword"},
        "seller_id": {"type": "long"},
        "verified": {"type": "boolean"},
        "retail": {"type": "boolean"},
        "harvest_start": {"type": "date"},
        "created_at": {"type": "date"},
        "data": {"type": "object", "enabled": False},
    },
}

SORTS = {
    "relevance": ["_score", {"created_at": "desc"}, {"key": "asc"}],
    "price_asc": [{"price": {"order": "asc", "missing": "_last"}}, {"key": "asc"}],
    "price_desc": [{"price": {"order": "desc", "missing": "_last"}}, {"key": "asc"}],
    "harvest": [{"harvest_start": {"order": "asc", "missing": "_last"}}, {"key": "asc"}],
    "newest": [{"created_at": "desc"}, {"key": "desc"}],
}

UNREACHABLE = (TransportError, ConnectionError)
REINDEX_CHUNK = 2000  # documents per bulk request during a full reindex (about 3 MB)
REINDEX_THREADS = 2


def _unavailable(exc: Exception) -> bool:
    """Whether an error of the engine means it cannot answer now: unreachable, or a 5xx / 429 such as the
    `search_phase_execution_exception` of a node whose shards are still starting after a restart. Any other API
    error (a bad request: a bug) propagates as it is."""
    return not isinstance(exc, ApiError) or exc.status_code >= 500 or exc.status_code == 429


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str, *, alias: str = "market", api_key: str | None = None,
                 username: str | None = None, password: str | None = None, ca_certs: str | None = None,
                 verify_certs: bool = True, timeout: float = 5.0, refresh_on_write: bool = False):
        options = {"request_timeout": timeout, "retry_on_timeout": False, "max_retries": 1}
        if api_key:
            options["api_key"] = api_key
        elif username:
            options["basic_auth"] = (username, password or "")
        if ca_certs:
            options["ca_certs"] = ca_certs
        if url.startswith("https"):
            options["verify_certs"] = verify_certs
        self.client = Elasticsearch(url, **options)
        self.alias = alias
        self.refresh_on_write = refresh_on_write

    # --- index management ----------------------------------------------------------------------
    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000:06d}"
        self.client.indices.create(index=name, mappings=MAPPING,
                                   settings={"number_of_shards": 1, "number_of_replicas": 0,
                                             "max_result_window": 10_000})
        return name

    def _live_indices(self) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=self.alias).keys())
        except ApiError as exc:
            if exc.status_code == 404:
                return []
            raise

    def ensure_index(self) -> None:
        """Create the first index behind the alias when there is none."""
        try:
            if not self._live_indices():
                name = self._new_index()
                self.client.indices.put_alias(index=name, name=self.alias)
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc

    # --- writes --------------------------------------------------------------------------------
    def _bulk(self, actions: list[dict], index: str | None = None, refresh=None) -> None:
        try:
            helpers.bulk(self.client.options(request_timeout=60), actions, index=index or self.alias,
                         refresh=refresh, raise_on_error=True)
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc

    def index(self, docs: list[dict]) -> None:
        if docs:
            self.ensure_index()
            self._bulk([{"_id": d["key"], "_source": d} for d in docs],
                       refresh="wait_for" if self.refresh_on_write else None)

    def delete(self, keys: list[str]) -> None:
        if not keys:
            return
        self.ensure_index()
        actions = [{"_op_type": "delete", "_id": key} for key in keys]
        try:
            helpers.bulk(self.client, actions, index=self.alias, raise_on_error=False, raise_on_exception=True,
                         refresh="wait_for" if self.refresh_on_write else None)
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc

    def reindex(self, batches: Iterable[list[dict]], progress: Callable[[int], None] | None = None) -> int:
        """Build a new index while the alias still points at the old one, then swap in one step. While it is
        built nobody reads it: no refreshes, no fsync per request; bulk requests of REINDEX_CHUNK documents go
        out from REINDEX_THREADS threads, so the node indexes one while the next is built and sent."""
        try:
            new = self._new_index()
            self.client.indices.put_settings(index=new, settings={"refresh_interval": "-1",
                                                                  "translog.durability": "async"})
            counted = [0]

            def actions():
                for batch in batches:
                    for doc in batch:
                        yield {"_id": doc["key"], "_source": doc}
                    counted[0] += len(batch)
                    if progress:
                        progress(len(batch))

            for ok, item in helpers.parallel_bulk(self.client.options(request_timeout=120), actions(), index=new,
                                                  chunk_size=REINDEX_CHUNK, thread_count=REINDEX_THREADS,
                                                  queue_size=REINDEX_THREADS, raise_on_error=True):
                if not ok:  # pragma: no cover - raise_on_error raises first
                    raise SearchUnavailable(str(item))
            total = counted[0]
            self.client.indices.put_settings(index=new, settings={"refresh_interval": "1s",
                                                                  "translog.durability": "request"})
            self.client.indices.refresh(index=new)
            old = self._live_indices()
            self.client.indices.update_aliases(actions=[
                *({"remove": {"index": name, "alias": self.alias}} for name in old),
                {"add": {"index": new, "alias": self.alias}},
            ])
            for name in old:
                self.client.indices.delete(index=name, ignore_unavailable=True)
            return total
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc

    def refresh(self) -> None:
        try:
            self.client.indices.refresh(index=self.alias)
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc

    def count(self) -> int:
        try:
            self.ensure_index()
            return self.client.count(index=self.alias)["count"]
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc

    def health(self) -> dict:
        try:
            health = self.client.options(request_timeout=2).cluster.health()
            return {"ok": health["status"] in ("green", "yellow"), "engine": self.name, "cluster": health["status"]}
        except (ApiError, *UNREACHABLE) as exc:
            return {"ok": False, "engine": self.name, "error": type(exc).__name__}

    # --- search --------------------------------------------------------------------------------
    def _filters(self, query: SearchQuery) -> list[dict]:
        filters = [{"terms": {name: values}} for name, values in query.filters.items()]
        if query.price_min is not None or query.price_max is not None:
            bounds = {}
            if query.price_min is not None:
                bounds["gte"] = query.price_min
            if query.price_max is not None:
                bounds["lte"] = query.price_max
            filters.append({"range": {"price": bounds}})
        if query.retail_only:
            filters.append({"term": {"retail": True}})
        return filters

    @staticmethod
    def _text_query(terms: list[str]) -> list[dict]:
        """Every word must match, in the title or the body (as FTS5 matches the row), with the embedded
        engine's typo tolerance; the last word may also be the start of one (as-you-type). Words arrive
        folded, lower-case and alphanumeric, so prefix queries need no analysis."""
        clauses = []
        for position, term in enumerate(terms):
            options = [{"multi_match": {"query": term, "fields": ["title_folded^4", "body_folded"],
                                        "fuzziness": FUZZINESS, "prefix_length": 1, "operator": "and"}}]
            if position == len(terms) - 1:
                options += [{"prefix": {"title_folded": {"value": term, "boost": 4}}},
                            {"prefix": {"body_folded": {"value": term}}}]
            clauses.append({"bool": {"should": options, "minimum_should_match": 1}})
        return clauses

    def search(self, query: SearchQuery) -> SearchResult:
        must = self._text_query(query.terms)
        body = {
            "query": {"bool": {"must": must or [{"match_all": {}}], "filter": self._filters(query)}},
            "sort": SORTS[query.sort],
            "from": query.offset, "size": query.per_page, "track_total_hits": True,
            "aggs": {name: {"terms": {"field": name, "size": 100}} for name in FACETS},
            "_source": ["key", "kind", "object_id", "title", "url", "data", "body", "price", "seller"],
        }
        if query.offset + query.per_page > 10_000:
            body["from"], body["size"] = 0, 0  # beyond the window: count and facets only, no hits
        try:
            self.ensure_index()
            response = self.client.search(index=self.alias, **body)
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc
        hits = []
        for item in response["hits"]["hits"]:
            src = item["_source"]
            hits.append(Hit(key=src["key"], kind=src["kind"], object_id=src["object_id"], title=src["title"],
                            url=src["url"], score=item.get("_score"),
                            data={**src.get("data", {}), "body": src.get("body"), "price": src.get("price"),
                                  "seller": src.get("seller")}))
        facets = {name: sorted(((b["key_as_string"] if "key_as_string" in b else str(b["key"]), b["doc_count"])
                                for b in response["aggregations"][name]["buckets"]), key=lambda i: (-i[1], i[0]))
                  for name in FACETS}
        return SearchResult(total=response["hits"]["total"]["value"], hits=hits, facets=facets, engine=self.name)
