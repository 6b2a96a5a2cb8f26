"""Conversations between two organisations about something they do business on, and disputes on a
contract or one of its deliveries (mediated by the department when the parties do not agree)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.account import Organisation, User
from market.models.catalog import Upload
from market.models.types import UTCDateTime, utcnow


class Subject:
    """What a conversation is about: each links the two organisations (no thread without business)."""
    LISTING = "listing"
    PRODUCT = "product"
    REQUEST = "request"
    OFFER = "offer"
    CONTRACT = "contract"
    ALL = (LISTING, PRODUCT, REQUEST, OFFER, CONTRACT)


class MessageKind:
    TEXT = "text"  # written by a person
    EVENT = "event"  # written by the market: a dispute opened, answered, settled, referred, mediated
    ALL = (TEXT, EVENT)


class Conversation(db.Model):
    """One thread per subject and pair of organisations; `starter` wrote first, `other` was asked."""

    __tablename__ = "conversation"
    __table_args__ = (
        sa.UniqueConstraint("subject_kind", "subject_id", "starter_id", "other_id", name="uq_conversation_subject"),
        sa.CheckConstraint("starter_id != other_id", name="two_organisations"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(sa.String(10))
    subject_id: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    starter_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    starter: Mapped[Organisation] = relationship(foreign_keys=[starter_id])
    other: Mapped[Organisation] = relationship(foreign_keys=[other_id])
    messages: Mapped[list["Message"]] = relationship(back_populates="conversation", order_by="Message.id",
                                                     cascade="all, delete-orphan")

    @property
    def org_ids(self) -> tuple[int, int]:
        return (self.starter_id, self.other_id)

    def counterpart(self, org_id: int) -> Organisation:
        return self.other if org_id == self.starter_id else self.starter


message_upload = sa.Table(
    "message_upload", db.metadata,
    sa.Column("message_id", sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("upload_id", sa.ForeignKey("upload.id", ondelete="CASCADE"), primary_key=True),
)


class Message(db.Model):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(10), default=MessageKind.TEXT)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    organisation: Mapped[Organisation | None] = relationship()
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Upload]] = relationship(secondary=message_upload, order_by=Upload.id)


class ConversationRead(db.Model):
    """How far a person has read a thread: messages after `read_at` are unread for them."""

    __tablename__ = "conversation_read"

    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DisputeState:
    OPEN = "open"
    ANSWERED = "answered"
    SETTLED = "settled"  # by agreement of the two parties
    REFERRED = "referred"  # to the department
    CLOSED = "closed"  # the department recorded its mediation outcome
    ALL = (OPEN, ANSWERED, SETTLED, REFERRED, CLOSED)
    ONGOING = (OPEN, ANSWERED, REFERRED)


class Dispute(db.Model):
    """A disagreement on a contract or one of its deliveries, opened by either party with a reason."""

    __tablename__ = "dispute"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delivery.id", ondelete="SET NULL"), index=True)
    opened_by_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(10), default=DisputeState.OPEN, index=True)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)  # the agreement, or the department's mediation
    agreed_accepted_quantity: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    contract = relationship("Contract")
    delivery = relationship("Delivery")
    opened_by_org: Mapped[Organisation] = relationship()
