"""The vocabulary: every stored code, what it is called on screen, and the groups services check against,
in one place for forms, pages, services and exports. It imports models only, so anything may import it.

Templates read a label through one filter, `{{ code|label("unit") }}`; Python code calls
`label("unit", code)`. The kinds are the keys of `KINDS`."""
from flask_babel import lazy_gettext as _l

from market.models import (
    CertificateKind,
    ContractState,
    DeliveryStatus,
    ListingStatus,
    OfferStatus,
    OrderStatus,
    OrgKind,
    OrgStatus,
    PaymentMethod,
    PaymentStatus,
    ProductStatus,
    RequestStatus,
    ReviewStatus,
    Role,
    ZoneKind,
)


class Validity:
    """What a certificate or zone is on a date, beside its review status (`Certificate.state`, `GrowingZone.state`,
    the trace badges): computed from dates, never stored."""
    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


# The classes of stored codes (defined next to their models), by name: templates get them as globals, so
# they compare `contract.state == ContractState.ACTIVE`, never a raw string.
CODES = {cls.__name__: cls for cls in (
    CertificateKind, ContractState, DeliveryStatus, ListingStatus, OfferStatus, OrderStatus, OrgKind, OrgStatus,
    PaymentMethod, PaymentStatus, ProductStatus, RequestStatus, ReviewStatus, Role, Validity, ZoneKind)}

ORG_KIND_LABELS = {
    OrgKind.COOPERATIVE: _l("Cooperative (HTX)"),
    OrgKind.FARMER_GROUP: _l("Farm household group"),
    OrgKind.ENTERPRISE: _l("Processing enterprise"),
    OrgKind.RETAIL_CHAIN: _l("Retail chain / supermarket"),
    OrgKind.TOURIST_SHOP: _l("Tourist-site shop"),
    OrgKind.DEPARTMENT: _l("Department of Agriculture and Environment"),
    OrgKind.COMMUNE_OFFICE: _l("Commune office"),
}

ROLE_LABELS = {
    Role.OWNER: _l("Owner"),
    Role.MANAGER: _l("Manager"),
    Role.SIGNER: _l("Signer"),
    Role.MEMBER: _l("Member"),
}

ZONE_KIND_LABELS = {
    ZoneKind.PLANTING_AREA: _l("Growing zone (planting-area code)"),
    ZoneKind.PLANTED_FOREST: _l("Planted forest (forest code)"),
}

CERTIFICATE_LABELS = {
    CertificateKind.VIETGAP: "VietGAP",
    CertificateKind.GLOBALGAP: "GlobalGAP",
    CertificateKind.ORGANIC: _l("Organic"),
    CertificateKind.PLANTING_AREA_CODE: _l("Planting-area code"),
    CertificateKind.FOREST_CODE: _l("Planted-forest code"),
    CertificateKind.SFM: _l("Sustainable forest management (FSC)"),
    CertificateKind.GEOGRAPHICAL_INDICATION: _l("Geographical indication"),
}

# The states of every stored object share one set of words (a listing and a contract are both "closed"...).
STATUS_LABELS = {
    "pending": _l("Waiting for verification"), "verified": _l("Verified"), "rejected": _l("Rejected"),
    "recalled": _l("Recalled"), "expired": _l("Expired"), "not_yet_valid": _l("Not yet valid"),
    "valid": _l("Valid"), "draft": _l("Draft"), "open": _l("Open"), "reserved": _l("Reserved"),
    "sold_out": _l("Sold out"), "closed": _l("Closed"), "published": _l("Published"), "withdrawn": _l("Withdrawn"),
    # contracts and deliveries
    "proposed": _l("Proposed"), "signed": _l("Signed"), "active": _l("Active"), "completed": _l("Completed"),
    "cancelled": _l("Cancelled"), "disputed": _l("Disputed"), "recorded": _l("Waiting for confirmation"),
    "confirmed": _l("Confirmed"), "submitted": _l("Submitted"), "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    # orders and payments
    "pending_payment": _l("Waiting for payment"), "paid": _l("Paid"), "packed": _l("Packed"),
    "shipped": _l("Shipped"), "delivered": _l("Delivered"), "succeeded": _l("Received"), "failed": _l("Failed"),
    "refunding": _l("Refund under way"), "refunded": _l("Refunded"),
}

# What a harvest is sold as: listings, sourcing requests and contract terms.
PRODUCT_FORMS = {
    "fresh": _l("Fresh"), "dried": _l("Dried"), "oil": _l("Essential oil"), "powder": _l("Powder"),
    "timber": _l("Timber"), "resin": _l("Resin"), "bark": _l("Bark"), "seedling": _l("Seedlings"),
    "other": _l("Other"),
}

# OCOP product categories.
CATEGORIES = {
    "food": _l("Food"), "beverage": _l("Beverage"), "herbal": _l("Herbal and medicinal"),
    "spice": _l("Spices and essential oils"), "textile": _l("Textiles"), "handicraft": _l("Handicraft and souvenirs"),
    "tourism": _l("Rural tourism service"),
}

# Units come in two groups: bulk units for harvests (listings, sourcing, contracts) and retail units for
# OCOP products. "kg" is in both; `UNIT_LABELS` is their union, for showing any stored unit.
UNITS = {"kg": "kg", "tan": _l("tonne"), "m3": "m³", "lit": _l("litre"), "cay": _l("tree")}
PRODUCT_UNITS = {"hop": _l("box"), "goi": _l("pack"), "chai": _l("bottle"), "kg": "kg", "lo": _l("jar"),
                 "tui": _l("bag"), "san_pham": _l("piece")}
UNIT_LABELS = {**UNITS, **PRODUCT_UNITS}

# The units of the plan's figures (market/data/plan.json), as the dashboard, the report and the exports say them.
FIGURE_UNITS = {"org": _l("organisations"), "product": _l("products"), "ha": "ha", "%": "%", "kg": "kg",
                "head": _l("head"), "cage": _l("cages"), "colony": _l("bee colonies"), "project": _l("projects")}

# Every kind the `label` filter knows, by the name templates use.
KINDS = {
    "org_kind": ORG_KIND_LABELS,
    "role": ROLE_LABELS,
    "zone_kind": ZONE_KIND_LABELS,
    "certificate": CERTIFICATE_LABELS,
    "status": STATUS_LABELS,
    "product_form": PRODUCT_FORMS,
    "category": CATEGORIES,
    "unit": UNIT_LABELS,
    "figure_unit": FIGURE_UNITS,
}


def label(kind: str, code: str | None) -> str:
    """What a stored code of a kind is called, in the current language; an unknown code shows as itself.
    An unknown kind is a programming error and raises KeyError."""
    if code is None:
        return ""
    labels = KINDS[kind]
    return str(labels.get(code, code))


def unit_label(code: str) -> str:
    """A unit code as people read it (tan -> tấn, lit -> lít, hop -> hộp...)."""
    return label("unit", code)


def status_label(status: str) -> str:
    return label("status", status)
