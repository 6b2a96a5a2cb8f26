"""market/services/listings.py: what a listing may say, which zones it may name, and its status machine."""
import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    ListingStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    ReviewStatus,
    Role,
    SupplyListing,
    User,
)
from market.services import listings
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import count, listing_data


def get_org(org_id) -> Organisation:
    return db.session.get(Organisation, org_id)


def get_user(user_id) -> User:
    return db.session.get(User, user_id)


def get_listing(listing_id) -> SupplyListing:
    return db.session.get(SupplyListing, listing_id)


@pytest.fixture
def coop(factory):
    return factory.org()


@pytest.fixture
def owner(factory, coop):
    return factory.member(coop, Role.OWNER)


@pytest.fixture
def zone(cat, coop):
    return cat.zone(coop, code="LS-VQ-HOI-0001", crop="hoi")


def create(owner, coop, zone_ids, **changes):
    return listings.create_listing(get_user(owner), get_org(coop), listing_data(zone_ids, **changes))


# --- creating -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", Role.ALL)
def test_any_member_creates_a_draft(req, factory, coop, zone, role):
    actor = factory.member(coop, role)
    listing = create(actor, coop, [zone], title="  Hoa hồi   khô  ", min_order_qty="0,5")
    db.session.commit()
    listing = get_listing(listing.id)
    assert listing.status == ListingStatus.DRAFT and listing.title == "Hoa hồi khô"
    assert [z.id for z in listing.zones] == [zone]
    assert listing.price_per_unit == 95_000 and listing.currency == "VND" and listing.min_order_qty == 0.5
    assert listing.quantity == 12
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "listing.created"))
    assert event.actor_id == actor and event.object_id == str(listing.id)


def test_negotiable_price_is_stored_as_none(req, coop, owner, zone):
    assert create(owner, coop, [zone], negotiable=True, price_per_unit="95000").price_per_unit is None
    assert create(owner, coop, [zone], price_per_unit="").price_per_unit is None


def test_a_pending_organisation_may_draft(req, factory, cat):
    org = factory.org(status=OrgStatus.PENDING)
    zone_id = cat.zone(org)
    listing = create(factory.member(org), org, [zone_id])
    assert listing.status == ListingStatus.DRAFT


def test_a_listing_may_come_from_a_pending_zone(req, cat, coop, owner):
    zone_id = cat.zone(coop, status=ReviewStatus.PENDING)
    assert create(owner, coop, [zone_id]).zones[0].status == ReviewStatus.PENDING


def test_harvest_window_of_exactly_366_days_is_accepted(req, coop, owner, zone):
    start = today()
    listing = create(owner, coop, [zone], harvest_start=start, harvest_end=start + timedelta(days=366))
    assert (listing.harvest_end - listing.harvest_start).days == 366


BAD_LISTINGS = [
    ({"harvest_end": today() + timedelta(days=9)}, "harvest_end"),
    ({"harvest_start": today(), "harvest_end": today() + timedelta(days=367)}, "harvest_end"),
    ({"harvest_start": None}, "harvest_start"),
    ({"harvest_end": "2026-13-01"}, "harvest_end"),
    ({"ends_on": "tomorrow"}, "ends_on"),
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "-5"}, "quantity"),
    ({"quantity": "20000000"}, "quantity"),
    ({"quantity": "1e12"}, "quantity"),
    ({"quantity": "nan"}, "quantity"),
    ({"quantity": "mười"}, "quantity"),
    ({"quantity": ""}, "quantity"),
    ({"price_per_unit": "-1"}, "price_per_unit"),
    ({"price_per_unit": "5000000000"}, "price_per_unit"),
    ({"price_per_unit": "95.5"}, "price_per_unit"),
    ({"price_per_unit": "abc"}, "price_per_unit"),
    ({"min_order_qty": "13"}, "min_order_qty"),
    ({"min_order_qty": "0"}, "min_order_qty"),
    ({"unit": "bao"}, "unit"),
    ({"product_form": "jam"}, "product_form"),
    ({"title": "   "}, "title"),
    ({"zone_ids": []}, "zone_ids"),
    ({"zone_ids": ["999999"]}, "zone_ids"),
]


@pytest.mark.parametrize("changes, field", BAD_LISTINGS,
                         ids=[f"{f}-{i}" for i, (_c, f) in enumerate(BAD_LISTINGS)])
def test_bad_listing_input_names_the_field_and_saves_nothing(req, coop, owner, zone, changes, field):
    data = listing_data([zone])
    data.update(changes)
    with pytest.raises(ValidationFailed) as caught:
        listings.create_listing(get_user(owner), get_org(coop), data)
    assert list(caught.value.errors) == [field]
    assert count(SupplyListing) == 0 and count(AuditEvent) == 0


