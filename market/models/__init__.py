"""All models, imported here so Alembic and the app see every table."""
from market.models.account import AuditEvent, LoginSession, Membership, Organisation, OrgKind, OrgStatus, Role, User
from market.models.banking import (
    AccountCheck,
    DocumentCounter,
    DocumentKind,
    IssuedDocument,
    LineOutcome,
    PayeeAccount,
    StatementLine,
    StatementUpload,
)
from market.models.catalog import (
    Certificate,
    CertificateKind,
    GrowingZone,
    ListingStatus,
    OcopProduct,
    ProductStatus,
    ReviewStatus,
    SupplyListing,
    Upload,
    ZoneKind,
    listing_zone,
    product_zone,
)
from market.models.contracts import (
    Contract,
    ContractSignature,
    ContractState,
    ContractVersion,
    Delivery,
    DeliveryStatus,
    OfferStatus,
    RequestStatus,
    SourcingOffer,
    SourcingRequest,
    delivery_photo,
    delivery_zone,
    offer_zone,
)
from market.models.conversations import (
    Conversation,
    ConversationRead,
    Dispute,
    DisputeState,
    Message,
    MessageKind,
    Subject,
    message_upload,
)
from market.models.geo import Commune, CommuneAlias, Crop, PlanTarget, crop_commune
from market.models.gs1 import ProductLot
from market.models.monitoring import (
    CapabilityStatus,
    ChainRole,
    DeclaredChain,
    FactChange,
    ProcessingCapability,
    ReportSnapshot,
)
from market.models.notifications import Notification
from market.models.orders import CartItem, OrderItem, OrderStatus, ShopOrder
from market.models.payments import Payment, PaymentMethod, PaymentStatus, StripeEvent
from market.models.reminders import SentReminder
from market.models.reporting import (
    CommuneReport,
    CommuneReportStatus,
    ReportingRound,
    RoundReminder,
    RoundStatus,
    commune_report_upload,
)
from market.models.saved_searches import SavedSearch, SavedSearchSeen
from market.models.search import SearchOutbox
from market.models.shelves import PlacementStatus, ShelfPlacement
from market.models.trust import OcopCertificate, OcopLevel, Revision, RevisionStatus, VerifiedAgainst

__all__ = [
    "DeclaredChain", "ReportSnapshot",
    "CartItem", "Contract", "ContractSignature", "ContractState", "ContractVersion", "Delivery", "DeliveryStatus",
    "Notification", "OfferStatus", "OrderItem", "OrderStatus", "Payment", "PaymentMethod", "PaymentStatus",
    "RequestStatus", "ShopOrder", "SourcingOffer", "SourcingRequest", "StripeEvent", "delivery_zone", "offer_zone",
    "AuditEvent", "Certificate", "CertificateKind", "Commune", "CommuneAlias", "Crop", "GrowingZone",
    "ListingStatus", "LoginSession", "Membership", "OcopProduct", "Organisation", "OrgKind", "OrgStatus", "PlanTarget",
    "ProductStatus", "ReviewStatus", "Role", "SearchOutbox", "SupplyListing", "Upload", "User", "ZoneKind",
    "AccountCheck", "DocumentCounter", "DocumentKind", "IssuedDocument", "LineOutcome", "PayeeAccount",
    "StatementLine", "StatementUpload",
    "Conversation", "ConversationRead", "Dispute", "DisputeState", "Message", "MessageKind", "Subject",
    "message_upload", "delivery_photo",
    "crop_commune", "listing_zone", "product_zone",
    "PlacementStatus", "SentReminder", "ShelfPlacement",
    "OcopCertificate", "OcopLevel", "Revision", "RevisionStatus", "VerifiedAgainst",
    "CommuneReport", "CommuneReportStatus", "ReportingRound", "RoundReminder", "RoundStatus", "commune_report_upload",
    "ProductLot",
    "CapabilityStatus", "ChainRole", "FactChange", "ProcessingCapability",
    "SavedSearch", "SavedSearchSeen",
]
from market.models.api_tokens import ApiToken, TokenScope  # noqa: E402

__all__ += ["ApiToken", "TokenScope"]
from market.models import history  # noqa: E402,F401 - the fact history's flush hook
