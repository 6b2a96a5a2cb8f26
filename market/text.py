"""Vietnamese text helpers: folding diacritics so "hoi" matches "Hồi" and "dau" matches "Đậu"."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def _combining_class() -> re.Pattern:
    """A character class of every combining mark of the Basic Multilingual Plane (what
    `unicodedata.combining` says is one): one regex pass removes them, instead of a Python loop per character."""
    ranges, start = [], None
    for code in range(0x10001):
        mark = code < 0x10000 and unicodedata.combining(chr(code)) != 0
        if mark and start is None:
            start = code
        elif not mark and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    return re.compile("[" + "".join(ranges) + "]")


_MARKS = _combining_class()


def fold(text: str) -> str:
    """Lower-case, strip diacritics, đ -> d, collapse whitespace. (The search index folds every document with
    it, so it is written for speed; tests/test_text.py holds it to the plain definition for every character.)"""
    text = _MARKS.sub("", unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")))
    if not text.isascii() and max(text) > "\uffff":  # marks beyond the BMP (rare): the plain definition
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text).strip().casefold()


def name_key(text: str) -> str:
    """Key for "the same name": case and spacing ignored, diacritics kept (Hồng is not Hông)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
