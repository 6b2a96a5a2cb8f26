"""OCOP certificates as the department's records.

A product rests on one `OcopCertificate` (its producer's decision number). Only a certificate the
department verified (against its imported register or by reviewing the document) and valid on the
date counts: for the badges, the plan's figures and anyone else asking. The stable API for other
parts of the market:

- `verified_certificate(product, on)` -> the verified certificate valid on `on`, or None;
- `verified_stars(product, on)` -> its stars (the certificate's, not the seller's), or None;
- `verified_products(on)` -> a select() of the products with such a certificate (for SQL figures).
"""
from datetime import date

import sqlalchemy as sa

from market.clock import today
from market.models import OcopCertificate, OcopProduct, ReviewStatus


def normalize_number(raw: str | None) -> str:
    """Decision numbers as written vary in spacing and case ("123/QĐ-UBND", "123 / qđ-ubnd")."""
    return "".join((raw or "").split()).upper()


def verified_certificate(product: OcopProduct, on: date | None = None) -> OcopCertificate | None:
    """The department-verified certificate backing `product`, valid on `on` (default: today), or None."""
    certificate = product.ocop_certificate
    if certificate is None or certificate.organisation_id != product.organisation_id:
        return None
    return certificate if certificate.is_valid(on or today()) else None


def verified_stars(product: OcopProduct, on: date | None = None) -> int | None:
    """The stars the department vouches for on `on`, or None when nothing verified backs the product."""
    certificate = verified_certificate(product, on)
    return certificate.stars if certificate is not None else None


def verified_products(on: date, *, min_stars: int | None = None):
    """select(OcopProduct, OcopCertificate) of products backed by a verified certificate valid on `on`."""
    query = (sa.select(OcopProduct, OcopCertificate)
             .join(OcopCertificate, OcopProduct.ocop_certificate_id == OcopCertificate.id)
             .where(OcopCertificate.organisation_id == OcopProduct.organisation_id,
                    OcopCertificate.status == ReviewStatus.VERIFIED,
                    OcopCertificate.issued_on <= on, OcopCertificate.expires_on >= on))
    if min_stars is not None:
        query = query.where(OcopCertificate.stars >= min_stars)
    return query
