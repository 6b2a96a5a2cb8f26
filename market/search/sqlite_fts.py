"""The embedded engine: SQLite FTS5 in its own file under instance/, no server needed."""
import itertools
import json
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from market.search import matching
from market.search.base import SearchBackend
from market.search.query import FACETS, Hit, SearchQuery, SearchResult

# Bumped when the tables below change: an index file of another version is emptied and rebuilt in this shape
# (run `flask search reindex` to fill it again).
SCHEMA_VERSION = "2"
TABLES = ("doc", "doc_value", "doc_fts", "doc_vocab", "doc_vocab_col", "meta", "facet_code", "doc_codes")
SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS doc (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, object_id INTEGER NOT NULL,
    title TEXT NOT NULL, body TEXT, url TEXT NOT NULL, price INTEGER, quantity REAL, seller TEXT,
    harvest_start TEXT, created_at TEXT, retail INTEGER NOT NULL DEFAULT 0, verified INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS doc_value (
    name TEXT NOT NULL, value TEXT NOT NULL, doc_id INTEGER NOT NULL, PRIMARY KEY (name, value, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_value_doc ON doc_value(doc_id, name, value);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(title_folded, body_folded, hidden_folded,
    tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS doc_vocab USING fts5vocab(doc_fts, 'row');
-- Per column: whether a word occurs in the hidden words at all (scoring skips a check when it does not).
CREATE VIRTUAL TABLE IF NOT EXISTS doc_vocab_col USING fts5vocab(doc_fts, 'col');
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
-- One character per (facet, value): facet counts are a group_concat of short strings, not a GROUP BY.
CREATE TABLE IF NOT EXISTS facet_code (
    code INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL, UNIQUE (name, value));
-- The narrow side of a document: its facet codes and sort keys, so a search never reads the wide rows
-- (body, JSON) of every match, only of the page it shows.
-- The ranking signals after relevance (verified, certified, available, recency, key) live here too.
CREATE TABLE IF NOT EXISTS doc_codes (
    id INTEGER PRIMARY KEY, codes TEXT NOT NULL, price INTEGER, harvest_start TEXT, created_at TEXT,
    retail INTEGER NOT NULL DEFAULT 0, verified INTEGER NOT NULL DEFAULT 0, certified INTEGER NOT NULL DEFAULT 0,
    available INTEGER NOT NULL DEFAULT 0, key TEXT NOT NULL DEFAULT '');
-- The trust order (TRUST_SQL): a page of many equally relevant matches is read off it, not sorted.
CREATE INDEX IF NOT EXISTS doc_codes_trust ON doc_codes(verified DESC, certified DESC, available DESC,
    created_at DESC, key);
"""
# Per connection: the matches of the current search, evaluated once for count, page and facets.
TEMP_SCHEMA = """
CREATE TEMP TABLE IF NOT EXISTS hit (id INTEGER PRIMARY KEY, rank REAL);
CREATE TEMP TABLE IF NOT EXISTS allowed (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS cand (id INTEGER PRIMARY KEY);
"""
REINDEX_CACHE_KIB = -262_144  # 256 MiB of page cache while a full reindex writes
VOCAB_CACHE_SIZE = 20_000  # remembered vocabulary answers before starting afresh
TRUST_WALK_SHARE = 50  # ids holding 1/50 of the index or more: walk the trust index rather than sort them
MAX_TIER_SUBSETS = 30  # a candidate tier of more word subsets costs more than it saves (measured)
GROUPED_FACETS = ("month",)  # facets whose values of one document share one code ("9,10,11")
CODE_OFFSET = 0x2F  # code 1 is "0": printable, and the first ~200 codes stay one byte a character

# Relevance, then the signals a buyer trusts, the same order as Elasticsearch's (elastic.SORTS).
TRUST_SQL = "c.verified DESC, c.certified DESC, c.available DESC, c.created_at DESC, c.key"
SORT_SQL = {  # on temp.hit h and doc_codes c
    "relevance": f"h.rank, {TRUST_SQL}",
    "price_asc": "c.price IS NULL, c.price ASC, h.id",
    "price_desc": "c.price IS NULL, c.price DESC, h.id",
    "harvest": "c.harvest_start IS NULL, c.harvest_start ASC, h.id",
    "newest": "c.created_at DESC, h.id DESC",
}


class SqliteFtsBackend(SearchBackend):
    name = "sqlite-fts5"

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._facet_cache: tuple[str, dict] | None = None
        # What the vocabulary questions answered, per index generation (any write empties it): reading a
        # frequent word's document count, or every word starting with a letter, reads their whole doclists.
        self._vocab_cache: tuple[str, dict] | None = None
        self._code_of: dict[tuple[str, str], str] = {}
        self._value_of: dict[str, tuple[str, str]] = {}

    # --- connections ---------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            _upgrade(conn)
            conn.executescript(SCHEMA)
            conn.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
            conn.executescript(TEMP_SCHEMA)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _bump_generation(self, conn) -> None:
        conn.execute("INSERT INTO meta(name, value) VALUES('generation', '1') ON CONFLICT(name) "
                     "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def _generation(self, conn) -> str:
        row = conn.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        return row[0] if row else "0"

    # --- writes --------------------------------------------------------------------------------
    def _code(self, conn, name: str, value: str) -> str:
        char = self._code_of.get((name, value))
        if char is None:
            conn.execute("INSERT OR IGNORE INTO facet_code(name, value) VALUES (?, ?)", (name, value))
            code = conn.execute("SELECT code FROM facet_code WHERE name = ? AND value = ?", (name, value)).fetchone()[0]
            char = self._code_of[(name, value)] = chr(CODE_OFFSET + code)
        return char

    def _write(self, conn, docs: list[dict], *, fresh: bool = False) -> None:
        try:
            self._write_docs(conn, docs, fresh=fresh)
        except BaseException:
            self._code_of.clear()  # codes given out in a transaction that rolls back must not be kept
            raise

    def _write_docs(self, conn, docs: list[dict], *, fresh: bool = False) -> None:
        """Insert `docs` (replacing those with the same keys unless the index is `fresh`ly emptied), a few
        executemany statements per batch rather than five statements per document."""
        docs = list({d["key"]: d for d in docs}.values())  # one row per key, the last version
        if not fresh:
            keys = [d["key"] for d in docs]
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                self._remove_ids(conn, [r[0] for r in conn.execute(
                    f"SELECT id FROM doc WHERE key IN ({','.join('?' * len(chunk))})", chunk)])
        first = (conn.execute("SELECT max(id) FROM doc").fetchone()[0] or 0) + 1
        doc_rows, fts_rows, value_rows, code_rows = [], [], [], []
        code_of = self._code_of
        for doc_id, doc in enumerate(docs, first):
            doc_rows.append((doc_id, doc["key"], doc["kind"], doc["object_id"], doc["title"], doc["body"], doc["url"],
                             doc["price"], doc["quantity"], doc["seller"], doc["harvest_start"], doc["created_at"],
                             int(doc["retail"]), int(doc["verified"]), json.dumps(doc["data"], ensure_ascii=False)))
            fts_rows.append((doc_id, doc["title_folded"], doc["body_folded"], doc.get("hidden_folded") or ""))
            values = {("kind", doc["kind"])}
            for name in FACETS:
                if name != "kind" and doc.get(name):
                    values.update((name, str(v)) for v in doc[name])
            value_rows += [(n, v, doc_id) for n, v in values]
            # A document's harvest months (half of all its values) take one code for the whole set: counting
            # facets reads a character per code of every match.
            months = sorted((v for n, v in values if n in GROUPED_FACETS), key=int)
            if len(months) > 1:
                values = {pair for pair in values if pair[0] not in GROUPED_FACETS} | {("month", ",".join(months))}
            codes = sorted(code_of.get(pair) or self._code(conn, *pair) for pair in values)
            code_rows.append((doc_id, "".join(codes), doc["price"],
                              doc["harvest_start"], doc["created_at"], int(doc["retail"]), int(doc["verified"]),
                              int(bool(doc.get("certified"))), int(bool(doc.get("available"))), doc["key"]))
        conn.executemany(
            "INSERT INTO doc(id, key, kind, object_id, title, body, url, price, quantity, seller, harvest_start, "
            "created_at, retail, verified, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", doc_rows)
        conn.executemany("INSERT INTO doc_fts(rowid, title_folded, body_folded, hidden_folded) VALUES (?,?,?,?)",
                         fts_rows)
        value_rows.sort()  # in the primary key's order: each insert lands next to the last
        conn.executemany("INSERT INTO doc_value(name, value, doc_id) VALUES (?,?,?)", value_rows)
        conn.executemany("INSERT INTO doc_codes(id, codes, price, harvest_start, created_at, retail, verified, "
                         "certified, available, key) VALUES (?,?,?,?,?,?,?,?,?,?)", code_rows)

    def _remove_ids(self, conn, doc_ids: list[int]) -> None:
        if not doc_ids:
            return
        rows = [(i,) for i in doc_ids]
        conn.executemany("DELETE FROM doc_codes WHERE id = ?", rows)
        conn.executemany("DELETE FROM doc_fts WHERE rowid = ?", rows)
        conn.executemany("DELETE FROM doc_value WHERE doc_id = ?", rows)
        conn.executemany("DELETE FROM doc WHERE id = ?", rows)

    def index(self, docs: list[dict]) -> None:
        if not docs:
            return
        conn = self._conn()
        with _transaction(conn):
            self._write(conn, docs)
            self._bump_generation(conn)

    def delete(self, keys: list[str]) -> None:
        if not keys:
            return
        conn = self._conn()
        with _transaction(conn):
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                self._remove_ids(conn, [r[0] for r in conn.execute(
                    f"SELECT id FROM doc WHERE key IN ({','.join('?' * len(chunk))})", chunk)])
            self._bump_generation(conn)

    def reindex(self, batches: Iterable[list[dict]], progress: Callable[[int], None] | None = None) -> int:
        # One transaction: readers (WAL) keep seeing the old index until the new one is complete.
        conn = self._conn()
        total = 0
        cache_size = conn.execute("PRAGMA cache_size").fetchone()[0]
        # A cache that holds the growing tables: a transaction larger than the cache writes its pages twice.
        conn.execute(f"PRAGMA cache_size = {REINDEX_CACHE_KIB}")
        try:
            with _transaction(conn):
                for table in ("doc_fts", "doc_value", "doc_codes", "doc"):
                    conn.execute(f"DELETE FROM {table}")
                # Secondary indexes are built once at the end (a sort) rather than kept up row by row; the doc
                # table's price/harvest/created indexes of earlier versions are dropped (sorting reads doc_codes).
                for index in ("doc_value_doc", "doc_codes_trust", "doc_price", "doc_harvest", "doc_created"):
                    conn.execute(f"DROP INDEX IF EXISTS {index}")
                # No merging of FTS5 segments while loading: one 'optimize' at the end merges them all once.
                conn.execute("INSERT INTO doc_fts(doc_fts, rank) VALUES('automerge', 0)")
                # The next batch is built (Python, holding the GIL) while SQLite writes this one (C, without it).
                with ThreadPoolExecutor(1) as writer:
                    writing = None
                    for batch in batches:
                        if writing is not None:
                            writing.result()  # one batch in flight; its errors surface here
                        writing = writer.submit(self._write, conn, batch, fresh=True)
                        total += len(batch)
                        if progress:
                            progress(len(batch))
                    if writing is not None:
                        writing.result()
                conn.execute("CREATE INDEX doc_value_doc ON doc_value(doc_id, name, value)")
                conn.execute("CREATE INDEX doc_codes_trust ON doc_codes(verified DESC, certified DESC, available DESC, "
                             "created_at DESC, key)")
                conn.execute("INSERT INTO doc_fts(doc_fts, rank) VALUES('automerge', 4)")  # FTS5's default
                conn.execute("INSERT INTO doc_fts(doc_fts) VALUES('optimize')")
                self._bump_generation(conn)
        finally:
            conn.execute(f"PRAGMA cache_size = {cache_size}")
        return total

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM doc").fetchone()[0]

    def health(self) -> dict:
        try:
            return {"ok": True, "engine": self.name, "documents": self.count()}
        except sqlite3.Error as exc:
            return {"ok": False, "engine": self.name, "error": str(exc)}

    # --- vocabulary (matching.Vocabulary) -----------------------------------------------------
    def _remembered(self, conn) -> dict:
        """The vocabulary answers of this index generation (a write, here or in another process, bumps it)."""
        generation = self._generation(conn)
        cache = self._vocab_cache
        if cache is None or cache[0] != generation or len(cache[1]) > VOCAB_CACHE_SIZE:
            cache = self._vocab_cache = (generation, {})
        return cache[1]

    def counts(self, terms: list[str], prefix: str | None) -> tuple[dict[str, int], int]:
        conn = self._conn()
        known = self._remembered(conn)
        found = {}
        for term in terms:
            if ("doc", term) not in known:
                row = conn.execute("SELECT doc FROM doc_vocab WHERE term = ?", (term,)).fetchone()
                known["doc", term] = row[0] if row else 0
            if known["doc", term]:
                found[term] = known["doc", term]
        prefixed = 0
        if prefix:
            if ("prefix", prefix) not in known:
                known["prefix", prefix] = conn.execute("SELECT count(*) FROM doc_fts WHERE doc_fts MATCH ?",
                                                       (f'"{prefix}"*',)).fetchone()[0]
            prefixed = known["prefix", prefix]
        return found, prefixed

    def neighbours(self, term: str, edits: int) -> list[tuple[str, int]]:
        conn = self._conn()
        known = self._remembered(conn)
        letter = term[0]
        if ("letter", letter) not in known:
            # A term range (not substr(term, 1, 1) = ?): fts5vocab seeks to it instead of reading every doclist.
            known["letter", letter] = conn.execute("SELECT term, doc FROM doc_vocab WHERE term >= ? AND term < ?",
                                                   (letter, chr(ord(letter) + 1))).fetchall()
        low, high = len(term) - edits, len(term) + edits
        return [(t, d) for t, d in known["letter", letter] if low <= len(t) <= high]

    def written(self, terms: list[str]) -> dict[str, str]:
        conn = self._conn()
        known = self._remembered(conn)
        for term in terms:
            if ("written", term) not in known:
                # Every term is folded alphanumerics (from the vocabulary or a query word): quoting is safe.
                rows = conn.execute(
                    "SELECT title, body FROM doc WHERE id IN (SELECT rowid FROM doc_fts WHERE doc_fts MATCH ?) "
                    "ORDER BY key LIMIT ?", (f'{{title_folded body_folded}}: "{term}"', matching.WRITTEN_SAMPLE)
                ).fetchall()
                known["written", term] = matching.written_form(term, (text for row in rows for text in row if text))
        return {term: known["written", term] for term in terms if known["written", term]}

    # --- search --------------------------------------------------------------------------------
    def _hidden(self, forms: list[str], prefix: str | None) -> bool:
        """Whether any of these words (or a word starting with prefix) occurs in some document's hidden words."""
        conn = self._conn()
        known = self._remembered(conn)
        for form in forms:
            if ("hidden", form) not in known:
                known["hidden", form] = conn.execute(
                    "SELECT 1 FROM doc_vocab_col WHERE term = ? AND col = 'hidden_folded'", (form,)).fetchone() is not None
            if known["hidden", form]:
                return True
        if not prefix:
            return False
        if ("hidden*", prefix) not in known:
            known["hidden*", prefix] = conn.execute(
                "SELECT 1 FROM doc_vocab_col WHERE term >= ? AND term < ? AND col = 'hidden_folded' LIMIT 1",
                (prefix, prefix + "\U0010ffff")).fetchone() is not None
        return known["hidden*", prefix]

    def _classes(self, word: "matching.Word") -> list[tuple[str, int, bool]]:
        """A word's forms as FTS5 expressions, by the points they earn: as typed, then loosely (corrections, the
        start of a word); with whether they occur in hidden words. Every form is folded alphanumerics, so
        quoting is safe."""
        classes = [("(" + " OR ".join(f'"{form}"' for form in word.forms) + ")", word.points,
                    self._hidden(word.forms, None))]
        loose = [f'"{form}"' for form in word.corrections] + ([f'"{word.term}"*'] if word.prefix else [])
        if loose:
            classes.append(("(" + " OR ".join(loose) + ")", matching.LOOSE_POINTS,
                            self._hidden(word.corrections, word.term if word.prefix else None)))
        return classes

    def _scored(self, plan: "matching.Plan", require_all: bool, among_candidates: bool = False) -> tuple[str, list[str]]:
        """SQL giving (id, rank) for the matches, rank = -(the score of matching.py): per word, the points of its
        best field, as typed or loosely (corrections, prefix). Every word is required (require_all), or any.

        One MATCH finds the documents; each word adds a CASE whose conditions are `rowid IN (MATCH on one
        column)`: SQLite reads each of those once into a temporary index and probes it per document, so the
        cost grows with the words, not with the words squared. A form that occurs in no hidden words needs
        no check of the visible text: found, and not in the title, it is in the visible text.

        among_candidates: score only the ids in temp.cand; each condition then reads its column's matches once
        and keeps those among the candidates, so its temporary index holds a few ids, not every match."""
        words = [self._classes(w) for w in plan.words]
        joiner = " AND " if require_all else " OR "
        every = joiner.join("(" + " OR ".join(e for e, _p, _h in classes) + ")" for classes in words)
        params: list[str] = []

        subject, among = ("id", " AND +rowid IN (SELECT id FROM temp.cand)") if among_candidates else ("rowid", "")

        def within(expression: str, column: str | None = None) -> str:
            params.append(f"{{{column}}}: {expression}" if column else expression)
            return f"{subject} IN (SELECT rowid FROM doc_fts WHERE doc_fts MATCH ?{among})"

        cases = []
        for classes in words:
            whens, otherwise = [], 0
            for position, (expression, points, hidden) in enumerate(classes):
                whens.append((within(expression, "title_folded"), points + 3))
                if hidden:
                    whens.append((within(expression, "body_folded"), points + 2))
                elsewhere = points + 1 if hidden else points + 2  # found, but not in the title (nor the text)
                if require_all and position == len(classes) - 1:
                    otherwise = elsewhere  # every word is there: reaching the end, it is this class, elsewhere
                else:
                    whens.append((within(expression), elsewhere))
            cases.append("CASE " + " ".join(f"WHEN {c} THEN {p}" for c, p in whens) + f" ELSE {otherwise} END")
        if among_candidates:
            return f"SELECT id, -({' + '.join(cases)}) AS rank FROM temp.cand", params
        params.append(every)
        return f"SELECT rowid AS id, -({' + '.join(cases)}) AS rank FROM doc_fts WHERE doc_fts MATCH ?", params

    def _allowed(self, conn, query: SearchQuery) -> tuple[str, list]:
        """SQL giving the ids the filters allow ("" when none), with its parameters. The facet value held by
        the fewest documents drives; each other filter is probed per id on a primary key (EXISTS), which reads
        far less than intersecting whole sets."""
        sets = list(query.filters.items())
        if len(sets) > 1:
            everywhere = self._facets(conn, False)  # counts over every document, cached per generation
            sets.sort(key=lambda item: sum(n for value, n in everywhere[item[0]] if value in item[1]))
        bounds, bound_params = [], []
        if query.price_min is not None:
            bounds.append("price >= ?")
            bound_params.append(query.price_min)
        if query.price_max is not None:
            bounds.append("price <= ?")
            bound_params.append(query.price_max)
        if query.retail_only:
            bounds.append("retail = 1")
        if not sets:
            return (f"SELECT id FROM doc_codes WHERE {' AND '.join(bounds)}", bound_params) if bounds else ("", [])
        (name, values), rest = sets[0], sets[1:]
        where, params = [f"v.name = ? AND v.value IN ({','.join('?' * len(values))})"], [name, *values]
        for other, values in rest:
            where.append(f"EXISTS (SELECT 1 FROM doc_value o WHERE o.name = ? AND o.value IN "
                         f"({','.join('?' * len(values))}) AND o.doc_id = v.doc_id)")
            params += [other, *values]
        if bounds:
            where.append(f"EXISTS (SELECT 1 FROM doc_codes b WHERE b.id = v.doc_id AND {' AND '.join(bounds)})")
            params += bound_params
        return f"SELECT v.doc_id AS id FROM doc_value v WHERE {' AND '.join(where)}", params

    def _fill_hits(self, conn, query: SearchQuery, scored: tuple[str, list[str]] | None) -> None:
        """temp.hit := the matches: the ids the filters allow (on the narrow tables), the text from doc_fts
        alone."""
        conn.execute("DELETE FROM temp.hit")
        allowed, params = self._allowed(conn, query)
        if scored is None:
            conn.execute(f"INSERT OR IGNORE INTO temp.hit(id, rank) SELECT id, 0 FROM ({allowed or 'SELECT id FROM doc'})",
                         params)
        elif not allowed:
            conn.execute(f"INSERT INTO temp.hit(id, rank) {scored[0]}", scored[1])
        else:
            conn.execute("DELETE FROM temp.allowed")
            conn.execute(f"INSERT OR IGNORE INTO temp.allowed(id) {allowed}", params)
            # The text's matches once, each probing the allowed ids.
            conn.execute(f"INSERT INTO temp.hit(id, rank) SELECT s.* FROM ({scored[0]}) s "
                         f"JOIN temp.allowed a ON a.id = s.id", scored[1])

    @staticmethod
    def _matching(expression: str) -> tuple[str, list[str]]:
        """(id, rank 0) of the documents an FTS5 expression matches: no scoring."""
        return "SELECT rowid AS id, 0 AS rank FROM doc_fts WHERE doc_fts MATCH ?", [expression]

    def _total(self, query: SearchQuery, plan: "matching.Plan") -> int:
        if not plan.words:
            return super()._total(query, plan)
        every = self._scored(plan, require_all=True)[1][-1]  # the MATCH that finds them, without the scoring
        conn = self._conn()
        self._fill_hits(conn, query, self._matching(every))
        return conn.execute("SELECT count(*) FROM temp.hit").fetchone()[0]

    def _top_classes(self, word: "matching.Word", counts: dict[str, int]) -> tuple[str, int] | None:
        """The FTS5 expression of a word's best-scoring forms that some document holds, and their points
        (before the field's): as typed when the index knows a form, else loosely. None: nothing holds it."""
        classes = self._classes(word)
        typed_known = any(counts.get(form) for form in word.forms)
        if not typed_known and len(classes) == 1:
            return None
        if word.points == matching.LOOSE_POINTS and len(classes) > 1:  # a filler: typed and loose score alike
            return f"({classes[0][0]} OR {classes[1][0]})" if typed_known else classes[1][0], word.points
        return (classes[0][0], word.points) if typed_known else (classes[1][0], matching.LOOSE_POINTS)

    def _tiers(self, plan: "matching.Plan", require_all: bool) -> list[tuple[str, int | None]]:
        """Candidate sets for the first page, best first, each as (FTS5 expression, bound): when the page's
        last candidate scores above `bound`, no document outside the set can reach the page, so only the set is
        scored. A bound of None: every candidate has the best score there is (nothing to score).

        All words required: the documents with every word's best forms in the title score the most; the rest
        score less. Any word (the partial fallback): documents with all words but one or two, scored; the
        others hold fewer words, so they score at most the sum of that many best words."""
        tops = [self._top_classes(w, plan.counts) for w in plan.words]
        if require_all:
            if any(t is None for t in tops):
                return []
            return [(" AND ".join(f"{{title_folded}}: {expression}" for expression, _p in tops), None)]
        words = [("(" + " OR ".join(e for e, _p, _h in self._classes(w)) + ")", (t[1] if t else 0) + 3)
                 for w, t in zip(plan.words, tops, strict=True)]
        tiers = []
        for dropped in (1, 2):
            keep = len(words) - dropped
            subsets = list(itertools.combinations(range(len(words)), keep))
            if keep < 2 or len(subsets) > MAX_TIER_SUBSETS:
                break
            expression = " OR ".join("(" + " AND ".join(words[i][0] for i in subset) + ")" for subset in subsets)
            best_outside = sum(sorted((best for _e, best in words), reverse=True)[:keep - 1])
            tiers.append((expression, best_outside))
        return tiers

    def _ranked_page(self, conn, query: SearchQuery, plan: "matching.Plan", require_all: bool,
                     within: str) -> list:
        """The page by relevance, scoring only the documents that can reach it (self._tiers) when that is
        enough, else every match. `within`: a join on the matches within the filters ("" without filters: every
        candidate matches the text)."""
        need = query.offset + query.per_page
        order = f"ORDER BY s.rank, {TRUST_SQL} LIMIT ?"
        for expression, bound in self._tiers(plan, require_all):
            if bound is None:  # equal scores: the page is the first `need` in the trust order
                candidates = f"SELECT s.id FROM ({self._matching(expression)[0]}) s {within}"
                rows = self._in_trust_order(conn, candidates, [expression], need, -self._best_score(plan))
                if rows is not None:
                    return rows[query.offset:]
                continue
            conn.execute("DELETE FROM temp.cand")
            conn.execute(f"INSERT INTO temp.cand(id) SELECT s.id FROM ({self._matching(expression)[0]}) s {within}",
                         (expression,))
            sql, params = self._scored(plan, require_all, among_candidates=True)
            rows = conn.execute(f"SELECT s.id, s.rank FROM ({sql}) s JOIN doc_codes c ON c.id = s.id {order}",
                                (*params, need)).fetchall()
            if len(rows) == need and -rows[-1][1] > bound:
                return rows[query.offset:]
        sql, params = self._scored(plan, require_all)
        return conn.execute(f"SELECT s.id, s.rank FROM ({sql}) s {within} JOIN doc_codes c ON c.id = s.id {order} OFFSET ?",
                            (*params, query.per_page, query.offset)).fetchall()

    def _in_trust_order(self, conn, ids: str, params: list, need: int, rank: int) -> list | None:
        """The first `need` of the ids (SQL) in the trust order, each with `rank`; None when there are fewer.
        When they are a fair share of the index, they are read off the trust index (a few entries per page
        row); otherwise sorted."""
        count = conn.execute(f"SELECT count(*) FROM ({ids})", params).fetchone()[0]
        if count < need:
            return None
        if count * TRUST_WALK_SHARE >= (conn.execute("SELECT max(id) FROM doc_codes").fetchone()[0] or 0):
            return conn.execute(f"SELECT c.id, ? FROM doc_codes c INDEXED BY doc_codes_trust WHERE c.id IN ({ids}) "
                                f"ORDER BY {TRUST_SQL} LIMIT ?", (rank, *params, need)).fetchall()
        return conn.execute(f"SELECT s.id, ? FROM ({ids}) s JOIN doc_codes c ON c.id = s.id ORDER BY {TRUST_SQL} LIMIT ?",
                            (rank, *params, need)).fetchall()

    def _best_score(self, plan: "matching.Plan") -> int:
        """The score of a document with every word's best forms in its title."""
        return sum(self._top_classes(w, plan.counts)[1] + matching.FIELD_POINTS["title_folded"] for w in plan.words)

    def _execute(self, query: SearchQuery, plan: "matching.Plan", require_all: bool) -> SearchResult:
        conn = self._conn()
        terms = plan.words
        filtered = bool(terms or query.filters or query.price_min is not None or query.price_max is not None
                        or query.retail_only)
        matches: tuple[str, list] = ("temp.hit", [])  # the matches within the filters, as a table and parameters
        if filtered:
            every = self._scored(plan, require_all)[1][-1] if terms else None
            if terms and not self._allowed(conn, query)[0]:
                # Text alone: count, facets and page each read the text's matches from doc_fts (a few ms
                # even for tens of thousands) rather than copying them all into a table first.
                matches = ("(SELECT rowid AS id FROM doc_fts WHERE doc_fts MATCH ?)", [every])
                total = conn.execute("SELECT count(*) FROM doc_fts WHERE doc_fts MATCH ?", (every,)).fetchone()[0]
                within = ""
            else:
                # The matches once, unscored: count and facets read them; only the page needs scores.
                self._fill_hits(conn, query, self._matching(every) if terms else None)
                total = conn.execute("SELECT count(*) FROM temp.hit").fetchone()[0]
                within = "JOIN temp.hit h ON h.id = s.id"
            if not total:
                page = []
            elif terms and query.sort == "relevance":
                page = self._ranked_page(conn, query, plan, require_all, within)
            elif query.sort == "relevance":  # filters alone: every match is equally relevant
                first = self._in_trust_order(conn, "SELECT id FROM temp.hit", [], query.offset + query.per_page, 0)
                page = first[query.offset:] if first is not None else conn.execute(  # the last page
                    f"SELECT h.id, 0 FROM temp.hit h JOIN doc_codes c ON c.id = h.id ORDER BY {TRUST_SQL} LIMIT ? "
                    f"OFFSET ?", (query.per_page, query.offset)).fetchall()
            else:
                page = conn.execute(f"SELECT h.id, NULL FROM {matches[0]} h JOIN doc_codes c ON c.id = h.id "
                                    f"ORDER BY {SORT_SQL[query.sort]} LIMIT ? OFFSET ?",
                                    (*matches[1], query.per_page, query.offset)).fetchall()
        else:
            # Browsing everything: no need to copy every id; the page comes straight from the narrow table.
            total = conn.execute("SELECT count(*) FROM doc_codes").fetchone()[0]
            order = TRUST_SQL if query.sort == "relevance" else SORT_SQL[query.sort].replace("h.", "c.")
            page = conn.execute(f"SELECT c.id, 0 FROM doc_codes c ORDER BY {order} LIMIT ? OFFSET ?",
                                (query.per_page, query.offset)).fetchall()
        rows = {}
        if page:  # the wide rows of the page only
            rows = {r[0]: r for r in conn.execute(
                f"SELECT id, key, kind, object_id, title, url, data, body, price, seller FROM doc "
                f"WHERE id IN ({','.join('?' * len(page))})", [p[0] for p in page])}
        hits = []
        for doc_id, doc_rank in page:
            r = rows[doc_id]
            hits.append(Hit(key=r[1], kind=r[2], object_id=r[3], title=r[4], url=r[5],
                            score=-doc_rank if terms and doc_rank is not None else None,
                            data={**json.loads(r[6]), "body": r[7], "price": r[8], "seller": r[9]}))
        facets = self._facets(conn, filtered, matches) if total or not filtered else {name: [] for name in FACETS}
        return SearchResult(total=total, hits=hits, facets=facets, engine=self.name)

    def _decode(self, conn, char: str) -> tuple[str, str]:
        if char not in self._value_of:
            self._value_of = {chr(CODE_OFFSET + code): (name, value)
                              for code, name, value in conn.execute("SELECT code, name, value FROM facet_code")}
        return self._value_of[char]

    def _facets(self, conn, filtered: bool, matches: tuple[str, list] = ("temp.hit", [])) -> dict:
        # Counts over all documents are asked on every empty search page: cache them per index generation.
        if not filtered:
            generation = self._generation(conn)
            if self._facet_cache and self._facet_cache[0] == generation:
                return self._facet_cache[1]
        codes = conn.execute(f"SELECT group_concat(c.codes, '') FROM {matches[0]} h JOIN doc_codes c ON c.id = h.id"
                             if filtered else "SELECT group_concat(codes, '') FROM doc_codes",
                             matches[1] if filtered else ()).fetchone()[0] or ""
        counted: Counter = Counter()
        for char, count in Counter(codes).items():
            name, value = self._decode(conn, char)
            for one in value.split(",") if name in GROUPED_FACETS else (value,):  # a set of months, one code
                counted[name, one] += count
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        for (name, value), count in counted.items():
            facets[name].append((value, count))
        for name in facets:
            facets[name].sort(key=lambda item: (-item[1], item[0]))
        if not filtered:
            self._facet_cache = (generation, facets)
        return facets


def _upgrade(conn) -> None:
    """An index file written by another version of this module is emptied: its tables are dropped and made
    again in this version's shape."""
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
    version = has_meta and conn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
    if not has_meta or (version and version[0] == SCHEMA_VERSION):
        return
    for table in ("doc_vocab", "doc_vocab_col", *(t for t in TABLES if t not in ("doc_vocab", "doc_vocab_col"))):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


class _transaction:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
