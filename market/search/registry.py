"""Which engine answers: Elasticsearch when ELASTICSEARCH_URL is set, else SQLite FTS5. One instance per app,
kept in app.extensions. Its own module so that the outbox (sync.py) and the package reach it without
importing each other."""
from flask import Flask, current_app

from market.search.base import SearchBackend

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


def init_app(app: Flask) -> None:
    app.extensions.setdefault(_EXTENSION, None)
