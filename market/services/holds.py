"""While a recall stands, what rests on the recalled thing is held back: it cannot be newly ordered, offered or
contracted. Lifting the recall releases it. What was already open (an order, a proposed or running contract) is
not cancelled: the recall notice told both sides, and its page says so.

What rests on what (a department officer's reading):
- an OCOP product rests on its OCOP certificate and on the zones its raw material comes from;
- a supply listing, a sourcing offer and a contract rest on their zones;
- a zone is held by its own recall, and by the recall of one of its certificates unless the department verified
  another certificate of the same kind for it (the replacement the listing now relies on).

The functions answering "what holds it" read only loaded attributes (status, certificates, zones), so the search
documents ask them about the bulk reindex's row shadows too (market/search/bulk_documents.py)."""
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from market.extensions import db
from market.models import Certificate, GrowingZone, ReviewStatus
from market.models.terms import ContractTerms
from market.models.trust import OcopCertificate
from market.services import verification
from market.services.errors import ValidationFailed

RECALLED, VERIFIED = ReviewStatus.RECALLED, ReviewStatus.VERIFIED


def zone_holds(zone) -> list:
    """The recalls holding a zone back: its own, or a certificate's without a verified replacement."""
    if zone.status == RECALLED:
        return [zone]
    certificates = zone.certificates
    return [c for c in certificates if c.status == RECALLED
            and not any(o.kind == c.kind and o.status == VERIFIED for o in certificates)]


def zones_holds(zones) -> list:
    out: list = []
    for zone in zones:
        out += [item for item in zone_holds(zone) if item not in out]
    return out


def listing_holds(listing) -> list:
    return zones_holds(listing.zones)


def product_holds(product) -> list:
    certificate = product.ocop_certificate
    own = [certificate] if certificate is not None and certificate.status == RECALLED else []
    return own + zones_holds(product.zones)


def offer_holds(offer) -> list:
    return zones_holds(offer.zones)


def contract_holds(contract) -> list:
    """The recalls holding a contract back: of its listing's or offer's zones, and of the zones its terms name."""
    zones = list(contract.listing.zones) if contract.listing is not None else []
    if contract.offer_id is not None:
        from market.models import SourcingOffer

        offer = db.session.get(SourcingOffer, contract.offer_id)
        zones += list(offer.zones) if offer is not None else []
    codes = list(ContractTerms.coerce(contract.current.terms).zone_codes) if contract.versions else []
    if codes:
        zones += db.session.scalars(sa.select(GrowingZone).where(GrowingZone.organisation_id == contract.seller_id,
                                                                 GrowingZone.code.in_(codes))).all()
    return zones_holds(zones)


def describe(item) -> str:
    """How a recalled item is named in a message."""
    if isinstance(item, GrowingZone):
        return _("zone %(code)s", code=item.code)
    if isinstance(item, Certificate):
        return _("certificate %(number)s of zone %(code)s", number=item.number, code=item.zone.code)
    return _("OCOP certificate %(number)s (%(product)s)", number=item.number, product=item.product_name)


def recalled_since(item) -> date | None:
    """The day the recall took effect (it may have been entered later, back-dated)."""
    return verification.recalled_on(item)


def why(holds: list) -> str:
    """One sentence naming the recall (the first of them) with its date and reason."""
    item = holds[0]
    since = recalled_since(item)
    return _("The department recalled %(what)s from %(day)s: %(reason)s", what=describe(item),
             day=since.strftime("%d/%m/%Y") if since else "—", reason=item.status_reason or "—")


def refusal(holds: list, name: str) -> str:
    return _("%(name)s cannot be newly ordered, offered or contracted while the recall stands. %(why)s",
             name=name, why=why(holds))


def refuse_if_held(holds: list, field: str, name: str) -> None:
    """Raise the field error a checkout or a proposal shows when a recall holds the thing back."""
    if holds:
        raise ValidationFailed({field: [refusal(holds, name)]})


def alternatives_url(crop_key: str | None, kind: str) -> str:
    """Where a buyer turned away goes next: the same crop from other sellers, through search."""
    args = {"kind": kind}
    if crop_key:
        args["crop"] = crop_key
    return url_for("search.page", **args)


def is_recalled(item) -> bool:
    return isinstance(item, GrowingZone | Certificate | OcopCertificate) and item.status == RECALLED
