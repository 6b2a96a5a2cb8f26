"""The terms of an offtake contract as a value: one item, one delivery window, the parties, the deposit and
the payment and cancellation wording. Frozen, checked when built, and turned into exactly the JSON that is
stored in `contract_version.terms` and signed.

The canonical text (keys sorted, no spaces, UTF-8) is byte for byte what `contracts.canonical` hashed when
terms were plain dicts, so every signature given before this type existed still matches. To keep that true,
`to_dict(from_dict(d)) == d` for every stored shape: numbers keep their type (a quantity stored as 1000 stays
an int, 1000.0 stays a float), dates their ISO text, zone codes their order. Stored terms that do not have
the shape raise `TermsError` (a programming or data error, not something a visitor typed: forms are checked
by `contracts.clean_terms`, which builds this type)."""
import hashlib
import json
from dataclasses import dataclass
from datetime import date


class TermsError(ValueError):
    """Terms that do not have the agreed shape."""


def canonical_json(data: dict) -> str:
    """The exact text that is hashed and signed: keys sorted, no spaces, UTF-8 (non-ASCII kept as is)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _number(value, what: str, *, integer: bool = False, low=None, high=None):
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value != value:
        raise TermsError(f"{what} must be {'a whole number' if integer else 'a number'}, not {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise TermsError(f"{what} must be between {low} and {high}, not {value!r}")
    return value


def _text(value, what: str, *, optional: bool = False):
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TermsError(f"{what} must be text, not {value!r}")
    return value


def _keys(data, expected: set[str], what: str) -> dict:
    if not isinstance(data, dict):
        raise TermsError(f"{what} must be an object, not {type(data).__name__}")
    if set(data) != expected:
        missing, extra = sorted(expected - set(data)), sorted(set(data) - expected)
        raise TermsError(f"{what}: missing {missing}, unexpected {extra}")
    return data


def _day(text, what: str) -> date:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise TermsError(f"{what} must be a date as YYYY-MM-DD, not {text!r}") from None
    if day.isoformat() != text:
        raise TermsError(f"{what} must be a date as YYYY-MM-DD, not {text!r}")
    return day


@dataclass(frozen=True)
class Party:
    id: int
    name: str
    tax_code: str | None

    KEYS = frozenset({"id", "name", "tax_code"})

    def __post_init__(self):
        _number(self.id, "party id", integer=True, low=1)
        _text(self.name, "party name")
        _text(self.tax_code, "tax code", optional=True)

    @classmethod
    def from_dict(cls, data) -> "Party":
        data = _keys(data, cls.KEYS, "party")
        return cls(id=data["id"], name=data["name"], tax_code=data["tax_code"])

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "tax_code": self.tax_code}


@dataclass(frozen=True)
class Item:
    crop: str  # Crop.key
    crop_name: str  # as named when the terms were written
    product_form: str
    grade: str | None
    quantity: float
    unit: str
    price_per_unit: int  # VND per unit

    KEYS = frozenset({"crop", "crop_name", "product_form", "grade", "quantity", "unit", "price_per_unit"})

    def __post_init__(self):
        for name in ("crop", "crop_name", "product_form", "unit"):
            _text(getattr(self, name), name)
        _text(self.grade, "grade", optional=True)
        if _number(self.quantity, "quantity") <= 0:
            raise TermsError(f"quantity must be more than 0, not {self.quantity!r}")
        _number(self.price_per_unit, "price per unit", integer=True, low=0)

    @property
    def value(self) -> float:
        return self.quantity * self.price_per_unit

    @classmethod
    def from_dict(cls, data) -> "Item":
        data = _keys(data, cls.KEYS, "item")
        return cls(**{key: data[key] for key in cls.KEYS})

    def to_dict(self) -> dict:
        return {"crop": self.crop, "crop_name": self.crop_name, "product_form": self.product_form,
                "grade": self.grade, "quantity": self.quantity, "unit": self.unit,
                "price_per_unit": self.price_per_unit}


@dataclass(frozen=True)
class DeliveryWindow:
    start: date
    end: date
    quantity: float

    KEYS = frozenset({"start", "end", "quantity"})

    def __post_init__(self):
        if not (isinstance(self.start, date) and isinstance(self.end, date)):
            raise TermsError("a delivery window runs from one date to another")
        if self.end < self.start:
            raise TermsError(f"the delivery window ends ({self.end}) before it starts ({self.start})")
        _number(self.quantity, "window quantity")

    @classmethod
    def from_dict(cls, data) -> "DeliveryWindow":
        data = _keys(data, cls.KEYS, "delivery window")
        return cls(start=_day(data["start"], "start"), end=_day(data["end"], "end"), quantity=data["quantity"])

    def to_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "quantity": self.quantity}


@dataclass(frozen=True)
class ContractTerms:
    """What both parties sign. The stored shape keeps lists (`items`, `delivery_windows`) for a later
    contract with several; today there is exactly one of each, and this type insists on it."""

    contract: str  # the contract's reference
    buyer: Party
    seller: Party
    currency: str
    item: Item
    delivery_window: DeliveryWindow
    zone_codes: tuple[str, ...]
    deposit_pct: int
    payment_days: int
    payment_terms: str
    cancellation_terms: str

    KEYS = frozenset({"contract", "buyer", "seller", "currency", "items", "delivery_windows", "zone_codes",
                      "deposit_pct", "payment_days", "payment_terms", "cancellation_terms"})

    def __post_init__(self):
        _text(self.contract, "contract reference")
        if not (isinstance(self.buyer, Party) and isinstance(self.seller, Party)):
            raise TermsError("the buyer and the seller are parties")
        if self.buyer.id == self.seller.id:
            raise TermsError("a contract has two different parties")
        if self.currency != "VND":
            raise TermsError(f"amounts are in VND, not {self.currency!r}")
        if not (isinstance(self.item, Item) and isinstance(self.delivery_window, DeliveryWindow)):
            raise TermsError("terms have one item and one delivery window")
        if not isinstance(self.zone_codes, tuple) or not all(isinstance(c, str) for c in self.zone_codes):
            raise TermsError("zone codes are a tuple of text")
        _number(self.deposit_pct, "deposit percentage", integer=True, low=0, high=100)
        _number(self.payment_days, "payment days", integer=True, low=0, high=365)
        _text(self.payment_terms, "payment terms")
        _text(self.cancellation_terms, "cancellation terms")

    # --- amounts ---------------------------------------------------------------------------------

    @property
    def total_quantity(self) -> float:
        return self.item.quantity

    @property
    def total_value(self) -> int:
        """Whole đồng."""
        return round(self.item.value)

    @property
    def deposit_amount(self) -> int:
        """Whole đồng."""
        return round(self.total_value * self.deposit_pct / 100)

    # --- the stored and signed form ----------------------------------------------------------------

    @classmethod
    def from_dict(cls, data) -> "ContractTerms":
        data = _keys(data, cls.KEYS, "terms")
        items, windows = data["items"], data["delivery_windows"]
        if not (isinstance(items, list) and len(items) == 1 and isinstance(windows, list) and len(windows) == 1):
            raise TermsError("terms have exactly one item and one delivery window")
        if not isinstance(data["zone_codes"], list):
            raise TermsError("zone codes are a list")
        return cls(contract=data["contract"], buyer=Party.from_dict(data["buyer"]),
                   seller=Party.from_dict(data["seller"]), currency=data["currency"],
                   item=Item.from_dict(items[0]), delivery_window=DeliveryWindow.from_dict(windows[0]),
                   zone_codes=tuple(data["zone_codes"]), deposit_pct=data["deposit_pct"],
                   payment_days=data["payment_days"], payment_terms=data["payment_terms"],
                   cancellation_terms=data["cancellation_terms"])

    @classmethod
    def coerce(cls, terms: "ContractTerms | dict") -> "ContractTerms":
        """Terms given either way (demo seed code and old callers build the dict shape)."""
        return terms if isinstance(terms, cls) else cls.from_dict(terms)

    def to_dict(self) -> dict:
        return {"contract": self.contract, "buyer": self.buyer.to_dict(), "seller": self.seller.to_dict(),
                "currency": self.currency, "items": [self.item.to_dict()],
                "delivery_windows": [self.delivery_window.to_dict()], "zone_codes": list(self.zone_codes),
                "deposit_pct": self.deposit_pct, "payment_days": self.payment_days,
                "payment_terms": self.payment_terms, "cancellation_terms": self.cancellation_terms}

    def canonical(self) -> str:
        return canonical_json(self.to_dict())

    def hash(self) -> str:
        """SHA-256 of the canonical text, hex: what a signature binds."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()
