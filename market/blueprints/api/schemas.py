"""The API's shapes as marshmallow schemas: flask-smorest turns them into the OpenAPI 3.1 document
(/api/v1/openapi.json), and tests/api/test_openapi.py checks real answers against that document.

The routes build their JSON by hand (routes.py `*_json`), the schemas describe it; the test keeps them in step.
Descriptions are `_l(...)`: English in the document, the reader's language on /developers/api (api/__init__.py).
"""
from flask_babel import lazy_gettext as _l
from marshmallow import INCLUDE, Schema, fields, validate

from market.models import ContractState, DeliveryStatus, ListingStatus, OrderStatus

Str = fields.String
Int = fields.Integer
Num = fields.Float
Bool = fields.Boolean


def _formatted(fmt: str, metadata: dict | None = None, **kwargs):
    return Str(metadata={"format": fmt, **(metadata or {})}, **kwargs)


def day(**kwargs):
    return _formatted("date", **kwargs)


def moment(**kwargs):
    return _formatted("date-time", **kwargs)


def uri(**kwargs):
    return _formatted("uri", **kwargs)


class ErrorBody(Schema):
    status = Int(required=True, metadata={"description": _l("The HTTP status, repeated.")})
    code = Str(required=True, metadata={"description": _l(
        "A stable word for programs: `invalid`, `invalid_identifier`, `unauthorized`, `invalid_token`, "
        "`read_only_token`, `forbidden`, `not_found`, `method_not_allowed`, `conflict`, `rate_limited`, "
        "`server_error`...")})
    message = Str(required=True, metadata={"description": _l("For a person, in the request's language.")})
    fields = fields.Dict(keys=Str(), values=Str(), metadata={"description": _l("Invalid input: argument -> problem.")})


class Error(Schema):
    error = fields.Nested(ErrorBody, required=True)


class Org(Schema):
    id = Int(required=True)
    name = Str(required=True)
    kind = Str(required=True)
    verified = Bool(required=True)
    commune = Str(required=True, allow_none=True)


class ZoneCertificate(Schema):
    kind = Str(required=True)
    number = Str(required=True)
    issuer = Str(required=True)
    issued_on = day(required=True)
    expires_on = day(required=True, allow_none=True)
    status = Str(required=True)
    valid = Bool(required=True, metadata={"description": _l("Verified by the department and valid today.")})


class ListingZone(Schema):
    code = Str(required=True)
    state = Str(required=True)
    commune = Str(required=True)


class Listing(Schema):
    id = Int(required=True)
    title = Str(required=True)
    status = Str(required=True)
    crop = Str(required=True)
    product_form = Str(required=True)
    organisation = fields.Nested(Org, required=True)
    harvest_start = day(required=True)
    harvest_end = day(required=True)
    quantity = Num(required=True)
    unit = Str(required=True)
    grade = Str(required=True, allow_none=True)
    price_per_unit = Int(required=True, allow_none=True, metadata={"description": _l("VND; `null` when negotiable.")})
    currency = Str(required=True)
    negotiable = Bool(required=True)
    min_order_qty = Num(required=True, allow_none=True)
    ends_on = day(required=True, allow_none=True)
    zones = fields.List(fields.Nested(ListingZone), required=True)
    valid_certificates = fields.List(fields.Nested(ZoneCertificate), required=True)
    url = uri(required=True)


class OcopStanding(Schema):
    number = Str(required=True)
    issued_on = day(required=True)
    expires_on = day(required=True)
    valid = Bool(required=True, metadata={"description": _l("A verified certificate, valid today.")})
    state = Str(required=True)
    verified_stars = Int(required=True, allow_none=True)
    verified_against = Str(required=True, allow_none=True)
    verified_at = moment(required=True, allow_none=True)
    reason = Str(required=True, allow_none=True)


class Product(Schema):
    id = Int(required=True)
    name = Str(required=True)
    category = Str(required=True)
    stars = Int(required=True)
    status = Str(required=True)
    organisation = fields.Nested(Org, required=True)
    certificate = fields.Nested(OcopStanding, required=True)
    unit = Str(required=True)
    price = Int(required=True)
    currency = Str(required=True)
    min_order_qty = Int(required=True)
    stock = Int(required=True)
    tourist_shops_allowed = Bool(required=True)
    retail_chains = fields.List(Str(), required=True)
    zones = fields.List(Str(), required=True)
    url = uri(required=True)


class Location(Schema):
    lat = Num(required=True)
    lon = Num(required=True)


