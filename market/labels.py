"""What each stored code is called on screen, in one place for forms, pages and exports."""
from flask_babel import lazy_gettext as _l

from market.models import CertificateKind, OrgKind, Role, ZoneKind

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


def unit_label(code: str) -> str:
    """A unit code as people read it (tan -> tấn, lit -> lít, hop -> hộp...)."""
    from market.services.listings import UNITS
    from market.services.products import PRODUCT_UNITS

    return str(UNITS.get(code) or PRODUCT_UNITS.get(code) or code)


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
