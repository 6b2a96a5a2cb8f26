"""Builders for the catalogue tests (zones, certificates, listings, products) and the service payloads.

Rows are written directly through the models, in their own app context, and committed, so a test can set
up states the services would refuse (an expired certificate on a published product, a recalled zone...)."""
import re
from datetime import date, timedelta

import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    Certificate,
    CertificateKind,
    Crop,
    GrowingZone,
    ListingStatus,
    OcopProduct,
    ProductStatus,
    ReviewStatus,
    SupplyListing,
    ZoneKind,
)
from market.services import reference_data

_DEFAULT = object()


def crop_id(key: str = "hoi") -> int:
    return db.session.scalar(sa.select(Crop.id).where(Crop.key == key))


def commune_id(name: str = "Văn Quan") -> int:
    return reference_data.commune_named(name).id


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


class CatalogBuilder:
    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def zone(self, org_id: int, *, code: str | None = None, crop: str = "hoi", commune: str = "Văn Quan",
             area: float = 12.5, status: str = ReviewStatus.VERIFIED, kind: str = ZoneKind.PLANTING_AREA,
             households: int | None = 10) -> int:
        with self.app.app_context():
            zone = GrowingZone(code=code or f"LS-TEST-{self._next():04d}", kind=kind, organisation_id=org_id,
                               commune_id=commune_id(commune), crop_id=crop_id(crop), area_ha=area,
                               households=households, status=status)
            db.session.add(zone)
            db.session.commit()
            return zone.id

    def certificate(self, zone_id: int, *, kind: str = CertificateKind.PLANTING_AREA_CODE,
                    issued_on: date | None = None, expires_on=_DEFAULT, status: str = ReviewStatus.VERIFIED,
                    number: str | None = None) -> int:
        on = today()
        with self.app.app_context():
            cert = Certificate(zone_id=zone_id, kind=kind, number=number or f"CERT-{self._next():04d}",
                               issuer="Chi cục Trồng trọt và BVTV Lạng Sơn",
                               issued_on=issued_on or on - timedelta(days=100),
                               expires_on=on + timedelta(days=365) if expires_on is _DEFAULT else expires_on,
                               status=status)
            db.session.add(cert)
            db.session.commit()
            return cert.id

    def listing(self, org_id: int, zone_ids: list[int], *, status: str = ListingStatus.OPEN, crop: str = "hoi",
                title: str | None = None, price: int | None = 95_000, ends_on: date | None = None,
                quantity: float = 12) -> int:
        on = today()
        with self.app.app_context():
            zones = [db.session.get(GrowingZone, z) for z in zone_ids]
            listing = SupplyListing(organisation_id=org_id, crop_id=crop_id(crop), product_form="dried",
                                    title=title or f"Hoa hồi khô lô {self._next()}", zones=zones,
                                    harvest_start=on + timedelta(days=10), harvest_end=on + timedelta(days=70),
                                    quantity=quantity, unit="tan", price_per_unit=price, status=status,
                                    ends_on=ends_on)
            db.session.add(listing)
            db.session.commit()
            return listing.id

    def product(self, org_id: int, *, status: str = ProductStatus.PUBLISHED, stars: int = 4,
                issued_on: date | None = None, expires_on: date | None = None, price: int = 180_000,
                name: str | None = None) -> int:
        on = today()
        with self.app.app_context():
            product = OcopProduct(organisation_id=org_id, name=name or f"Tinh dầu hồi số {self._next()}",
                                  category="spice", stars=stars, certificate_number=f"OCOP-T-{self._n:03d}",
                                  certificate_issued_on=issued_on or on - timedelta(days=100),
                                  certificate_expires_on=expires_on or on + timedelta(days=500),
                                  unit="chai", price=price, stock=10, status=status)
            db.session.add(product)
            db.session.commit()
            return product.id


# --- payloads as the workspace forms hand them to the services ---------------------------------------

def zone_data(**overrides) -> dict:
    data = {"code": "LS-VQ-HOI-9001", "kind": ZoneKind.PLANTING_AREA, "name": "Đồi hồi Bản Chang",
            "crop_id": str(crop_id("hoi")), "commune_id": str(commune_id("Văn Quan")), "area_ha": "12.5",
            "households": "10", "latitude": "", "longitude": ""}
    data.update(overrides)
    return data


def certificate_data(**overrides) -> dict:
    on = today()
    data = {"kind": CertificateKind.VIETGAP, "number": "VG-LS-2026-001", "issuer": "Trung tâm Chứng nhận VietGAP",
            "issued_on": on - timedelta(days=30), "expires_on": on + timedelta(days=700)}
    data.update(overrides)
    return data


def listing_data(zone_ids: list[int], **overrides) -> dict:
    on = today()
    data = {"title": "Hoa hồi khô vụ mùa", "crop_id": str(crop_id("hoi")), "product_form": "dried",
            "zone_ids": [str(z) for z in zone_ids], "harvest_start": on + timedelta(days=10),
            "harvest_end": on + timedelta(days=70), "quantity": "12", "unit": "tan", "grade": "Loại 1",
            "price_per_unit": "95000", "negotiable": False, "min_order_qty": "", "ends_on": None,
            "description": ""}
    data.update(overrides)
    return data


def product_data(**overrides) -> dict:
    on = today()
    data = {"name": "Tinh dầu hồi Văn Quan", "category": "spice", "stars": "4", "certificate_number": "OCOP-LS-4S-900",
            "certificate_issued_on": on - timedelta(days=100), "certificate_expires_on": on + timedelta(days=600),
            "unit": "chai", "price": "180000", "stock": "10", "min_order_qty": "1", "tourist_shops_allowed": True,
            "crop_id": "", "zone_ids": [], "retail_chain_ids": [], "description": ""}
    data.update(overrides)
    return data


def input_value(html: str, name: str) -> str | None:
    """The value attribute of the <input name=...> in a rendered form."""
    tag = re.search(r'<input[^>]*\bname="%s"[^>]*>' % re.escape(name), html)
    if not tag:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""
