"""The vocabulary: every stored code, what it is called on screen, and the groups services check against,
in one place for forms, pages, services and exports. It imports models only, so anything may import it.

Templates read a label through one filter, `{{ code|label("unit") }}`; Python code calls
`label("unit", code)`. The kinds are the keys of `KINDS`."""
from flask_babel import lazy_gettext as _l

from market.models import (
    CertificateKind,
    ContractState,
    DeliveryStatus,
    DisputeState,
    ListingStatus,
    MessageKind,
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
    Subject,
    ZoneKind,
)
from market.models.shelves import PlacementStatus
from market.models.trust import OcopLevel, RevisionStatus, TrustState, VerifiedAgainst


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
    PaymentMethod, PaymentStatus, ProductStatus, RequestStatus, ReviewStatus, Role, Validity, ZoneKind,
    DisputeState, MessageKind, Subject,
    OcopLevel, RevisionStatus, TrustState, VerifiedAgainst, PlacementStatus)}

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

# A zone's fields, as named when a change to them waits for the department.
ZONE_FIELD_LABELS = {
    "code": _l("Code"), "kind": _l("Kind"), "commune_id": _l("Commune or ward"), "crop_id": _l("Crop"),
    "area_ha": _l("Area (ha)"), "latitude": _l("Latitude"), "longitude": _l("Longitude"),
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
    # disputes (issue 11)
    "answered": _l("Answered"), "settled": _l("Settled by agreement"), "referred": _l("Referred to the department"),
    # shelf placements (issue 9): asked by the producer, answered by the chain
    "requested": _l("Waiting for the chain's confirmation"), "ended": _l("Ended"),
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
UNITS = {"kg": "kg", "tan": _l("tonne"), "m3": "m³", "lit": _l("litre"), "cay": _l("tree"), "ta": _l("quintal (100 kg)")}
PRODUCT_UNITS = {"hop": _l("box"), "goi": _l("pack"), "chai": _l("bottle"), "kg": "kg", "lo": _l("jar"),
                 "tui": _l("bag"), "san_pham": _l("piece")}
UNIT_LABELS = {**UNITS, **PRODUCT_UNITS}

# What a bank statement line came to (market.services.statements); documents by kind (services.documents).
STATEMENT_LINE_LABELS = {
    "matched": _l("Paid"), "partial": _l("Partial payment"), "overpaid": _l("Paid too much"),
    "already_paid": _l("Already paid"), "closed": _l("Payment closed"), "unmatched": _l("No payment reference"),
}
DOCUMENT_KIND_LABELS = {"delivery": _l("Delivery note"), "payment": _l("Receipt"), "order": _l("Order document")}
# OCOP certificates as the department records them.
OCOP_LEVEL_LABELS = {OcopLevel.PROVINCE: _l("Provincial"), OcopLevel.NATIONAL: _l("National")}
VERIFIED_AGAINST_LABELS = {
    VerifiedAgainst.REGISTER: _l("the department's register (imported)"),
    VerifiedAgainst.DOCUMENT: _l("review of the certificate document"),
}
# What the market says of a product's OCOP certificate (`ocop.standing`).
OCOP_STANDING_LABELS = {
    "verified": _l("OCOP, verified by the department"),
    "declared": _l("OCOP (declared, awaiting verification)"),
    "conflict": _l("OCOP (declared; the number is recorded for another producer)"),
    "rejected": _l("OCOP declaration rejected by the department"),
    "recalled": _l("OCOP certificate recalled"),
    "expired": _l("OCOP certificate expired"),
    "not_yet_valid": _l("OCOP certificate not yet valid"),
}
# The units of the plan's figures (market/data/plan.json), as the dashboard, the report and the exports say them.
FIGURE_UNITS = {"org": _l("organisations"), "product": _l("products"), "ha": "ha", "%": "%", "kg": "kg",
                "head": _l("head of livestock"), "cage": _l("cages"), "colony": _l("bee colonies"), "project": _l("projects"),
                "t": _l("tonnes")}

# EPCIS events as services/epcis.py names them.
EPCIS_EVENT_LABELS = {"harvest": _l("Harvest"), "transformation": _l("Processing into a product lot"),
                      "shipping": _l("Shipped"), "receiving": _l("Received (accepted quantity)")}

# Every kind the `label` filter knows, by the name templates use.
KINDS = {
    "org_kind": ORG_KIND_LABELS,
    "role": ROLE_LABELS,
    "zone_kind": ZONE_KIND_LABELS,
    "zone_field": ZONE_FIELD_LABELS,
    "certificate": CERTIFICATE_LABELS,
    "status": STATUS_LABELS,
    "product_form": PRODUCT_FORMS,
    "category": CATEGORIES,
    "unit": UNIT_LABELS,
    "statement_line": STATEMENT_LINE_LABELS,
    "document": DOCUMENT_KIND_LABELS,
    "ocop_level": OCOP_LEVEL_LABELS,
    "verified_against": VERIFIED_AGAINST_LABELS,
    "ocop_standing": OCOP_STANDING_LABELS,
    "figure_unit": FIGURE_UNITS,
    "epcis_event": EPCIS_EVENT_LABELS,
    "chain_role": {"processor": _l("processing"), "buyer": _l("buyer, not processing")},
    "capability_check": {"visit": _l("a visit to the facility"), "document": _l("the facility's documents")},
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


# --- the audit log: what each recorded action is called, and its details in words ---------------------------
# An action is "object.verb" (contract.signed, zone.registered, organisation.verified...): the page shows
# "Contract: signed", never the code. A verb that is a status uses the status's word.
AUDIT_OBJECTS = {
    "certificate": _l("Certificate"), "chain": _l("Linkage chain"), "contract": _l("Contract"),
    "delivery": _l("Delivery"), "listing": _l("Listing"), "member": _l("Member"), "order": _l("Order"),
    "organisation": _l("Organisation"), "payment": _l("Payment"), "product": _l("OCOP product"),
    "report": _l("Report"), "sourcing": _l("Sourcing request"), "upload": _l("File"), "user": _l("Account"),
    "zone": _l("Zone"), "import": _l("Register import"),
    "ocop": _l("OCOP certificate"), "revision": _l("Change under review"), "shelf": _l("Shelf placement"),
    "dispute": _l("Dispute"), "conversation": _l("Conversation"), "payee_account": _l("Bank account"),
    "statement": _l("Bank statement"), "growing_zone": _l("Zone"),
    "capability": _l("Processing facility"),
}
AUDIT_VERBS = {
    "added": _l("added"), "applied": _l("applied"), "cancelled": _l("cancelled"), "closed": _l("closed"),
    "confirmed": _l("confirmed"), "countered": _l("counter-proposed"), "created": _l("created"),
    "declared": _l("declared"), "deleted": _l("deleted"), "disputed": _l("disputed"), "draft_edited": _l("draft edited"),
    "drafted": _l("drafted"), "expired": _l("expired"), "exported": _l("exported"), "offer_withdrawn": _l("offer withdrawn"),
    "offered": _l("offer made"), "password_changed": _l("password changed"), "password_reset": _l("password reset"),
    "placed": _l("placed"), "proposed": _l("proposed"), "received": _l("received"), "recorded": _l("recorded"),
    "refund": _l("refund asked"), "refund_failed": _l("refund failed"), "refunded": _l("refunded"),
    "registered": _l("registered"), "removed": _l("removed"), "requested": _l("requested"),
    "role_changed": _l("role changed"), "saved": _l("saved"), "signed": _l("signed"), "signed_up": _l("signed up"),
    "started": _l("started"), "status_changed": _l("status changed"), "updated": _l("updated"),
    "withdrawn": _l("withdrawn"), "zones": _l("zones"), "products": _l("OCOP products"),
    "ocop": _l("OCOP register"),
    "recall_lifted": _l("recall lifted"), "revision_applied": _l("change applied"),
    "revision_submitted": _l("change sent for review"), "revision_accepted": _l("change accepted"),
    "declined": _l("declined"), "ended": _l("ended"), "message": _l("message sent"), "inspected": _l("inspected"),
    "opened": _l("opened"), "answered": _l("answered"), "referred": _l("referred to the department"),
    "mediated": _l("mediation recorded"), "settled": _l("settled"), "default": _l("made the default"),
    "micro_wrong": _l("wrong test amount"), "imported": _l("imported"),
    "withdrawn_by_organisation": _l("withdrawn by the organisation"),
}
AUDIT_DETAILS = {
    "reason": _l("Reason"), "changes": _l("Changes"), "kind": _l("Kind"), "ref": _l("Reference"),
    "reference": _l("Reference"), "version": _l("Version"), "old": _l("Before"), "new": _l("After"),
    "name": _l("Name"), "n": _l("Number"), "method": _l("Method"), "amount": _l("Amount"), "title": _l("Title"),
    "note": _l("Note"), "email": _l("E-mail"), "zone": _l("Zone"), "total": _l("Total"), "stars": _l("Stars"),
    "size": _l("Size"), "role": _l("Role"), "quantity": _l("Quantity"), "purpose": _l("Purpose"),
    "partner": _l("Partner"), "number": _l("Number"), "as_of": _l("As of"), "status": _l("Status"),
    "against": _l("Checked against"), "product": _l("OCOP product"), "chain": _l("Retail chain"),
    "since": _l("Since"), "ended_on": _l("Ended on"), "object_id": _l("Record"), "proposed": _l("Proposed"),
    "certificate": _l("Certificate"), "fields": _l("Fields"),
    "products": _l("What the facility makes"),
    "effective_on": _l("Takes effect from"),
}
# Which vocabulary a detail's value comes from, when it is a stored code.
AUDIT_DETAIL_KINDS = {"kind": None, "role": "role", "old": "status", "new": "status", "status": "status",
                      "against": "verified_against"}


def action_label(action: str | None) -> str:
    """'contract.signed' -> 'Hợp đồng: đã ký'; an unknown part shows as itself."""
    if not action:
        return ""
    obj, _dot, verb = action.partition(".")
    verb_label = AUDIT_VERBS.get(verb) or STATUS_LABELS.get(verb) or verb
    return f"{AUDIT_OBJECTS.get(obj, obj)}: {verb_label}"


def detail_value(key: str, value) -> str:
    """A detail's value in words: codes of a known vocabulary by their label, lists joined, changes as
    'before → after'."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {detail_value(k, v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if len(value) == 2 and key not in ("zones",):
            return f"{value[0]} → {value[1]}"
        return ", ".join(str(v) for v in value)
    kind = AUDIT_DETAIL_KINDS.get(key)
    if kind and isinstance(value, str):
        return label(kind, value)
    if isinstance(value, str):
        for vocabulary in (STATUS_LABELS, ORG_KIND_LABELS, CERTIFICATE_LABELS, ROLE_LABELS, ZONE_KIND_LABELS,
                           AUDIT_OBJECTS):
            if value in vocabulary:
                return str(vocabulary[value])
    return str(value)


def audit_details(details: dict | None) -> list[tuple[str, str]]:
    """(label, value in words) for each detail of an audit event."""
    return [(str(AUDIT_DETAILS.get(k, k)), detail_value(k, v)) for k, v in (details or {}).items()]
