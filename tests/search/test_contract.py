"""The contract both engines keep (market/search/base.py): one suite, run unchanged against SQLite FTS5 and
Elasticsearch through the parametrized `engine` fixture (tests/search/conftest.py).

Documents are dicts shaped exactly as market/search/documents.py builds them, for a small Lạng Sơn market:
harvests of hồi, quế, na, quýt and mắc ca, OCOP products with their stars, and organisations, in communes
whose names carry diacritics. Expected answers are computed here from the documents, not copied from an
engine."""
import re
import uuid
import warnings
from collections import Counter

import pytest

from market.search import SearchQuery, SearchResult
from market.search.elastic import ElasticsearchBackend
from market.search.query import FACETS
from market.search.sqlite_fts import SqliteFtsBackend
from market.text import fold
from tests.search.conftest import ENGINES, drop_indices, elasticsearch_url

# --- documents, built the way market/search/documents.py builds them -----------------------------------

CROPS = {  # key: (name_vi, name_en, aliases), as in market/data/plan.json
    "hoi": ("Hồi", "Star anise", ["Hôi", "Hời"]),
    "que": ("Quế", "Cinnamon", []),
    "na": ("Na", "Custard apple", []),
    "quyt": ("Quýt và cây ăn quả có múi", "Mandarin and citrus", []),
    "mac_ca": ("Mắc ca", "Macadamia", []),
    "thach_den": ("Thạch đen", "Black grass jelly (Mesona)", []),
}
FORMS = {"fresh": "Tươi", "dried": "Khô", "bark": "Vỏ", "oil": "Tinh dầu"}
CERTS = {"vietgap": "VietGAP", "organic": "Hữu cơ", "planting_area_code": "Mã số vùng trồng"}
CATEGORIES = {"spice": "Gia vị", "tea": "Chè", "food": "Thực phẩm"}


def _text(*parts) -> str:
    return " ".join(str(p) for p in parts if p)


def _stamp(day: str) -> str:
    """created_at as documents.py writes it: an aware UTC datetime's isoformat()."""
    return f"{day}T03:00:00+00:00"


def listing_doc(object_id: int, title: str, *, crop: str, form: str, communes: list[str], certs: list[str],
                months: list[int], price: int | None, harvest: str, created: str, seller: str, seller_id: int,
                zones: list[str], description: str = "", grade: str = "Loại 1", quantity: float = 12.0) -> dict:
    name_vi, name_en, aliases = CROPS[crop]
    body = _text(description, name_vi, FORMS[form], grade, " ".join(communes), seller,
                 " ".join(zones), " ".join(CERTS[c] for c in certs))
    hidden = _text(name_en, " ".join(aliases))
    return {
        "key": f"listing:{object_id}", "kind": "listing", "object_id": object_id,
        "title": title, "body": body[:4000], "title_folded": fold(title), "body_folded": fold(body)[:4000],
        "hidden_folded": fold(hidden),
        "url": f"/listings/{object_id}",
        "crop": [crop], "form": [form], "commune": sorted(communes), "cert": sorted(certs), "stars": [],
        "month": months, "price": price, "quantity": quantity, "seller": seller, "seller_id": seller_id,
        "verified": True, "certified": bool(certs), "available": True, "retail": False, "harvest_start": harvest, "created_at": _stamp(created),
        "data": {"unit": "tan", "harvest_start": harvest, "harvest_end": harvest, "status": "open",
                 "quantity": quantity, "crop_vi": name_vi, "crop_en": name_en},
    }


def product_doc(object_id: int, name: str, *, stars: int, valid: bool, price: int, commune: str, crop: str | None,
                category: str, created: str, seller: str, seller_id: int, description: str = "") -> dict:
    name_vi, name_en, aliases = CROPS[crop] if crop else ("", "", [])
    body = _text(description, CATEGORIES[category], name_vi, f"OCOP {stars} sao", commune, seller)
    return {
        "key": f"product:{object_id}", "kind": "product", "object_id": object_id,
        "title": name, "body": body[:4000], "title_folded": fold(name), "body_folded": fold(body)[:4000],
        "hidden_folded": fold(_text(name_en, " ".join(aliases))),
        "url": f"/products/{object_id}",
        "crop": [crop] if crop else [], "form": [], "commune": [commune], "cert": ["ocop"] if valid else [],
        "stars": [stars], "month": list(range(1, 13)), "price": price, "quantity": 10.0,
        "seller": seller, "seller_id": seller_id, "verified": valid, "certified": valid, "available": True,
        "retail": valid and stars in (4, 5),
        "harvest_start": None, "created_at": _stamp(created),
        "data": {"unit": "hộp", "stars": stars, "stock": 10, "min_order_qty": 1, "certificate_valid": valid,
                 "tourist_shops_allowed": True},
    }


def organisation_doc(object_id: int, name: str, *, kind_label: str, commune: str, created: str,
                     description: str = "", address: str = "") -> dict:
    body = _text(description, kind_label, commune, address)
    return {
        "key": f"organisation:{object_id}", "kind": "organisation", "object_id": object_id,
        "title": name, "body": body[:4000], "title_folded": fold(name), "body_folded": fold(body)[:4000],
        "hidden_folded": "", "url": f"/orgs/{object_id}",
        "crop": [], "form": [], "commune": [commune], "cert": [], "stars": [], "month": [],
        "price": None, "quantity": None, "seller": name, "seller_id": object_id, "verified": True,
        "certified": False, "available": False, "retail": False, "harvest_start": None, "created_at": _stamp(created), "data": {"org_kind": "cooperative"},
    }


