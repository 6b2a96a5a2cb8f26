"""How a buyer's words become the terms both engines search, decided here in Python once, so that SQLite FTS5 and
Elasticsearch see exactly the same expanded words (docs/architecture.md, "Search").

For each word of the query (folded, see market.text.fold):
- the word itself;
- its Telex / VNI decoding ("hooif" -> "hoi", "que61" -> "que"), when the index knows the decoded word;
- when the index knows neither, the indexed words one edit away (insertion, deletion, substitution or two
  letters swapped) that start with the same letter, from 3 letters on (two edits from 8 letters): the
  MAX_CORRECTIONS most frequent of the nearest ones;
- the last word also as the start of a word when the index does not know it as a word (it is still being
  typed), or always while suggesting as you type; then it is not corrected while some indexed word
  starts with it.

Scoring, the same integers on both engines: a document earns, for each query word it contains as typed (or
decoded), 100 plus 3 when the word is in the title, 2 in the visible text, 1 only in the hidden words (aliases,
English names); a word found only through a correction or as the start of a longer word earns 50 plus the
same 3 / 2 / 1. All words first: when no document has every word, the best partial matches are shown, with a
note. Among equal scores the signals a buyer trusts decide (SearchBackend, docs/architecture.md).

The index holds folded words only; a correction or a "did you mean" is shown as people write the word ("hồi", not
"hoi"): the form the visible text of the documents holding it uses most (`written_form`, asked of the engine
through `Vocabulary.written`, the same rule on both engines).
"""
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from market.search.vi_input import decode
from market.text import fold

MAX_WORDS = 20
MAX_WORD = 40  # longer "words" are not words: matched literally, never corrected
MIN_CORRECT = 3
MAX_CORRECTIONS = 3
WRITTEN_SAMPLE = 20  # documents read to learn how people write a folded word (the first by key, on both engines)
WORD_POINTS = 100
LOOSE_POINTS = 50
FIELD_POINTS = {"title_folded": 3, "body_folded": 2, "hidden_folded": 1}
TEXT_FIELDS = tuple(FIELD_POINTS)


# Words buyers add around what they want ("mua", "cần", "giá tốt", "nhà cung cấp", "xuất khẩu"): still
# searched, but counted as loosely as a correction, and never corrected themselves. Folded.
FILLER = frozenset("""mua ban can tim gia re tot ngon nhieu it nha cung cap si buon le xuat khau giao tan noi
    cho va cua o tai tu voi nao co dat chat luong nguyen loai hang uy tin sach""".split())


def words_of(text: str) -> list[str]:
    """Lower-case words of the raw text (diacritics kept), punctuation dropped."""
    text = "".join(ch if ch.isalnum() else " " for ch in (text or "")[:4000].lower())
    return [w for w in text.split() if w][:MAX_WORDS]


def allowed_edits(term: str) -> int:
    """Typo tolerance: none under 3 letters, one edit from 3 (Vietnamese syllables are short), two from 8."""
    return 0 if len(term) < MIN_CORRECT or len(term) > MAX_WORD else 1 if len(term) < 8 else 2


