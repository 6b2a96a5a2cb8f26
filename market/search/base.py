"""The one interface both engines implement. Contract tests (tests/search/test_contract.py) hold them to it.

`search` is the same for both: the words are planned once in Python (market/search/matching.py: Telex/VNI,
typo tolerance against the engine's own vocabulary), every word must match first, and only when no document
has them all do the best partial matches come, flagged `partial`. Each engine runs the planned words
(`_execute`) and answers the two vocabulary questions (`counts`, `neighbours`)."""
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import replace

from market.search import matching
from market.search.query import SearchQuery, SearchResult

WEAK = 3  # fewer results than this: worth asking whether a correction finds clearly more


class SearchUnavailable(Exception):
    """The engine cannot be reached. Writes still succeed (the outbox keeps them); searches say so."""


class SearchBackend(ABC, matching.Vocabulary):
    name: str

    @abstractmethod
    def index(self, docs: list[dict]) -> None:
        """Add or replace documents (by their `key`)."""

    @abstractmethod
    def delete(self, keys: list[str]) -> None:
        """Remove documents; unknown keys are ignored."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Hits of one page, the total, facet counts over every match."""
        plan, result = self._plan_and_run(query)
        if not result.total and len(plan.words) > 1:
            partial = self._execute(query, plan, require_all=False)
            if partial.total:
                result, result.partial = partial, True
        result.corrected_terms, result.decoded, result.terms = plan.corrected, plan.decoded, plan.terms
        if plan.corrected:
            written = self.written(sorted({c for w in plan.words for c in w.corrections}))
            result.corrected_as_written = {w.term: ", ".join(written.get(c, c) for c in w.corrections)
                                           for w in plan.words if w.corrections}
        if plan.words and (result.partial or result.total < WEAK):
            words = matching.did_you_mean(plan, self)
            if words:
                text = " ".join(words)
                better = self._total(replace(query, text=text, page=1, per_page=1), matching.plan(text, self))
                if better >= max(2 * (0 if result.partial else result.total), 1) + 2:
                    # Shown as people write it: the replaced words with their marks, the others as typed.
                    changed = [w for w, typed in zip(words, plan.words, strict=True) if w != typed.raw]
                    written = self.written(changed)
                    result.did_you_mean = " ".join(
                        written.get(w, w) if w != typed.raw else w for w, typed in zip(words, plan.words, strict=True))
        return result

    def _plan_and_run(self, query: SearchQuery) -> tuple["matching.Plan", SearchResult]:
        """Plan the words (asking the engine which it knows), then run them with every word required. An
        engine whose questions cost a round trip may answer them together with a first search instead."""
        plan = matching.plan(query.text, self, query.as_you_type) if query.terms else matching.Plan([])
        return plan, self._execute(query, plan, require_all=True)

    def _total(self, query: SearchQuery, plan: "matching.Plan") -> int:
        """How many documents have every planned word (within the filters): no page, no facets, no scores."""
        return self._execute(query, plan, require_all=True).total

    @abstractmethod
    def _execute(self, query: SearchQuery, plan: "matching.Plan", require_all: bool) -> SearchResult:
        """Run planned words: every word (require_all) or any of them, scored as matching.py says."""

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
