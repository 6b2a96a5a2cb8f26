"""People: sign-up, log-in checks, passwords and password-reset tokens."""
import hashlib

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from market.extensions import db
from market.models import Membership, Organisation, Role, User
from market.models.types import utcnow
from market.services import audit, organisations, sessions
from market.services.errors import ValidationFailed
from market.services.validation import normalize_phone, password_problems

_RESET_SALT = "password-reset"


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def check_new_password(password: str, *, email: str, field: str = "password") -> None:
    problems = password_problems(password, email=email)
    if problems:
        raise ValidationFailed({field: problems})


def sign_up(*, full_name: str, email: str, phone: str, password: str, organisation: dict) -> tuple[User, Organisation]:
    """A person and the organisation they apply for (pending until the department verifies it).

    Every problem is reported at once, field by field, and nothing is saved unless all is well.
    """
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if find_user(email):
        errors["email"] = [_("An account with this e-mail already exists. Log in or reset your password.")]
    normalized_phone = normalize_phone(phone) if phone else None
    if phone and not normalized_phone:
        errors["phone"] = [_("Enter a Vietnamese phone number, e.g. 0912 345 678.")]
    problems = password_problems(password, email=email)
    if problems:
        errors["password"] = problems
    try:
        org_fields = organisations.clean_new_organisation(**organisation)
    except ValidationFailed as exc:
        # The person's phone doubles as the organisation's: report a bad one once, by the phone field.
        errors.update({f"org_{k}": v for k, v in exc.errors.items() if not (k == "phone" and "phone" in errors)})
        org_fields = None
    if errors:
        raise ValidationFailed(errors)

    user = User(email=email, full_name=full_name.strip(), phone=normalized_phone)
    user.set_password(password)
    db.session.add(user)
    org = Organisation(**org_fields)
    db.session.add(org)
    db.session.add(Membership(user=user, organisation=org, role=Role.OWNER))
    db.session.flush()
    audit.record("user.signed_up", user, organisation=org, obj=user)
    audit.record("organisation.applied", user, organisation=org, obj=org, kind=org.kind)
    return user, org


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ValidationFailed({"current_password": _("The current password is not right.")})
    check_new_password(new, email=user.email, field="new_password")
    user.set_password(new)
    sessions.revoke_all(user)  # a copied cookie dies with the old password
    audit.record("user.password_changed", user, obj=user)


# Password reset tokens carry a fingerprint of the current password hash, so a token stops working
# as soon as it has been used (the hash changes) and never outlives PASSWORD_RESET_MAX_AGE.

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})


def user_for_reset_token(token: str) -> User:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise ValidationFailed({"token": _("This link has expired. Ask for a new one.")}) from None
    except BadSignature:
        raise ValidationFailed({"token": _("This link is not valid. Ask for a new one.")}) from None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or data.get("fp") != _fingerprint(user):
        raise ValidationFailed({"token": _("This link has already been used. Ask for a new one.")})
    return user


def reset_password(token: str, new: str) -> User:
    user = user_for_reset_token(token)
    check_new_password(new, email=user.email)
    user.set_password(new)
    sessions.revoke_all(user)
    audit.record("user.password_reset", user, obj=user)
    return user
