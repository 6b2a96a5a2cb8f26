"""Vietnamese text helpers: folding diacritics so "hoi" matches "Hồi" and "dau" matches "Đậu"."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics, đ -> d, collapse whitespace."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()


def name_key(text: str) -> str:
    """Key for "the same name": case and spacing ignored, diacritics kept (Hồng is not Hông)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
