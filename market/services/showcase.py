"""What the home page shows: what is in season this month, the 4-5 star OCOP products, recent listings and
the plan's crops with how many open listings each has. Public data only (verified sellers, public states)."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from market.extensions import db
from market.models import (
    Crop,
    ListingStatus,
    OcopCertificate,
    OcopProduct,
    Organisation,
    OrgStatus,
    ProductStatus,
    SupplyListing,
)
from market.services import ocop

HOME_CARDS = 8


def _public_listings():
    return (sa.select(SupplyListing).join(Organisation)
            .where(SupplyListing.status.in_(ListingStatus.PUBLIC), Organisation.status == OrgStatus.VERIFIED)
            .options(selectinload(SupplyListing.crop), selectinload(SupplyListing.organisation),
                     selectinload(SupplyListing.photos), selectinload(SupplyListing.zones)))


def in_season(on: date, limit: int = HOME_CARDS) -> list[SupplyListing]:
    """Listings whose harvest window includes this month, soonest ending first: one per crop first, then a
    second one per crop, so one crop that is harvested all year does not fill the row."""
    first = on.replace(day=1)
    rows = db.session.scalars(_public_listings().where(
        SupplyListing.harvest_start <= on, SupplyListing.harvest_end >= first)
        .order_by(SupplyListing.harvest_end, SupplyListing.id)).all()
    rounds: list[list[SupplyListing]] = [[], []]
    shown: dict[int, int] = {}
    for listing in rows:
        n = shown.get(listing.crop_id, 0)
        if n < len(rounds):
            rounds[n].append(listing)
            shown[listing.crop_id] = n + 1
    return (rounds[0] + rounds[1])[:limit]


def top_products(on: date, limit: int = HOME_CARDS) -> list[OcopProduct]:
    """Published products whose verified OCOP certificate (4 or 5 stars) is valid today, five stars first:
    a seller's own declaration never puts a product on the home page's shelf."""
    query = (ocop.verified_products(on, min_stars=4).join(Organisation, OcopProduct.organisation_id == Organisation.id)
             .where(OcopProduct.status == ProductStatus.PUBLISHED, Organisation.status == OrgStatus.VERIFIED)
             .options(selectinload(OcopProduct.crop), selectinload(OcopProduct.organisation),
                      selectinload(OcopProduct.photos))
             .order_by(OcopCertificate.stars.desc(), OcopProduct.id.desc()).limit(limit))
    return [product for product, _certificate in db.session.execute(query)]


def recent_listings(limit: int = HOME_CARDS) -> list[SupplyListing]:
    return list(db.session.scalars(_public_listings().order_by(SupplyListing.created_at.desc(),
                                                               SupplyListing.id.desc()).limit(limit)))


def crops_with_counts() -> list[tuple[Crop, int]]:
    """The plan's tradable crops, biggest target first, with their open listings."""
    open_by_crop = dict(db.session.execute(
        sa.select(SupplyListing.crop_id, sa.func.count()).join(Organisation)
        .where(SupplyListing.status == ListingStatus.OPEN, Organisation.status == OrgStatus.VERIFIED)
        .group_by(SupplyListing.crop_id)).all())
    crops = db.session.scalars(sa.select(Crop).where(Crop.tradable).options(selectinload(Crop.communes))
                               .order_by(Crop.target_ha_min.desc()))
    return [(crop, open_by_crop.get(crop.id, 0)) for crop in crops]
