"""Light pages on slow networks: compressed responses, content-hashed static files with long cache
lifetimes, sensible Cache-Control on dynamic pages, and a short-lived cache of the public pages that
every anonymous visitor gets the same (dropped on every write)."""
import gzip
import hashlib
import io
import os
import re
from functools import wraps
from pathlib import Path

import brotli
from flask import Flask, abort, current_app, request, send_file, session
from flask_babel import get_locale
from flask_caching import Cache
from flask_compress import Compress
from flask_login import current_user
from sqlalchemy import event
from werkzeug.security import safe_join

compress = Compress()
cache = Cache()

ONE_YEAR = 365 * 24 * 3600
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")


class StaticManifest:
    """`css/site.css` -> `css/site.3f2a1b0c9d8e.css`, from the file's content, built at startup."""

    def __init__(self, folder: str, refresh: bool = False):
        self.folder = Path(folder)
        self.refresh = refresh  # development: pick up edited files without a restart
        self._names: dict[str, tuple[float, str]] = {}
        if self.folder.is_dir():
            for path in self.folder.rglob("*"):
                if path.is_file():
                    self._add(path.relative_to(self.folder).as_posix())

    def _add(self, name: str) -> str | None:
        path = self.folder / name
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        stem, ext = os.path.splitext(name)
        hashed = f"{stem}.{digest}{ext}" if ext else name
        self._names[name] = (mtime, hashed)
        return hashed

    def hashed(self, name: str) -> str:
        entry = self._names.get(name)
        if entry is None or self.refresh:
            try:
                fresh = entry is not None and (self.folder / name).stat().st_mtime == entry[0]
            except OSError:
                fresh = False
            if not fresh:
                return self._add(name) or name
        return self._names[name][1]

    def original(self, name: str) -> str | None:
        """The real file behind a hashed name, when the hash is the current one."""
        match = _HASHED.match(name)
        if not match:
            return None
        original = match["stem"] + match["ext"]
        return original if self.hashed(original) == name else None


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
        "application/json", "application/manifest+json", "image/svg+xml"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 30)
    app.config.setdefault("PAGE_CACHE_SECONDS", 30)
    compress.init_app(app)
    cache.init_app(app)

    manifest = StaticManifest(app.static_folder, refresh=app.debug)
    app.extensions["static_manifest"] = manifest
    def static(filename: str):
        # The file is read whole (static files are small) so that compression never leaves it open.
        original = manifest.original(filename)
        path = safe_join(app.static_folder, original or filename)
        if path is None or not os.path.isfile(path):
            abort(404)
        data = Path(path).read_bytes()
        response = send_file(io.BytesIO(data), download_name=os.path.basename(path), conditional=True,
                             etag=hashlib.sha256(data).hexdigest()[:16], last_modified=os.path.getmtime(path),
                             max_age=ONE_YEAR if original else None)
        if original:  # the name changes with the content: keep it for a year
            response.cache_control.public = True
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response

    app.view_functions["static"] = static

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.hashed(values["filename"])

    @app.after_request
    def _cache_control(response):
        if request.endpoint == "static" or "Cache-Control" in response.headers:
            return response
        # Pages carry the visitor's session (CSRF tokens, their own data): browsers keep them for
        # back/forward and revalidate; shared caches never store them.
        response.cache_control.private = True
        response.cache_control.no_cache = True
        response.vary.add("Cookie")
        return response

    _drop_page_cache_on_writes()


def _drop_page_cache_on_writes() -> None:
    if getattr(_drop_page_cache_on_writes, "done", False):
        return

    from sqlalchemy.orm import Session

    @event.listens_for(Session, "after_flush")
    def _mark(session_, _context):
        if session_.new or session_.dirty or session_.deleted:
            session_.info["page_cache_dirty"] = True

    @event.listens_for(Session, "after_commit")
    def _bump(session_):
        if session_.info.pop("page_cache_dirty", False):
            bump_generation()

    @event.listens_for(Session, "after_rollback")
    def _forget(session_):
        session_.info.pop("page_cache_dirty", None)

    _drop_page_cache_on_writes.done = True


def bump_generation() -> None:
    """Every cached public page is dropped: the next visitor gets a fresh one."""
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    if "cache" not in app.extensions:
        return
    generation = cache.get("page-generation") or 0
    cache.set("page-generation", generation + 1, timeout=0)


def _cacheable() -> bool:
    if request.method != "GET" or current_user.is_authenticated:
        return False
    if session.get("_flashes"):
        return False
    return True


def _encoding() -> str | None:
    """The compression the visitor takes (brotli first), as Flask-Compress would choose it."""
    for name in ("br", "gzip"):
        if request.accept_encodings.quality(name) > 0:
            return name
    return None


def _encode(body: bytes, encoding: str | None) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=current_app.config.get("COMPRESS_BR_LEVEL", 4))
    if encoding == "gzip":
        return gzip.compress(body, compresslevel=current_app.config.get("COMPRESS_LEVEL", 6))
    return body


def public_page(view):
    """Serve the same HTML to every anonymous visitor for PAGE_CACHE_SECONDS (per locale, URL and
    compression, kept compressed so a hit costs neither a render nor a compression); any committed write
    drops it. Logged-in members and visitors with a message waiting always get a fresh page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        seconds = current_app.config.get("PAGE_CACHE_SECONDS", 0)
        if not seconds or not _cacheable():
            return view(*args, **kwargs)
        encoding = _encoding()
        generation = cache.get("page-generation") or 0
        key = (f"page:{generation}:{get_locale()}:{encoding}:{request.headers.get('HX-Request', '')}:"
               f"{request.full_path}")
        hit = cache.get(key)
        if hit is None:
            response = current_app.make_response(view(*args, **kwargs))
            # Only a plain page, with nothing queued for the visitor, is shared.
            if response.status_code != 200 or response.mimetype != "text/html" or session.get("_flashes"):
                return response
            hit = (_encode(response.get_data(), encoding), encoding)
            cache.set(key, hit, timeout=seconds)
        body, encoding = hit
        response = current_app.response_class(body, status=200, mimetype="text/html")
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        return response

    return wrapper
