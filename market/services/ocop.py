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
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.labels import status_label
from market.models import (
    OcopCertificate,
    OcopLevel,
    OcopProduct,
    Organisation,
    ReviewStatus,
    User,
    VerifiedAgainst,
)
from market.models.types import utcnow
from market.services import audit, notifications, verification
from market.services.errors import ValidationFailed
from market.services.organisations import require_department


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


# --- declaring, verifying ------------------------------------------------------------------------------

def find(number: str | None) -> OcopCertificate | None:
    number = normalize_number(number)
    if not number:
        return None
    return db.session.scalar(sa.select(OcopCertificate).where(OcopCertificate.number == number))


def conflict_message(certificate: OcopCertificate) -> str:
    return _("OCOP certificate %(number)s is already recorded for another producer (%(org)s): one certificate "
             "cannot back products of two producers. If the decision is yours, ask the department to correct "
             "its record.", number=certificate.number, org=certificate.organisation.name)


def declare(actor: User | None, product: OcopProduct) -> OcopCertificate:
    """Link `product` to the certificate its declared number names. An unknown number becomes a pending
    (declared) certificate of the product's producer; a number held by another producer is refused."""
    number = normalize_number(product.certificate_number)
    if not number or len(number) > 60:
        raise ValidationFailed({"certificate_number": [_("Enter the OCOP certificate number.")]})
    certificate = find(number)
    if certificate is None:
        certificate = OcopCertificate(
            number=number, level=OcopLevel.NATIONAL if product.stars == 5 else OcopLevel.PROVINCE,
            stars=product.stars, issued_on=product.certificate_issued_on,
            expires_on=product.certificate_expires_on, product_name=product.name,
            organisation_id=product.organisation_id, status=ReviewStatus.PENDING)
        db.session.add(certificate)
        db.session.flush()
        audit.record("ocop.declared", actor, organisation=product.organisation, obj=certificate,
                     number=number, product=product.name)
    elif certificate.organisation_id != product.organisation_id:
        raise ValidationFailed({"certificate_number": [conflict_message(certificate)]})
    elif certificate.status in (ReviewStatus.PENDING, ReviewStatus.REJECTED):
        # Still only the producer's word: it follows the latest declaration, and a rejected one is asked again.
        certificate.stars, certificate.product_name = product.stars, product.name
        certificate.issued_on, certificate.expires_on = product.certificate_issued_on, product.certificate_expires_on
        certificate.status = ReviewStatus.PENDING
    product.ocop_certificate = certificate
    return certificate


def _decide(actor: User, certificate: OcopCertificate, status: str, reason: str | None, action: str,
            allowed: tuple[str, ...], *, need_reason: bool, **details) -> OcopCertificate:
    require_department(actor)
    if certificate.status not in allowed:
        raise ValidationFailed({"status": [_("This cannot be done while the status is %(status)s.",
                                             status=status_label(certificate.status))]})
    reason = (reason or "").strip() or None
    if need_reason and (reason is None or len(reason) < 5):
        raise ValidationFailed({"reason": [_("Say why, so the applicant can put it right.")]})
    certificate.status, certificate.status_reason = status, reason
    certificate.status_changed_at, certificate.status_changed_by_id = utcnow(), actor.id
    audit.record(action, actor, organisation=certificate.organisation, obj=certificate,
                 number=certificate.number, reason=reason, **details)
    return certificate


def verify(actor: User, certificate: OcopCertificate, *, against: str = VerifiedAgainst.DOCUMENT) -> OcopCertificate:
    """The department checked the producer's declaration (the decision document) and vouches for it."""
    if against not in VerifiedAgainst.ALL:
        raise ValidationFailed({"against": [_("Say what the certificate was checked against.")]})
    _decide(actor, certificate, ReviewStatus.VERIFIED, None, "ocop.verified",
            (ReviewStatus.PENDING, ReviewStatus.REJECTED), need_reason=False)
    certificate.verified_against, certificate.verified_at, certificate.verified_by_id = against, utcnow(), actor.id
    _link_products(certificate)
    _tell_producer(certificate, _("The department verified OCOP certificate %(number)s (%(product)s).",
                                  number=certificate.number, product=certificate.product_name))
    return certificate


def _tell_producer(certificate: OcopCertificate, message: str) -> None:
    products = products_of(certificate)
    link = notifications.page("catalog.product", product_id=products[0].id) if products else None
    notifications.notify(certificate.organisation, "ocop.decided", message, link)


def reject(actor: User, certificate: OcopCertificate, reason: str) -> OcopCertificate:
    _decide(actor, certificate, ReviewStatus.REJECTED, reason, "ocop.rejected", (ReviewStatus.PENDING,),
            need_reason=True)
    _tell_producer(certificate, _("The department could not verify OCOP certificate %(number)s: %(reason)s",
                                  number=certificate.number, reason=certificate.status_reason))
    return certificate


def recall(actor: User, certificate: OcopCertificate, reason: str, **details) -> OcopCertificate:
    return _decide(actor, certificate, ReviewStatus.RECALLED, reason, "ocop.recalled", (ReviewStatus.VERIFIED,),
                   need_reason=True, **details)


def lift_recall(actor: User, certificate: OcopCertificate, reason: str, **details) -> OcopCertificate:
    return _decide(actor, certificate, ReviewStatus.VERIFIED, reason, "ocop.recall_lifted", (ReviewStatus.RECALLED,),
                   need_reason=True, **details)


def _link_products(certificate: OcopCertificate) -> None:
    """Products of the certificate's producer that declared its number and are not linked yet (the migration
    left them so, or the register arrived after them) now rest on it."""
    for product in db.session.scalars(sa.select(OcopProduct).where(
            OcopProduct.organisation_id == certificate.organisation_id,
            OcopProduct.ocop_certificate_id.is_(None))):
        if normalize_number(product.certificate_number) == certificate.number:
            product.ocop_certificate = certificate


