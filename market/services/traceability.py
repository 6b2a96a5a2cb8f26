"""Public traceability: what a buyer sees when scanning a label's QR code.

`listing_trace` and `product_trace` turn a listing or an OCOP product into plain dicts (codes,
dates, booleans; no model objects) for the verification page, the printable label, and the API.
States are judged on a given day (`on`, by default today in Asia/Ho_Chi_Minh).
"""
import re
from datetime import date

import qrcode
import qrcode.constants
import qrcode.image.svg
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from market.clock import today
from market.extensions import db
from market.models import (
    Certificate,
    GrowingZone,
    ListingStatus,
    OcopProduct,
    Organisation,
    ProductStatus,
    ReviewStatus,
    SupplyListing,
    User,
)
from market.services import gs1, ocop, products, shelves, verification

# The badge shown for a certificate or a zone, from the state the models compute.
VALID, EXPIRED, NOT_YET_VALID = "valid", "expired", "not_yet_valid"
BADGES = {
    ReviewStatus.VERIFIED: VALID,
    "expired": EXPIRED,
    "not_yet_valid": NOT_YET_VALID,
    ReviewStatus.PENDING: ReviewStatus.PENDING,
    ReviewStatus.REJECTED: ReviewStatus.REJECTED,
    ReviewStatus.RECALLED: ReviewStatus.RECALLED,
}

# --- finding what may be shown -----------------------------------------------------------------------

def find_listing(public_id: str) -> SupplyListing | None:
    return db.session.scalar(
        sa.select(SupplyListing).where(SupplyListing.public_id == public_id).options(
            selectinload(SupplyListing.organisation).selectinload(Organisation.commune),
            selectinload(SupplyListing.crop),
            selectinload(SupplyListing.zones).selectinload(GrowingZone.certificates),
            selectinload(SupplyListing.zones).selectinload(GrowingZone.commune),
            selectinload(SupplyListing.zones).selectinload(GrowingZone.crop),
        ))


def find_product(public_id: str) -> OcopProduct | None:
    return db.session.scalar(
        sa.select(OcopProduct).where(OcopProduct.public_id == public_id).options(
            selectinload(OcopProduct.organisation).selectinload(Organisation.commune),
            selectinload(OcopProduct.crop),
            selectinload(OcopProduct.zones).selectinload(GrowingZone.certificates),
            selectinload(OcopProduct.zones).selectinload(GrowingZone.commune),
            selectinload(OcopProduct.zones).selectinload(GrowingZone.crop),
        ))


def is_public(item: SupplyListing | OcopProduct) -> bool:
    """Once published by a verified organisation, the page stays up (closed, sold out or withdrawn
    included): labels already printed keep working and show the current state."""
    draft = ListingStatus.DRAFT if isinstance(item, SupplyListing) else ProductStatus.DRAFT
    return item.organisation.is_verified and item.status != draft


def may_view(viewer: User | None, item: SupplyListing | OcopProduct) -> bool:
    """Everyone sees public pages; drafts only the organisation's members and department staff (a preview)."""
    if is_public(item):
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.membership_in(item.organisation_id) is not None or viewer.is_department_staff


# --- the plain dicts ---------------------------------------------------------------------------------

def _crop(crop) -> dict | None:
    if crop is None:
        return None
    return {"key": crop.key, "name_vi": crop.name_vi, "name_en": crop.name_en}


def _producer(org: Organisation) -> dict:
    return {
        "id": org.id,
        "name": org.name,
        "kind": org.kind,
        "commune": org.commune.display_name if org.commune else None,
        "verified": org.is_verified,
    }


def _certificate(certificate: Certificate, on: date) -> dict:
    state = certificate.state(on)
    expires_on = certificate.expires_on
    return {
        "id": certificate.id,
        "kind": certificate.kind,
        "number": certificate.number,
        "issuer": certificate.issuer,
        "issued_on": certificate.issued_on,
        "expires_on": expires_on,
        "state": state,
        "badge": BADGES.get(state, state),
        "valid": certificate.is_valid(on),
        "days_left": (expires_on - on).days if expires_on is not None and certificate.is_valid(on) else None,
        "has_document": certificate.document_id is not None,
        "check": verification.record(certificate, on),
    }


