"""People, the organisations they act for, and the roles that tie them."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from market.extensions import db
from market.models.geo import Commune
from market.models.types import UTCDateTime, utcnow


class OrgKind:
    COOPERATIVE = "cooperative"
    FARMER_GROUP = "farmer_group"
    ENTERPRISE = "enterprise"
    RETAIL_CHAIN = "retail_chain"
    TOURIST_SHOP = "tourist_shop"
    DEPARTMENT = "department"
    COMMUNE_OFFICE = "commune_office"

    ALL = (COOPERATIVE, FARMER_GROUP, ENTERPRISE, RETAIL_CHAIN, TOURIST_SHOP, DEPARTMENT, COMMUNE_OFFICE)
    # What a person may apply for when signing up; authorities are created by the department.
    SELF_SERVICE = (COOPERATIVE, FARMER_GROUP, ENTERPRISE, RETAIL_CHAIN, TOURIST_SHOP)
    SELLERS = (COOPERATIVE, FARMER_GROUP)
    BUYERS = (ENTERPRISE, RETAIL_CHAIN, TOURIST_SHOP)
    AUTHORITIES = (DEPARTMENT, COMMUNE_OFFICE)


class OrgStatus:
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    ALL = (PENDING, VERIFIED, REJECTED)


class Role:
    OWNER = "owner"
    MANAGER = "manager"
    SIGNER = "signer"
    MEMBER = "member"
    ALL = (OWNER, MANAGER, SIGNER, MEMBER)
    # Who may manage the organisation's profile and members.
    ADMINS = (OWNER, MANAGER)


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (sa.UniqueConstraint("name_key", "commune_id", name="uq_organisation_name_commune"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    tax_code: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    gln: Mapped[str | None] = mapped_column(sa.String(13), unique=True)  # GS1 Global Location Number (services/gs1.py)
    commune_id: Mapped[int | None] = mapped_column(sa.ForeignKey("commune.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(255))
    contact_name: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    description: Mapped[str | None] = mapped_column(sa.Text)

    status: Mapped[str] = mapped_column(sa.String(10), default=OrgStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    commune: Mapped[Commune | None] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def is_verified(self) -> bool:
        return self.status == OrgStatus.VERIFIED

    @property
    def can_publish(self) -> bool:
        """Unverified organisations may draft, but not publish or contract."""
        return self.is_verified

    @property
    def is_authority(self) -> bool:
        return self.kind in OrgKind.AUTHORITIES

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r} {self.status}>"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # None until the person sets one (members invited by e-mail).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    # The token of the log-in session this object was loaded with or opened for (market.services.sessions);
    # not a column: each device has its own.
    login_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember-me cookies: the user and the session's token."""
        if not self.login_token:
            raise RuntimeError("open a login session first (market.services.sessions.open_for)")
        return f"{self.id}:{self.login_token}"

    def set_password(self, password: str) -> None:
        # Werkzeug's default, scrypt with a random salt; tests may pick a cheaper method for speed.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def membership_in(self, organisation: Organisation | int | None) -> Optional["Membership"]:
        org_id = organisation.id if isinstance(organisation, Organisation) else organisation
        return next((m for m in self.memberships if m.organisation_id == org_id), None)

    def has_role(self, organisation: Organisation | int | None, *roles: str) -> bool:
        membership = self.membership_in(organisation)
        return membership is not None and (not roles or membership.role in roles)

    @property
    def organisations(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships]

    @property
    def is_department_staff(self) -> bool:
        """Members of the verified provincial department verify and monitor."""
        return any(
            m.organisation.kind == OrgKind.DEPARTMENT and m.organisation.is_verified for m in self.memberships
        )

    @property
    def office_communes(self) -> list[Commune]:
        """Communes whose office this person works for (commune staff see their commune's data)."""
        return [
            m.organisation.commune
            for m in self.memberships
            if m.organisation.kind == OrgKind.COMMUNE_OFFICE and m.organisation.is_verified and m.organisation.commune
        ]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id", name="uq_membership_user_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class AuditEvent(db.Model):
    """Who did what, written in the same transaction as the change it describes."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(60))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class LoginSession(db.Model):
    """One log-in on one device: the session cookie and the remember-me cookie both carry its token.

    Logging out revokes it; a password change or "log out everywhere" revokes every one of the user's;
    a cookie whose session is revoked (or unknown) opens nothing, even if it was copied before.
    Only a hash of the token is stored, so a read of the table gives no usable cookie value.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
