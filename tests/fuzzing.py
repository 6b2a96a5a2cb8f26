"""Malformed requests for every route, as every kind of visitor: the Hypothesis strategies shared by
tests/test_fuzz.py (bounded, in the test command) and bench/fuzz.py (10,000+ inputs per database).

Routes come from `app.url_map`; a POST's fields come from the forms its view builds (the `XxxForm(` names in the
view's source, resolved in its module); values mix plausible ones (the world's ids, dates, numbers) with hostile
ones: ids and numbers beyond 2^31 and 2^63, "-0", NaN, infinities, "²", NUL bytes, lone surrogates (JSON bodies),
overlong text, a file where text is expected, lists and objects in JSON.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from io import BytesIO

import sqlalchemy as sa
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter
from werkzeug.routing.converters import NumberConverter
from wtforms import FileField, Form
from wtforms.fields.core import UnboundField

from market.extensions import db
from tests.roles import ROLES, RoleWorld, csrf_for

HUGE_INTS = [0, 1, 2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, -1]
HOSTILE = ["", " ", "-0", "-0,0", "-0.0", "+0", "NaN", "nan", "inf", "-Infinity", "1e309", "1e3", "0x1F",
           "2147483648", "9223372036854775808", "99999999999999999999999999", "-1", "-2147483649", "1.234",
           "12.000", "1,5", "²", "٣٤", "1\u00a0000", "\x00", "a\x00b", "Hồi\x00", "x" * 300, "y" * 5000,
           "z" * 70_000, "0001-01-01", "9999-12-31", "2026-02-30", "10000-01-01", "-2026-01-01", "<script>",
           "' OR 1=1 --", "../../etc/passwd", "\u202e", "𝔘𝔫𝔦", "Hồi Văn Quan", "on", "true", "[]", "{}", "\r\n"]
SURROGATES = ["\ud800", "a\udfffb", "\udc80\udc80"]
QUERY_NAMES = ["page", "per_page", "commune", "crop", "stars", "listing", "organisation", "user", "bought", "sold",
               "as_of", "q", "kind", "buyer", "next", "action", "paid", "sort", "near", "lat", "lon", "certified"]


@dataclass
class Route:
    endpoint: str
    rule: object
    method: str
    fields: dict[str, bool] = field(default_factory=dict)  # field name -> is a file field


@dataclass
class Sent:
    route: Route
    role: str
    url: str
    query: dict
    body: dict | None
    as_json: bool


def _form_fields(view) -> dict[str, bool]:
    """The fields of the forms a view builds: {name: is_file}."""
    view = inspect.unwrap(view)
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return {}
    names = set(re.findall(r"\b([A-Z]\w*Form)\(", source))
    fields: dict[str, bool] = {}
    for name in names:
        form = view.__globals__.get(name)
        if not (isinstance(form, type) and issubclass(form, Form)):
            continue
        for klass in reversed(form.__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, UnboundField):
                    fields[attr] = issubclass(value.field_class, FileField)
    return fields


def routes(app) -> list[Route]:
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            fields = _form_fields(app.view_functions[rule.endpoint]) if method != "GET" else {}
            found.append(Route(rule.endpoint, rule, method, fields))
    return found


def _text(world_ids: list[str]):
    return st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers().map(str),
                     st.sampled_from(world_ids or ["1"]), st.sampled_from([str(n) for n in HUGE_INTS]))


def _path_value(world: RoleWorld, route: Route, name: str, converter):
    good = world.view_args(route.endpoint, [name])
    good = good[name] if good else None
    if isinstance(converter, AnyConverter):
        return st.sampled_from(sorted(converter.items)) if hasattr(converter, "items") else st.just(good)
    if isinstance(converter, NumberConverter):
        return st.sampled_from([good] * 4 + HUGE_INTS) if good is not None else st.sampled_from(HUGE_INTS)
    hostile = st.one_of(st.sampled_from(HOSTILE[:40]), st.text(min_size=1, max_size=30))
    return st.one_of(st.just(good), hostile) if good is not None else hostile


@st.composite
def requests(draw, app, world: RoleWorld, all_routes: list[Route]) -> Sent:
    route = draw(st.sampled_from(all_routes))
    role = draw(st.sampled_from(list(ROLES)))
    values = {}
    for name, converter in route.rule._converters.items():
        value = draw(_path_value(world, route, name, converter))
        values[name] = value if value not in (None, "") else "x"
    adapter = app.url_map.bind("localhost")
    try:
        url = adapter.build(route.endpoint, values, method=route.method)
    except Exception:  # a value the converter cannot write: the world's own
        url = adapter.build(route.endpoint, world.view_args(route.endpoint, route.rule.arguments) or {},
                            method=route.method)
    world_ids = [str(v) for v in world.args.values() if isinstance(v, int)]
    query = dict(world.query.get(route.endpoint, {}))
    for name in draw(st.lists(st.sampled_from(QUERY_NAMES), max_size=3, unique=True)):
        query[name] = draw(_text(world_ids))
    body, as_json = None, False
    if route.method != "GET":
        as_json = draw(st.integers(0, 4)) == 0
        body = dict(world.data.get(route.endpoint, {}))
        for name, is_file in route.fields.items():
            if name == "csrf_token" or draw(st.integers(0, 3)) == 0:
                continue  # absent
            if as_json:
                body[name] = draw(st.one_of(_text(world_ids), st.sampled_from(SURROGATES), st.integers(),
                                            st.floats(), st.booleans(), st.none(),
                                            st.lists(st.integers(), max_size=2), st.just({"a": 1})))
            elif is_file or draw(st.integers(0, 9)) == 0:
                body[name] = draw(st.sampled_from(["file", "text"])) if is_file else "file"
                if body[name] == "file":
                    data = draw(st.sampled_from([b"", b"\x00\x01binary", b"%PDF-1.4 nonsense", b"x" * 2048]))
                    body[name] = (BytesIO(data), draw(st.sampled_from(["a.txt", "a.pdf", "a.png", "..", "\x00.pdf"])))
            else:
                body[name] = draw(st.one_of(_text(world_ids), st.lists(_text(world_ids), max_size=3)))
    return Sent(route, role, url, query, body, as_json)


def row_counts() -> dict[str, int]:
    tables = [t for t in db.metadata.sorted_tables]
    query = sa.union_all(*[sa.select(sa.literal(t.name).label("t"), sa.func.count().label("n")).select_from(t)
                           for t in tables])
    return dict(db.session.execute(query).all())


@dataclass
class Outcome:
    status: int
    changed: dict[str, tuple[int, int]]  # tables whose row count changed: (before, after)
    error: str | None = None  # the exception, when the app raised one (TESTING propagates it): a 500
    shows_errors: bool = False  # a form page shown again with a message next to a field

    @property
    def rejected_but_saved(self) -> bool:
        return (self.status >= 400 or self.shows_errors) and bool(self.changed)


def send(app, world: RoleWorld, sent: Sent) -> Outcome:
    """Send one request as its role; compare row counts before and after a write."""
    from tests.roles import client_as

    client = client_as(app, world, sent.role)
    before = None
    if sent.route.method != "GET":
        with app.app_context():
            before = row_counts()
            db.session.remove()
    try:
        response = _open(app, client, sent)
    except Exception as exc:  # noqa: BLE001 (with TESTING the app's exception reaches us: it is the 500)
        import traceback

        return Outcome(500, {}, "".join(traceback.format_exception(exc)[-6:]))
    body = response.get_data()
    response.close()
    shows_errors = response.status_code == 200 and b'<p class="error"' in body
    changed = {}
    if before is not None:
        with app.app_context():
            after = row_counts()
            db.session.remove()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    return Outcome(response.status_code, changed, shows_errors=shows_errors)


def _open(app, client, sent: Sent):
    if sent.body is None:
        response = client.open(sent.url, method=sent.route.method, query_string=sent.query)
    else:
        token = csrf_for(app, client)
        if sent.as_json:
            response = client.open(sent.url, method=sent.route.method, query_string=sent.query,
                                   json={**sent.body, "csrf_token": token}, headers={"X-CSRFToken": token})
        else:
            data = {}
            for key, value in sent.body.items():
                if isinstance(value, tuple):  # a fresh stream each time: a BytesIO is read once
                    stream, name = value
                    stream.seek(0)
                    value = (BytesIO(stream.read()), name)
                data[key] = value
            response = client.open(sent.url, method=sent.route.method, query_string=sent.query,
                                   data={**data, "csrf_token": token})
    return response


def describe(sent: Sent, outcome: Outcome) -> str:
    body = {k: (v if not isinstance(v, str) or len(v) < 60 else v[:57] + "...") for k, v in (sent.body or {}).items()}
    return (f"{sent.route.method} {sent.url} ({sent.route.endpoint}) as {sent.role}, query {sent.query!r}, "
            f"{'json' if sent.as_json else 'form'} {body!r}: {outcome.status}, changed {outcome.changed}"
            + (f"\n{outcome.error}" if outcome.error else ""))
