"""market.text.fold is written for speed (the search index folds every document with it); it must give what the
plain definition gives: đ -> d, NFD, every combining mark dropped, spaces collapsed, case folded."""
import random
import re
import unicodedata

from market.text import fold


def plain_fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped).strip().casefold()


def test_fold_examples():
    assert fold("  Hồi   Khô ĐẬU ") == "hoi kho dau"
    assert fold("Quýt vàng Bắc Sơn") == "quyt vang bac son"
    assert fold("İstanbul") == plain_fold("İstanbul") == "istanbul"


def test_fold_equals_the_plain_definition_for_every_character():
    different = [code for code in range(0x110000) if not 0xD800 <= code < 0xE000
                 and fold(chr(code)) != plain_fold(chr(code))]
    assert different == []


def test_fold_equals_the_plain_definition_on_mixed_text():
    rng = random.Random(13)
    pools = [(0x20, 0x2FF), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x4E00, 0x4FFF), (0x1D165, 0x1D169), (0x20, 0x10FFF)]
    for _ in range(20_000):
        text = "".join(chr(rng.randint(*rng.choice(pools))) for _ in range(rng.randint(0, 16)))
        text = text.encode("utf-8", "ignore").decode("utf-8")
        assert fold(text) == plain_fold(text), ascii(text)
