"""Who may do what: every `can_*` predicate in one place, used by routes, services and templates alike
(templates call them through the `can` global). Each takes the acting user first and never raises; services
that must refuse call the matching `require_*`, which raises PermissionDenied with the reason."""

from market.models import Membership, Organisation, Role, User


def _membership(user: User | None, org: Organisation | int) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.membership_in(org)


# --- organisations and members ---------------------------------------------------------------------

def can_manage_org(user: User | None, org: Organisation) -> bool:
    """Owners and managers edit the profile and manage the members (`organisations.require_role(..., *Role.ADMINS)`);
    which roles a manager may grant is checked by the service."""
    membership = _membership(user, org)
    return bool(membership and membership.role in Role.ADMINS)


def can_remove_member(user: User | None, membership: Membership) -> bool:
    """Anyone may leave; removing someone else needs an owner or a manager."""
    return bool(user and getattr(user, "is_authenticated", False)
                and (membership.user_id == user.id or can_manage_org(user, membership.organisation)))


def can_review(user: User | None) -> bool:
    """Department staff verify or reject organisations, zones and certificates."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_department_staff)


# --- catalog: zones, certificates, products, listings -----------------------------------------------
# Who may see a public page is in services/visibility.py (it needs the services' notion of "public").

def can_see_unpublished(user: User | None, org: Organisation | int) -> bool:
    """Drafts, withdrawn items and anything of an unverified organisation: its members and the department."""
    return bool(_membership(user, org) or can_review(user))


def can_edit_catalog(user: User | None, org: Organisation | int) -> bool:
    """Any member prepares the organisation's zones, listings and products (`zones.EDITORS`)."""
    return _membership(user, org) is not None


# --- contracts, payments and shop orders ------------------------------------------------------------
