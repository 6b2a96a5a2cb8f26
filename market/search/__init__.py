"""Search: one interface, two engines (Elasticsearch when ELASTICSEARCH_URL is set, else SQLite FTS5),
documents built from the models, and the outbox that keeps the index in sync."""
from flask import Flask, current_app
from sqlalchemy import event

from market.search.base import SearchBackend, SearchUnavailable
from market.search.query import QueryError, SearchQuery, SearchResult, parse_args

__all__ = ["SearchBackend", "SearchUnavailable", "SearchQuery", "SearchResult", "QueryError", "parse_args",
           "get_backend", "init_app"]

_EXTENSION = "market.search"


def make_backend(config) -> SearchBackend:
    if config.get("ELASTICSEARCH_URL"):
        from market.search.elastic import ElasticsearchBackend

        return ElasticsearchBackend(
            config["ELASTICSEARCH_URL"], alias=config["ELASTICSEARCH_INDEX"],
            api_key=config.get("ELASTICSEARCH_API_KEY"), username=config.get("ELASTICSEARCH_USERNAME"),
            password=config.get("ELASTICSEARCH_PASSWORD"), ca_certs=config.get("ELASTICSEARCH_CA_CERTS"),
            verify_certs=config.get("ELASTICSEARCH_VERIFY_CERTS", True),
            timeout=config.get("ELASTICSEARCH_TIMEOUT", 5.0),
            refresh_on_write=config.get("SEARCH_REFRESH_ON_WRITE", False))
    from market.search.sqlite_fts import SqliteFtsBackend

    return SqliteFtsBackend(config["SEARCH_SQLITE_PATH"])


def get_backend(app: Flask | None = None) -> SearchBackend:
    app = app or current_app
    backend = app.extensions.get(_EXTENSION)
    if backend is None:
        backend = app.extensions[_EXTENSION] = make_backend(app.config)
    return backend


def set_backend(app: Flask, backend: SearchBackend) -> None:
    """Swap the engine (tests run the same suite against each)."""
    app.extensions[_EXTENSION] = backend


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    app.extensions.setdefault(_EXTENSION, None)
    if not _listening:
        from market.extensions import db
        from market.search import sync

        event.listen(db.session, "after_flush", sync.record_changes)
        event.listen(db.session, "after_commit", sync.push_after_commit)
        event.listen(db.session, "after_soft_rollback", sync.forget_pending)
        _listening = True
