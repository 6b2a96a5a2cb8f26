"""market/services/products.py: OCOP stars, certificate dates, retail chains, publishing rules."""
import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import AuditEvent, OcopProduct, Organisation, OrgKind, OrgStatus, ProductStatus, Role, User
from market.services import products
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import count, product_data


def get_org(org_id) -> Organisation:
    return db.session.get(Organisation, org_id)


def get_user(user_id) -> User:
    return db.session.get(User, user_id)


def get_product(product_id) -> OcopProduct:
    return db.session.get(OcopProduct, product_id)


@pytest.fixture
def coop(factory):
    return factory.org()


@pytest.fixture
def owner(factory, coop):
    return factory.member(coop, Role.OWNER)


def create(owner, org, **changes):
    return products.create_product(get_user(owner), get_org(org), product_data(**changes))


# --- creating -------------------------------------------------------------------------------------

@pytest.mark.parametrize("stars", ["3", "4", "5", 3, 5])
def test_three_to_five_stars_are_accepted(req, coop, owner, stars):
    product = create(owner, coop, stars=stars)
    db.session.commit()
    assert get_product(product.id).stars == int(stars) and get_product(product.id).status == ProductStatus.DRAFT


@pytest.mark.parametrize("stars", ["0", "1", "2", "6", "", None, "4.5", "abc", 6])
def test_stars_outside_three_to_five_are_refused(req, coop, owner, stars):
    with pytest.raises(ValidationFailed) as caught:
        create(owner, coop, stars=stars)
    assert list(caught.value.errors) == ["stars"]
    assert count(OcopProduct) == 0


BAD_PRODUCTS = [
    ({"certificate_issued_on": today() - timedelta(days=10), "certificate_expires_on": today() - timedelta(days=11)},
     "certificate_expires_on"),
    ({"certificate_issued_on": today() + timedelta(days=1)}, "certificate_issued_on"),
    ({"certificate_issued_on": None}, "certificate_issued_on"),
    ({"certificate_expires_on": None}, "certificate_expires_on"),
    ({"certificate_number": " "}, "certificate_number"),
    ({"name": ""}, "name"),
    ({"category": "weapons"}, "category"),
    ({"unit": "thung"}, "unit"),
    ({"price": "-1"}, "price"),
    ({"price": "2000000000"}, "price"),
    ({"price": ""}, "price"),
    ({"stock": "-3"}, "stock"),
    ({"min_order_qty": "0"}, "min_order_qty"),
]


@pytest.mark.parametrize("changes, field", BAD_PRODUCTS, ids=[f"{f}-{i}" for i, (_c, f) in enumerate(BAD_PRODUCTS)])
def test_bad_product_input_names_the_field(req, coop, owner, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        create(owner, coop, **changes)
    assert list(caught.value.errors) == [field]
    assert count(OcopProduct) == 0 and count(AuditEvent) == 0


def test_a_draft_may_carry_an_expired_certificate(req, coop, owner):
    product = create(owner, coop, certificate_issued_on=today() - timedelta(days=1200),
                     certificate_expires_on=today() - timedelta(days=1))
    assert product.status == ProductStatus.DRAFT and not product.certificate_valid(today())


def test_the_seller_no_longer_ticks_retail_chains(req, factory, coop, owner):
    """Retail shelves are confirmed by the chain (tests/confirmed/test_shelves.py): a tick sent with the product is ignored."""
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi siêu thị sạch")
    product = create(owner, coop, retail_chain_ids=[str(chain)])
    db.session.commit()
    assert get_product(product.id).shelf_placements == []


def test_zones_of_another_organisation_are_refused(req, cat, factory, coop, owner):
    theirs = cat.zone(factory.org())
    with pytest.raises(ValidationFailed) as caught:
        create(owner, coop, zone_ids=[str(cat.zone(coop)), str(theirs)])
    assert list(caught.value.errors) == ["zone_ids"]


def test_an_enterprise_may_list_products_but_a_retail_chain_may_not(req, factory):
    enterprise = factory.org(kind=OrgKind.ENTERPRISE)
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN)
    enterprise_owner, chain_owner = factory.member(enterprise), factory.member(chain)
    with pytest.raises(PermissionDenied):
        create(chain_owner, chain)
    assert create(enterprise_owner, enterprise).organisation_id == enterprise


def test_an_outsider_cannot_create_or_edit(req, factory, cat, coop):
    outsider = factory.member(factory.org())
    with pytest.raises(PermissionDenied):
        create(outsider, coop)
    product_id = cat.product(coop, status=ProductStatus.DRAFT)
    with pytest.raises(PermissionDenied):
        products.update_product(get_user(outsider), get_product(product_id), product_data())
    with pytest.raises(PermissionDenied):
        products.change_status(get_user(outsider), get_product(product_id), ProductStatus.PUBLISHED)


# --- publishing -----------------------------------------------------------------------------------