def _one_edit(a: str, b: str) -> int:
    """edit_distance(a, b, 1) in one pass: 0, 1 or 2 (more than one)."""
    if a == b:
        return 0
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return 2
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) == len(b):
        if a[at + 1:] == b[at + 1:]:
            return 1  # one letter changed
        swapped = at + 1 < len(a) and a[at] == b[at + 1] and a[at + 1] == b[at] and a[at + 2:] == b[at + 2:]
        return 1 if swapped else 2
    return 1 if a[at:] == b[at + 1:] else 2  # one letter more in b


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two neighbouring letters is one edit), cut at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if limit == 1:
        return _one_edit(a, b)
    before = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, before[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


@dataclass
class Word:
    raw: str                      # as typed (lower-case)
    term: str                     # folded
    forms: list[str]              # folded terms matched as typed: the word and its decoding
    prefix: bool = False          # also matched as the start of a word (for fewer points)
    filler: bool = False          # a word buyers add around what they want: fewer points, never corrected
    decoded: str | None = None    # the Vietnamese word a Telex/VNI spelling stands for
    corrections: list[str] = field(default_factory=list)

    @property
    def points(self) -> int:
        """What finding the word as typed is worth (before the field's 3 / 2 / 1)."""
        return LOOSE_POINTS if self.filler else WORD_POINTS


@dataclass
class Plan:
    words: list[Word]
    counts: dict[str, int] = field(default_factory=dict)  # documents per exact folded term

    @property
    def terms(self) -> list[str]:
        """Every folded form searched (for highlighting)."""
        return [f for w in self.words for f in (*w.forms, *w.corrections)]

    @property
    def corrected(self) -> dict[str, str]:
        return {w.term: ", ".join(w.corrections) for w in self.words if w.corrections}

    @property
    def decoded(self) -> dict[str, str]:
        return {w.raw: w.decoded for w in self.words if w.decoded}


class Vocabulary:
    """What an engine tells about its indexed words; each backend implements both lookups."""

    def counts(self, terms: list[str], prefix: str | None) -> tuple[dict[str, int], int]:
        """Documents holding each term exactly, and (when asked) documents holding a word starting with prefix."""
        raise NotImplementedError

    def neighbours(self, term: str, edits: int) -> list[tuple[str, int]]:
        """Indexed words starting with term[0] whose length is within `edits` of term's, with document counts
        (a superset: the distance is checked here)."""
        raise NotImplementedError

    def neighbours_of(self, wanted: dict[str, int]) -> dict[str, list[tuple[str, int]]]:
        """`neighbours` of several terms ({term: edits}); an engine may answer them in one request."""
        return {term: self.neighbours(term, edits) for term, edits in wanted.items()}

    def written(self, terms: list[str]) -> dict[str, str]:
        """How people write each folded term ("hoi" -> "hồi"), read from the visible text (titles and
        descriptions) of the first WRITTEN_SAMPLE documents holding it, by key (`written_form`); a term no
        visible text holds (only in the hidden words) is left out: shown as it is."""
        return {}


def visible_words(text: str) -> list[str]:
    """Every lower-case word of a visible text, diacritics kept (NFC), split as the index splits it."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return "".join(ch if ch.isalnum() else " " for ch in text).split()


def written_form(term: str, texts: Iterable[str]) -> str | None:
    """The word of the texts that folds to `term` and is written most often; among equals the one with marks
    (people write "hồi", not "hoi"), then the first alphabetically. None when no text holds it."""
    seen = Counter(word for text in texts for word in visible_words(text) if fold(word) == term)
    if not seen:
        return None
    return min(seen.items(), key=lambda item: (-item[1], item[0] == term, item[0]))[0]


def nearest(term: str, candidates: list[tuple[str, int]], limit: int) -> list[tuple[str, int, int]]:
    """(word, distance, documents) of the candidates within `limit` edits, nearest then most frequent first."""
    found = []
    for candidate, docs in candidates:
        if candidate == term or not candidate or candidate[0] != term[0]:
            continue
        distance = edit_distance(term, candidate, limit)
        if distance <= limit:
            found.append((candidate, distance, docs))
    found.sort(key=lambda item: (item[1], -item[2], item[0]))
    return found


@dataclass
class Draft:
    """The words before the engine has told which of them it knows: every decoding included, the last word a
    prefix only when suggesting. `lookups` and `prefix` are what to count (Vocabulary.counts)."""
    words: list[Word]
    lookups: list[str]
    prefix: str | None
    as_you_type: bool

    def as_plan(self) -> Plan:
        """The draft searched as it is (Elasticsearch's first guess: right unless a word is unknown)."""
        words = [replace(w, forms=[*w.forms, *(f for f in [fold(w.decoded or "")] if f and f not in w.forms)],
                         prefix=w.prefix and self.as_you_type) for w in self.words]
        return Plan(words)


def draft(text: str, as_you_type: bool = False) -> Draft:
    words = []
    raws = words_of(text)
    for position, raw in enumerate(raws):
        term = fold(raw)
        if not term:
            continue
        decoded = decode(raw) if len(raw) <= MAX_WORD else None
        words.append(Word(raw=raw, term=term, forms=[term], decoded=decoded,
                          prefix=position == len(raws) - 1 and len(term) <= MAX_WORD,
                          filler=term in FILLER and len(raws) > 1))
    lookups = sorted({t for w in words for t in (w.term, fold(w.decoded) if w.decoded else None) if t})
    return Draft(words, lookups, words[-1].term if words and words[-1].prefix else None, as_you_type)


def finish(start: Draft, counts: dict[str, int], prefixed: int, vocabulary: Vocabulary) -> Plan:
    """The plan, once the engine has counted the draft's words (corrections asked of it when needed)."""
    words = [replace(w, forms=list(w.forms), corrections=[]) for w in start.words]
    if not words:
        return Plan([])
    last = words[-1]
    if last.prefix and not start.as_you_type and counts.get(last.term):
        last.prefix = False  # a whole word: matched as it is (a prefix costs a read of every word it starts)
    for word in words:
        if word.decoded:
            folded = fold(word.decoded)
            if folded != word.term and counts.get(folded):
                word.forms.append(folded)
            else:
                word.decoded = None
    _correct(words, counts, prefixed, vocabulary)
    return Plan(words, counts)


def plan(text: str, vocabulary: Vocabulary, as_you_type: bool = False) -> Plan:
    start = draft(text, as_you_type)
    if not start.words:
        return Plan([])
    counts, prefixed = vocabulary.counts(start.lookups, start.prefix)
    return finish(start, counts, prefixed, vocabulary)


def searches_alike(first: Plan, final: Plan) -> bool:
    """Whether two plans find and score the same documents: the same prefixes, no corrections, and forms that
    differ only by words no document holds (a decoding the index does not know)."""
    return all(a.prefix == b.prefix and not b.corrections and set(b.forms) <= set(a.forms)
               and not any(final.counts.get(f) for f in set(a.forms) - set(b.forms))
               for a, b in zip(first.words, final.words, strict=True))


def correctable(word: Word) -> bool:
    """Whether the word would be corrected if the index did not know it."""
    return bool(allowed_edits(word.term)) and not word.filler and word.term.isalpha()


def _correct(words: list[Word], counts: dict[str, int], prefixed: int, vocabulary: Vocabulary) -> None:
    """Corrections for the words the index does not know (all asked of the engine at once)."""
    unknown = {}
    for word in words:
        known = any(counts.get(f) for f in word.forms) or (word.prefix and prefixed > counts.get(word.term, 0))
        if not known and correctable(word):
            unknown[word.term] = allowed_edits(word.term)
    near = vocabulary.neighbours_of(unknown) if unknown else {}
    for word in words:
        best = nearest(word.term, near[word.term], unknown[word.term]) if word.term in near else []
        if best:
            word.corrections = [c for c, d, _docs in best if d == best[0][1]][:MAX_CORRECTIONS]


def did_you_mean(found_plan: Plan, vocabulary: Vocabulary) -> list[str] | None:
    """For a weak answer: each known word replaced by a far more frequent word one edit away (a real word
    mistyped into another real word, "hong" for "hoi" is not one: both frequent). None when nothing changes."""
    wanted = {w.term: 1 for w in found_plan.words if found_plan.counts.get(w.term) and allowed_edits(w.term)
              and not w.corrections and not w.decoded and not w.filler and w.term.isalpha()}
    near = vocabulary.neighbours_of(wanted) if wanted else {}
    changed, out = False, []
    for word in found_plan.words:
        best = None
        have = found_plan.counts.get(word.term, 0)
        for candidate, _distance, docs in nearest(word.term, near.get(word.term, []), 1):
            if docs >= 5 * have + 2:
                best = candidate
                break
        changed = changed or best is not None
        out.append(best or word.raw)
    return out if changed else None
