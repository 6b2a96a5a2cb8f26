"""The demo catalogue (market/services/seed.py): idempotent, and alive on the day it is loaded."""
import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    Certificate,
    GrowingZone,
    ListingStatus,
    Membership,
    OcopProduct,
    Organisation,
    ProductStatus,
    ReviewStatus,
    Revision,
    SentReminder,
    ShelfPlacement,
    SupplyListing,
    User,
    listing_zone,
    product_zone,
)
from market.services import demo_market, listings, products, zones
from tests.conftest import built_once

TABLES = [Organisation, User, Membership, GrowingZone, Certificate, SupplyListing, OcopProduct, AuditEvent,
          listing_zone, product_zone, ShelfPlacement, Revision, SentReminder]


def counts() -> dict:
    result = {}
    for table in TABLES:
        selectable = table if isinstance(table, sa.Table) else table.__table__
        result[selectable.name] = db.session.scalar(sa.select(sa.func.count()).select_from(selectable))
    return result


def load_demo(factory) -> bool:
    with factory.app.test_request_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        db.session.commit()
        db.session.remove()
    return True


@pytest.fixture(scope="module")
def _demo_once(app):
    yield from built_once(app, load_demo)


@pytest.fixture
def demo(req, factory, _demo_once):
    """The demo catalogue, loaded once per module on SQLite (each test's changes are undone after it)."""
    if not _demo_once:
        load_demo(factory)


@pytest.mark.both_engines
def test_seeding_twice_changes_no_counts(demo):
    first = counts()
    assert first["growing_zone"] == len(demo_market.DEMO_ZONES) + 1
    assert first["supply_listing"] == len(demo_market.DEMO_LISTINGS) and first["ocop_product"] == len(demo_market.DEMO_PRODUCTS)
    assert first["certificate"] == sum(len(z[-1]) for z in demo_market.DEMO_ZONES)
    demo_market.seed_demo()
    demo_market.seed_demo_catalog()
    db.session.commit()
    assert counts() == first


def test_demo_has_expired_and_expiring_certificates(demo):
    on = today()
    certificates = db.session.scalars(sa.select(Certificate)).all()
    assert any(c.expires_on is not None and c.expires_on < on for c in certificates)
    expiring = zones.expiring_certificates()
    assert expiring and all(on <= c.expires_on <= on.fromordinal(on.toordinal() + 60) for c in expiring)
    assert any(c.expires_on is None for c in certificates)  # a geographical indication


def test_demo_has_a_zone_whose_code_has_expired(demo):
    states = {z.code: z.state(today()) for z in db.session.scalars(sa.select(GrowingZone))}
    assert "expired" in states.values()
    assert ReviewStatus.VERIFIED in states.values()
    assert ReviewStatus.PENDING in states.values()


def test_demo_products_cover_three_to_five_stars_and_a_withdrawn_expired_one(demo):
    on = today()
    all_products = db.session.scalars(sa.select(OcopProduct)).all()
    assert {p.stars for p in all_products} == {3, 4, 5}
    published = [p for p in all_products if p.status == ProductStatus.PUBLISHED]
    assert {p.stars for p in published} == {3, 4, 5}
    withdrawn = [p for p in all_products if p.status == ProductStatus.WITHDRAWN]
    assert withdrawn and any(not p.certificate_valid(on) for p in withdrawn)
    # Nothing published carries an expired certificate, and the public ones are public.
    assert all(p.certificate_valid(on) and products.is_public(p) for p in published)
    assert any(pl.on_shelf(on) for p in published for pl in p.shelf_placements)


def test_demo_listings_are_open_and_sound(demo):
    on = today()
    open_listings = db.session.scalars(sa.select(SupplyListing).where(
        SupplyListing.status == ListingStatus.OPEN)).all()
    assert len(open_listings) >= 5
    for listing in open_listings:
        assert listings.is_public(listing)
        assert listing.harvest_start <= listing.harvest_end and (listing.harvest_end - listing.harvest_start).days <= 366
        assert listing.ends_on is None or listing.ends_on >= on
        assert listing.zones and all(z.organisation_id == listing.organisation_id and z.crop_id == listing.crop_id
                                     for z in listing.zones)
        assert listing.min_order_qty is None or listing.min_order_qty <= listing.quantity
    assert any(listing.trust_warnings(on) for listing in open_listings)  # one names the expired zone
    assert any(listing.price_per_unit is None for listing in open_listings)


def test_demo_has_a_pending_zone_of_a_pending_organisation(demo):
    pending = db.session.scalars(sa.select(GrowingZone).where(GrowingZone.status == ReviewStatus.PENDING)).all()
    assert pending and any(not z.organisation.is_verified for z in pending)
    queued, _certs = zones.review_queue()
    assert {z.id for z in queued} == {z.id for z in pending}


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_demo_harvest_seasons_are_sound_on_every_day_of_the_year(year):
    from datetime import date, timedelta

    day = date(year, 1, 1)
    while day.year == year:
        for *_head, (start_month, end_month), _qty, _unit, _price, _grade in demo_market.DEMO_LISTINGS:
            start, end = demo_market._season(start_month, end_month, day)
            assert start <= end and end >= day, (day, start_month, end_month)
            assert (end - start).days <= 366 and start.month == start_month and end.month == end_month
        day += timedelta(days=1)
