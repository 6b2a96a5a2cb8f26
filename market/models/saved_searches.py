"""Saved searches: a person's query with its filters, and the results they were already told about."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db
from market.models.types import UTCDateTime, utcnow


class SavedSearch(db.Model):
    """A search a person keeps (the search page's arguments, as a URL query string) to hear of new matches."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    query: Mapped[str] = mapped_column(sa.String(2000))  # "q=h%E1%BB%93i&crop=hoi", canonical order
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    seen: Mapped[list["SavedSearchSeen"]] = relationship(back_populates="saved_search", cascade="all, delete-orphan",
                                                         passive_deletes=True)


class SavedSearchSeen(db.Model):
    """A result of a saved search already known: a baseline row (there when the search was saved, never
    announced) or an announced one (inbox at once, e-mail digest once: `digested_at`). The primary key is what
    makes each result announced once, even when two checks run at the same time."""

    __tablename__ = "saved_search_seen"

    saved_search_id: Mapped[int] = mapped_column(sa.ForeignKey("saved_search.id", ondelete="CASCADE"),
                                                 primary_key=True)
    doc_key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # "listing:12", "product:3"
    announced: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str | None] = mapped_column(sa.String(200))
    url: Mapped[str | None] = mapped_column(sa.String(255))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    saved_search: Mapped[SavedSearch] = relationship(back_populates="seen")

    __table_args__ = (sa.Index("ix_saved_search_seen_digest", "announced", "digested_at"),)
