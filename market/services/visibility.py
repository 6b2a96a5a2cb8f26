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
