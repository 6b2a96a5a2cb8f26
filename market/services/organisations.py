"""Organisations: applying, verification by the department, profile edits and members' roles."""
import sqlalchemy as sa
from flask_babel import gettext as _

from market.extensions import db
from market.labels import status_label
from market.models import Commune, Membership, Organisation, OrgKind, OrgStatus, Role, User
from market.models.types import utcnow
from market.services import audit, gs1
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.validation import normalize_phone, normalize_tax_code
from market.text import name_key

# Fields a member may change after verification without asking the department again.
CONTACT_FIELDS = ("address", "contact_name", "phone", "email", "description")
IDENTITY_FIELDS = ("name", "tax_code", "commune_id")


def require_role(actor: User, org: Organisation, *roles: str) -> Membership:
    """The actor's membership in `org` with one of `roles`, or PermissionDenied saying what is missing."""
    membership = actor.membership_in(org) if actor and actor.is_authenticated else None
    if membership is None:
        raise PermissionDenied(_("You are not a member of %(org)s.", org=org.name))
    if roles and membership.role not in roles:
        raise PermissionDenied(_("Your role in %(org)s does not allow this.", org=org.name))
    return membership


def require_department(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.is_department_staff):
        raise PermissionDenied(_("Only staff of the Department of Agriculture and Environment may do this."))


def _clean_identity(errors: dict, *, name: str, tax_code: str | None, commune_id, kind: str,
                    exclude_id: int | None = None) -> dict:
    fields = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Enter the organisation's name.")]
    fields["name"], fields["name_key"] = name, name_key(name)

    commune = db.session.get(Commune, int(commune_id)) if str(commune_id or "").isdigit() else None
    if commune is None and kind != OrgKind.DEPARTMENT:
        errors["commune_id"] = [_("Choose the commune or ward where the organisation is based.")]
    fields["commune_id"] = commune.id if commune else None

    fields["tax_code"] = None
    if tax_code:
        normalized = normalize_tax_code(tax_code)
        if not normalized:
            errors["tax_code"] = [_("A tax or registration number has 10 digits, optionally followed by -XXX.")]
        else:
            fields["tax_code"] = normalized
            taken = sa.select(Organisation.id).where(Organisation.tax_code == normalized)
            if exclude_id:
                taken = taken.where(Organisation.id != exclude_id)
            if db.session.scalar(taken):
                errors["tax_code"] = [_("An organisation with this tax number is already registered.")]

    if name and commune:
        same_name = sa.select(Organisation.id).where(
            Organisation.name_key == fields["name_key"], Organisation.commune_id == commune.id
        )
        if exclude_id:
            same_name = same_name.where(Organisation.id != exclude_id)
        if db.session.scalar(same_name):
            errors["name"] = [_("An organisation with this name is already registered in %(commune)s.",
                                commune=commune.display_name)]
    return fields


def _clean_contact(errors: dict, *, phone=None, email=None, address=None, contact_name=None, description=None) -> dict:
    fields = {
        "address": (address or "").strip() or None,
        "contact_name": (contact_name or "").strip() or None,
        "email": (email or "").strip().lower() or None,
        "description": (description or "").strip() or None,
        "phone": None,
    }
    if phone:
        fields["phone"] = normalize_phone(phone)
        if not fields["phone"]:
            errors["phone"] = [_("Enter a Vietnamese phone number, e.g. 0912 345 678.")]
    return fields


def _clean_gln(errors: dict, value, exclude_id: int | None = None) -> str | None:
    """The organisation's GS1 Global Location Number (optional): 13 digits, check digit, one organisation each."""
    try:
        gln = gs1.clean_gln(value)
    except gs1.BadIdentifier as exc:
        errors["gln"] = [str(exc)]
        return None
    if gln:
        taken = sa.select(Organisation.id).where(Organisation.gln == gln)
        if exclude_id:
            taken = taken.where(Organisation.id != exclude_id)
        if db.session.scalar(taken):
            errors["gln"] = [_("Another organisation already has this GLN.")]
    return gln


def clean_new_organisation(*, name: str, kind: str, tax_code: str | None = None, commune_id=None,
                           allow_authority: bool = False, gln=None, **contact) -> dict:
    errors: dict[str, list[str]] = {}
    allowed = OrgKind.ALL if allow_authority else OrgKind.SELF_SERVICE
    if kind not in allowed:
        errors["kind"] = [_("Choose what kind of organisation this is.")]
    fields = _clean_identity(errors, name=name, tax_code=tax_code, commune_id=commune_id, kind=kind)
    fields.update(_clean_contact(errors, **contact))
    fields["gln"] = _clean_gln(errors, gln)
    if errors:
        raise ValidationFailed(errors)
    fields["kind"] = kind
    fields["status"] = OrgStatus.PENDING
    return fields


def apply_for_organisation(actor: User, **data) -> Organisation:
    """A signed-in person registers another organisation; they become its owner, pending verification."""
    org = Organisation(**clean_new_organisation(**data))
    db.session.add(org)
    db.session.add(Membership(user=actor, organisation=org, role=Role.OWNER))
    db.session.flush()
    audit.record("organisation.applied", actor, organisation=org, obj=org, kind=org.kind)
    return org