def market_docs() -> list[dict]:
    """Fifteen documents; prices, harvest dates and creation times are all distinct, so orders are exact."""
    return [
        listing_doc(1, "Hoa hồi khô vụ mùa", crop="hoi", form="dried", communes=["Văn Quan"], certs=["vietgap"],
                    months=[10, 11], price=95_000, harvest="2026-10-01", created="2026-01-05",
                    seller="HTX Hồi Văn Quan", seller_id=1, zones=["LS-VQ-HOI-0012"],
                    description="Hồi chín đều, phơi nắng, cánh to"),
        listing_doc(2, "Hồi tươi Bình Gia", crop="hoi", form="fresh", communes=["Bình Gia"], certs=[], months=[9],
                    price=40_000, harvest="2026-09-01", created="2026-01-06", seller="HTX Nông lâm Bình Gia",
                    seller_id=4, zones=["LS-BG-HOI-0003"]),
        listing_doc(3, "Vỏ quế Văn Lãng", crop="que", form="bark", communes=["Văn Lãng"], certs=["organic"],
                    months=[3, 4, 5], price=None, harvest="2026-03-15", created="2026-01-07",
                    seller="HTX Quế Hội Hoan", seller_id=5, zones=["LS-VL-QUE-0001"],
                    description="Quế bóc vỏ, giá thỏa thuận"),
        listing_doc(4, "Na Chi Lăng loại một", crop="na", form="fresh", communes=["Chi Lăng"],
                    certs=["planting_area_code", "vietgap"], months=[7, 8], price=35_000, harvest="2026-07-20",
                    created="2026-01-08", seller="HTX Na Chi Lăng", seller_id=2, zones=["LS-CL-NA-0007"]),
        listing_doc(5, "Quýt vàng Bắc Sơn", crop="quyt", form="fresh", communes=["Bắc Sơn"], certs=["vietgap"],
                    months=[11, 12], price=30_000, harvest="2026-11-10", created="2026-01-09",
                    seller="HTX Quýt Bắc Sơn", seller_id=6, zones=["LS-BS-QUYT-0002"]),
        listing_doc(6, "Hạt mắc ca Lộc Bình", crop="mac_ca", form="dried", communes=["Lộc Bình"], certs=[],
                    months=[9, 10], price=210_000, harvest="2026-09-20", created="2026-01-10",
                    seller="HTX Mắc ca Lộc Bình", seller_id=7, zones=["LS-LB-MACCA-0001"]),
        listing_doc(7, "Hồi Tràng Định hai vùng", crop="hoi", form="dried", communes=["Tràng Định", "Văn Quan"],
                    certs=["organic", "vietgap"], months=[10], price=99_000, harvest="2026-10-05",
                    created="2026-01-11", seller="HTX Hồi Văn Quan", seller_id=1,
                    zones=["LS-TD-HOI-0004", "LS-VQ-HOI-0013"]),
        product_doc(1, "Tinh dầu hồi Văn Quan", stars=5, valid=True, price=180_000, commune="Văn Quan", crop="hoi",
                    category="spice", created="2026-01-12", seller="HTX Hồi Văn Quan", seller_id=1),
        product_doc(2, "Chè Shan tuyết Mẫu Sơn", stars=3, valid=True, price=250_000, commune="Mẫu Sơn", crop=None,
                    category="tea", created="2026-01-13", seller="HTX Chè Mẫu Sơn", seller_id=8),
        product_doc(3, "Thạch đen Tràng Định", stars=4, valid=False, price=25_000, commune="Tràng Định",
                    crop="thach_den", category="food", created="2026-01-14", seller="HTX Thạch đen Tràng Định",
                    seller_id=9),
        product_doc(4, "Bột quế hữu cơ", stars=4, valid=True, price=60_000, commune="Văn Lãng", crop="que",
                    category="spice", created="2026-01-15", seller="HTX Quế Hội Hoan", seller_id=5),
        product_doc(5, "Đậu đen xanh lòng Đình Lập", stars=3, valid=True, price=45_000, commune="Đình Lập",
                    crop=None, category="food", created="2026-01-16", seller="HTX Đình Lập", seller_id=10),
        organisation_doc(1, "HTX Hồi Văn Quan", kind_label="Hợp tác xã", commune="Văn Quan", created="2025-12-01",
                         description="Trồng và sơ chế hồi"),
        organisation_doc(2, "HTX Na Chi Lăng", kind_label="Hợp tác xã", commune="Chi Lăng", created="2025-12-02"),
        organisation_doc(3, "Cửa hàng đặc sản Động Tam Thanh", kind_label="Cửa hàng điểm du lịch",
                         commune="Tam Thanh", created="2025-12-03"),
    ]


# --- expectations computed from the documents ----------------------------------------------------------

def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text))


