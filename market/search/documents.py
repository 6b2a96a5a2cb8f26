"""Search documents built from the models. Text is folded here, in the application, so that every
engine (any Elasticsearch distribution, with or without analysis plugins, and SQLite FTS5) matches
"hoi" to "Hồi" and "dau" to "Đậu" the same way."""
from datetime import date

import sqlalchemy as sa
from flask_babel import LazyString, force_locale
from sqlalchemy.orm import selectinload

from market.labels import CATEGORIES, CERTIFICATE_LABELS, ORG_KIND_LABELS, PRODUCT_FORMS
from market.models import (
    Certificate,
    GrowingZone,
    ListingStatus,
    OcopProduct,
    Organisation,
    OrgKind,
    OrgStatus,
    ProductStatus,
    SupplyListing,
    listing_zone,
    product_zone,
)
from market.models.trust import OcopCertificate
from market.services import holds, ocop
from market.text import fold

RETAIL_STARS = (4, 5)


def key_of(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def split_key(key: str) -> tuple[str, int]:
    kind, _, object_id = key.partition(":")
    return kind, int(object_id)


def harvest_months(start: date, end: date) -> list[int]:
    """Months (1-12) a harvest window touches; a window of a year or more covers all twelve."""
    if (end - start).days >= 365:
        return list(range(1, 13))
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(set(months))


def _labels_memo(func):
    """Labels are constants (lazy_gettext of a fixed msgid): switching locale twice for each one of 100,000
    documents cost more than building them, so each label's text is worked out once per process."""
    memo: dict = {}

    def wrapper(value) -> str:
        if isinstance(value, str):
            key = value
        elif isinstance(value, LazyString) and not value._kwargs:
            key = (value._func, value._args)
        else:
            return func(value)
        if key not in memo:
            memo[key] = func(value)
        return memo[key]

    return wrapper


@_labels_memo
def _vi(value) -> str:
    """A lazy label in Vietnamese, whatever the language of the request whose commit builds the document: the
    visible text of a result."""
    with force_locale("vi"):
        return str(value)


@_labels_memo
def _en(value) -> str:
    """The English label when it differs from the Vietnamese one: hidden words, found but never shown."""
    with force_locale("en"):
        en = str(value)
    return "" if en == _vi(value) else en


def _text(*parts) -> str:
    return " ".join(str(p) for p in parts if p)


def _crop_hidden(crop) -> list[str]:
    """A crop's English name and aliases: buyers type them ("star anise", "hôi"), results never show them."""
    return [crop.name_en, *(crop.aliases or [])] if crop else []


def _fields(title: str, body: str, hidden: str) -> dict:
    """The text fields of a document. `body` is what a person sees on the result (description, names, places,
    labels in Vietnamese); `hidden_folded` only matches (aliases, English names and labels) and is never shown
    or highlighted."""
    return {"title": title, "body": body[:4000], "title_folded": fold(title), "body_folded": fold(body)[:4000],
            "hidden_folded": fold(hidden)[:2000]}


def listing_document(listing: SupplyListing, on: date) -> dict | None:
    if listing.status not in ListingStatus.PUBLIC or not listing.organisation.is_verified:
        return None
    crop = listing.crop
    certs = sorted({c.kind for c in listing.valid_certificates(on)})
    held = bool(holds.listing_holds(listing))
    communes = sorted({z.commune.name for z in listing.zones}) or [listing.organisation.commune.name]
    title = listing.title
    form = PRODUCT_FORMS.get(listing.product_form, "")
    body = _text(listing.description, crop.name_vi, _vi(form), listing.grade, " ".join(communes),
                 listing.organisation.name, " ".join(z.code for z in listing.zones),
                 " ".join(_vi(CERTIFICATE_LABELS[c]) for c in certs))
    hidden = _text(*_crop_hidden(crop), _en(form), " ".join(_en(CERTIFICATE_LABELS[c]) for c in certs))
    return {
        "key": key_of("listing", listing.id), "kind": "listing", "object_id": listing.id,
        **_fields(title, body, hidden),
        "url": f"/listings/{listing.id}",
        "crop": [crop.key], "form": [listing.product_form], "commune": communes, "cert": certs, "stars": [],
        "month": harvest_months(listing.harvest_start, listing.harvest_end),
        "price": listing.price_per_unit, "quantity": listing.quantity,
        "seller": listing.organisation.name, "seller_id": listing.organisation_id,
        "verified": all(z.state(on) == "verified" for z in listing.zones),
        "certified": bool(certs),
        # Open to orders and its harvest not over (in season or coming), and no recall holding it back.
        "available": listing.status == ListingStatus.OPEN and listing.harvest_end >= on and not held,
        "retail": False,
        "harvest_start": listing.harvest_start.isoformat(), "created_at": listing.created_at.isoformat(),
        # summary and place: what a result shows under its title (snippets come from them, the title and the
        # seller only; never from the hidden words).
        "data": {"summary": (listing.description or "")[:600], "place": ", ".join(communes), "unit": listing.unit,
                 "harvest_start": listing.harvest_start.isoformat(),
                 "harvest_end": listing.harvest_end.isoformat(), "status": listing.status,
                 "quantity": listing.quantity, "crop_vi": crop.name_vi, "crop_en": crop.name_en,
                 "recalled": held},
    }


def product_document(product: OcopProduct, on: date) -> dict | None:
    if product.status != ProductStatus.PUBLISHED or not product.organisation.is_verified:
        return None
    # Only a department-verified certificate, valid and not recalled, makes it an OCOP product in search.
    verified = ocop.verified_certificate(product, on)
    valid = verified is not None
    ocop_state = ocop.state_of(product, on)
    held = bool(holds.product_holds(product))
    commune = product.organisation.commune.name if product.organisation.commune else None
    crop = product.crop
    category = CATEGORIES.get(product.category, "")
    body = _text(product.description, _vi(category), crop.name_vi if crop else "", f"OCOP {product.stars} sao",
                 commune, product.organisation.name)
    hidden = _text(_en(category), *_crop_hidden(crop))
    return {
        "key": key_of("product", product.id), "kind": "product", "object_id": product.id,
        **_fields(product.name, body, hidden), "url": f"/products/{product.id}",
        "crop": [crop.key] if crop else [], "form": [], "commune": [commune] if commune else [],
        "cert": ["ocop"] if valid else [], "stars": [verified.stars] if verified else [], "month": list(range(1, 13)),
        "price": product.price, "quantity": float(product.stock),
        "seller": product.organisation.name, "seller_id": product.organisation_id,
        "verified": valid, "certified": valid, "available": product.stock > 0 and not held,
        "retail": valid and verified.stars in RETAIL_STARS,
        "harvest_start": None, "created_at": product.created_at.isoformat(),
        "data": {"summary": (product.description or "")[:600], "place": commune or "", "unit": product.unit,
                 "stars": verified.stars if verified else product.stars, "stock": product.stock,
                 "min_order_qty": product.min_order_qty, "certificate_valid": valid,
                 "tourist_shops_allowed": product.tourist_shops_allowed, "ocop_state": ocop_state,
                 "recalled": held},
    }


def organisation_document(org: Organisation, on: date) -> dict | None:
    if org.status != OrgStatus.VERIFIED or org.kind in OrgKind.AUTHORITIES:
        return None
    commune = org.commune.name if org.commune else None
    kind = ORG_KIND_LABELS.get(org.kind, "")
    body = _text(org.description, _vi(kind), commune, org.address)
    return {
        "key": key_of("organisation", org.id), "kind": "organisation", "object_id": org.id,
        **_fields(org.name, body, _en(kind)),
        "url": f"/orgs/{org.id}",
        "crop": [], "form": [], "commune": [commune] if commune else [], "cert": [], "stars": [], "month": [],
        "price": None, "quantity": None, "seller": org.name, "seller_id": org.id, "verified": True,
        "certified": False, "available": False, "retail": False, "harvest_start": None, "created_at": org.created_at.isoformat(),
        "data": {"summary": (org.description or "")[:600], "place": _text(commune, org.address),
                 "org_kind": org.kind},
    }


_LOADERS = {
    "listing": (SupplyListing, listing_document,
                (selectinload(SupplyListing.zones).selectinload(GrowingZone.certificates),
                 selectinload(SupplyListing.zones).selectinload(GrowingZone.commune),
                 selectinload(SupplyListing.organisation).selectinload(Organisation.commune),
                 selectinload(SupplyListing.crop))),
    "product": (OcopProduct, product_document,
                (selectinload(OcopProduct.organisation).selectinload(Organisation.commune),
                 selectinload(OcopProduct.crop),
                 selectinload(OcopProduct.zones).selectinload(GrowingZone.certificates))),
    "organisation": (Organisation, organisation_document, (selectinload(Organisation.commune),)),
}


def build(session, keys: list[str], on: date) -> tuple[list[dict], list[str]]:
    """Documents for `keys` (to index) and the keys that must leave the index (gone or not public)."""
    docs, deletes = [], []
    by_kind: dict[str, list[int]] = {}
    for key in keys:
        kind, object_id = split_key(key)
        by_kind.setdefault(kind, []).append(object_id)
    for kind, ids in by_kind.items():
        model, make, options = _LOADERS[kind]
        found = {}
        for chunk in range(0, len(ids), 500):
            rows = session.scalars(sa.select(model).where(model.id.in_(ids[chunk:chunk + 500])).options(*options))
            found.update({row.id: row for row in rows})
        for object_id in ids:
            row = found.get(object_id)
            doc = make(row, on) if row is not None else None
            if doc is None:
                deletes.append(key_of(kind, object_id))
            else:
                docs.append(doc)
    return docs, deletes


def all_keys(session, batch: int = 2000):
    """Every key that may be in the index, in batches, for a full reindex."""
    for kind, (model, _make, _options) in _LOADERS.items():
        last = 0
        while True:
            ids = session.scalars(sa.select(model.id).where(model.id > last).order_by(model.id).limit(batch)).all()
            if not ids:
                break
            yield [key_of(kind, i) for i in ids]
            last = ids[-1]


def keys_touched_by(session, obj) -> list[str]:
    """Which documents change when `obj` changes (an organisation's name shows on its listings, a
    certificate's validity on the listings of its zone)."""
    if isinstance(obj, SupplyListing):
        return [key_of("listing", obj.id)]
    if isinstance(obj, OcopProduct):
        return [key_of("product", obj.id)]
    if isinstance(obj, Organisation):
        keys = [key_of("organisation", obj.id)]
        keys += [key_of("listing", i) for i in session.scalars(
            sa.select(SupplyListing.id).where(SupplyListing.organisation_id == obj.id))]
        keys += [key_of("product", i) for i in session.scalars(
            sa.select(OcopProduct.id).where(OcopProduct.organisation_id == obj.id))]
        return keys
    if isinstance(obj, OcopCertificate):  # its products show its verification, recall and stars
        return [key_of("product", i) for i in session.scalars(
            sa.select(OcopProduct.id).where(OcopProduct.ocop_certificate_id == obj.id))]
    zone_id = obj.id if isinstance(obj, GrowingZone) else obj.zone_id if isinstance(obj, Certificate) else None
    if zone_id is None:
        return []
    keys = [key_of("listing", i) for i in session.scalars(
        sa.select(listing_zone.c.listing_id).where(listing_zone.c.zone_id == zone_id))]
    keys += [key_of("product", i) for i in session.scalars(
        sa.select(product_zone.c.product_id).where(product_zone.c.zone_id == zone_id))]
    return keys


def keys_changing_validity(session, on: date) -> list[str]:
    """Documents whose certificates became valid today or expired yesterday, and listings whose harvest ended
    yesterday (no longer `available`): no row changed, the date did."""
    from datetime import timedelta

    yesterday = on - timedelta(days=1)
    zone_ids = session.scalars(sa.select(Certificate.zone_id).where(
        sa.or_(Certificate.expires_on == yesterday, Certificate.issued_on == on))).all()
    keys = [key_of("listing", i) for i in session.scalars(
        sa.select(listing_zone.c.listing_id).where(listing_zone.c.zone_id.in_(zone_ids)))] if zone_ids else []
    keys += [key_of("product", i) for i in session.scalars(sa.select(OcopProduct.id).where(
        sa.or_(OcopProduct.certificate_expires_on == yesterday, OcopProduct.certificate_issued_on == on)))]
    keys += [key_of("listing", i) for i in session.scalars(
        sa.select(SupplyListing.id).where(SupplyListing.harvest_end == yesterday))]
    return keys
