"""Bad input is a 404/400 or the field's message, never a 500, and nothing is saved (market/inputs.py, the
base `Form` in market/blueprints/forms.py, `parse_number`). On both engines: PostgreSQL is the one that refuses
NUL bytes, overlong VARCHARs and integers beyond 2^31/2^63."""
from io import BytesIO

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.inputs import digits, text_problem
from market.models import GrowingZone, Organisation
from market.numbers import BadValue, parse_number
from market.services.errors import ValidationFailed
from tests.conftest import csrf_token, log_in_en
from tests.factories import count, zone_data

HUGE = ["2147483648", "9223372036854775808", "99999999999999999999999"]


@pytest.fixture
def coop_member(factory):
    org = factory.org()
    return org, factory.member(org)


@pytest.mark.both_engines
@pytest.mark.parametrize("number", HUGE)
def test_ids_beyond_the_columns_range_are_404(client, factory, number):
    member = factory.member(factory.org())
    for path in (f"/listings/{number}", f"/products/{number}", f"/orgs/{number}", f"/api/v1/listings/{number}"):
        assert client.get(path).status_code == 404, path
    log_in_en(client, member)
    for path in (f"/orders/{number}", f"/contracts/{number}", f"/workspace/{number}/", f"/sourcing/{number}"):
        assert client.get(path).status_code == 404, path


@pytest.mark.both_engines
@pytest.mark.parametrize("number", [*HUGE, "-2147483649", "²"])
def test_integer_query_arguments_out_of_range_are_ignored(client, number):
    for path in (f"/orgs/?commune={number}&page={number}", f"/listings?crop={number}&page={number}",
                 f"/products?stars={number}&page={number}"):
        assert client.get(path).status_code == 200, path


@pytest.mark.both_engines
def test_a_nul_byte_in_the_address_is_400(client):
    assert client.get("/zones/LS%00X").status_code == 400
    assert client.get("/search?q=h%00i").status_code == 400
    assert client.get("/api/v1/zones/LS%00X").get_json()["error"]["status"] == 400


def _zone(app, **changes) -> dict:
    with app.app_context():
        return zone_data(**changes)


def _post_zone(client, org, data, **kwargs):
    log_in_en(client, kwargs.pop("user"))
    token = csrf_token(client, f"/workspace/{org}/zones/new")
    return client.post(f"/workspace/{org}/zones/new", data={"csrf_token": token, **data}, **kwargs)


@pytest.mark.both_engines
@pytest.mark.parametrize("field, value, message", [
    ("name", "Đồi hồi\x00Bản Chang", "NUL byte"),
    ("code", "LS-VQ\x00-1", "NUL byte"),
    ("name", "x" * 20001, "Use at most"),
    ("households", "-0", "without a sign"),
])
def test_bad_text_is_refused_by_its_field_and_nothing_is_saved(app, client, coop_member, field, value, message):
    org, member = coop_member
    response = _post_zone(client, org, _zone(app, **{field: value}), user=member)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    with app.app_context():
        assert count(GrowingZone) == 0


