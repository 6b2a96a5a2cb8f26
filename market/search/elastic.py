"""Elasticsearch through the official client. Documents arrive already folded, so the standard analyzer
is all that is needed: any distribution works, with or without analysis plugins."""
import time
from collections.abc import Callable, Iterable

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from market.search import matching
from market.search.base import SearchBackend, SearchUnavailable
from market.search.query import FACETS, Hit, SearchQuery, SearchResult

MAPPING = {
    "dynamic": "strict",
    "properties": {
        "key": {"type": "keyword"},
        "kind": {"type": "keyword"},
        "object_id": {"type": "long"},
        "title": {"type": "keyword", "index": False},
        "body": {"type": "text", "index": False},
        "title_folded": {"type": "text", "analyzer": "standard", "copy_to": "words"},
        "body_folded": {"type": "text", "analyzer": "standard", "copy_to": "words"},
        "hidden_folded": {"type": "text", "analyzer": "standard", "copy_to": "words"},
        # Every folded word of a document once: the vocabulary typo tolerance corrects against (as FTS5's
        # fts5vocab over the three columns), with document counts.
        "words": {"type": "text", "analyzer": "standard"},
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
        "certified": {"type": "boolean"},
        "available": {"type": "boolean"},
        "retail": {"type": "boolean"},
        "harvest_start": {"type": "date"},
        "created_at": {"type": "date_nanos"},  # microseconds, as SQLite compares them: the same ties
        "data": {"type": "object", "enabled": False},
    },
}

SORTS = {
    # Relevance (integer scores, matching.py), then the signals a buyer trusts: sqlite_fts.TRUST_SQL.
    # unmapped_type: an index made before these fields existed still answers until `flask search reindex`.
    "relevance": ["_score", {"verified": "desc"}, {"certified": {"order": "desc", "unmapped_type": "boolean"}},
                  {"available": {"order": "desc", "unmapped_type": "boolean"}}, {"created_at": "desc"},
                  {"key": "asc"}],
    "price_asc": [{"price": {"order": "asc", "missing": "_last"}}, {"key": "asc"}],
    "price_desc": [{"price": {"order": "desc", "missing": "_last"}}, {"key": "asc"}],
    "harvest": [{"harvest_start": {"order": "asc", "missing": "_last"}}, {"key": "asc"}],
    "newest": [{"created_at": "desc"}, {"key": "desc"}],
}