def update_organisation(actor: User, org: Organisation, **data) -> Organisation:
    """Owners and managers edit the profile. Identity fields change only while not yet verified;
    a rejected organisation that is corrected goes back to the department's queue."""
    require_role(actor, org, *Role.ADMINS)
    errors: dict[str, list[str]] = {}
    changes = _clean_contact(errors, **{k: data.get(k) for k in CONTACT_FIELDS})
    if "gln" in data:
        changes["gln"] = _clean_gln(errors, data["gln"], exclude_id=org.id)
    if org.status != OrgStatus.VERIFIED and any(k in data for k in IDENTITY_FIELDS):
        identity = _clean_identity(
            errors,
            name=data.get("name", org.name),
            tax_code=data.get("tax_code", org.tax_code),
            commune_id=data.get("commune_id", org.commune_id),
            kind=org.kind,
            exclude_id=org.id,
        )
        changes.update(identity)
    if errors:
        raise ValidationFailed(errors)
    before = {k: getattr(org, k) for k in changes}
    for key, value in changes.items():
        setattr(org, key, value)
    changed = {k: [before[k], v] for k, v in changes.items() if before[k] != v}
    if org.status == OrgStatus.REJECTED:
        org.status, org.status_reason = OrgStatus.PENDING, None
        changed["status"] = [OrgStatus.REJECTED, OrgStatus.PENDING]
    audit.record("organisation.updated", actor, organisation=org, obj=org, changes=changed)
    return org


def _set_status(actor: User, org: Organisation, status: str, reason: str | None) -> Organisation:
    require_department(actor)
    if actor.membership_in(org):
        raise PermissionDenied(_("Nobody verifies an organisation they belong to."))
    allowed_from = {OrgStatus.VERIFIED: (OrgStatus.PENDING, OrgStatus.REJECTED),
                    # Rejecting a verified organisation withdraws its verification, with the reason.
                    OrgStatus.REJECTED: (OrgStatus.PENDING, OrgStatus.VERIFIED)}[status]
    if org.status not in allowed_from:
        raise ValidationFailed({"status": _("%(org)s is already %(status)s.", org=org.name,
                                            status=status_label(org.status))})
    org.status = status
    org.status_reason = reason
    org.status_changed_at = utcnow()
    org.status_changed_by_id = actor.id
    audit.record(f"organisation.{status}", actor, organisation=org, obj=org, reason=reason)
    return org


def verify_organisation(actor: User, org: Organisation) -> Organisation:
    return _set_status(actor, org, OrgStatus.VERIFIED, None)


def reject_organisation(actor: User, org: Organisation, reason: str) -> Organisation:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed({"reason": _("Say why, so the applicant can put it right.")})
    return _set_status(actor, org, OrgStatus.REJECTED, reason)


def pending_organisations() -> list[Organisation]:
    return list(db.session.scalars(
        sa.select(Organisation).where(Organisation.status == OrgStatus.PENDING).order_by(Organisation.created_at)
    ))


# Members. Owners manage everyone; managers manage signers and members; the last owner stays.

def _check_can_manage(actor: User, org: Organisation, target_role: str, new_role: str | None = None) -> Membership:
    mine = require_role(actor, org, *Role.ADMINS)
    if mine.role != Role.OWNER and (Role.OWNER in (target_role, new_role) or Role.MANAGER in (target_role, new_role)):
        raise PermissionDenied(_("Only an owner may grant or change the owner and manager roles."))
    return mine


def _owner_count(org: Organisation) -> int:
    return sum(1 for m in org.memberships if m.role == Role.OWNER)


def add_member(actor: User, org: Organisation, *, email: str, role: str, full_name: str = "") -> tuple[Membership, bool]:
    """Add a person by e-mail. Returns (membership, invited): invited is True when a new account was
    created, whose owner must set a password through the e-mailed link."""
    if role not in Role.ALL:
        raise ValidationFailed({"role": _("Choose a role.")})
    _check_can_manage(actor, org, role)
    email = (email or "").strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    invited = False
    if user is None:
        if not full_name.strip():
            raise ValidationFailed({"full_name": _("This person has no account yet: enter their full name to invite them.")})
        user = User(email=email, full_name=full_name.strip())
        db.session.add(user)
        invited = True
    elif user.membership_in(org):
        raise ValidationFailed({"email": _("This person is already a member.")})
    membership = Membership(user=user, organisation=org, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record("member.added", actor, organisation=org, obj=membership, email=email, role=role, invited=invited)
    return membership, invited


def change_role(actor: User, membership: Membership, role: str) -> Membership:
    if role not in Role.ALL:
        raise ValidationFailed({"role": _("Choose a role.")})
    org = membership.organisation
    _check_can_manage(actor, org, membership.role, role)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(org) == 1:
        raise ValidationFailed({"role": _("An organisation needs at least one owner. Make someone else owner first.")})
    old = membership.role
    membership.role = role
    audit.record("member.role_changed", actor, organisation=org, obj=membership, old=old, new=role)
    return membership


def remove_member(actor: User, membership: Membership) -> None:
    org = membership.organisation
    if membership.user_id != actor.id:  # anyone may leave; removing others needs the right role
        _check_can_manage(actor, org, membership.role)
    if membership.role == Role.OWNER and _owner_count(org) == 1:
        raise ValidationFailed({"role": _("An organisation needs at least one owner. Make someone else owner first.")})
    audit.record("member.removed", actor, organisation=org, obj=membership, email=membership.user.email)
    db.session.delete(membership)