def _zone(zone: GrowingZone, on: date) -> dict:
    state = zone.state(on)
    return {
        "id": zone.id,
        "code": zone.code,
        "kind": zone.kind,
        "name": zone.name,
        "commune": zone.commune.display_name if zone.commune else None,
        "crop": _crop(zone.crop),
        "area_ha": zone.area_ha,
        "households": zone.households,
        "state": state,
        "badge": BADGES.get(state, state),
        "verified": state == ReviewStatus.VERIFIED,
        "check": verification.record(zone, on),
        "certificates": [_certificate(c, on) for c in zone.certificates],
    }


def _zones(zones, on: date) -> list[dict]:
    return [_zone(z, on) for z in sorted(zones, key=lambda z: z.code)]


def _summary(zones: list[dict]) -> dict:
    return {
        "zones_verified": bool(zones) and all(z["verified"] for z in zones),
        "valid_certificates": sum(1 for z in zones for c in z["certificates"] if c["valid"]),
        "warnings": [z["code"] for z in zones if not z["verified"]],
    }


def listing_trace(listing: SupplyListing, on: date | None = None) -> dict:
    on = on or today()
    zones = _zones(listing.zones, on)
    return {
        "type": "listing",
        "public_id": listing.public_id,
        "title": listing.title,
        "status": listing.status,
        "public": is_public(listing),
        "crop": _crop(listing.crop),
        "product_form": listing.product_form,
        "harvest_start": listing.harvest_start,
        "harvest_end": listing.harvest_end,
        "grade": listing.grade,
        "lot_number": listing.lot_number,  # GS1 AI 10 (services/gs1.py)
        "producer": _producer(listing.organisation),
        "zones": zones,
        "on": on,
        **_summary(zones),
    }


def product_trace(product: OcopProduct, on: date | None = None) -> dict:
    on = on or today()
    zones = _zones(product.zones, on)
    standing = ocop.standing(product, on)
    state = {ReviewStatus.VERIFIED: VALID}.get(standing["state"], standing["state"])
    revision = products.pending_revision(product)
    return {
        "type": "product",
        "public_id": product.public_id,
        "name": product.name,
        "category": product.category,
        "gtin": gs1.gtin_display(product.gtin),  # as printed under the barcode (services/gs1.py)
        "status": product.status,
        "public": is_public(product),
        "crop": _crop(product.crop),
        # Stars as the department verified them; a declaration is shown as such, never with a tick.
        "stars": standing["stars"],
        "ocop": {
            **standing,
            "valid": standing["verified"],
            "badge": state,
        },
        "revision_pending": sorted(revision.proposed) if revision else [],
        # Retail chains that themselves confirmed the product on their shelves today (never the seller's word).
        "shelves": [{"chain": p.chain.name, "since": p.since, "confirmed_at": p.confirmed_at}
                    for p in shelves.confirmed_now(product, on)],
        "producer": _producer(product.organisation),
        "zones": zones,
        "on": on,
        **_summary(zones),
    }


# --- the QR code -------------------------------------------------------------------------------------

_SIZE_ATTRIBUTES = re.compile(r'\s(?:width|height)="[^"]*"')


def qr_svg(url: str, *, label: str = "QR") -> str:
    """An inline SVG QR code for `url`: one path, scalable (no fixed size; CSS sets it), crisp edges.
    Medium error correction survives a scuffed label; the 2-module margin sits on a white label."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2,
                       image_factory=qrcode.image.svg.SvgPathImage)
    qr.add_data(url)
    qr.make(fit=True)
    svg = qr.make_image().to_string(encoding="unicode")
    head, rest = svg.split(">", 1)
    head = _SIZE_ATTRIBUTES.sub("", head)
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    head += f' class="qr" role="img" aria-label="{label}" shape-rendering="crispEdges"'
    return head + ">" + rest.replace(' id="qr-path"', "")