def test_a_zone_of_another_organisation_is_refused(req, cat, factory, coop, owner, zone):
    theirs = cat.zone(factory.org(), code="LS-CL-HOI-0001")
    for zone_ids in ([theirs], [zone, theirs]):
        with pytest.raises(ValidationFailed) as caught:
            create(owner, coop, zone_ids)
        assert list(caught.value.errors) == ["zone_ids"]
    assert count(SupplyListing) == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.table("listing_zone"))) == 0


def test_a_zone_of_another_crop_is_refused(req, cat, coop, owner, zone):
    na_zone = cat.zone(coop, crop="na")
    with pytest.raises(ValidationFailed) as caught:
        create(owner, coop, [zone, na_zone])
    assert list(caught.value.errors) == ["zone_ids"]
    with pytest.raises(ValidationFailed) as caught:
        create(owner, coop, [zone], crop_id=str(get_listing_crop("na")))
    assert list(caught.value.errors) == ["zone_ids"]


def get_listing_crop(key):
    from tests.factories import crop_id
    return crop_id(key)


@pytest.mark.parametrize("status", [ReviewStatus.RECALLED, ReviewStatus.REJECTED])
def test_a_recalled_or_rejected_zone_is_refused(req, cat, coop, owner, zone, status):
    bad = cat.zone(coop, status=status)
    with pytest.raises(ValidationFailed) as caught:
        create(owner, coop, [zone, bad])
    assert list(caught.value.errors) == ["zone_ids"]
    assert count(SupplyListing) == 0


@pytest.mark.parametrize("kind", [OrgKind.ENTERPRISE, OrgKind.RETAIL_CHAIN])
def test_buyers_do_not_list_harvests(req, cat, factory, kind):
    org = factory.org(kind=kind)
    zone_id = cat.zone(org)
    with pytest.raises(PermissionDenied):
        create(factory.member(org), org, [zone_id])


def test_an_outsider_cannot_create_for_an_organisation(req, factory, coop, zone):
    with pytest.raises(PermissionDenied):
        create(factory.member(factory.org()), coop, [zone])
    assert count(SupplyListing) == 0


# --- editing --------------------------------------------------------------------------------------

def test_update_replaces_fields_and_zones(req, cat, coop, owner, zone):
    second = cat.zone(coop)
    listing_id = cat.listing(coop, [zone], status=ListingStatus.OPEN)
    listings.update_listing(get_user(owner), get_listing(listing_id),
                            listing_data([second], quantity="30", negotiable=True))
    db.session.commit()
    listing = get_listing(listing_id)
    assert listing.quantity == 30 and listing.price_per_unit is None and [z.id for z in listing.zones] == [second]


def test_a_closed_listing_cannot_be_edited(req, cat, coop, owner, zone):
    listing_id = cat.listing(coop, [zone], status=ListingStatus.CLOSED, quantity=12)
    with pytest.raises(ValidationFailed) as caught:
        listings.update_listing(get_user(owner), get_listing(listing_id), listing_data([zone], quantity="30"))
    assert list(caught.value.errors) == ["status"]
    db.session.rollback()
    assert get_listing(listing_id).quantity == 12


def test_an_outsider_cannot_edit(req, cat, factory, coop, zone):
    listing_id = cat.listing(coop, [zone])
    with pytest.raises(PermissionDenied):
        listings.update_listing(get_user(factory.member(factory.org())), get_listing(listing_id), listing_data([zone]))


# --- status machine -------------------------------------------------------------------------------

ALL_PAIRS = list(itertools.product(ListingStatus.ALL, ListingStatus.ALL))
ALLOWED = [(old, new) for old, new in ALL_PAIRS if new in listings.TRANSITIONS[old]]
REFUSED = [(old, new) for old, new in ALL_PAIRS if new not in listings.TRANSITIONS[old]]


def test_the_transition_table_covers_every_status():
    assert set(listings.TRANSITIONS) == set(ListingStatus.ALL)
    assert all(set(targets) <= set(ListingStatus.ALL) for targets in listings.TRANSITIONS.values())
    assert listings.TRANSITIONS[ListingStatus.CLOSED] == ()
    assert len(ALLOWED) == 10 and len(REFUSED) == 15


@pytest.mark.parametrize("old, new", ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_allowed_transitions_work(req, cat, coop, owner, zone, old, new):
    listing_id = cat.listing(coop, [zone], status=old)
    listings.change_status(get_user(owner), get_listing(listing_id), new)
    db.session.commit()
    assert get_listing(listing_id).status == new
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "listing.status_changed"))
    assert event.details == {"old": old, "new": new} and event.actor_id == owner