def test_a_file_sent_as_a_text_field_is_refused_by_that_field(app, client, coop_member):
    org, member = coop_member
    data = _zone(app, name=(BytesIO(b"%PDF-1.4"), "ten-vung.pdf"))
    response = _post_zone(client, org, data, user=member, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="name-error"' in html and "not a file" in html
    with app.app_context():
        assert count(GrowingZone) == 0


def test_json_with_lone_surrogates_lists_and_objects_is_refused_by_the_fields(app, client, coop_member):
    org, member = coop_member
    log_in_en(client, member)
    token = csrf_token(client, f"/workspace/{org}/zones/new")
    body = {**_zone(app), "name": "Đồi \ud800", "households": [1, 2], "area_ha": {"a": 1}}
    response = client.post(f"/workspace/{org}/zones/new", json=body, headers={"X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="name-error"' in html and 'id="households-error"' in html and 'id="area_ha-error"' in html
    assert client.post(f"/workspace/{org}/zones/new", data="[1, 2]", content_type="application/json",
                       headers={"X-CSRFToken": token}).status_code == 200  # not an object: no fields, no 500
    with app.app_context():
        assert count(GrowingZone) == 0


@pytest.mark.parametrize("raw", ["-0", "-0,0", "-0.000", -0.0, "NaN", "inf", "1e309"])
def test_minus_zero_nan_and_infinity_are_not_numbers(req, raw):
    with pytest.raises(BadValue):
        parse_number(raw)
    with pytest.raises(BadValue):
        parse_number(raw, integer=True)


def test_zero_and_signed_numbers_still_read(req):
    assert parse_number("0") == 0.0 and parse_number("+0", integer=True) == 0 and parse_number("-1,5") == -1.5


def test_ids_typed_in_hidden_fields_are_ascii_digits_within_range():
    assert digits("42") == 42 and digits(" 7 ") == 7
    assert [digits(v) for v in ("²", "٣", "2147483648", "-1", "", None, "1e3")] == [None] * 7


def test_text_problems(req_en):
    assert text_problem("Hồi", 10) is None
    assert "NUL" in str(text_problem("a\x00", None))
    assert "broken" in str(text_problem("a\udc80", None))
    assert "10" in str(text_problem("x" * 11, 10))


@pytest.mark.both_engines
def test_the_flush_guard_refuses_what_a_column_cannot_hold(app, factory, req):
    org_id = factory.org()
    org = db.session.get(Organisation, org_id)
    org.name = "x" * 201  # String(200)
    org.address = "Bản\x00Chang"
    with pytest.raises(ValidationFailed) as refused:
        db.session.flush()
    db.session.rollback()
    assert set(refused.value.errors) == {"name", "address"}
    assert db.session.scalar(sa.select(Organisation.name).where(Organisation.id == org_id)) != "x" * 201


class _Body:
    """A request body as a WSGI server hands it over: `length` bytes, or gunicorn's error for a bad chunk."""

    def __init__(self, length: int = 0, broken: bool = False):
        self.left, self.broken, self.read_bytes = length, broken, 0

    def read(self, size=-1):
        if self.broken:
            from gunicorn.http.errors import InvalidChunkSize

            raise InvalidChunkSize(b"ZZ")
        size = self.left if size is None or size < 0 else min(size, self.left)
        self.left -= size
        self.read_bytes += size
        return b"x" * size

    def tell(self):  # the test client asks where the stream starts, and goes back there
        return 0

    def seek(self, position, whence=0):
        return 0


def test_a_malformed_chunked_body_is_400_not_500(client):
    response = client.post("/auth/login", input_stream=_Body(broken=True),
                           headers={"Transfer-Encoding": "chunked"}, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def _send_body(app, path: str, body: _Body, length: int) -> str:
    """POST `body` straight through the WSGI app, as a server would; the status line."""
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, method="POST", content_type="application/x-www-form-urlencoded").get_environ()
    environ.update({"wsgi.input": body, "CONTENT_LENGTH": str(length)})
    statuses = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(result)
    getattr(result, "close", lambda: None)()
    return statuses[0]


def test_a_body_left_unread_is_read_before_the_answer_so_the_client_gets_it(app):
    """Unread bytes left in the socket make the kernel reset the connection: the client would see no answer."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = _Body(limit + 5 * 2**20)
    assert _send_body(app, "/auth/login", body, limit + 5 * 2**20)[:3] in ("400", "413")  # too large, or CSRF
    assert body.left == 0
    huge = _Body(limit + 2**27)  # beyond MAX_DRAIN_LENGTH: not read to the end (the connection is closed instead)
    _send_body(app, "/auth/login", huge, limit + 2**27)
    assert 0 < huge.read_bytes <= app.config.get("MAX_DRAIN_LENGTH", 64 * 2**20)
    refused = _Body(3 * 2**20)  # an address that does not exist: the body is not parsed, only drained
    assert _send_body(app, "/orders/2147483648/pay", refused, 3 * 2**20)[:3] in ("400", "404")
    assert refused.left == 0


@pytest.mark.parametrize("price", ["-0", "-0,0", "NaN", "Infinity"])
def test_a_sourcing_request_with_a_maximum_price_of_minus_zero_is_refused(app, factory, req_en, price):
    from market.models import OrgKind, SourcingRequest, User
    from market.services import sourcing
    from tests.factories import request_data

    buyer = factory.org(kind=OrgKind.ENTERPRISE)
    owner = db.session.get(User, factory.member(buyer))
    with pytest.raises(ValidationFailed) as refused:
        sourcing.create_request(owner, db.session.get(Organisation, buyer),
                                request_data(max_price_per_unit=price, required_certificates=[]))
    db.session.rollback()
    assert "max_price_per_unit" in refused.value.errors
    assert count(SourcingRequest) == 0


def test_every_form_derives_from_the_checking_base_form(app):
    """A form on FlaskForm directly would let a file, a NUL byte or a JSON list reach the services."""
    from flask_wtf import FlaskForm

    from market.blueprints.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("market.")]
    assert len(ours) > 30
    wrong = sorted(f"{c.__module__}.{c.__qualname__}" for c in ours if not issubclass(c, Form))
    assert not wrong, "derive these from market.blueprints.forms.Form, not FlaskForm: " + ", ".join(wrong)


@pytest.mark.parametrize("raw", ["²", "١٢", "99999999999"])
def test_ids_typed_by_hand_in_new_routes_are_404_not_500(client, factory, raw):
    """/messages/new reads the subject and the addressee from the form or the link ('²'.isdigit() is true)."""
    org = factory.org()
    listing = factory.listing(org, [factory.zone(org)])
    log_in_en(client, factory.member(factory.org()))
    assert client.get("/messages/new", query_string={"about": "listing", "id": raw}).status_code == 404
    response = client.post("/messages/new", data={"about": "listing", "subject_id": raw, "body": "Xin chào",
                                                  "csrf_token": csrf_token(client, "/messages/")})
    assert response.status_code == 404
    page = client.get("/messages/new", query_string={"about": "listing", "id": str(listing), "to": raw})
    assert page.status_code == 200


def test_a_statement_mapping_with_odd_digits_is_a_field_error(app, factory, req):
    from market.models import StatementUpload, User
    from market.services import statements

    org = factory.org()
    owner = factory.member(org)
    stored = StatementUpload(organisation_id=org, filename="sao-ke.csv", created_by_id=owner,
                             content="Ngày,Số tiền\n01/12/2026,100000\n".encode())
    db.session.add(stored)
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        statements.apply_mapping(db.session.get(User, owner), stored,
                                 {"header": "²", "date": "²", "credit": "١", "description": "99999999999"})
    assert set(refused.value.errors) == {"header", "date", "credit", "description"}
    assert stored.applied_at is None