def _doc_words(doc: dict) -> set[str]:
    return _words(doc["title_folded"]) | _words(doc["body_folded"]) | _words(doc["hidden_folded"])


_KNOWN = set().union(*(_doc_words(d) for d in market_docs()))  # the whole words of the corpus


def matches_text(doc: dict, terms: list[str]) -> bool:
    """Every word is a word of the title, the body or the hidden words; the last may be the start of one when no
    document has it as a whole word (it is still being typed)."""
    words = _doc_words(doc)
    for position, term in enumerate(terms):
        last = position == len(terms) - 1 and term not in _KNOWN
        if term not in words and not (last and any(w.startswith(term) for w in words)):
            return False
    return True


def matches(doc: dict, query: SearchQuery) -> bool:
    if query.terms and not matches_text(doc, query.terms):
        return False
    for name, values in query.filters.items():
        have = [doc["kind"]] if name == "kind" else [str(v) for v in doc[name]]
        if not set(have) & set(values):
            return False
    if query.price_min is not None and (doc["price"] is None or doc["price"] < query.price_min):
        return False
    if query.price_max is not None and (doc["price"] is None or doc["price"] > query.price_max):
        return False
    return not query.retail_only or doc["retail"]


def expected_keys(docs: list[dict], query: SearchQuery) -> set[str]:
    return {d["key"] for d in docs if matches(d, query)}


def expected_facets(docs: list[dict], query: SearchQuery) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    for doc in docs:
        if matches(doc, query):
            counts["kind"][doc["kind"]] += 1
            for name in FACETS:
                if name != "kind":
                    counts[name].update(str(v) for v in doc[name])
    return {name: dict(c) for name, c in counts.items()}


def keys(result: SearchResult) -> list[str]:
    return [hit.key for hit in result.hits]


def all_hits(engine, query: SearchQuery) -> SearchResult:
    """The whole answer on one page (the corpus is small)."""
    query.per_page = 50
    return engine.search(query)


# The tests that change the index (or index more) get a fresh, empty engine, as every test did. Every other test
# that asks for `docs` only reads the same fifteen documents: they are indexed once per engine for the module
# (an Elasticsearch index created, filled and dropped for each of ~100 tests was most of this file's time).
WRITERS = {"test_delete_removes_and_ignores_unknown_keys", "test_indexing_a_key_again_replaces_it",
           "test_reindex_swaps_in_a_new_set", "test_reindex_of_nothing_leaves_an_empty_index",
           "test_a_reindex_that_fails_half_way_leaves_the_old_index",
           "test_did_you_mean_when_a_correction_finds_clearly_more"}


@pytest.fixture(scope="module")
def _indexed_once():
    """engine name -> a backend holding market_docs(), filled when a read-only test first asks for it."""
    backends: dict = {}
    yield backends
    for name, backend in backends.items():
        if name == "elasticsearch":
            drop_indices(backend)
        else:
            backend.close()


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path_factory, _indexed_once):
    """As tests/search/conftest.py's `engine` (fresh and empty), except for a read-only test with `docs`:
    the module's engine already holding market_docs()."""
    shared = "docs" in request.fixturenames and request.node.originalname not in WRITERS
    if shared and request.param in _indexed_once:
        yield _indexed_once[request.param]
        return
    if request.param == "sqlite-fts5":
        backend = SqliteFtsBackend(str(tmp_path_factory.mktemp("search") / "search.sqlite3"))
    elif shared:  # outlives the test: its own alias, dropped with the module
        backend = ElasticsearchBackend(elasticsearch_url(), alias=f"market-test-{uuid.uuid4().hex[:12]}",
                                       refresh_on_write=True)
    else:
        backend = request.getfixturevalue("elastic")
    if shared:
        backend.index(market_docs())
        backend.refresh()
        _indexed_once[request.param] = backend
        yield backend
        return
    yield backend
    if request.param == "sqlite-fts5":
        backend.close()


@pytest.fixture
def docs(engine, _indexed_once) -> list[dict]:
    docs = market_docs()
    if not any(engine is shared for shared in _indexed_once.values()):
        engine.index(docs)
        engine.refresh()
    return docs


# --- words: folding, diacritics, typos, AND ------------------------------------------------------------

@pytest.mark.parametrize("text", ["hoi", "Hoi", "HOI", "hồi", "Hồi", "  hồi  "])
def test_star_anise_is_found_with_or_without_diacritics(engine, docs, text):
    result = all_hits(engine, SearchQuery(text=text))
    found = set(keys(result))
    assert {"listing:1", "listing:2", "listing:7", "product:1", "organisation:1"} <= found
    assert "listing:5" not in found and "listing:4" not in found  # quýt and na
    assert found == expected_keys(docs, SearchQuery(text=text))
    assert result.total == len(found)
    # Titles come back as written, diacritics and all.
    titles = {hit.key: hit.title for hit in result.hits}
    assert titles["listing:1"] == "Hoa hồi khô vụ mùa"


