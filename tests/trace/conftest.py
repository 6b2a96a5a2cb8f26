"""Catalogue rows for the traceability tests (zones, certificates, listings and products, committed),
and a reader for the QR code's SVG."""
import re
from datetime import date, timedelta

import pytest
import qrcode
import qrcode.constants
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


class Catalog:
    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def crop_id(self, key: str = "hoi") -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(Crop.id).where(Crop.key == key))

    def zone(self, org_id: int, *, code=None, status=ReviewStatus.VERIFIED, kind=ZoneKind.PLANTING_AREA,
             crop="hoi", commune="Văn Quan", area_ha=12.5) -> int:
        with self.app.app_context():
            zone = GrowingZone(code=code or f"LS-VQ-HOI-{self._next():04d}", kind=kind, organisation_id=org_id,
                               commune_id=reference_data.commune_named(commune).id, crop_id=self.crop_id(crop),
                               area_ha=area_ha, status=status)
            db.session.add(zone)
            db.session.commit()
            return zone.id

    def certificate(self, zone_id: int, *, kind=CertificateKind.VIETGAP, number=None, issued_on=None,
                    expires_on: date | None = None, status=ReviewStatus.VERIFIED, document_id=None) -> int:
        issued_on = issued_on or today() - timedelta(days=300)
        with self.app.app_context():
            certificate = Certificate(zone_id=zone_id, kind=kind, number=number or f"VG-{self._next():05d}",
                                      issuer="Trung tâm Chứng nhận Phù hợp", issued_on=issued_on,
                                      expires_on=expires_on, status=status, document_id=document_id)
            db.session.add(certificate)
            db.session.commit()
            return certificate.id

    def listing(self, org_id: int, zone_ids=(), *, status=ListingStatus.OPEN, title=None, crop="hoi") -> str:
        with self.app.app_context():
            listing = SupplyListing(
                organisation_id=org_id, crop_id=self.crop_id(crop), product_form="dried",
                title=title or f"Hoa hồi khô vụ thu {self._next()}", harvest_start=today(),
                harvest_end=today() + timedelta(days=60), quantity=12, unit="tan", status=status,
                zones=[db.session.get(GrowingZone, z) for z in zone_ids])
            db.session.add(listing)
            db.session.commit()
            return listing.public_id

    def product(self, org_id: int, zone_ids=(), *, status=ProductStatus.PUBLISHED, name=None, stars=4,
                issued_on=None, expires_on=None) -> str:
        issued_on = issued_on or today() - timedelta(days=400)
        expires_on = expires_on or today() + timedelta(days=400)
        with self.app.app_context():
            product = OcopProduct(
                organisation_id=org_id, name=name or f"Tinh dầu hồi Văn Quan {self._next()}", category="spice",
                stars=stars, certificate_number=f"OCOP-LS-{self._next():04d}", certificate_issued_on=issued_on,
                certificate_expires_on=expires_on, unit="chai", price=250_000, status=status,
                zones=[db.session.get(GrowingZone, z) for z in zone_ids])
            db.session.add(product)
            db.session.commit()
            return product.public_id


@pytest.fixture
def catalog(app):
    return Catalog(app)


# --- reading the QR code back -------------------------------------------------------------------------

MODULE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H(\d+)z")


def svg_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules drawn by the SVG's path (each is a 1×1 square at x, y)."""
    path = re.search(r' d="([^"]+)"', svg).group(1)
    cells = set()
    for x, y, x2, y2, x3 in MODULE.findall(path):
        assert int(x2) == int(x) + 1 and int(y2) == int(y) + 1 and x3 == x
        cells.add((int(x), int(y)))
    return cells


def expected_modules(url: str) -> set[tuple[int, int]]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    return {(x, y) for y, row in enumerate(qr.get_matrix()) for x, dark in enumerate(row) if dark}
