"""What a map shows of growing zones: one point per zone with coordinates, with what a list beside
the map says too (the page reads the same without the map). Visibility is the catalogue's."""
import sqlalchemy as sa
from flask import url_for

from market.extensions import db
from market.labels import label
from market.models import GrowingZone, Organisation
from market.services.visibility import can_see_zone

CERT_STATES = ("certified", "expired", "none")


def certificate_state(zone: GrowingZone, on) -> str:
    """certified (a valid certificate), expired (certificates, none valid any more) or none."""
    if zone.valid_certificates(on):
        return "certified"
    return "expired" if zone.certificates else "none"


def point(zone: GrowingZone, on, locale: str) -> dict:
    return {
        "code": zone.code,
        "name": zone.name or "",
        "lat": zone.latitude,
        "lon": zone.longitude,
        "crop": zone.crop.name(locale),
        "crop_key": zone.crop.key,
        "holder": zone.organisation.name,
        "state": zone.state(on),
        "state_label": label("status", zone.state(on)),
        "cert": certificate_state(zone, on),
        "url": url_for("catalog.zone", code=zone.code),
    }


def points(zones, user, on, locale: str) -> list[dict]:
    return [point(z, on, locale) for z in zones
            if z.latitude is not None and z.longitude is not None and can_see_zone(user, z)]


def all_zones(user, on, locale: str, crop_id: int | None = None, cert: str | None = None) -> list[dict]:
    """Every zone the user may see (the department sees all), optionally of one crop / certificate state."""
    query = (sa.select(GrowingZone).join(Organisation)
             .options(sa.orm.selectinload(GrowingZone.certificates), sa.orm.joinedload(GrowingZone.crop),
                      sa.orm.joinedload(GrowingZone.organisation))
             .where(GrowingZone.latitude.is_not(None)).order_by(GrowingZone.code))
    if crop_id:
        query = query.where(GrowingZone.crop_id == crop_id)
    found = points(db.session.scalars(query).unique(), user, on, locale)
    return [p for p in found if cert is None or p["cert"] == cert]