class Zone(Schema):
    code = Str(required=True)
    kind = Str(required=True)
    name = Str(required=True, allow_none=True)
    state = Str(required=True)
    organisation = fields.Nested(Org, required=True)
    commune = Str(required=True)
    crop = Str(required=True)
    area_ha = Num(required=True)
    households = Int(required=True, allow_none=True)
    location = fields.Nested(Location, required=True, allow_none=True)
    certificates = fields.List(fields.Nested(ZoneCertificate), required=True)
    url = uri(required=True)


class DeliverySummary(Schema):
    id = Int(required=True)
    contract_id = Int(required=True)
    contract_reference = Str(required=True)
    quantity = Num(required=True)
    unit = Str(required=True, allow_none=True)
    delivered_on = day(required=True)
    lot_code = Str(required=True, allow_none=True)
    status = Str(required=True)
    received_quantity = Num(required=True, allow_none=True)
    accepted_quantity = Num(required=True, allow_none=True)
    rejected_quantity = Num(required=True, allow_none=True)
    zones = fields.List(Str(), required=True)
    answered_at = moment(required=True, allow_none=True)
    verify_url = uri(required=True, metadata={"description": _l("The public traceability page of the delivery.")})


class Contract(Schema):
    id = Int(required=True)
    reference = Str(required=True)
    state = Str(required=True)
    buyer = fields.Nested(Org, required=True)
    seller = fields.Nested(Org, required=True)
    crop = Str(required=True, allow_none=True)
    quantity = Num(required=True, allow_none=True, metadata={"description": _l("The current terms' total.")})
    unit = Str(required=True, allow_none=True)
    total_value = Int(required=True, allow_none=True, metadata={"description": _l("VND, the current terms.")})
    delivered = Num(required=True, metadata={"description": _l("Quantity delivered and not withdrawn.")})
    created_at = moment(required=True)
    signed_at = moment(required=True, allow_none=True)
    activated_at = moment(required=True, allow_none=True)
    completed_at = moment(required=True, allow_none=True)
    cancelled_at = moment(required=True, allow_none=True)
    url = uri(required=True)


class OrderLine(Schema):
    product_id = Int(required=True)
    name = Str(required=True)
    quantity = Int(required=True)
    unit_price = Int(required=True)


class Order(Schema):
    id = Int(required=True)
    reference = Str(required=True)
    status = Str(required=True)
    buyer = fields.Nested(Org, required=True)
    seller = fields.Nested(Org, required=True)
    total = Int(required=True)
    currency = Str(required=True)
    created_at = moment(required=True)
    paid_at = moment(required=True, allow_none=True)
    items = fields.List(fields.Nested(OrderLine), required=True)
    url = uri(required=True)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page of a list: its items and the link to the next page (null on the last)."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "next": uri(required=True, allow_none=True, metadata={"description": _l("The next page, or `null`.")}),
    }, name=name)


ListingPage = page_of(Listing, "ListingPage")
ProductPage = page_of(Product, "ProductPage")
ZonePage = page_of(Zone, "ZonePage")
ContractPage = page_of(Contract, "ContractPage")
DeliveryPage = page_of(DeliverySummary, "DeliveryPage")
OrderPage = page_of(Order, "OrderPage")


class TokenUser(Schema):
    id = Int(required=True)
    full_name = Str(required=True)


class TokenInfo(Schema):
    id = Int(required=True)
    name = Str(required=True)
    prefix = Str(required=True, metadata={"description": _l("The secret's first characters, to tell tokens apart.")})
    scope = Str(required=True, validate=validate.OneOf(["read", "write"]))
    expires_on = day(required=True)
    organisation_id = Int(required=True)


class Me(Schema):
    user = fields.Nested(TokenUser, required=True)
    organisations = fields.List(fields.Nested(Org), required=True,
                                metadata={"description": _l("With a token: its organisation only.")})
    token = fields.Nested(TokenInfo, required=True, allow_none=True)


# --- EPCIS 2.0 documents (services/epcis.py builds them; GS1's epcis2.js validates them in tests/gs1) -----------

class EpcisBody(Schema):
    eventList = fields.List(fields.Dict(), required=True, metadata={"description": _l(
        "The events in time order: `ObjectEvent` (harvest, shipping, receiving) and `TransformationEvent` (processing), "
        "as GS1's EPCIS 2.0 schema defines them.")})


class EpcisDocument(Schema):
    """An EPCIS 2.0 JSON-LD document (GS1's standard), as /gs1/epcis/... downloads it."""

    class Meta:
        unknown = INCLUDE

    context = fields.List(fields.Raw(), data_key="@context", required=True,
                          metadata={"description": _l("The JSON-LD context: GS1's EPCIS 2.0 context.")})
    type = Str(required=True, validate=validate.OneOf(["EPCISDocument"]))
    schemaVersion = Str(required=True, validate=validate.OneOf(["2.0"]))
    creationDate = moment(required=True)
    epcisBody = fields.Nested(EpcisBody, required=True)


