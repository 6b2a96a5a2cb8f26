"""Input from the outside, refused before it can reach the database as a 500.

- Numbers in addresses: `<int:...>` is `BoundedInt` app-wide (0 .. 2^31-1, the range of an INTEGER key on
  PostgreSQL), so `/listings/99999999999999999999` is a plain 404, never an overflow in the query.
- Numbers in query strings and forms: `request.args.get(name, type=int)` (and `request.form`, `request.values`)
  answers the default for a value outside -2^31 .. 2^31-1 (`BoundedArgs`); `int_arg()` and `page_arg()` are
  the shared parsers for routes, `digits()` for an id typed in a hidden field.
- Text: `text_problem(value, max_length)` says why a text cannot be stored (a NUL byte, which PostgreSQL
  refuses; a lone surrogate, which cannot be encoded; more characters than the column holds). Forms use it
  for every field (`market.blueprints.forms.Form`); the JSON API for every value it reads; and
  `guard_flush` checks every string attribute of every row before it is written, so a value that slipped
  past a form is a `ValidationFailed` for its field (a 400 or a message), not a `DataError` (a 500).
"""
from __future__ import annotations

import math

import sqlalchemy as sa
from flask import Flask, Request, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from werkzeug.routing import IntegerConverter

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class BoundedInt(IntegerConverter):
    """`<int:id>` that matches 0 .. 2^31-1 only (a longer number is no address here: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        low = 0 if not signed else INT_MIN
        super().__init__(map, fixed_digits=fixed_digits, min=low if min is None else max_(min, low),
                         max=INT_MAX if max is None else min_(max, INT_MAX), signed=signed)


max_, min_ = max, min


def _bounded(value, default, type):  # noqa: A002
    if type is int and isinstance(value, int) and value is not default and not INT_MIN <= value <= INT_MAX:
        return default
    if type is float and isinstance(value, float) and value is not default and not math.isfinite(value):
        return default
    return value


class BoundedArgs(ImmutableMultiDict):
    """`get(name, type=int)` gives the default for a number no column can hold; `type=float` for NaN/inf."""

    def get(self, key, default=None, type=None):  # noqa: A002
        return _bounded(super().get(key, default, type), default, type)


class BoundedCombined(CombinedMultiDict):
    def get(self, key, default=None, type=None):  # noqa: A002
        return _bounded(super().get(key, default, type), default, type)


class MarketRequest(Request):
    parameter_storage_class = BoundedArgs

    @property
    def values(self):
        sources = [self.args] if self.method == "GET" else [self.args, self.form]
        return BoundedCombined(sources)


def int_arg(name: str, default: int | None = None, *, minimum: int = INT_MIN, maximum: int = INT_MAX,
            source=None) -> int | None:
    """An integer from the query string (or `source`): the default when absent, unreadable or out of range."""
    value = (source if source is not None else request.args).get(name, type=int)
    if value is None or not minimum <= value <= maximum:
        return default
    return value


def page_arg(name: str = "page") -> int:
    """A page number for `db.paginate(page=...)`: 1 unless the query string has a sensible one. (Flask-SQLAlchemy
    reads `page` itself with `int()`, unbounded: an offset beyond 2^63 is a 500 on either database.)"""
    return int_arg(name, 1, minimum=1, maximum=100_000)


def digits(raw) -> int | None:
    """An id sent as text (a hidden field): ASCII digits within range, else None. ("²".isdigit() is true.)"""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= INT_MAX else None


# --- text ---------------------------------------------------------------------------------------

NUL_MESSAGE = _l("This text contains a character that cannot be stored (a NUL byte). Remove it and try again.")
SURROGATE_MESSAGE = _l("This text contains a broken character. Type it again.")
FILE_MESSAGE = _l("This field takes text, not a file.")


def too_long_message(limit: int):
    return _l("Use at most %(n)d characters.", n=limit)


def has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text_problem(value: str, max_length: int | None = None):
    """Why `value` cannot be stored (a message), or None."""
    if "\x00" in value:
        return NUL_MESSAGE
    if has_surrogate(value):
        return SURROGATE_MESSAGE
    if max_length is not None and len(value) > max_length:
        return too_long_message(max_length)
    return None


def guard_flush(session, flush_context, instances) -> None:
    """Before a flush: every string attribute of every new or changed row fits its column (length, no NUL, no
    lone surrogate), and every float is finite, else `ValidationFailed` names the attribute. The same on SQLite
    (which would store anything) and PostgreSQL (which would raise DataError, a 500)."""
    from market.services.errors import ValidationFailed

    errors: dict[str, list] = {}
    for obj in list(session.new) + list(session.dirty):
        state = sa.inspect(obj)
        # New rows: every loaded value; changed rows: only what changed (nothing is loaded from here).
        keys = state.dict.keys() if state.key is None else state.committed_state.keys()
        columns = state.mapper.columns
        for key in list(keys):
            column, value = columns.get(key), state.dict.get(key)
            if column is None:
                continue
            if isinstance(value, str):
                length = column.type.length if isinstance(column.type, sa.String) else None
                problem = text_problem(value, length)
                if problem:
                    errors.setdefault(key, []).append(problem)
            elif isinstance(value, float) and not math.isfinite(value):
                errors.setdefault(key, []).append(_l("Enter a number."))
    if errors:
        raise ValidationFailed({key: [str(m) for m in msgs] for key, msgs in errors.items()})


ADDRESS_MESSAGE = _l("The address contains a character that cannot be used (a NUL byte). Check the link.")


def _refuse_unstorable_address():
    """A NUL byte in the path or the query string would reach PostgreSQL (a zone code, a search): 400."""
    from flask import abort

    if "\x00" in request.path or any("\x00" in key or any("\x00" in v for v in request.args.getlist(key))
                                     for key in request.args.keys()):
        abort(400, description=str(ADDRESS_MESSAGE))


# --- the request body, as the WSGI server hands it over ----------------------------------------------

class _GuardedInput:
    """`wsgi.input` whose read errors (gunicorn's for a malformed chunked body, a client that stops sending
    before its Content-Length) are a 400 (`ClientDisconnected`), not an exception reaching the app (a 500).
    Counts what was read, so that `BodyGuard` can drain the rest."""

    def __init__(self, stream):
        self._stream, self.consumed = stream, 0

    def _call(self, name, *args):
        from werkzeug.exceptions import ClientDisconnected

        try:
            data = getattr(self._stream, name)(*args)
        except Exception as exc:
            if type(exc).__module__.startswith("gunicorn.") or isinstance(exc, (ConnectionError, TimeoutError)):
                raise ClientDisconnected(str(_l("The request body could not be read. Send it again."))) from exc
            raise
        self.consumed += len(data) if isinstance(data, bytes) else sum(map(len, data))
        return data

    def read(self, *args):
        return self._call("read", *args)

    def readline(self, *args):
        return self._call("readline", *args)

    def readlines(self, *args):
        return self._call("readlines", *args)

    def __iter__(self):
        while line := self.readline():
            yield line

    def close(self):
        close = getattr(self._stream, "close", None)
        if close:
            close()


class BodyGuard:
    """WSGI middleware: guards `wsgi.input` (above), and reads whatever the app left of a body (up to
    `drain_limit` bytes) before answering: a 413, or a 400/403/404 given before the form was read. Without that,
    the server closes the socket with unread bytes in it, the kernel sends a reset, and a client still sending
    never reads the answer: for it, the connection was closed with no response (what an outside fuzz run saw
    under gunicorn)."""

    def __init__(self, wsgi_app, drain_limit: int):
        self.wsgi_app, self.drain_limit = wsgi_app, drain_limit

    def __call__(self, environ, start_response):
        guarded = environ["wsgi.input"] = _GuardedInput(environ["wsgi.input"])
        result = self.wsgi_app(environ, start_response)
        self._drain(environ, guarded)
        return result

    def _drain(self, environ, guarded: _GuardedInput) -> None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return
        left = min(length, self.drain_limit) - guarded.consumed
        try:
            while left > 0:
                chunk = guarded._stream.read(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
        except Exception:  # noqa: BLE001 (the client went away: nothing more to do)
            return


def init_app(app: Flask) -> None:
    app.wsgi_app = BodyGuard(app.wsgi_app, app.config.get("MAX_DRAIN_LENGTH", 64 * 1024 * 1024))
    app.url_map.converters["int"] = BoundedInt
    app.request_class = MarketRequest
    app.before_request(_refuse_unstorable_address)
    if not getattr(guard_flush, "listening", False):
        sa.event.listen(sa.orm.Session, "before_flush", guard_flush)
        guard_flush.listening = True
