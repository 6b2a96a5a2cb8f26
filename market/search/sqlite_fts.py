"""The embedded engine: SQLite FTS5 in its own file under instance/, no server needed."""
import json
import os
import sqlite3
import threading
from typing import Callable, Iterable

from market.search.base import SearchBackend
from market.search.query import FACETS, Hit, SearchQuery, SearchResult

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS doc (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, object_id INTEGER NOT NULL,
    title TEXT NOT NULL, body TEXT, url TEXT NOT NULL, price INTEGER, quantity REAL, seller TEXT,
    harvest_start TEXT, created_at TEXT, retail INTEGER NOT NULL DEFAULT 0, verified INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS doc_price ON doc(price);
CREATE INDEX IF NOT EXISTS doc_harvest ON doc(harvest_start);
CREATE INDEX IF NOT EXISTS doc_created ON doc(created_at);
CREATE TABLE IF NOT EXISTS doc_value (
    name TEXT NOT NULL, value TEXT NOT NULL, doc_id INTEGER NOT NULL, PRIMARY KEY (name, value, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_value_doc ON doc_value(doc_id, name, value);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(title_folded, body_folded, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS doc_vocab USING fts5vocab(doc_fts, 'row');
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
"""

SORT_SQL = {
    "relevance": "rank, d.id DESC",
    "price_asc": "d.price IS NULL, d.price ASC, d.id",
    "price_desc": "d.price IS NULL, d.price DESC, d.id",
    "harvest": "d.harvest_start IS NULL, d.harvest_start ASC, d.id",
    "newest": "d.created_at DESC, d.id DESC",
}


def allowed_edits(term: str) -> int:
    """Typo tolerance, the same rule as Elasticsearch's fuzziness AUTO:5,8."""
    return 0 if len(term) < 5 else 1 if len(term) < 8 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


class SqliteFtsBackend(SearchBackend):
    name = "sqlite-fts5"

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._facet_cache: tuple[str, dict] | None = None

    # --- connections ---------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.executescript(SCHEMA)
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
    def _write(self, conn, docs: list[dict]) -> None:
        for doc in docs:
            row = conn.execute("SELECT id FROM doc WHERE key = ?", (doc["key"],)).fetchone()
            if row:
                self._remove(conn, row[0])
            cursor = conn.execute(
                "INSERT INTO doc(key, kind, object_id, title, body, url, price, quantity, seller, harvest_start, "
                "created_at, retail, verified, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc["key"], doc["kind"], doc["object_id"], doc["title"], doc["body"], doc["url"], doc["price"],
                 doc["quantity"], doc["seller"], doc["harvest_start"], doc["created_at"], int(doc["retail"]),
                 int(doc["verified"]), json.dumps(doc["data"], ensure_ascii=False)))
            doc_id = cursor.lastrowid
            conn.execute("INSERT INTO doc_fts(rowid, title_folded, body_folded) VALUES (?,?,?)",
                         (doc_id, doc["title_folded"], doc["body_folded"]))
            values = {("kind", doc["kind"])}
            for name in FACETS:
                if name != "kind":
                    values.update((name, str(v)) for v in doc.get(name) or [])
            conn.executemany("INSERT INTO doc_value(name, value, doc_id) VALUES (?,?,?)",
                             [(n, v, doc_id) for n, v in values])

    def _remove(self, conn, doc_id: int) -> None:
        conn.execute("DELETE FROM doc_fts WHERE rowid = ?", (doc_id,))
        conn.execute("DELETE FROM doc_value WHERE doc_id = ?", (doc_id,))
        conn.execute("DELETE FROM doc WHERE id = ?", (doc_id,))

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
            for key in keys:
                row = conn.execute("SELECT id FROM doc WHERE key = ?", (key,)).fetchone()
                if row:
                    self._remove(conn, row[0])
            self._bump_generation(conn)

    def reindex(self, batches: Iterable[list[dict]], progress: Callable[[int], None] | None = None) -> int:
        # One transaction: readers (WAL) keep seeing the old index until the new one is complete.
        conn = self._conn()
        total = 0
        with _transaction(conn):
            conn.execute("DELETE FROM doc_fts")
            conn.execute("DELETE FROM doc_value")
            conn.execute("DELETE FROM doc")
            for batch in batches:
                self._write(conn, batch)
                total += len(batch)
                if progress:
                    progress(len(batch))
            self._bump_generation(conn)
        conn.execute("INSERT INTO doc_fts(doc_fts) VALUES('optimize')")
        return total

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM doc").fetchone()[0]

    def health(self) -> dict:
        try:
            return {"ok": True, "engine": self.name, "documents": self.count()}
        except sqlite3.Error as exc:
            return {"ok": False, "engine": self.name, "error": str(exc)}

    # --- search --------------------------------------------------------------------------------
    def _correct(self, conn, term: str) -> str | None:
        """The indexed word nearest to a misspelt one, or None when it is known or nothing is near."""
        limit = allowed_edits(term)
        if not limit or conn.execute("SELECT 1 FROM doc_vocab WHERE term = ?", (term,)).fetchone():
            return None
        best = None
        for candidate, docs in conn.execute(
                "SELECT term, doc FROM doc_vocab WHERE length(term) BETWEEN ? AND ? AND substr(term, 1, 1) = ?",
                (len(term) - limit, len(term) + limit, term[0])):
            distance = edit_distance(term, candidate, limit)
            if distance <= limit and (best is None or (distance, -docs) < best[0]):
                best = ((distance, -docs), candidate)
        return best[1] if best else None

    def _match_expression(self, conn, terms: list[str], corrected: dict) -> str:
        parts = []
        for position, term in enumerate(terms):
            options = [f'"{term}"']
            if position == len(terms) - 1:
                options.append(f'"{term}"*')  # as-you-type: the last word may be unfinished
            fixed = self._correct(conn, term)
            if fixed:
                corrected[term] = fixed
                options.append(f'"{fixed}"')
            parts.append("(" + " OR ".join(options) + ")")
        return " AND ".join(parts)

    def search(self, query: SearchQuery) -> SearchResult:
        conn = self._conn()
        corrected: dict[str, str] = {}
        joins, where, params = [], [], []
        terms = query.terms
        if terms:
            joins.append("JOIN doc_fts ON doc_fts.rowid = d.id")
            where.append("doc_fts MATCH ?")
            params.append(self._match_expression(conn, terms, corrected))
        for name, values in query.filters.items():
            where.append(f"d.id IN (SELECT doc_id FROM doc_value WHERE name = ? AND value IN "
                         f"({','.join('?' * len(values))}))")
            params += [name, *values]
        if query.price_min is not None:
            where.append("d.price >= ?")
            params.append(query.price_min)
        if query.price_max is not None:
            where.append("d.price <= ?")
            params.append(query.price_max)
        if query.retail_only:
            where.append("d.retail = 1")
        base = f"FROM doc d {' '.join(joins)}" + (f" WHERE {' AND '.join(where)}" if where else "")
        total = conn.execute(f"SELECT count(*) {base}", params).fetchone()[0]
        rank = "bm25(doc_fts, 4.0, 1.0)" if terms else "0"
        rows = conn.execute(
            f"SELECT d.key, d.kind, d.object_id, d.title, d.url, {rank} AS rank, d.data, d.body, d.price, d.seller "
            f"{base} ORDER BY {SORT_SQL[query.sort]} LIMIT ? OFFSET ?",
            [*params, query.per_page, query.offset]).fetchall()
        hits = [Hit(key=r[0], kind=r[1], object_id=r[2], title=r[3], url=r[4], score=-r[5] if terms else None,
                    data={**json.loads(r[6]), "body": r[7], "price": r[8], "seller": r[9]}) for r in rows]
        return SearchResult(total=total, hits=hits, facets=self._facets(conn, base, params, bool(where)),
                            engine=self.name, corrected_terms=corrected)

    def _facets(self, conn, base: str, params: list, filtered: bool) -> dict:
        # Counts over all documents are asked on every empty search page: cache them per index generation.
        if not filtered:
            generation = self._generation(conn)
            if self._facet_cache and self._facet_cache[0] == generation:
                return self._facet_cache[1]
            rows = conn.execute("SELECT name, value, count(*) FROM doc_value GROUP BY name, value").fetchall()
        else:
            rows = conn.execute(f"SELECT v.name, v.value, count(*) FROM doc_value v WHERE v.doc_id IN "
                                f"(SELECT d.id {base}) GROUP BY v.name, v.value", params).fetchall()
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        for name, value, count in rows:
            facets[name].append((value, count))
        for name in facets:
            facets[name].sort(key=lambda item: (-item[1], item[0]))
        if not filtered:
            self._facet_cache = (generation, facets)
        return facets


class _transaction:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
