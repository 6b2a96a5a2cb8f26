"""Coordinates for the demo zones, so the maps show the province. Points are near the centre of each
zone's commune (known places of Lạng Sơn), spread a little by the zone's code so that zones of one
commune do not sit on top of each other. Idempotent: a zone that has coordinates keeps them."""
import hashlib

import sqlalchemy as sa

from market.extensions import db
from market.models import GrowingZone

# Approximate centres (latitude, longitude) of the communes and wards the demo uses.
PLACES = {
    "văn quan": (21.857, 106.553), "tri lễ": (21.772, 106.433), "chi lăng": (21.668, 106.612),
    "bắc sơn": (21.898, 106.322), "tràng định": (22.297, 106.452), "thất khê": (22.255, 106.471),
    "hoàng văn thụ": (21.849, 106.758), "đình lập": (21.544, 107.094), "lộc bình": (21.759, 106.928),
    "cao lộc": (21.871, 106.805), "hữu lũng": (21.501, 106.342), "bình gia": (22.064, 106.322),
    "văn lãng": (22.032, 106.593), "đồng đăng": (21.947, 106.698), "na sầm": (22.058, 106.612),
}
PROVINCE_CENTRE = (21.853, 106.761)


def _point(zone: GrowingZone) -> tuple[float, float]:
    name = (zone.commune.name if zone.commune else "").lower()
    lat, lon = next((centre for place, centre in PLACES.items() if place in name), PROVINCE_CENTRE)
    digest = hashlib.sha256(zone.code.encode()).digest()
    # Up to about 3 km away, the same every run.
    return round(lat + (digest[0] - 128) / 128 * 0.025, 5), round(lon + (digest[1] - 128) / 128 * 0.025, 5)


def seed_demo_coordinates() -> int:
    """Give every demo zone without coordinates a point; returns how many were placed."""
    placed = 0
    for zone in db.session.scalars(sa.select(GrowingZone).where(GrowingZone.latitude.is_(None))):
        zone.latitude, zone.longitude = _point(zone)
        placed += 1
    return placed
