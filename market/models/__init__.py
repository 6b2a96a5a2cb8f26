"""All models, imported here so Alembic and the app see every table."""
from market.models.account import AuditEvent, Membership, Organisation, OrgKind, OrgStatus, Role, User
from market.models.geo import Commune, CommuneAlias, Crop, PlanTarget, crop_commune

__all__ = [
    "AuditEvent",
    "Commune",
    "CommuneAlias",
    "Crop",
    "Membership",
    "Organisation",
    "OrgKind",
    "OrgStatus",
    "PlanTarget",
    "Role",
    "User",
    "crop_commune",
]
