"""Search: one interface, two engines (Elasticsearch when ELASTICSEARCH_URL is set, else SQLite FTS5),
documents built from the models, and the outbox that keeps the index in sync."""
from flask import Flask
from sqlalchemy import event

from market.extensions import db
from market.search import registry, sync
from market.search.base import SearchBackend, SearchUnavailable
from market.search.query import QueryError, SearchQuery, SearchResult, parse_args
from market.search.registry import get_backend, make_backend, set_backend

__all__ = ["SearchBackend", "SearchUnavailable", "SearchQuery", "SearchResult", "QueryError", "parse_args",
           "get_backend", "set_backend", "make_backend", "init_app"]

_listening = False


def init_app(app: Flask) -> None:
    global _listening
    registry.init_app(app)
    if not _listening:
        event.listen(db.session, "after_flush", sync.record_changes)
        event.listen(db.session, "after_commit", sync.push_after_commit)
        event.listen(db.session, "after_soft_rollback", sync.forget_pending)
        _listening = True
