"""Who may see what in the catalogue: published items of verified organisations are public; drafts and
anything of an unverified organisation only to its members and the department."""
from flask_login import current_user

from market.models import GrowingZone, OcopProduct, SupplyListing
from market.services import listings, products


def _insider(org) -> bool:
    user = current_user
    return bool(user and user.is_authenticated and (user.membership_in(org) or user.is_department_staff))


def can_see_listing(listing: SupplyListing) -> bool:
    return listings.is_public(listing) or _insider(listing.organisation)


def can_see_product(product: OcopProduct) -> bool:
    return products.is_public(product) or _insider(product.organisation)


def can_see_organisation(org) -> bool:
    """Verified organisations are public; others only to their members and the department."""
    return org.is_verified or _insider(org)


def can_see_zone(zone: GrowingZone) -> bool:
    # Zones are the proof behind public listings: public once their organisation is verified.
    return zone.organisation.is_verified or _insider(zone.organisation)
