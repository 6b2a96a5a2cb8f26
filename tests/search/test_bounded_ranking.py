"""The embedded engine ranks only the documents that can reach the page (market/search/sqlite_fts.py: candidate
tiers with a bound, the trust-order index), and both engines remember what the index told about its words.
Neither may change an answer: every page of any size is the same slice of the one full ranking, and a word
indexed after a search is known to the next search."""
import pytest

from market.search import SearchQuery
from tests.search.test_contract import keys, listing_doc, market_docs


@pytest.fixture
def indexed(engine):
    engine.index(market_docs())
    engine.refresh()
    return engine


QUERIES = {
    "one word": {"text": "hoi"},
    "every word": {"text": "hoi van quan"},
    "two words, no document has both": {"text": "hoi quyt"},
    "many words, partial": {"text": "hoi kho van quan binh gia"},
    "telex": {"text": "quees vawn lanxg"},
    "filler word": {"text": "mua hoi kho"},
    "typo": {"text": "hoii van"},
    "text and a filter": {"text": "hoi", "filters": {"cert": ["vietgap"]}},
    "filters alone": {"filters": {"kind": ["listing"]}},
    "two filters": {"filters": {"cert": ["vietgap"], "month": ["10", "11"]}},
}


@pytest.mark.parametrize("args", QUERIES.values(), ids=QUERIES.keys())
def test_every_page_is_a_slice_of_the_full_ranking(indexed, args):
    engine = indexed
    full = keys(engine.search(SearchQuery(per_page=50, **args)))  # larger than the corpus: everything scored
    assert full
    for per_page in (1, 2, 3):
        for page in (1, 2, 3):
            got = keys(engine.search(SearchQuery(per_page=per_page, page=page, **args)))
            assert got == full[(page - 1) * per_page:page * per_page], (per_page, page)


def test_a_word_indexed_after_a_search_is_known_to_the_next(indexed):
    engine = indexed
    assert "hoiq" in engine.search(SearchQuery(text="hoiq")).corrected_terms  # not indexed yet: corrected
    engine.index([listing_doc(8, "Hoiq Văn Quan", crop="hoi", form="dried", communes=["Văn Quan"], certs=[],
                              months=[10], price=50_000, harvest="2026-10-02", created="2026-01-20",
                              seller="HTX Hồi Văn Quan", seller_id=1, zones=["LS-VQ-HOI-0020"])])
    engine.refresh()
    after = engine.search(SearchQuery(text="hoiq"))
    assert after.corrected_terms == {} and keys(after) == ["listing:8"]
