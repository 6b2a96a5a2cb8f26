"""The one interface both engines implement. Contract tests (tests/search/test_contract.py) hold them to it."""
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

from market.search.query import SearchQuery, SearchResult


class SearchUnavailable(Exception):
    """The engine cannot be reached. Writes still succeed (the outbox keeps them); searches say so."""


class SearchBackend(ABC):
    name: str

    @abstractmethod
    def index(self, docs: list[dict]) -> None:
        """Add or replace documents (by their `key`)."""

    @abstractmethod
    def delete(self, keys: list[str]) -> None:
        """Remove documents; unknown keys are ignored."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Hits of one page, the total, facet counts over every match."""

    @abstractmethod
    def reindex(self, batches: Iterable[list[dict]], progress: Callable[[int], None] | None = None) -> int:
        """Rebuild from scratch while searches keep answering from the old index; returns the count."""

    @abstractmethod
    def health(self) -> dict:
        """{"ok": bool, "engine": name, ...} without raising."""

    def refresh(self) -> None:  # noqa: B027 - optional hook: only Elasticsearch needs it
        """Make the last writes visible to searches (tests; Elasticsearch refreshes every second anyway)."""

    @abstractmethod
    def count(self) -> int:
        """Documents in the live index."""
