"""Every search document at once, for a full reindex: a few set-based queries instead of ORM objects.

`documents.build` loads ORM objects (identity map, relationship loaders, instrumentation) and is right for the
outbox's small batches. A full reindex reads the whole catalogue, and there that machinery cost most of the time
(35 s of 45 s at 100,000 listings). Here each table is read once with a Core select (rows, no ORM), the small
tables whole (crops, communes, organisations, zones, their certificates, OCOP certificates) and the large ones
(listings, products) in id ranges with their zone links, and the rows are turned into light *shadow* objects:
plain attribute bags that carry every column of the row and the model's own methods and properties
(`GrowingZone.state`, `Certificate.is_valid`, `Organisation.is_verified`, ...), wired to each other like the
ORM relationships the documents use.

The documents themselves are made by the very same functions as the outbox's (`documents.listing_document`,
`product_document`, `organisation_document`), given these shadows instead of ORM objects: there is one place
that decides what a document holds, so a change to a field's content needs no change here. Only a document
reaching a relationship not wired below needs a line in `_Wiring` (tests/search/test_bulk_documents.py compares
the two paths, document for document, on a varied world and fails with the missing attribute's name).
"""
import inspect as pyinspect
from collections.abc import Iterator
from datetime import date
from functools import cached_property

import sqlalchemy as sa

from market.models import (
    Certificate,
    Commune,
    Crop,
    GrowingZone,
    OcopProduct,
    Organisation,
    SupplyListing,
    listing_zone,
    product_zone,
)
from market.models.trust import OcopCertificate
from market.search import documents

CHUNK = 5000  # listings or products read (and documents handed to the engine) at a time


def _shadow_class(model):
    """A plain class with the model's methods and properties (not its instrumented columns or relationships)."""
    namespace = {"__doc__": f"{model.__name__} row without the ORM", "__repr__": lambda self: f"<{model.__name__}Row {self.id}>"}
    for klass in reversed(model.__mro__):
        if not klass.__module__.startswith("market."):
            continue
        for name, value in vars(klass).items():
            if name.startswith("__"):
                continue
            if isinstance(value, (property, cached_property, staticmethod, classmethod)) or pyinspect.isfunction(value):
                namespace[name] = value
    return type(f"{model.__name__}Row", (), namespace)


def _per_day(method):
    """A shadow is a snapshot: what one of its methods answers for a date stays the answer (a zone's state is
    asked by each of its listings)."""
    def memoized(self, on):
        memo = self.__dict__.setdefault("_per_day", {})
        key = (method.__name__, on)
        if key not in memo:
            memo[key] = method(self, on)
        return memo[key]

    return memoized


_SHADOWS = {model: _shadow_class(model) for model in
            (SupplyListing, OcopProduct, Organisation, GrowingZone, Certificate, OcopCertificate, Crop, Commune)}
for _name in ("state", "valid_certificates"):
    setattr(_SHADOWS[GrowingZone], _name, _per_day(getattr(GrowingZone, _name)))


def _columns(model) -> list[tuple[str, sa.Column]]:
    """(attribute name, column) of every mapped column: ORM attribute names may differ from column names."""
    return [(attr.key, attr.columns[0]) for attr in sa.inspect(model).column_attrs]


def _select(model):
    cols = _columns(model)
    return sa.select(*(col.label(key) for key, col in cols)), [key for key, _col in cols]


def _rows(session, model, where=None) -> list:
    """Shadow objects of `model`'s rows (all of them, or those matching `where`), in id order."""
    query, keys = _select(model)
    if where is not None:
        query = query.where(where)
    query = query.order_by(model.id)
    shadow = _SHADOWS[model]
    out = []
    for row in session.execute(query):
        obj = shadow.__new__(shadow)
        obj.__dict__.update(zip(keys, row, strict=True))
        out.append(obj)
    return out