@pytest.mark.parametrize("text, wanted", [
    ("que", {"listing:3", "product:4"}),                      # Quế
    ("quế", {"listing:3", "product:4"}),
    ("dau", {"product:5", "product:1"}),                      # Đậu, and dầu (essential oil) folds the same
    ("Đậu", {"product:5", "product:1"}),
    ("dinh lap", {"product:5"}),                              # Đình Lập
    ("tràng định", {"listing:7", "product:3"}),
    ("quyt", {"listing:5"}),                                  # Quýt
    ("bac son", {"listing:5"}),                               # Bắc Sơn
    ("mau son", {"product:2"}),                               # Mẫu Sơn
    ("dong tam thanh", {"organisation:3"}),                   # Động Tam Thanh
])
def test_vietnamese_words_fold(engine, docs, text, wanted):
    found = set(keys(all_hits(engine, SearchQuery(text=text))))
    assert wanted <= found
    assert found == expected_keys(docs, SearchQuery(text=text))


@pytest.mark.parametrize("text, wanted", [
    ("vietgp", "listing:1"),        # VietGAP, one letter missing (6 letters: one edit allowed)
    ("macadamla", "listing:6"),     # Macadamia, one letter changed
    ("cinamon", "listing:3"),       # Cinnamon
])
def test_a_one_letter_typo_in_a_long_word_still_finds_it(request, engine, docs, text, wanted):
    assert wanted in keys(all_hits(engine, SearchQuery(text=text)))


def test_a_typo_before_the_last_word_is_tolerated(engine, docs):
    # "vietgp" and "chi" are both in listing 4's body; only the last word is a prefix.
    assert "listing:4" in keys(all_hits(engine, SearchQuery(text="vietgp chi")))


@pytest.mark.parametrize("text, wanted, corrected", [
    ("quyx bac", "listing:5", {"quyx": "quyt"}),     # one letter changed in a four-letter syllable
    ("qyut bac", "listing:5", {"qyut": "quyt"}),     # two letters swapped
    ("hoii binh", "listing:2", {"hoii": "hoi"}),     # a doubled letter
    ("naa chi", "listing:4", None),                  # Telex "naa" is "nâ": not indexed, so corrected to "na"
])
def test_a_short_syllable_tolerates_one_edit(engine, docs, text, wanted, corrected):
    result = all_hits(engine, SearchQuery(text=text))
    assert wanted in keys(result) and not result.partial
    if corrected:
        assert result.corrected_terms == corrected


def test_typo_tolerance_is_anchored_and_bounded(engine, docs):
    assert all_hits(engine, SearchQuery(text="xuyt")).total == 0        # the first letter is never changed
    assert all_hits(engine, SearchQuery(text="quyxx")).total == 0       # two edits in a short word: no
    assert all_hits(engine, SearchQuery(text="hx")).total == 0          # under three letters: exact only
    assert all_hits(engine, SearchQuery(text="hoi")).corrected_terms == {}  # a known word is never corrected


@pytest.mark.parametrize("text, wanted, decoded", [
    ("hooif", "listing:1", {"hooif": "hồi"}),
    ("ho62i", "listing:1", {"ho62i": "hồi"}),
    ("que61", "listing:3", {"que61": "quế"}),
    ("quees vawn lanxg", "listing:3", {"quees": "quế", "vawn": "văn", "lanxg": "lãng"}),
    ("thachj dden", "product:3", {"thachj": "thạch", "dden": "đen"}),
])
def test_telex_and_vni_are_decoded(engine, docs, text, wanted, decoded):
    result = all_hits(engine, SearchQuery(text=text))
    assert wanted in keys(result) and not result.partial
    assert result.decoded == decoded


def test_every_word_must_match_first(engine, docs):
    query = SearchQuery(text="hoi binh gia")
    result = all_hits(engine, query)
    assert keys(result) == ["listing:2"] and not result.partial
    assert expected_keys(docs, query) == {"listing:2"}


def test_without_a_document_holding_every_word_the_best_partial_matches_come(engine, docs):
    result = all_hits(engine, SearchQuery(text="hoi quyt"))
    assert result.partial
    assert set(keys(result)) == expected_keys(docs, SearchQuery(text="hoi")) | expected_keys(docs, SearchQuery(text="quyt"))
    # More words matched rank first: "hồi Văn Quan" in the title beats "hồi" alone.
    ranked = keys(all_hits(engine, SearchQuery(text="hoi van quan dong dang")))
    assert ranked[0] in {"product:1", "organisation:1"}
    assert ranked.index("listing:2") > ranked.index("product:1")


def test_words_may_be_split_between_title_and_body(request, engine, docs):
    # "hoa" is only in listing 1's title, "vietgap" only in its body.
    query = SearchQuery(text="hoa vietgap")
    assert set(keys(all_hits(engine, query))) == expected_keys(docs, query) == {"listing:1"}


def test_the_last_word_may_be_unfinished(engine, docs):
    found = set(keys(all_hits(engine, SearchQuery(text="mac"))))  # typing "mắc ca"
    assert "listing:6" in found
    # Not a word of the index: the start of one ("macada" -> macadamia, "tinh da" -> tinh dầu).
    assert "listing:6" in keys(all_hits(engine, SearchQuery(text="macada")))
    assert "product:1" in keys(all_hits(engine, SearchQuery(text="tinh da")))
    # A whole word is matched as it is, unless suggesting as you type: "na" is not "nam".
    assert "listing:4" in keys(all_hits(engine, SearchQuery(text="na")))
    assert "listing:3" not in keys(all_hits(engine, SearchQuery(text="hoa")))  # "HTX Quế Hội Hoan"
    assert "listing:3" in keys(all_hits(engine, SearchQuery(text="hoa", as_you_type=True)))