class EventsArgs(Schema):
    start = fields.Date(load_default=None, metadata={"description": _l(
        "The first day (YYYY-MM-DD); 90 days before the last day when left out.")})
    end = fields.Date(load_default=None, metadata={"description": _l(
        "The last day (YYYY-MM-DD), included; today when left out. One year at most from the first day.")})


# --- the query arguments of the lists ----------------------------------------------------------------------

class PageArgs(Schema):
    limit = Int(load_default=20, validate=validate.Range(min=1, max=100),
                metadata={"description": _l("Items per page, 1 to 100.")})
    cursor = Str(load_default=None, validate=validate.Length(max=200),
                 metadata={"description": _l("The `next` link's cursor; opaque.")})


class ListingArgs(PageArgs):
    crop = Str(validate=validate.Length(max=40), metadata={"description": _l("A crop key, e.g. hoi.")})
    commune = Int(validate=validate.Range(min=1, max=2**31 - 1),
                  metadata={"description": _l("A commune id: the seller organisation's commune.")})
    organisation = Int(validate=validate.Range(min=1, max=2**31 - 1))
    status = Str(validate=validate.OneOf(ListingStatus.PUBLIC))


class ProductArgs(PageArgs):
    stars = Int(validate=validate.Range(min=3, max=5), metadata={
        "description": _l("The stars the seller declares (`stars`); what the department vouches for is "
                          "`certificate.verified_stars`.")})
    category = Str(validate=validate.Length(max=60))
    organisation = Int(validate=validate.Range(min=1, max=2**31 - 1))


class ZoneArgs(PageArgs):
    crop = Str(validate=validate.Length(max=40))
    commune = Int(validate=validate.Range(min=1, max=2**31 - 1))
    organisation = Int(validate=validate.Range(min=1, max=2**31 - 1))


class ContractArgs(PageArgs):
    state = Str(validate=validate.OneOf(ContractState.ALL))
    side = Str(validate=validate.OneOf(["buyer", "seller"]), metadata={"description": _l("The token's side.")})


class DeliveryArgs(PageArgs):
    contract = Int(validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": _l("A contract id.")})
    status = Str(validate=validate.OneOf(DeliveryStatus.ALL))


class OrderArgs(PageArgs):
    status = Str(validate=validate.OneOf(OrderStatus.ALL))
    side = Str(validate=validate.OneOf(["buyer", "seller"]))


# --- answers of /api/ routes other blueprints own (documented in api/__init__.py) -----------------------------

class TargetFigure(Schema):
    """One of the plan's figures (market/services/targets.py decides them; here only their common fields)."""

    class Meta:
        unknown = INCLUDE  # targets.py may add fields to a figure
    key = Str(required=True)
    label = Str(required=True)
    value = Num(allow_none=True)
    goal = Num(allow_none=True)
    unit = Str(allow_none=True)
    as_of = Str(allow_none=True)
    progress = Num(allow_none=True)
    on_track = Bool(allow_none=True)
    section = Str()
    goal_max = Num(allow_none=True)
    range = fields.List(Num(allow_none=True), metadata={"description": _l("The plan's lower and upper bound.")})
    gap = Num(allow_none=True, metadata={"description": _l("What remains to reach the lower bound, in the unit.")})
    expected = Num(allow_none=True, metadata={"description": _l("Where the straight line from 2026 stands on the date.")})
    line = Str(metadata={"description": _l("The line the figure is judged against, in words.")})
    basis = Str(metadata={"description": _l("What counts, in one sentence.")})


class TargetsReport(Schema):
    """Every figure the market can compute as of a date, with its scope and breakdowns (services/targets.py)."""

    class Meta:
        unknown = INCLUDE
    as_of = Str(required=True)
    period = fields.Dict(required=True)
    scope = fields.Dict(required=True)
    figures = fields.List(fields.Nested(TargetFigure), required=True)
    by_crop = fields.List(fields.Dict(), required=True)
    by_commune = fields.List(fields.Dict(), required=True)
    linkage = fields.Dict(required=True)
    conversions = Str(required=True)
    not_tracked = fields.List(fields.Dict(), required=True)


class SearchResult(Schema):
    class Meta:
        unknown = INCLUDE

    total = Int(required=True)
    page = Int(required=True)
    per_page = Int(required=True)
    engine = Str(required=True)
    stale = Bool(required=True)
    corrected = fields.Dict(keys=Str(), values=Str(), required=True)
    hits = fields.List(fields.Dict(), required=True)
    facets = fields.Dict(keys=Str(), values=fields.List(fields.Dict()), required=True)