@pytest.mark.parametrize("old, new", REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_other_transitions_are_refused(req, cat, coop, owner, zone, old, new):
    listing_id = cat.listing(coop, [zone], status=old)
    with pytest.raises(ValidationFailed) as caught:
        listings.change_status(get_user(owner), get_listing(listing_id), new)
    assert list(caught.value.errors) == ["status"]
    assert get_listing(listing_id).status == old and count(AuditEvent) == 0


def test_unknown_status_is_refused(req, cat, coop, owner, zone):
    listing_id = cat.listing(coop, [zone], status=ListingStatus.DRAFT)
    with pytest.raises(ValidationFailed):
        listings.change_status(get_user(owner), get_listing(listing_id), "deleted")


@pytest.mark.parametrize("old", [ListingStatus.DRAFT, ListingStatus.RESERVED, ListingStatus.SOLD_OUT])
def test_a_pending_organisation_cannot_open(req, cat, factory, old):
    org = factory.org(status=OrgStatus.PENDING)
    actor = factory.member(org)
    listing_id = cat.listing(org, [cat.zone(org)], status=old)
    with pytest.raises(PermissionDenied):
        listings.change_status(get_user(actor), get_listing(listing_id), ListingStatus.OPEN)
    db.session.rollback()
    assert get_listing(listing_id).status == old
    # Closing is still allowed: it publishes nothing.
    listings.change_status(get_user(actor), get_listing(listing_id), ListingStatus.CLOSED)
    assert get_listing(listing_id).status == ListingStatus.CLOSED


def test_a_rejected_organisation_cannot_open(req, cat, factory):
    org = factory.org(status=OrgStatus.REJECTED)
    listing_id = cat.listing(org, [cat.zone(org)], status=ListingStatus.DRAFT)
    with pytest.raises(PermissionDenied):
        listings.change_status(get_user(factory.member(org)), get_listing(listing_id), ListingStatus.OPEN)


def test_opening_needs_an_end_date_not_in_the_past(req, cat, coop, owner, zone):
    past = cat.listing(coop, [zone], status=ListingStatus.DRAFT, ends_on=today() - timedelta(days=1))
    with pytest.raises(ValidationFailed) as caught:
        listings.change_status(get_user(owner), get_listing(past), ListingStatus.OPEN)
    assert list(caught.value.errors) == ["ends_on"]
    assert get_listing(past).status == ListingStatus.DRAFT
    ends_today = cat.listing(coop, [zone], status=ListingStatus.DRAFT, ends_on=today())
    listings.change_status(get_user(owner), get_listing(ends_today), ListingStatus.OPEN)
    assert get_listing(ends_today).status == ListingStatus.OPEN
    # Judged on the given day.
    later = cat.listing(coop, [zone], status=ListingStatus.DRAFT, ends_on=today() + timedelta(days=5))
    with pytest.raises(ValidationFailed):
        listings.change_status(get_user(owner), get_listing(later), ListingStatus.OPEN,
                               on=today() + timedelta(days=6))


@pytest.mark.parametrize("role", Role.ALL)
def test_any_member_may_change_status(req, cat, factory, coop, zone, role):
    listing_id = cat.listing(coop, [zone], status=ListingStatus.DRAFT)
    listings.change_status(get_user(factory.member(coop, role)), get_listing(listing_id), ListingStatus.OPEN)
    assert get_listing(listing_id).status == ListingStatus.OPEN


def test_outsiders_and_staff_cannot_change_status(req, cat, factory, coop, zone):
    listing_id = cat.listing(coop, [zone], status=ListingStatus.DRAFT)
    for actor in (factory.member(factory.org()), factory.department_staff()):
        with pytest.raises(PermissionDenied):
            listings.change_status(get_user(actor), get_listing(listing_id), ListingStatus.OPEN)
    assert get_listing(listing_id).status == ListingStatus.DRAFT


def test_is_public(req, cat, factory, coop, zone):
    open_id = cat.listing(coop, [zone], status=ListingStatus.OPEN)
    draft_id = cat.listing(coop, [zone], status=ListingStatus.DRAFT)
    pending = factory.org(status=OrgStatus.PENDING)
    unverified_open = cat.listing(pending, [cat.zone(pending)], status=ListingStatus.OPEN)
    assert listings.is_public(get_listing(open_id))
    assert not listings.is_public(get_listing(draft_id))
    assert not listings.is_public(get_listing(unverified_open))


@pytest.mark.parametrize("zone_status", [ReviewStatus.RECALLED, ReviewStatus.REJECTED])
def test_a_draft_whose_zone_was_recalled_cannot_be_published(req, cat, coop, owner, zone_status):
    """Publishing re-checks the zones: the department may have recalled one since the draft was saved."""
    listing_id = cat.listing(coop, [cat.zone(coop, status=zone_status)], status=ListingStatus.DRAFT)
    with pytest.raises(ValidationFailed) as caught:
        listings.change_status(get_user(owner), get_listing(listing_id), ListingStatus.OPEN)
    assert "zone_ids" in caught.value.errors
