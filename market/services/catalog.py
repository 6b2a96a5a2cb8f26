"""Read-side helpers for the catalog shown on public pages."""
import sqlalchemy as sa

from market.extensions import db
from market.models import (
    GrowingZone,
    ListingStatus,
    OcopProduct,
    Organisation,
    ProductStatus,
    ReviewStatus,
    SupplyListing,
)


def public_catalog(org: Organisation) -> dict:
    """What an organisation shows the public: its reviewed zones, open listings and published products."""
    if not org.is_verified:
        return {"zones": [], "listings": [], "products": []}
    zones = db.session.scalars(sa.select(GrowingZone).where(
        GrowingZone.organisation_id == org.id,
        GrowingZone.status.in_((ReviewStatus.VERIFIED, ReviewStatus.PENDING))).order_by(GrowingZone.code)).all()
    listings = db.session.scalars(sa.select(SupplyListing).where(
        SupplyListing.organisation_id == org.id, SupplyListing.status.in_(ListingStatus.PUBLIC))
        .order_by(SupplyListing.harvest_start.desc())).all()
    products = db.session.scalars(sa.select(OcopProduct).where(
        OcopProduct.organisation_id == org.id, OcopProduct.status == ProductStatus.PUBLISHED)
        .order_by(OcopProduct.stars.desc(), OcopProduct.name)).all()
    return {"zones": zones, "listings": listings, "products": products}
