"""Personal access tokens: a member's key for the JSON API, for one organisation, read-only or read-write.

Only a hash of the secret is stored (sha256: the secret is 256 random bits, so no slow hash is needed); the
secret is shown once, when the token is made. A token opens /api/ paths only (market.blueprints.api.auth).
"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation, User
from market.models.types import UTCDateTime, utcnow


class TokenScope:
    READ = "read"
    WRITE = "write"
    ALL = (READ, WRITE)


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    scope: Mapped[str] = mapped_column(sa.String(10))
    # The first characters of the secret ("lsm_ab12cd"), so its owner can tell tokens apart; not a secret.
    prefix: Mapped[str] = mapped_column(sa.String(16), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[date] = mapped_column(sa.Date)  # the last day it works (Vietnam time)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} {self.scope}>"