class _Wiring:
    """The small tables, read once and wired together; listings and products are attached chunk by chunk."""

    def __init__(self, session):
        self.session = session
        self.communes = {c.id: c for c in _rows(session, Commune)}
        self.crops = {c.id: c for c in _rows(session, Crop)}
        self.organisations = {o.id: o for o in _rows(session, Organisation)}
        for org in self.organisations.values():
            org.commune = self.communes.get(org.commune_id)
        # Zones with their certificates in the relationship's order (Certificate.expires_on; ties by id, as the
        # database returns them for the ORM's selectin load on both engines: NULLs where each engine puts them).
        self.zones = {z.id: z for z in _rows(session, GrowingZone)}
        for zone in self.zones.values():
            zone.certificates = []
            zone.commune = self.communes.get(zone.commune_id)
            zone.organisation = self.organisations.get(zone.organisation_id)
            zone.crop = self.crops.get(zone.crop_id)
        query, keys = _select(Certificate)
        shadow = _SHADOWS[Certificate]
        for row in session.execute(query.order_by(Certificate.zone_id, Certificate.expires_on, Certificate.id)):
            cert = shadow.__new__(shadow)
            cert.__dict__.update(zip(keys, row, strict=True))
            zone = self.zones.get(cert.zone_id)
            if zone is not None:
                cert.zone = zone
                zone.certificates.append(cert)
        self.ocop_certificates = {c.id: c for c in _rows(session, OcopCertificate)}
        for certificate in self.ocop_certificates.values():
            certificate.organisation = self.organisations.get(certificate.organisation_id)

    def _links(self, owner_col, zone_col, low: int, high: int) -> dict[int, list]:
        """Zones of each owner in the range, in the relationships' order (the zone code, in the database's
        collation, as the ORM loads them)."""
        links: dict[int, list] = {}
        for owner_id, zone_id in self.session.execute(
                sa.select(owner_col, zone_col).join(GrowingZone, GrowingZone.id == zone_col)
                .where(owner_col >= low, owner_col <= high).order_by(owner_col, GrowingZone.code)):
            links.setdefault(owner_id, []).append(self.zones[zone_id])
        return links

    def listings(self, low: int, high: int) -> list:
        rows = _rows(self.session, SupplyListing, sa.and_(SupplyListing.id >= low, SupplyListing.id <= high))
        links = self._links(listing_zone.c.listing_id, listing_zone.c.zone_id, low, high)
        for listing in rows:
            listing.organisation = self.organisations[listing.organisation_id]
            listing.crop = self.crops[listing.crop_id]
            listing.zones = links.get(listing.id, [])
        return rows

    def products(self, low: int, high: int) -> list:
        rows = _rows(self.session, OcopProduct, sa.and_(OcopProduct.id >= low, OcopProduct.id <= high))
        links = self._links(product_zone.c.product_id, product_zone.c.zone_id, low, high)
        for product in rows:
            product.organisation = self.organisations[product.organisation_id]
            product.crop = self.crops.get(product.crop_id)
            product.ocop_certificate = self.ocop_certificates.get(product.ocop_certificate_id)
            product.zones = links.get(product.id, [])
        return rows


def _id_ranges(session, model, chunk: int) -> Iterator[tuple[int, int]]:
    """Consecutive id ranges of at most `chunk` rows each (keyset: no OFFSET scans)."""
    last = 0
    while True:
        ids = session.scalars(sa.select(model.id).where(model.id > last).order_by(model.id).limit(chunk)).all()
        if not ids:
            return
        yield ids[0], ids[-1]
        last = ids[-1]


def batches(session, on: date, chunk: int = CHUNK) -> Iterator[list[dict]]:
    """Every public document, in batches of about `chunk`: organisations, then listings, then products."""
    wiring = _Wiring(session)
    orgs = [d for o in wiring.organisations.values() if (d := documents.organisation_document(o, on)) is not None]
    for i in range(0, len(orgs), chunk):
        yield orgs[i:i + chunk]
    for low, high in _id_ranges(session, SupplyListing, chunk):
        yield [d for row in wiring.listings(low, high) if (d := documents.listing_document(row, on)) is not None]
    for low, high in _id_ranges(session, OcopProduct, chunk):
        yield [d for row in wiring.products(low, high) if (d := documents.product_document(row, on)) is not None]


def build_all(session, on: date) -> list[dict]:
    """Every public document in one list (tests and small databases)."""
    return [doc for batch in batches(session, on) for doc in batch]
