"""The judged query set (tests/search/judged_queries.json) and how a top 3 is judged against it."""
import json
import unicodedata
from pathlib import Path

PATH = Path(__file__).with_name("judged_queries.json")


def load() -> list[dict]:
    return json.loads(PATH.read_text(encoding="utf-8"))["queries"]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def meets(pattern: str, hit) -> bool:
    """'[kind:]text' (text may list alternatives with |): the hit is of that kind and its title holds the text."""
    kind, _, text = pattern.rpartition(":") if pattern.split(":")[0] in ("listing", "product", "organisation") \
        else ("", "", pattern)
    if kind and hit.kind != kind:
        return False
    return any(_norm(option) in _norm(hit.title) for option in text.split("|"))


def failures(entry: dict, hits: list) -> list[str]:
    """What the top 3 misses for this judged query (empty: it passes)."""
    top = hits[:3]
    missing = [p for p in entry.get("top3", []) if not any(meets(p, h) for h in top)]
    if entry.get("all") and (len(top) < min(3, entry.get("at_least", 3)) or not all(meets(entry["all"], h) for h in top)):
        missing.append(f"all: {entry['all']}")
    return missing
