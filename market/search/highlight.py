"""Highlighting in the application, the same for both engines: matches are found on folded text and
marked on the original, so "hoi" marks "Hồi" in the title as written."""
import unicodedata

from markupsafe import Markup, escape


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0]
    return base.casefold()[:1] or ch


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    folded = "".join(_fold_char(ch) for ch in text)  # one folded character per original one
    spans = []
    for term in sorted(set(terms), key=len, reverse=True):
        start = 0
        while term and (found := folded.find(term, start)) != -1:
            at_word_start = found == 0 or not folded[found - 1].isalnum()
            if at_word_start:
                spans.append((found, found + len(term)))
            start = found + 1
    spans.sort()
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def has_match(text: str, terms: list[str]) -> bool:
    return bool(text) and bool(_spans(text, terms))


def highlight(text: str, terms: list[str]) -> Markup:
    if not text:
        return Markup("")
    out, last = [], 0
    for begin, end in _spans(text, terms):
        out.append(escape(text[last:begin]))
        out.append(Markup("<mark>") + escape(text[begin:end]) + Markup("</mark>"))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str, terms: list[str], width: int = 160) -> Markup:
    """A window of `text` around its first match, highlighted."""
    if not text:
        return Markup("")
    spans = _spans(text, terms)
    if not spans or len(text) <= width:
        cut = text[:width]
        return highlight(cut, terms) + (Markup("…") if len(text) > width else Markup(""))
    start = max(0, spans[0][0] - width // 3)
    window = text[start:start + width]
    return (Markup("…") if start else Markup("")) + highlight(window, terms) + (
        Markup("…") if start + width < len(text) else Markup(""))
