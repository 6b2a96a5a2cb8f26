"""What a buyer asks for, parsed and checked once, the same for both engines."""
from dataclasses import dataclass, field

from flask_babel import gettext as _

from market.text import fold

KINDS = ("listing", "product", "organisation")
# Facets buyers filter on; several values of one facet mean "any of them", facets combine with "and".
FACETS = ("kind", "crop", "form", "commune", "cert", "stars", "month")
SORTS = ("relevance", "price_asc", "price_desc", "harvest", "newest")
MAX_TEXT = 500
MAX_SCAN = 4000  # a longer text given to an engine directly is cut here: 20 words never need more
MAX_PAGE = 500
PER_PAGE = 20
MAX_PER_PAGE = 50
INT_FACETS = {"stars": (3, 5), "month": (1, 12)}


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    price_min: int | None = None
    price_max: int | None = None
    retail_only: bool = False  # 4-5 star OCOP products with a valid certificate: the retail chains' shelf
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE
    as_you_type: bool = False  # suggestions: the last word is always also the start of a word

    @property
    def terms(self) -> list[str]:
        """Folded words of the text, punctuation dropped: what both engines match (before Telex/VNI decoding
        and typo tolerance, market/search/matching.py)."""
        return [t for t in "".join(ch if ch.isalnum() else " " for ch in fold(self.text[:MAX_SCAN])).split()
                if t][:20]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def to_args(self, **changes) -> dict:
        """The query as URL arguments (shareable), with `changes` applied; None removes an argument."""
        args: dict = {}
        if self.text:
            args["q"] = self.text
        for name, values in self.filters.items():
            args[name] = list(values)
        if self.price_min is not None:
            args["price_min"] = self.price_min
        if self.price_max is not None:
            args["price_max"] = self.price_max
        if self.retail_only:
            args["retail"] = "1"
        if self.sort != "relevance":
            args["sort"] = self.sort
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value
        return args


class QueryError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def _int(raw, name, errors, low, high):
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors[name] = _("Enter a whole number.")
        return None
    if not low <= value <= high:
        errors[name] = _("Enter a number between %(low)s and %(high)s.", low=low, high=high)
        return None
    return value


ALLOWED_ARGS = {"q", "price_min", "price_max", "retail", "sort", "page", "per_page", *FACETS}


def parse_args(args) -> SearchQuery:
    """Build a query from request arguments (a MultiDict). Raises QueryError naming each bad argument."""
    errors: dict[str, str] = {}
    unknown = sorted(set(args.keys()) - ALLOWED_ARGS)
    if unknown:
        errors["filter"] = _("Unknown filter: %(names)s.", names=", ".join(unknown))
    text = (args.get("q") or "").strip()
    if len(text) > MAX_TEXT:
        errors["q"] = _("Search text is limited to %(n)d characters.", n=MAX_TEXT)
    filters: dict[str, list[str]] = {}
    for name in FACETS:
        values = [v.strip() for v in args.getlist(name) if v and v.strip()]
        if not values:
            continue
        if name == "kind" and any(v not in KINDS for v in values):
            errors["kind"] = _("Unknown kind of result.")
        if name in INT_FACETS:
            low, high = INT_FACETS[name]
            if any(not v.isdigit() or not low <= int(v) <= high for v in values):
                errors[name] = _("Enter a number between %(low)s and %(high)s.", low=low, high=high)
        filters[name] = sorted(set(v[:100] for v in values))[:30]
    price_min = _int(args["price_min"], "price_min", errors, 0, 10**12) if args.get("price_min") else None
    price_max = _int(args["price_max"], "price_max", errors, 0, 10**12) if args.get("price_max") else None
    if price_min is not None and price_max is not None and price_max < price_min:
        errors["price_max"] = _("The highest price is below the lowest.")
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        errors["sort"] = _("Unknown sort order.")
    page = _int(args["page"], "page", errors, 1, MAX_PAGE) if args.get("page") else 1
    per_page = _int(args["per_page"], "per_page", errors, 1, MAX_PER_PAGE) if args.get("per_page") else PER_PAGE
    if errors:
        raise QueryError(errors)
    return SearchQuery(text=text, filters=filters, price_min=price_min, price_max=price_max,
                       retail_only=args.get("retail") in ("1", "true", "on"), sort=sort, page=page or 1,
                       per_page=per_page or PER_PAGE)


@dataclass
class Hit:
    key: str
    kind: str
    object_id: int
    title: str
    url: str
    score: float | None
    data: dict


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    engine: str
    available: bool = True
    corrected_terms: dict[str, str] = field(default_factory=dict)  # unknown word -> the indexed words searched
    decoded: dict[str, str] = field(default_factory=dict)           # Telex/VNI spelling -> the Vietnamese word
    partial: bool = False           # no document has every word: the best partial matches instead
    did_you_mean: str | None = None  # a corrected text that finds clearly more, as people write it ("hồi")
    corrected_as_written: dict[str, str] = field(default_factory=dict)  # corrected_terms' values with their marks
    terms: list[str] = field(default_factory=list)  # every folded form searched (for highlighting)
