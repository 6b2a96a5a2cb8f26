"""OCOP products: stars, certificate dates, price, stock, and where they are sold."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.labels import CATEGORIES, PRODUCT_UNITS, status_label
from market.models import (
    Crop,
    GrowingZone,
    OcopProduct,
    Organisation,
    OrgKind,
    ProductStatus,
    ReviewStatus,
    User,
)
from market.numbers import clean_number
from market.services import audit, gs1, ocop, revisions
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_role
from market.services.zones import EDITORS

MAX_PRICE_VND = 1_000_000_000
MAX_STOCK = 10_000_000


def clean_product(org: Organisation, data: dict, product: OcopProduct | None = None) -> dict:  # noqa: C901 - one check per field, read top to bottom
    errors: dict[str, list[str]] = {}
    fields: dict = {}
    if "gtin" in data:
        fields["gtin"] = _clean_gtin(errors, data.get("gtin"), product)
    fields["name"] = " ".join((data.get("name") or "").split())
    if not fields["name"]:
        errors["name"] = [_("Enter the product's name.")]
    if data.get("category") not in CATEGORIES:
        errors["category"] = [_("Choose the category.")]
    fields["category"] = data.get("category")
    fields["description"] = (data.get("description") or "").strip() or None
    stars = str(data.get("stars") or "")
    if stars not in ("3", "4", "5"):
        errors["stars"] = [_("OCOP products have 3, 4 or 5 stars.")]
    fields["stars"] = int(stars) if stars in ("3", "4", "5") else None
    fields["certificate_number"] = (data.get("certificate_number") or "").strip()
    if not fields["certificate_number"]:
        errors["certificate_number"] = [_("Enter the OCOP certificate number.")]
    issued, expires = data.get("certificate_issued_on"), data.get("certificate_expires_on")
    if not isinstance(issued, date):
        errors["certificate_issued_on"] = [_("Enter the issue date.")]
    elif issued > today():
        errors["certificate_issued_on"] = [_("The issue date cannot be in the future.")]
    if not isinstance(expires, date):
        errors["certificate_expires_on"] = [_("Enter the expiry date.")]
    elif isinstance(issued, date) and expires < issued:
        errors["certificate_expires_on"] = [_("The expiry date is before the issue date.")]
    fields["certificate_issued_on"], fields["certificate_expires_on"] = issued, expires
    if data.get("unit") not in PRODUCT_UNITS:
        errors["unit"] = [_("Choose the unit.")]
    fields["unit"] = data.get("unit")
    fields["price"] = clean_number(errors, "price", data.get("price"), minimum=0, maximum=MAX_PRICE_VND, integer=True)
    fields["stock"] = clean_number(errors, "stock", data.get("stock") or 0, minimum=0, maximum=MAX_STOCK, integer=True)
    fields["min_order_qty"] = clean_number(errors, "min_order_qty", data.get("min_order_qty") or 1, minimum=1,
                                           maximum=MAX_STOCK, integer=True)
    fields["tourist_shops_allowed"] = bool(data.get("tourist_shops_allowed"))
    crop = db.session.get(Crop, int(data["crop_id"])) if str(data.get("crop_id") or "").isdigit() else None
    fields["crop_id"] = crop.id if crop else None

    zone_ids = [int(z) for z in data.get("zone_ids") or [] if str(z).isdigit()]
    zones = list(db.session.scalars(sa.select(GrowingZone).where(GrowingZone.id.in_(zone_ids)))) if zone_ids else []
    if len(zones) != len(set(zone_ids)) or any(z.organisation_id != org.id for z in zones):
        errors["zone_ids"] = [_("You can only name your own organisation's zones.")]
    fields["zones"] = zones
    # Retail chains are no longer ticked here: the chain confirms its shelves (services/shelves.py).
    if errors:
        raise ValidationFailed(errors)
    return fields


def _clean_gtin(errors: dict, value, product: OcopProduct | None) -> str | None:
    """The product's GTIN (optional): 8, 12, 13 or 14 digits with a right check digit, one product each."""
    try:
        gtin = gs1.clean_gtin(value)
    except gs1.BadIdentifier as exc:
        errors["gtin"] = [str(exc)]
        return None
    if gtin:
        taken = sa.select(OcopProduct.name).where(OcopProduct.gtin == gtin)
        if product is not None and product.id is not None:
            taken = taken.where(OcopProduct.id != product.id)
        if (other := db.session.scalar(taken)) is not None:
            errors["gtin"] = [_("This GTIN already identifies another product (%(name)s).", name=other)]
    return gtin