def products_of(certificate: OcopCertificate) -> list[OcopProduct]:
    return list(db.session.scalars(sa.select(OcopProduct).where(OcopProduct.ocop_certificate_id == certificate.id)
                                   .order_by(OcopProduct.name)))


# --- the register, imported -----------------------------------------------------------------------------

def record_from_register(actor: User, org: Organisation, fields: dict) -> tuple[OcopCertificate, str]:
    """One row of the department's OCOP register: the certificate is recorded as verified against the
    register. Returns it and what happened: "created", "updated" or "claimed" (a declaration by another
    producer was under this number: the register wins, that producer's products lose the link and show
    in the department's conflicts)."""
    certificate = find(fields["number"])
    now = utcnow()
    outcome = "updated"
    if certificate is None:
        certificate = OcopCertificate(number=normalize_number(fields["number"]), organisation=org)
        db.session.add(certificate)
        outcome = "created"
    elif certificate.organisation_id != org.id:
        for product in products_of(certificate):
            product.ocop_certificate = None
        certificate.organisation = org
        outcome = "claimed"
    certificate.level, certificate.stars = fields["level"], fields["stars"]
    certificate.issued_on, certificate.expires_on = fields["issued_on"], fields["expires_on"]
    certificate.product_name = fields["product_name"]
    if certificate.status != ReviewStatus.RECALLED:  # a recall is lifted on its page, with a reason
        certificate.status, certificate.status_reason = ReviewStatus.VERIFIED, None
        certificate.status_changed_at, certificate.status_changed_by_id = now, actor.id
    certificate.verified_against, certificate.verified_at, certificate.verified_by_id = VerifiedAgainst.REGISTER, now, actor.id
    db.session.flush()
    _link_products(certificate)
    return certificate, outcome


# --- what the department sees ---------------------------------------------------------------------------

def queue() -> list[OcopCertificate]:
    return list(db.session.scalars(sa.select(OcopCertificate).where(OcopCertificate.status == ReviewStatus.PENDING)
                                   .order_by(OcopCertificate.created_at, OcopCertificate.id)))


def conflicts() -> list[tuple[OcopProduct, OcopCertificate]]:
    """Products whose declared number is another producer's certificate (or that rest on one)."""
    unlinked = db.session.scalars(sa.select(OcopProduct).where(OcopProduct.ocop_certificate_id.is_(None))
                                  .order_by(OcopProduct.id)).all()
    found = []
    for product in unlinked:
        certificate = find(product.certificate_number)
        if certificate is not None and certificate.organisation_id != product.organisation_id:
            found.append((product, certificate))
    crossed = db.session.execute(
        sa.select(OcopProduct, OcopCertificate).join(OcopCertificate, OcopProduct.ocop_certificate_id == OcopCertificate.id)
        .where(OcopCertificate.organisation_id != OcopProduct.organisation_id)).all()
    return found + [(p, c) for p, c in crossed]


def recent(limit: int = 50) -> list[OcopCertificate]:
    """Certificates decided lately (verified, rejected, recalled), newest first: for recall and lifting."""
    return list(db.session.scalars(sa.select(OcopCertificate).where(OcopCertificate.status != ReviewStatus.PENDING)
                                   .order_by(OcopCertificate.status_changed_at.desc().nulls_last(),
                                             OcopCertificate.id.desc()).limit(limit)))


# --- what a page says -------------------------------------------------------------------------------------

def state_of(product: OcopProduct, on: date) -> str:
    """`standing(...)["state"]` from the loaded relationships alone (no query: the search documents are
    built in their own session): "conflict" is reported as "declared" here."""
    certificate = product.ocop_certificate
    if certificate is None or certificate.organisation_id != product.organisation_id:
        return "declared"
    state = certificate.state(on)
    return "declared" if state == ReviewStatus.PENDING else state


def standing(product: OcopProduct, on: date | None = None) -> dict:
    """What the market may say about a product's OCOP certificate on `on`, as plain values:
    state is "verified", "expired", "not_yet_valid", "declared" (pending), "rejected", "recalled" or
    "conflict" (the number is another producer's); with who verified it, when, against what, valid until,
    and the recall's date and reason."""
    on = on or today()
    certificate = product.ocop_certificate
    if certificate is None or certificate.organisation_id != product.organisation_id:
        other = certificate or find(product.certificate_number)
        state = "conflict" if other is not None and other.organisation_id != product.organisation_id else "declared"
        return {"state": state, "verified": False, "stars": product.stars, "number": product.certificate_number,
                "issued_on": product.certificate_issued_on, "expires_on": product.certificate_expires_on,
                "level": None, "verified_by": None, "verified_at": None, "against": None, "reason": None,
                "changed_at": None, "effective_on": None, "entered_on": None, "days_left": None}
    state = certificate.state(on)
    if state == ReviewStatus.PENDING:
        state = "declared"
    verified = state == ReviewStatus.VERIFIED
    return {
        "state": state, "verified": verified,
        "stars": certificate.stars if certificate.verified_at else product.stars,
        "expires_on_declared": product.certificate_expires_on,
        "number": certificate.number, "issued_on": certificate.issued_on, "expires_on": certificate.expires_on,
        "level": certificate.level,
        "verified_by": verification.department_name() if certificate.verified_at else None,
        "verified_at": certificate.verified_at, "against": certificate.verified_against,
        "reason": certificate.status_reason, "changed_at": certificate.status_changed_at,
        "effective_on": verification.recalled_on(certificate),
        "entered_on": certificate.status_changed_at and verification.local_day(certificate.status_changed_at),
        "days_left": (certificate.expires_on - on).days if verified else None,
    }