UNREACHABLE = (TransportError, ConnectionError)
REINDEX_CHUNK = 2000  # documents per bulk request during a full reindex (about 3 MB)
REINDEX_THREADS = 2
# How long what the index told about its words (document counts, neighbours) is remembered: searches then plan
# their words without asking first. A write through this backend forgets it at once; writes from another process
# (the job worker) show in planning within this time, as Elasticsearch itself shows writes within a second.
VOCAB_TTL_S = 30.0
VOCAB_CACHE_SIZE = 20_000  # remembered answers before starting afresh


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
        self._vocab: dict = {}
        self._vocab_since = time.monotonic()

    def _remembered(self) -> dict:
        """The vocabulary answers of the last VOCAB_TTL_S seconds (emptied by this backend's writes)."""
        if time.monotonic() - self._vocab_since > VOCAB_TTL_S or len(self._vocab) > VOCAB_CACHE_SIZE:
            self._forget()
        return self._vocab

    def _forget(self) -> None:
        self._vocab, self._vocab_since = {}, time.monotonic()

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
            self._forget()  # after the write: a search meanwhile may have remembered the words before it

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
        self._forget()

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
            self._forget()
            return total
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc

    def refresh(self) -> None:
        try:
            self.client.indices.refresh(index=self.alias)
            self._forget()  # the writes are visible now: what was remembered before may be out of date
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

    # --- vocabulary (matching.Vocabulary) -----------------------------------------------------
    def _call(self, **body) -> dict:
        try:
            self.ensure_index()
            return self.client.search(index=self.alias, **body)
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc

    @staticmethod
    def _count_aggs(terms: list[str], prefix: str | None) -> dict:
        """Aggregations counting the documents of each term (and of the prefix) over the whole index."""
        filters = {f"t{i}": {"term": {"words": term}} for i, term in enumerate(terms)}
        if prefix:
            filters["prefix"] = {"prefix": {"words": prefix}}
        return {"vocabulary": {"global": {}, "aggs": {"words": {"filters": {"filters": filters}}}}}

    @staticmethod
    def _counted(response: dict, terms: list[str], prefix: str | None) -> tuple[dict[str, int], int]:
        buckets = response["aggregations"]["vocabulary"]["words"]["buckets"]
        found = {term: buckets[f"t{i}"]["doc_count"] for i, term in enumerate(terms) if buckets[f"t{i}"]["doc_count"]}
        return found, buckets["prefix"]["doc_count"] if prefix else 0

    def _remember_counts(self, terms: list[str], prefix: str | None, found: dict[str, int], prefixed: int) -> None:
        known = self._remembered()
        known.update({("doc", term): found.get(term, 0) for term in terms})
        if prefix:
            known["prefix", prefix] = prefixed

    def _known_counts(self, terms: list[str], prefix: str | None) -> tuple[dict[str, int], int] | None:
        """The counts, when every one of them is remembered."""
        known = self._remembered()
        if any(("doc", term) not in known for term in terms) or (prefix and ("prefix", prefix) not in known):
            return None
        return {t: known["doc", t] for t in terms if known["doc", t]}, known["prefix", prefix] if prefix else 0

    def counts(self, terms: list[str], prefix: str | None) -> tuple[dict[str, int], int]:
        if not terms and not prefix:
            return {}, 0
        remembered = self._known_counts(terms, prefix)
        if remembered is not None:
            return remembered
        response = self._call(size=0, track_total_hits=False, aggs=self._count_aggs(terms, prefix))
        found, prefixed = self._counted(response, terms, prefix)
        self._remember_counts(terms, prefix, found, prefixed)
        return found, prefixed

    def neighbours(self, term: str, edits: int) -> list[tuple[str, int]]:
        return self.neighbours_of({term: edits})[term]

    @staticmethod
    def _suggest(wanted: dict[str, int], mode: str = "always") -> dict:
        return {f"n{i}": {"text": term, "term": {
            "field": "words", "suggest_mode": mode, "max_edits": min(edits, 2), "prefix_length": 1,
            "min_word_length": matching.MIN_CORRECT, "size": 50, "max_inspections": 20, "accuracy": 0.0,
            "max_term_freq": 2_000_000_000, "string_distance": "damerau_levenshtein", "sort": "frequency"}}
            for i, (term, edits) in enumerate(wanted.items())}

    @staticmethod
    def _suggested(response: dict, wanted: dict[str, int]) -> dict[str, list[tuple[str, int]]]:
        return {term: [(o["text"], o["freq"]) for entry in response["suggest"][f"n{i}"] for o in entry["options"]]
                for i, term in enumerate(wanted)}

    def neighbours_of(self, wanted: dict[str, int]) -> dict[str, list[tuple[str, int]]]:
        """Elasticsearch's term suggester lists the indexed words near each term with their document counts,
        all in one request; which of them count as corrections is decided in matching.py, as for FTS5."""
        known = self._remembered()
        missing = {term: edits for term, edits in wanted.items() if ("near", term, edits) not in known}
        if missing:
            try:
                response = self._call(size=0, track_total_hits=False, suggest=self._suggest(missing))
            except ApiError as exc:
                if exc.status_code == 400:  # an index made before the `words` field: no corrections until reindexed
                    return {term: [] for term in wanted}
                raise
            known.update({("near", term, missing[term]): near for term, near in self._suggested(response, missing).items()})
        return {term: known["near", term, edits] for term, edits in wanted.items()}

    def written(self, terms: list[str]) -> dict[str, str]:
        """The visible text of the first documents (by key, as FTS5) holding each term, all in one request."""
        if not terms:
            return {}
        searches = []
        for term in terms:
            searches += [{}, {"size": matching.WRITTEN_SAMPLE, "track_total_hits": False, "sort": [{"key": "asc"}],
                              "_source": ["title", "body"], "query": {"bool": {"should": [
                                  {"term": {"title_folded": term}}, {"term": {"body_folded": term}}],
                                  "minimum_should_match": 1}}}]
        try:
            self.ensure_index()
            responses = self.client.msearch(index=self.alias, searches=searches)["responses"]
        except (*UNREACHABLE, ApiError) as exc:
            if not _unavailable(exc):
                raise
            raise SearchUnavailable(str(exc)) from exc
        found = {}
        for term, response in zip(terms, responses, strict=True):
            texts = (text for hit in response.get("hits", {}).get("hits", [])
                     for text in (hit["_source"].get("title"), hit["_source"].get("body")) if text)
            if (form := matching.written_form(term, texts)) is not None:
                found[term] = form
        return found

    # --- search --------------------------------------------------------------------------------
    @staticmethod
    def _word_clause(word: "matching.Word") -> dict:
        """A word earns the points of the best field it is in (matching.py): title, visible text, hidden; as
        typed, or (fewer points) through a correction or as the start of a word."""
        def loose(name: str) -> dict | None:
            options = [{"terms": {name: word.corrections}}] if word.corrections else []
            if word.prefix:
                options.append({"prefix": {name: {"value": word.term}}})
            return {"bool": {"should": options, "minimum_should_match": 1}} if options else None
        queries = []
        for name, points in matching.FIELD_POINTS.items():
            queries.append({"constant_score": {"filter": {"terms": {name: word.forms}},
                                               "boost": word.points + points}})
            if (other := loose(name)) is not None:
                queries.append({"constant_score": {"filter": other, "boost": matching.LOOSE_POINTS + points}})
        return {"dis_max": {"tie_breaker": 0, "queries": queries}}

    def _plan_and_run(self, query: SearchQuery) -> tuple["matching.Plan", SearchResult]:
        """One round trip in the usual case: the draft's words are searched and counted in the same request;
        only when the counts change the plan (an unknown word to correct, an unfinished last word) does a
        second search run, with the final plan. The answer is the one the plan gives either way."""
        start = matching.draft(query.text, query.as_you_type) if query.terms else None
        if start is None or not start.words or self._known_counts(start.lookups, start.prefix) is not None:
            return super()._plan_and_run(query)  # nothing to plan, or planned from what is remembered: one search
        first = start.as_plan()
        # The words that would be corrected if the index lacks them: their neighbours come in the same request
        # (the suggester answers only for missing words, so known ones cost nothing).
        wanted = {w.term: matching.allowed_edits(w.term) for w in start.words if matching.correctable(w)}
        result, counted, near = self._run(query, first, True, (start.lookups, start.prefix), wanted)
        self._remember_counts(start.lookups, start.prefix, *counted)
        # The suggester answered only for words missing from the index: remember those (the others' neighbours
        # were not asked).
        self._remembered().update({("near", term, wanted[term]): options for term, options in near.items()
                                   if not counted[0].get(term)})
        final = matching.finish(start, *counted, _Prefetched(self, near))
        if matching.searches_alike(first, final):
            return final, result
        return final, self._execute(query, final, require_all=True)

    def _total(self, query: SearchQuery, plan: "matching.Plan") -> int:
        response = self._call(query=self._query(query, plan, True), size=0, track_total_hits=True)
        return response["hits"]["total"]["value"]

    def _query(self, query: SearchQuery, plan: "matching.Plan", require_all: bool) -> dict:
        clauses = [self._word_clause(w) for w in plan.words]
        if not clauses:
            text = {"must": [{"match_all": {}}]}
        elif require_all:
            text = {"must": clauses}
        else:
            text = {"should": clauses, "minimum_should_match": 1}
        return {"bool": {**text, "filter": self._filters(query)}}

    def _execute(self, query: SearchQuery, plan: "matching.Plan", require_all: bool) -> SearchResult:
        return self._run(query, plan, require_all)[0]

    def _run(self, query: SearchQuery, plan: "matching.Plan", require_all: bool,
             count: tuple[list[str], str | None] | None = None, wanted: dict[str, int] | None = None
             ) -> tuple[SearchResult, tuple[dict[str, int], int], dict[str, list[tuple[str, int]]]]:
        body = {
            "query": self._query(query, plan, require_all),
            "sort": SORTS[query.sort],
            "from": query.offset, "size": query.per_page, "track_total_hits": True,
            "aggs": {name: {"terms": {"field": name, "size": 100}} for name in FACETS},
            "_source": ["key", "kind", "object_id", "title", "url", "data", "body", "price", "seller"],
        }
        if count:
            body["aggs"].update(self._count_aggs(*count))
        if wanted:
            body["suggest"] = self._suggest(wanted, mode="missing")
        if query.offset + query.per_page > 10_000:
            body["from"], body["size"] = 0, 0  # beyond the window: count and facets only, no hits
        response = self._call(**body)
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
        counted = self._counted(response, *count) if count else ({}, 0)
        near = self._suggested(response, wanted) if wanted else {}
        result = SearchResult(total=response["hits"]["total"]["value"], hits=hits, facets=facets, engine=self.name)
        return result, counted, near


class _Prefetched(matching.Vocabulary):
    """Neighbours already fetched with the first search; anything else is asked of the engine."""

    def __init__(self, backend: ElasticsearchBackend, near: dict[str, list[tuple[str, int]]]):
        self.backend, self.near = backend, near

    def counts(self, terms, prefix):
        return self.backend.counts(terms, prefix)

    def neighbours(self, term, edits):
        return self.neighbours_of({term: edits})[term]

    def neighbours_of(self, wanted):
        missing = {t: e for t, e in wanted.items() if t not in self.near}
        return {**{t: self.near[t] for t in wanted if t in self.near},
                **(self.backend.neighbours_of(missing) if missing else {})}