# --- filters and facets --------------------------------------------------------------------------------

@pytest.mark.parametrize("filters", [
    {"crop": ["hoi"]},
    {"crop": ["hoi"], "commune": ["Văn Quan"]},                 # facets combine with AND
    {"crop": ["hoi", "na"]},                                    # values of one facet mean OR
    {"crop": ["hoi", "que"], "kind": ["listing"]},
    {"commune": ["Tràng Định", "Chi Lăng"], "cert": ["vietgap"]},
    {"kind": ["product"], "stars": ["4", "5"]},
    {"month": ["11"]},
    {"month": ["3", "7"], "kind": ["listing"]},
    {"cert": ["ocop"]},
    {"form": ["fresh"], "commune": ["Bình Gia", "Bắc Sơn", "Chi Lăng"]},
    {"commune": ["Nowhere"]},
])
def test_filters(engine, docs, filters):
    query = SearchQuery(filters=filters)
    result = all_hits(engine, query)
    wanted = expected_keys(docs, query)
    assert set(keys(result)) == wanted
    assert result.total == len(wanted)


def test_filters_combine_as_documented(engine, docs):
    both = set(keys(all_hits(engine, SearchQuery(filters={"crop": ["hoi"], "commune": ["Văn Quan"]}))))
    assert both == {"listing:1", "listing:7", "product:1"}
    either = set(keys(all_hits(engine, SearchQuery(filters={"crop": ["hoi", "na"]}))))
    assert either == {"listing:1", "listing:2", "listing:4", "listing:7", "product:1"}


@pytest.mark.parametrize("query", [
    SearchQuery(),
    SearchQuery(text="hoi"),
    SearchQuery(filters={"kind": ["listing"]}),
    SearchQuery(filters={"crop": ["hoi", "que"]}, price_max=100_000),
    SearchQuery(text="van", filters={"cert": ["vietgap", "organic"]}),
    SearchQuery(retail_only=True),
], ids=["everything", "text", "kind", "filters-and-price", "text-and-filter", "retail"])
def test_facet_counts_are_the_matching_documents_per_value(engine, docs, query):
    result = all_hits(engine, query)
    wanted = expected_facets(docs, query)
    assert set(result.facets) == set(FACETS)
    for name in FACETS:
        got = result.facets[name]
        assert dict(got) == wanted[name], name
        assert got == sorted(got, key=lambda item: (-item[1], item[0])), f"{name}: most frequent first"
        assert all(isinstance(value, str) for value, _count in got)


def test_price_range(engine, docs):
    query = SearchQuery(price_min=35_000, price_max=99_000)
    result = all_hits(engine, query)
    assert set(keys(result)) == expected_keys(docs, query) == {
        "listing:1", "listing:2", "listing:4", "listing:7", "product:4", "product:5"}
    assert all(35_000 <= hit.data["price"] <= 99_000 for hit in result.hits)
    assert set(keys(all_hits(engine, SearchQuery(price_min=200_000)))) == {"listing:6", "product:2"}
    assert set(keys(all_hits(engine, SearchQuery(price_max=30_000)))) == {"listing:5", "product:3"}


def test_retail_only_keeps_four_and_five_star_products_with_a_valid_certificate(engine, docs):
    result = all_hits(engine, SearchQuery(retail_only=True))
    assert set(keys(result)) == {"product:1", "product:4"}  # not 3 stars, not the expired 4-star one
    assert set(keys(all_hits(engine, SearchQuery(text="que", retail_only=True)))) == {"product:4"}


def test_month_filter(engine, docs):
    found = set(keys(all_hits(engine, SearchQuery(filters={"month": ["11"]}))))
    assert found == {"listing:1", "listing:5"} | {f"product:{n}" for n in range(1, 6)}


# --- sort orders and paging ----------------------------------------------------------------------------

def _ordered(docs, field, *, reverse=False) -> tuple[list[str], set[str]]:
    """Keys of documents that have `field`, in order, and the set of those without (which come last)."""
    having = sorted((d for d in docs if d[field] is not None), key=lambda d: d[field], reverse=reverse)
    return [d["key"] for d in having], {d["key"] for d in docs if d[field] is None}


@pytest.mark.parametrize("sort, field, reverse", [
    ("price_asc", "price", False),
    ("price_desc", "price", True),
    ("harvest", "harvest_start", False),
    ("newest", "created_at", True),
])
def test_sort_orders(engine, docs, sort, field, reverse):
    ordered, missing = _ordered(docs, field, reverse=reverse)
    got = keys(all_hits(engine, SearchQuery(sort=sort)))
    assert got[:len(ordered)] == ordered
    assert set(got[len(ordered):]) == missing, "documents without a value come last"


def test_sort_applies_within_a_filtered_search(engine, docs):
    got = keys(all_hits(engine, SearchQuery(text="hoi", filters={"kind": ["listing"]}, sort="price_desc")))
    assert got == ["listing:7", "listing:1", "listing:2", "listing:3"]  # 3: "HTX Quế Hội Hoan", no price
    prices = [hit.data["price"] for hit in all_hits(engine, SearchQuery(text="hoi", sort="price_asc")).hits]
    assert prices == sorted(p for p in prices if p is not None) + [None] * prices.count(None)


