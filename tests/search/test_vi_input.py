"""Telex and VNI decoding (market/search/vi_input.py) and the planning of words (market/search/matching.py),
without an engine: the rules both engines share."""
import unicodedata

import pytest

from market.search import matching
from market.search.vi_input import decode


@pytest.mark.parametrize("typed, meant", [
    ("hooif", "hồi"), ("quees", "quế"), ("khoo", "khô"), ("thachj", "thạch"), ("dden", "đen"),
    ("dduwowngf", "đường"), ("nuwowcs", "nước"), ("macws", "mắc"), ("duwaf", "dừa"), ("guwngf", "gừng"),
    ("gooxx", "gỗ"), ("chef", "chè"), ("vangf", "vàng"), ("bawcs", "bắc"), ("sown", "sơn"), ("lawng", "lăng"),
    ("thoong", "thông"), ("gioongs", "giống"), ("HOOIF", "hồi"),
    # VNI
    ("que61", "quế"), ("ho62i", "hồi"), ("ha5t", "hạt"), ("d9a65u", "đậu"), ("nu7o71c", "nước"),
    ("tra2ng", "tràng"), ("ma81c", "mắc"), ("du7a2", "dừa"), ("tho6ng", "thông"),
])
def test_telex_and_vni_spellings_become_the_word(typed, meant):
    assert decode(typed) == meant


@pytest.mark.parametrize("word", ["hoa", "na", "que", "organic", "vietgap", "dried", "oil", "2027", "x0", "hồi",
                                  "star", "mart", "abc7", "q9"])
def test_words_that_are_not_such_spellings_stay_as_they_are(word):
    assert decode(word) is None


@pytest.mark.parametrize("a, b, distance", [
    ("quyt", "quyx", 1), ("que", "qeu", 1), ("hoi", "hoii", 1), ("hoi", "ho", 1), ("quyt", "xuyt", 1),
    ("quyt", "quyxx", 2), ("cinnamon", "cinamon", 1), ("macadamia", "macadamla", 1),
])
def test_edit_distance_counts_a_swap_as_one_edit(a, b, distance):
    assert matching.edit_distance(a, b, 2) == distance


class Vocabulary(matching.Vocabulary):
    def __init__(self, words: dict[str, int]):
        self.words = words

    def counts(self, terms, prefix):
        return ({t: self.words[t] for t in terms if t in self.words},
                sum(n for w, n in self.words.items() if prefix and w.startswith(prefix)))

    def neighbours(self, term, edits):
        return [(w, n) for w, n in self.words.items() if w[0] == term[0] and abs(len(w) - len(term)) <= edits]


WORDS = Vocabulary({"hoi": 30, "hoa": 12, "kho": 20, "quyt": 9, "que": 15, "quy": 2, "van": 8, "quan": 8,
                    "mua": 3, "cinnamon": 4})


def test_a_plan_keeps_the_word_and_adds_what_it_stands_for():
    plan = matching.plan("hooif khoo", WORDS)
    assert [(w.forms, w.decoded, w.corrections) for w in plan.words] == [
        (["hooif", "hoi"], "hồi", []), (["khoo", "kho"], "khô", [])]
    assert plan.decoded == {"hooif": "hồi", "khoo": "khô"}


def test_unknown_words_from_three_letters_are_corrected_anchored_on_the_first_letter():
    plan = matching.plan("qyut kh", WORDS)
    assert plan.words[0].corrections == ["quyt"]
    assert plan.words[1].prefix and plan.words[1].corrections == []  # "kh" starts "kho": still being typed
    assert matching.plan("xuyt", WORDS).words[0].corrections == []    # no indexed word starts with x
    assert matching.plan("hx", WORDS).words[0].corrections == []      # under three letters
    assert matching.plan("hoj", WORDS).words[0].corrections == ["hoi", "hoa"]  # the most frequent first


def test_filler_words_count_loosely_and_are_never_corrected():
    plan = matching.plan("mua hoi", WORDS)
    assert plan.words[0].filler and plan.words[0].points == matching.LOOSE_POINTS
    assert not plan.words[1].filler and plan.words[1].points == matching.WORD_POINTS
    assert not matching.plan("mua", WORDS).words[0].filler  # alone, it is what the buyer looks for


def test_a_weak_word_gets_a_did_you_mean_only_for_a_far_more_frequent_neighbour():
    assert matching.did_you_mean(matching.plan("quy", WORDS), WORDS) == ["que"]  # 15 >= 5 * 2 + 2
    assert matching.did_you_mean(matching.plan("hoa", WORDS), WORDS) is None      # hoi: 30 < 5 * 12 + 2


def test_a_folded_word_is_shown_as_people_write_it():
    texts = ["Hoa hồi khô", "Hồi tươi Bình Gia", "HTX Quế Hội Hoan", "hoi (không dấu)"]
    assert matching.written_form("hoi", texts) == "hồi"                  # the most frequent written form
    assert matching.written_form("hoi", ["Hội", "hoi"]) == "hội"         # equal counts: the one with marks
    assert matching.written_form("hoi", ["Hỏi", "Hội"]) == "hỏi"         # then the first alphabetically
    assert matching.written_form("que", [unicodedata.normalize("NFD", "Quế")]) == "quế"  # NFC, lower case
    assert matching.written_form("anise", ["Hoa hồi"]) is None           # not in the visible text
    assert matching.written_form("dau", ["Tinh dầu"]) == "dầu"
    assert matching.written_form("dong", ["Đồng Đăng"]) == "đồng"        # đ folds to d