def create_product(actor: User, org: Organisation, data: dict) -> OcopProduct:
    require_role(actor, org, *EDITORS)
    if org.kind not in OrgKind.SELLERS + (OrgKind.ENTERPRISE,):
        raise PermissionDenied(_("Only producers (cooperatives, groups, enterprises) list OCOP products."))
    product = OcopProduct(organisation=org, status=ProductStatus.DRAFT, **clean_product(org, data))
    db.session.add(product)
    ocop.declare(actor, product)
    db.session.flush()
    audit.record("product.created", actor, organisation=org, obj=product, name=product.name, stars=product.stars)
    return product


# What the OCOP certificate vouches for: once verified, a change waits for the department (a revision).
MATERIAL = ("name", "stars")
REVISION_KIND = "ocop_product"


def update_product(actor: User, product: OcopProduct, data: dict) -> OcopProduct:
    require_role(actor, product.organisation, *EDITORS)
    fields = clean_product(product.organisation, data, product)
    number_changed = ocop.normalize_number(fields["certificate_number"]) != ocop.normalize_number(product.certificate_number)
    if not number_changed and ocop.verified_certificate(product) is not None:
        proposed = {k: fields.pop(k) for k in MATERIAL if fields[k] != getattr(product, k)}
        for k in MATERIAL:
            fields.pop(k, None)
        if proposed:
            revisions.propose(actor, REVISION_KIND, product, product.organisation, proposed)
        else:
            revisions.withdraw(actor, REVISION_KIND, product)
    for key, value in fields.items():
        setattr(product, key, value)
    if number_changed or product.ocop_certificate is None or product.ocop_certificate.status in (ReviewStatus.PENDING, ReviewStatus.REJECTED):
        ocop.declare(actor, product)
    if product.status == ProductStatus.PUBLISHED and not product.certificate_valid(today()):
        raise ValidationFailed({"certificate_expires_on": _(
            "A published product needs a valid certificate: this one has expired. Withdraw it or renew the certificate.")})
    audit.record("product.updated", actor, organisation=product.organisation, obj=product)
    return product


TRANSITIONS = {
    ProductStatus.DRAFT: (ProductStatus.PUBLISHED, ProductStatus.WITHDRAWN),
    ProductStatus.PUBLISHED: (ProductStatus.WITHDRAWN,),
    ProductStatus.WITHDRAWN: (ProductStatus.PUBLISHED,),
}


def change_status(actor: User, product: OcopProduct, status: str, *, on: date | None = None) -> OcopProduct:
    require_role(actor, product.organisation, *EDITORS)
    if status not in TRANSITIONS.get(product.status, ()):
        raise ValidationFailed({"status": _("A product cannot go from %(old)s to %(new)s.", old=status_label(product.status), new=status_label(status))})
    if status == ProductStatus.PUBLISHED:
        if not product.organisation.can_publish:
            raise PermissionDenied(_("Your organisation must be verified by the department before it publishes."))
        if not product.certificate_valid(on or today()):
            raise ValidationFailed({"certificate_expires_on": _(
                "The OCOP certificate is not valid today; renew it before publishing.")})
    old = product.status
    product.status = status
    audit.record("product.status_changed", actor, organisation=product.organisation, obj=product, old=old, new=status)
    return product


def _apply_revision(actor: User, product: OcopProduct, proposed: dict) -> None:
    """The department accepted the material edit: the product and the certificate it vouches with change."""
    for key in MATERIAL:
        if key in proposed:
            setattr(product, key, proposed[key])
    certificate = product.ocop_certificate
    if certificate is not None:
        certificate.product_name = product.name
        certificate.stars = product.stars
    audit.record("product.revision_applied", actor, organisation=product.organisation, obj=product, **proposed)


revisions.register(REVISION_KIND, OcopProduct, _apply_revision)


def pending_revision(product: OcopProduct):
    return revisions.pending(REVISION_KIND, product.id)


def is_public(product: OcopProduct) -> bool:
    return product.status == ProductStatus.PUBLISHED and product.organisation.is_verified