def test_paging(engine, docs):
    ordered, missing = _ordered(docs, "price")
    pages = [engine.search(SearchQuery(sort="price_asc", per_page=4, page=n)) for n in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [4, 4, 4, 3]
    assert keys(pages[0]) == ordered[0:4]
    assert keys(pages[1]) == ordered[4:8], "page 2 gives the next documents"
    together = [key for page in pages for key in keys(page)]
    assert together[:len(ordered)] == ordered and set(together[len(ordered):]) == missing
    assert len(set(together)) == len(docs)
    assert all(page.total == len(docs) for page in pages)
    beyond = engine.search(SearchQuery(sort="price_asc", per_page=4, page=9))
    assert beyond.hits == [] and beyond.total == len(docs)
    # Facets describe every match, not one page.
    assert dict(beyond.facets["kind"]) == {"listing": 7, "product": 5, "organisation": 3}


def test_paging_a_text_search(engine, docs):
    query = SearchQuery(text="hoi", sort="newest", per_page=2)
    wanted = expected_keys(docs, query)
    seen = []
    for page in range(1, 10):
        query.page = page
        result = engine.search(query)
        assert result.total == len(wanted)
        if not result.hits:
            break
        seen += keys(result)
    assert len(seen) == len(set(seen)) and set(seen) == wanted


# --- writes ---------------------------------------------------------------------------------------------

def test_delete_removes_and_ignores_unknown_keys(engine, docs):
    engine.delete(["listing:2", "product:3", "listing:999"])
    engine.delete([])
    engine.refresh()
    assert engine.count() == len(docs) - 2
    everything = set(keys(all_hits(engine, SearchQuery())))
    assert "listing:2" not in everything and "product:3" not in everything
    assert "listing:2" not in keys(all_hits(engine, SearchQuery(text="binh gia")))
    facets = all_hits(engine, SearchQuery()).facets
    assert dict(facets["commune"]).get("Bình Gia") is None


def test_indexing_a_key_again_replaces_it(engine, docs):
    changed = dict(docs[0], title="Hoa hồi loại đặc biệt", title_folded=fold("Hoa hồi loại đặc biệt"),
                   price=120_000, commune=["Văn Quan"], cert=[])
    engine.index([changed])
    engine.index([])
    engine.refresh()
    assert engine.count() == len(docs)
    everything = keys(all_hits(engine, SearchQuery()))
    assert everything.count("listing:1") == 1
    assert keys(all_hits(engine, SearchQuery(text="dac biet"))) == ["listing:1"]
    assert "listing:1" not in keys(all_hits(engine, SearchQuery(text="vu mua")))
    assert "listing:1" not in keys(all_hits(engine, SearchQuery(filters={"cert": ["vietgap"]})))
    [hit] = [h for h in all_hits(engine, SearchQuery(text="dac biet")).hits]
    assert hit.data["price"] == 120_000 and hit.title == "Hoa hồi loại đặc biệt"


def test_reindex_swaps_in_a_new_set(engine, docs):
    old_indices = _es_indices(engine)
    fresh = [dict(d, key=f"{d['kind']}:{d['object_id'] + 100}", object_id=d["object_id"] + 100)
             for d in docs if d["kind"] == "listing"]
    seen = []
    total = engine.reindex(iter([fresh[:4], fresh[4:]]), progress=seen.append)
    engine.refresh()
    assert total == len(fresh) == engine.count()
    assert seen == [4, len(fresh) - 4]
    everything = set(keys(all_hits(engine, SearchQuery())))
    assert everything == {d["key"] for d in fresh}, "none of the old documents is left"
    assert "product:1" not in keys(all_hits(engine, SearchQuery(text="tinh dau")))
    assert all_hits(engine, SearchQuery()).facets["kind"] == [("listing", len(fresh))]
    if engine.name == "elasticsearch":
        live = list(engine.client.indices.get_alias(name=engine.alias))
        assert len(live) == 1 and live[0] not in old_indices
        assert _es_indices(engine) == set(live), "the old index is deleted"
    # Writes after the swap land in the new index.
    engine.index([docs[0]])
    engine.refresh()
    assert engine.count() == len(fresh) + 1


def test_reindex_of_nothing_leaves_an_empty_index(engine, docs):
    assert engine.reindex(iter([])) == 0
    engine.refresh()
    assert engine.count() == 0
    assert engine.search(SearchQuery()).total == 0


def test_a_reindex_that_fails_half_way_leaves_the_old_index(engine, docs):
    """A reindex that fails while its documents are built, or a document the engine refuses, leaves the live
    index as it was."""
    before = set(keys(all_hits(engine, SearchQuery())))
    assert before

    def batches():
        yield [dict(d, key=f"{d['kind']}:{d['object_id'] + 100}", object_id=d["object_id"] + 100) for d in docs[:3]]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        engine.reindex(batches())
    engine.refresh()
    assert set(keys(all_hits(engine, SearchQuery()))) == before
    broken = [{k: v for k, v in dict(docs[0], key="listing:999", object_id=999, price="not a number").items()
               if k != "title"}]  # Elasticsearch refuses the price, SQLite misses the title
    with pytest.raises(Exception):  # noqa: B017 - each engine refuses in its own words
        engine.reindex(iter([docs[:2], broken]))
    engine.refresh()
    assert set(keys(all_hits(engine, SearchQuery()))) == before


def _es_indices(engine) -> set[str]:
    if engine.name != "elasticsearch":
        return set()
    return set(engine.client.indices.get(index=f"{engine.alias}-*"))


# --- count, health, everything, odd input --------------------------------------------------------------

def test_count_and_health(engine):
    assert engine.count() == 0
    health = engine.health()
    assert health["ok"] is True and health["engine"] == engine.name
    engine.index(market_docs()[:3])
    engine.refresh()
    assert engine.count() == 3


def test_an_empty_index_answers(engine):
    result = engine.search(SearchQuery(text="hoi", filters={"crop": ["hoi"]}))
    assert result.total == 0 and result.hits == [] and result.engine == engine.name


def test_an_empty_query_returns_everything(engine, docs):
    result = all_hits(engine, SearchQuery())
    assert result.total == len(docs) and set(keys(result)) == {d["key"] for d in docs}
    assert result.engine == engine.name and result.available is True
    hit = next(h for h in result.hits if h.key == "product:1")
    assert (hit.kind, hit.object_id, hit.url) == ("product", 1, "/products/1")
    assert hit.data["price"] == 180_000 and hit.data["seller"] == "HTX Hồi Văn Quan" and hit.data["stars"] == 5
    assert "OCOP 5 sao" in hit.data["body"]


ODD_TEXT = [
    "' OR 1=1 --", '"*', "NEAR(", "NEAR(hoi quế, 2)", "title_folded:x", '{"query":1}', '{"match_all":{}}',
    "hoi AND", "NOT hoi", "-hoi", "^hoi", "hoi*", '"hoi', "hoi~2", "*:*", "/.*/", "\\", "'); DROP TABLE doc; --",
    "(((", ")))", "[1 TO 5]", "<script>alert(1)</script>", "%", "_", "🌿 hồi", "\u0000hoi", "a" * 500,
]


@pytest.mark.parametrize("text", ODD_TEXT, ids=[f"odd{i}" for i in range(len(ODD_TEXT))])
def test_odd_text_never_raises(engine, docs, text):
    result = engine.search(SearchQuery(text=text))
    assert isinstance(result, SearchResult) and result.total >= 0
    only_punctuation = not SearchQuery(text=text).terms
    if only_punctuation:
        assert result.total == len(docs)  # nothing to match: every document, like an empty search


@pytest.mark.parametrize("text", [
    ("hồi " * 125)[:500],
    " ".join(["macadamia"] * 51)[:500],
    " ".join(f"tu{n:03d}dai" for n in range(60))[:500],
    "x" * 250 + " " + "y" * 249,
    ("Đậu đen xanh lòng Đình Lập, " * 20)[:500],
], ids=["repeated-short", "repeated-long", "many-distinct", "two-giants", "sentence"])
def test_a_500_character_query_works(engine, docs, text):
    assert len(text) == 500
    result = engine.search(SearchQuery(text=text))
    assert isinstance(result, SearchResult)
    if text.startswith("hồi"):
        assert "listing:1" in keys(all_hits(engine, SearchQuery(text=text)))
    if text.startswith("Đậu"):
        assert keys(all_hits(engine, SearchQuery(text=text))) == ["product:5"]


def test_no_deprecation_warnings(request, engine):
    """The project turns warnings into errors (pyproject's filterwarnings): the engines must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine.index(market_docs())
        engine.delete(["listing:1"])
        engine.refresh()
        engine.search(SearchQuery(text="hoi"))
        assert engine.health()["ok"] is True
        engine.reindex(iter([market_docs()[:2]]))
        assert engine.count() == 2


# --- ranking a buyer trusts, did you mean, bad queries ---------------------------------------------------

def _honey(object_id: int, *, verified: bool, certified: bool, available: bool, created: str,
           title: str = "Mật ong rừng Mẫu Sơn", description: str = "") -> dict:
    doc = listing_doc(100 + object_id, title, crop="na", form="fresh", communes=["Mẫu Sơn"],
                      certs=["vietgap"] if certified else [], months=[5], price=100_000 + object_id,
                      harvest="2026-05-01", created=created, seller="HTX Ong Mẫu Sơn", seller_id=20,
                      zones=[], description=description)
    return dict(doc, verified=verified, certified=certified, available=available)


def test_ranking_is_relevance_then_verified_certified_available_recent(engine):
    docs = [
        _honey(1, verified=False, certified=True, available=True, created="2026-02-09"),
        _honey(2, verified=True, certified=False, available=True, created="2026-02-08"),
        _honey(3, verified=True, certified=True, available=False, created="2026-02-07"),
        _honey(4, verified=True, certified=True, available=True, created="2026-02-01"),
        _honey(5, verified=True, certified=True, available=True, created="2026-02-05"),
        # Relevance first: the words in the title beat every signal of a listing that has them in its text only.
        _honey(6, verified=False, certified=False, available=False, created="2026-01-01",
               title="Mật ong rừng"),
        _honey(7, verified=True, certified=True, available=True, created="2026-03-01",
               title="Sáp ong", description="mật rừng Mẫu Sơn"),
    ]
    engine.index(docs)
    engine.refresh()
    got = keys(all_hits(engine, SearchQuery(text="mat ong rung")))
    assert got == ["listing:105", "listing:104", "listing:103", "listing:102", "listing:101", "listing:106",
                   "listing:107"]
    # The same order when only filters are given (no words: every match is equally relevant).
    browse = keys(all_hits(engine, SearchQuery(filters={"commune": ["Mẫu Sơn"], "kind": ["listing"]})))
    assert browse[:5] == ["listing:107", "listing:105", "listing:104", "listing:103", "listing:102"]


def test_did_you_mean_when_a_correction_finds_clearly_more(engine, docs):
    rare = listing_doc(50, "Hoai sơn khô", crop="na", form="dried", communes=["Bình Gia"], certs=[], months=[1],
                       price=1, harvest="2026-01-01", created="2026-01-01", seller="Hộ Hoài", seller_id=30, zones=[])
    engine.index([rare])
    engine.refresh()
    result = all_hits(engine, SearchQuery(text="hoai"))
    # Offered as people write it: "hồi" is how the visible text of the documents holding "hoi" writes it most
    # ("Hội" of "HTX Quế Hội Hoan" less often; the aliases "Hôi", "Hời" are hidden words, not read).
    assert keys(result) == ["listing:50"] and result.did_you_mean == _most_written(docs, "hoi") == "hồi"
    assert all_hits(engine, SearchQuery(text="hoi")).did_you_mean is None


def _most_written(docs: list[dict], term: str) -> str:
    """The way the documents' visible text writes a folded word most often (ties: with marks, then a-z), read from
    the first 20 documents holding it by key, as the engines read them."""
    holding = sorted((d for d in docs if term in (fold(d["title"]) + " " + fold(d["body"] or "")).split()),
                     key=lambda d: d["key"])[:20]
    words = Counter(w for d in holding for w in re.findall(r"\w+", f"{d['title']} {d['body']}".lower())
                    if fold(w) == term)
    return min(words.items(), key=lambda item: (-item[1], item[0] == term, item[0]))[0]


@pytest.mark.parametrize("text, as_written", [
    ("hoii binh", {"hoi": None, "hoii": "hồi"}),
    ("quyx bac", {"quyt": None, "quyx": "quýt"}),
    ("anisse", {"anise": None, "anisse": "anise"}),  # only in the hidden words (English names): as it is
])
def test_corrections_are_shown_as_people_write_them(engine, docs, text, as_written):
    result = all_hits(engine, SearchQuery(text=text))
    typed = fold(text.split()[0])
    expected = {typed: as_written[typed]}
    assert result.corrected_as_written == expected
    searched = result.corrected_terms[typed]
    if expected[typed] != searched:
        assert expected[typed] == _most_written(docs, searched)


BAD_TEXT = {
    "very-long": " ".join(["hồi", "khô", "Văn", "Quan"] * 120),
    "punctuation": "!!! ??? ... ,,, ;;; ---",
    "mixed-scripts": "hồi 八角 анис star ανίσο نجمة",
    "unbalanced-quotes": '"hoi kho',
    "unbalanced-parentheses": "hoi (kho",
    "fts5-syntax": 'hoi NEAR/2 kho {title_folded}: x AND OR NOT ^hoi "*" - + : *',
    "es-syntax": 'title_folded:hoi~2 AND body_folded:/.*/ OR * [1 TO 5] \\',
    "control-characters": "hoi\u0000\u0007\u200bkho\ufeff",
    "million": "hoi " + "x" * 1_000_000,
}


@pytest.mark.parametrize("name", BAD_TEXT)
def test_bad_text_gets_an_answer(engine, docs, name):
    result = engine.search(SearchQuery(text=BAD_TEXT[name]))
    assert isinstance(result, SearchResult) and result.total >= 0
    if name in ("very-long", "mixed-scripts", "unbalanced-quotes", "unbalanced-parentheses", "fts5-syntax"):
        assert "listing:1" in keys(all_hits(engine, SearchQuery(text=BAD_TEXT[name])))


@pytest.mark.parametrize("text", ["hoi", "hooif kho", "qyut bac", "macada", "tinh da", "que61 van lang", "hoi quyt",
                                  "cinamon", "mua hoi"])
def test_elasticsearch_in_one_round_trip_answers_as_the_plain_plan(elastic, text):
    """Elasticsearch counts the words with its first search; the answer must be the plan's all the same."""
    from market.search.base import SearchBackend

    elastic.index(market_docs())
    elastic.refresh()
    query = SearchQuery(text=text, per_page=50)
    quick_plan, quick = elastic._plan_and_run(query)
    plain_plan, plain = SearchBackend._plan_and_run(elastic, query)
    assert [(w.forms, w.corrections, w.prefix) for w in quick_plan.words] == \
        [(w.forms, w.corrections, w.prefix) for w in plain_plan.words]
    assert keys(quick) == keys(plain) and quick.total == plain.total and quick.facets == plain.facets