def test_publishing_with_a_valid_certificate_works(req, cat, coop, owner):
    product_id = cat.product(coop, status=ProductStatus.DRAFT, expires_on=today())  # the last valid day
    products.change_status(get_user(owner), get_product(product_id), ProductStatus.PUBLISHED)
    db.session.commit()
    assert get_product(product_id).status == ProductStatus.PUBLISHED and products.is_public(get_product(product_id))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "product.status_changed"))
    assert event.details == {"old": "draft", "new": "published"}


@pytest.mark.parametrize("old", [ProductStatus.DRAFT, ProductStatus.WITHDRAWN])
def test_publishing_with_an_expired_certificate_is_refused(req, cat, coop, owner, old):
    product_id = cat.product(coop, status=old, issued_on=today() - timedelta(days=1000),
                             expires_on=today() - timedelta(days=1))
    with pytest.raises(ValidationFailed) as caught:
        products.change_status(get_user(owner), get_product(product_id), ProductStatus.PUBLISHED)
    assert list(caught.value.errors) == ["certificate_expires_on"]
    assert get_product(product_id).status == old and count(AuditEvent) == 0


def test_publishing_before_the_certificate_is_issued_is_refused(req, cat, coop, owner):
    product_id = cat.product(coop, status=ProductStatus.DRAFT, issued_on=today() + timedelta(days=3),
                             expires_on=today() + timedelta(days=900))
    with pytest.raises(ValidationFailed):
        products.change_status(get_user(owner), get_product(product_id), ProductStatus.PUBLISHED)


@pytest.mark.parametrize("status", [OrgStatus.PENDING, OrgStatus.REJECTED])
def test_an_unverified_organisation_cannot_publish(req, cat, factory, status):
    org = factory.org(status=status)
    product_id = cat.product(org, status=ProductStatus.DRAFT)
    with pytest.raises(PermissionDenied):
        products.change_status(get_user(factory.member(org)), get_product(product_id), ProductStatus.PUBLISHED)
    db.session.rollback()
    assert get_product(product_id).status == ProductStatus.DRAFT


def test_a_published_product_cannot_be_updated_to_an_expired_certificate(req, cat, coop, owner):
    expires = today() + timedelta(days=500)
    product_id = cat.product(coop, status=ProductStatus.PUBLISHED, expires_on=expires)
    with pytest.raises(ValidationFailed) as caught:
        products.update_product(get_user(owner), get_product(product_id), product_data(
            certificate_issued_on=today() - timedelta(days=1000), certificate_expires_on=today() - timedelta(days=1)))
    assert list(caught.value.errors) == ["certificate_expires_on"]
    db.session.rollback()
    assert get_product(product_id).certificate_expires_on == expires


def test_a_published_product_may_be_updated_with_a_valid_certificate(req, cat, coop, owner):
    product_id = cat.product(coop, status=ProductStatus.PUBLISHED)
    products.update_product(get_user(owner), get_product(product_id), product_data(price="200000", stars="5"))
    db.session.commit()
    product = get_product(product_id)
    assert product.price == 200_000 and product.stars == 5 and product.status == ProductStatus.PUBLISHED


def test_a_withdrawn_product_may_keep_an_expired_certificate(req, cat, coop, owner):
    product_id = cat.product(coop, status=ProductStatus.WITHDRAWN)
    products.update_product(get_user(owner), get_product(product_id), product_data(
        certificate_issued_on=today() - timedelta(days=1000), certificate_expires_on=today() - timedelta(days=1)))
    assert not get_product(product_id).certificate_valid(today())


PAIRS = list(itertools.product(ProductStatus.ALL, ProductStatus.ALL))
ALLOWED = [(a, b) for a, b in PAIRS if b in products.TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in PAIRS if b not in products.TRANSITIONS[a]]


def test_product_transition_table():
    assert set(products.TRANSITIONS) == set(ProductStatus.ALL)
    assert sorted(ALLOWED) == sorted([("draft", "published"), ("draft", "withdrawn"), ("published", "withdrawn"),
                                      ("withdrawn", "published")])


@pytest.mark.parametrize("old, new", ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_allowed_product_transitions_work(req, cat, coop, owner, old, new):
    product_id = cat.product(coop, status=old)
    products.change_status(get_user(owner), get_product(product_id), new)
    assert get_product(product_id).status == new


@pytest.mark.parametrize("old, new", REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_other_product_transitions_are_refused(req, cat, coop, owner, old, new):
    product_id = cat.product(coop, status=old)
    with pytest.raises(ValidationFailed) as caught:
        products.change_status(get_user(owner), get_product(product_id), new)
    assert list(caught.value.errors) == ["status"]
    assert get_product(product_id).status == old


@pytest.mark.parametrize("role", Role.ALL)
def test_any_member_may_publish(req, cat, factory, coop, role):
    product_id = cat.product(coop, status=ProductStatus.DRAFT)
    products.change_status(get_user(factory.member(coop, role)), get_product(product_id), ProductStatus.PUBLISHED)
    assert get_product(product_id).status == ProductStatus.PUBLISHED
