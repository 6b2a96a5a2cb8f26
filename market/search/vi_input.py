"""Vietnamese typed without a Vietnamese keyboard: Telex ("hooif" -> "hồi") and VNI ("que61" -> "quế") decoded
into the word the buyer meant. One place, used by both engines (market/search/matching.py), so they search the
same words.

A word is decoded only when it is plain ASCII, carries at least one Telex or VNI key, and the result is one
well-formed Vietnamese syllable (onset, vowel nucleus, final consonant): "organic", "vietgap" or "dried" stay
as they are. The literal word is always searched as well; the decoded one is added when the index knows it.
"""
import re
import unicodedata

TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}  # Telex tone keys
VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
HORN = {"o": "ơ", "u": "ư"}
BREVE = {"a": "ă"}
VOWELS = "aăâeêioôơuưy"
ONSETS = ("ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr",
          "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
CODAS = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "")
_SYLLABLE = re.compile(rf"^({'|'.join(o for o in ONSETS if o)})?([{VOWELS}]{{1,3}})({'|'.join(c for c in CODAS if c)})?$")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")


def _split(word: str) -> tuple[str, str, str] | None:
    match = _SYLLABLE.match(word)
    if not match:
        return None
    onset, nucleus, coda = match.group(1) or "", match.group(2), match.group(3) or ""
    # "qu" and "gi" take the u / i of the spelling: "quê", "gió" keep one real vowel after them.
    return onset, nucleus, coda


def _place_tone(onset: str, nucleus: str, coda: str, tone: str) -> str:
    """Put the tone mark on the vowel that carries it (new style: hoà is written hòa, as the market writes)."""
    if not tone:
        return nucleus
    marked = [i for i, ch in enumerate(nucleus) if ch in "ăâêôơư"]
    if marked:
        at = marked[-1] if nucleus[marked[-1]:] != "ơ" or "ư" not in nucleus else marked[-1]
    elif len(nucleus) == 1:
        at = 0
    elif coda or nucleus in ("oa", "oe", "uy", "uê") or len(nucleus) == 3:
        at = len(nucleus) - 1 if len(nucleus) < 3 else 1
    else:
        at = 0
    return nucleus[:at] + unicodedata.normalize("NFC", nucleus[at] + tone) + nucleus[at + 1:]


def _assemble(letters: str, tone: str) -> str | None:
    parts = _split(letters)
    if parts is None:
        return None
    onset, nucleus, coda = parts
    if tone in ("\u0300", "\u0309", "\u0303") and coda in ("c", "ch", "p", "t"):
        return None  # a stopped syllable takes only sắc or nặng
    return unicodedata.normalize("NFC", onset + _place_tone(onset, nucleus, coda, tone) + coda)


def _mark_last(letters: list[str], table: dict[str, str]) -> bool:
    for i in range(len(letters) - 1, -1, -1):
        if letters[i] in table:
            letters[i] = table[letters[i]]
            return True
    return False


def _telex_w(letters: list[str]) -> None:
    """Telex "w": a horn or breve on the vowel before it ("uow" / "duongw" -> ươ), or "ư" on its own."""
    text = "".join(letters)
    if letters[-2:] in (["u", "o"], ["ư", "o"]):
        letters[-2:] = ["ư", "ơ"]
    elif letters and letters[-1] in ("a", "o", "u"):
        letters[-1] = {"a": "ă", "o": "ơ", "u": "ư"}[letters[-1]]
    elif "uo" in text:  # the mark typed after the syllable
        at = text.rindex("uo")
        letters[at:at + 2] = ["ư", "ơ"]
    elif not _mark_last(letters, {"a": "ă", "o": "ơ", "u": "ư"}):
        letters.append("ư")


def decode_telex(word: str) -> str | None:
    first_vowel = next((i for i, ch in enumerate(word) if ch in "aeiouy"), None)
    if not _ASCII_WORD.match(word) or first_vowel is None or any(ch.isdigit() for ch in word):
        return None
    letters: list[str] = []
    tone, changed = "", False
    for i, ch in enumerate(word):
        if ch in TONES and i > first_vowel:
            tone, changed = TONES[ch], True
        elif ch == "z" and i > first_vowel:
            tone, changed = "", True
        elif ch == "d" and letters == ["d"]:
            letters[0], changed = "đ", True
        elif ch in CIRCUMFLEX and letters and letters[-1] == ch:
            letters[-1], changed = CIRCUMFLEX[ch], True
        elif ch == "w":
            _telex_w(letters)
            changed = True
        else:
            letters.append(ch)
    return _assemble("".join(letters), tone) if changed else None


def _vni_mark(letters: list[str], key: str) -> bool:
    """Apply VNI key 6 (â ê ô), 7 (ơ ư, "uo" -> ươ), 8 (ă) or 9 (đ); False when it has nothing to mark."""
    if key == "6":
        return _mark_last(letters, CIRCUMFLEX)
    if key == "7":
        text = "".join(letters)
        if "uo" in text:
            at = text.rindex("uo")
            letters[at:at + 2] = ["ư", "ơ"]
            return True
        return _mark_last(letters, HORN)
    if key == "8":
        return _mark_last(letters, BREVE)
    if key == "9" and letters and letters[0] == "d":
        letters[0] = "đ"
        return True
    return False


def decode_vni(word: str) -> str | None:
    if not _ASCII_WORD.match(word) or not any(ch.isdigit() for ch in word) or word[0].isdigit():
        return None
    letters: list[str] = []
    tone = ""
    for ch in word:
        if ch in VNI_TONES:
            tone = VNI_TONES[ch]
        elif ch.isdigit():
            if not _vni_mark(letters, ch):
                return None
        else:
            letters.append(ch)
    return _assemble("".join(letters), tone)


def decode(word: str) -> str | None:
    """The Vietnamese word a Telex or VNI spelling stands for, or None (not such a spelling, or not a syllable)."""
    word = word.lower()
    return decode_vni(word) if any(ch.isdigit() for ch in word) else decode_telex(word)
