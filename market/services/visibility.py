"""Who may see what in the catalog: published items of verified organisations are public; drafts and
anything of an unverified organisation only to its members and the department. Each function takes the
viewer (`current_user` in a route, None or an anonymous user for nobody)."""
from market.models import GrowingZone, OcopProduct, Organisation, SupplyListing, User
from market.permissions import can_see_unpublished
from market.services import listings, products


def can_see_listing(user: User | None, listing: SupplyListing) -> bool:
    return listings.is_public(listing) or can_see_unpublished(user, listing.organisation)


def can_see_product(user: User | None, product: OcopProduct) -> bool:
    return products.is_public(product) or can_see_unpublished(user, product.organisation)


def can_see_organisation(user: User | None, org: Organisation) -> bool:
    """Verified organisations are public; others only to their members and the department."""
    return org.is_verified or can_see_unpublished(user, org)


def can_see_zone(user: User | None, zone: GrowingZone) -> bool:
    # Zones are the proof behind public listings: public once their organisation is verified.
    return zone.organisation.is_verified or can_see_unpublished(user, zone.organisation)


# --- the same rules as queries, for lists (catalog pages, the API's list endpoints) -------------------------

def public_listings():
    """The listings everyone sees in the catalog: public statuses, of verified organisations."""
    import sqlalchemy as sa

    from market.models import ListingStatus, OrgStatus

    return (sa.select(SupplyListing).join(Organisation, SupplyListing.organisation)
            .where(SupplyListing.status.in_(ListingStatus.PUBLIC), Organisation.status == OrgStatus.VERIFIED))


def public_products():
    """The OCOP products everyone sees in the catalog: published, of verified organisations."""
    import sqlalchemy as sa

    from market.models import OrgStatus, ProductStatus

    return (sa.select(OcopProduct).join(Organisation, OcopProduct.organisation)
            .where(OcopProduct.status == ProductStatus.PUBLISHED, Organisation.status == OrgStatus.VERIFIED))


def public_zones():
    """The zones everyone sees (`can_see_zone` without a viewer): those of verified organisations."""
    import sqlalchemy as sa

    from market.models import OrgStatus

    return (sa.select(GrowingZone).join(Organisation, GrowingZone.organisation)
            .where(Organisation.status == OrgStatus.VERIFIED))


def contracts_for(user: User):
    """The contracts the contracts page lists for `user`: every one for department staff, else its
    organisations' (as buyer or seller)."""
    import sqlalchemy as sa

    from market.models import Contract

    query = sa.select(Contract)
    if not user.is_department_staff:
        org_ids = [m.organisation_id for m in user.memberships]
        query = query.where(sa.or_(Contract.buyer_id.in_(org_ids), Contract.seller_id.in_(org_ids)))
    return query


def orders_for(user: User):
    """The orders the orders page lists for `user`: its organisations' purchases and sales."""
    import sqlalchemy as sa

    from market.models import ShopOrder

    org_ids = [m.organisation_id for m in user.memberships]
    return sa.select(ShopOrder).where(sa.or_(ShopOrder.buyer_id.in_(org_ids), ShopOrder.seller_id.in_(org_ids)))
