"""Typed contract terms (market.models.terms.ContractTerms): built from and turned back into exactly the stored
JSON, checked on the way in, and hashed byte for byte as `contracts.canonical` hashed plain dicts, so that
every signature given before the type existed still matches."""
import copy
import hashlib
import json
from datetime import date

import pytest

from market.extensions import db
from market.models import Contract, ContractState
from market.models.terms import ContractTerms, TermsError
from market.services import contracts
from tests.factories import get

STORED = {
    "contract": "HD-2026-ABC123",
    "buyer": {"id": 1, "name": "Công ty CP Tinh dầu Xứ Lạng", "tax_code": "4900123456"},
    "seller": {"id": 2, "name": "HTX Hồi Văn Quan", "tax_code": None},
    "currency": "VND",
    "items": [{"crop": "hoi", "crop_name": "Hồi", "product_form": "dried", "grade": None, "quantity": 10.0,
               "unit": "tan", "price_per_unit": 95_000_000}],
    "delivery_windows": [{"start": "2026-12-10", "end": "2027-01-31", "quantity": 10.0}],
    "zone_codes": ["LS-VQ-HOI-0001"],
    "deposit_pct": 20,
    "payment_days": 30,
    "payment_terms": "",
    "cancellation_terms": "Hủy trước lần giao đầu tiên: hoàn trả tiền đặt cọc.",
}
# SHA-256 of the canonical text of STORED, computed with the dict-only code that signed contracts before
# ContractTerms existed (json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)).
STORED_HASH = "ca2b67091016af2bf1d399a38e92080351f5c851a232d33fc5d68407f47d4d09"
# The same terms with whole-number quantities, as hand-written seed code may store them.
STORED_INT_HASH = "bb76a0d270a724d0de013237694c10692b781307209cd91b8c8767acb8bfee68"


def old_canonical(terms: dict) -> str:
    return json.dumps(terms, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def changed(**where) -> dict:
    """STORED with one change: a top-level key, or "item.<key>" / "window.<key>"; None deletes."""
    terms = copy.deepcopy(STORED)
    for path, value in where.items():
        target = terms
        if path.startswith("item."):
            target, path = terms["items"][0], path[5:]
        elif path.startswith("window."):
            target, path = terms["delivery_windows"][0], path[7:]
        if value is None:
            del target[path]
        else:
            target[path] = value
    return terms


# --- the stored form, and the hash -------------------------------------------------------------------------

def test_attributes_instead_of_indexes():
    terms = ContractTerms.from_dict(STORED)
    assert terms.item.quantity == 10.0 and terms.item.unit == "tan" and terms.item.grade is None
    assert terms.delivery_window.start == date(2026, 12, 10) and terms.delivery_window.end == date(2027, 1, 31)
    assert terms.buyer.name == "Công ty CP Tinh dầu Xứ Lạng" and terms.seller.tax_code is None
    assert terms.zone_codes == ("LS-VQ-HOI-0001",)
    assert terms.total_quantity == 10.0 and terms.total_value == 950_000_000 and terms.deposit_amount == 190_000_000


@pytest.mark.parametrize("stored, expected", [(STORED, STORED_HASH),
                                              (changed(**{"item.quantity": 10, "window.quantity": 10}),
                                               STORED_INT_HASH)])
def test_the_hash_is_the_one_signed_before_the_type_existed(stored, expected):
    terms = ContractTerms.from_dict(stored)
    assert terms.to_dict() == stored and json.dumps(terms.to_dict()) == json.dumps(stored)  # types kept too
    assert terms.canonical() == old_canonical(stored)
    assert terms.hash() == expected == hashlib.sha256(old_canonical(stored).encode()).hexdigest()
    assert contracts.terms_hash(terms) == contracts.terms_hash(stored) == expected
    assert contracts.canonical(terms) == contracts.canonical(stored)


def test_the_terms_are_a_frozen_value():
    terms = ContractTerms.from_dict(STORED)
    with pytest.raises(AttributeError):
        terms.deposit_pct = 50
    assert terms == ContractTerms.from_dict(copy.deepcopy(STORED)) and hash(terms) == hash(ContractTerms.from_dict(
        STORED))


@pytest.mark.parametrize("bad", [
    changed(deposit_pct=None), changed(note="extra"), changed(**{"item.unit": None}),
    changed(items=[STORED["items"][0]] * 2), changed(items=[]), changed(delivery_windows=[]),
    changed(**{"window.start": "2026-1-5"}), changed(**{"window.end": "2026-12-09"}),
    changed(**{"item.quantity": 0}), changed(**{"item.quantity": True}), changed(**{"item.quantity": "10"}),
    changed(**{"item.price_per_unit": -1}), changed(**{"item.price_per_unit": 1.5}),
    changed(deposit_pct=101), changed(payment_days=366), changed(currency="USD"), changed(zone_codes="LS"),
    changed(seller=STORED["buyer"]), changed(buyer={"id": 1, "name": "x"}), [], "terms",
], ids=lambda value: "case")
def test_terms_that_do_not_have_the_shape_are_refused(bad):
    with pytest.raises(TermsError):
        ContractTerms.from_dict(bad)


# --- in the database ------------------------------------------------------------------------------------

def test_a_version_reads_and_writes_the_same_json(req, build):
    contract = get(Contract, build.contract(ContractState.SIGNED))
    version = contract.current
    assert isinstance(version.terms, ContractTerms)
    assert version.terms_json == version.terms.to_dict()
    # Every signature given on it still matches the terms read back through the type.
    assert [s.terms_hash for s in contract.signatures_of(version)] == [version.terms.hash()] * 2


def test_terms_stored_as_a_plain_dict_keep_their_signatures(req, build):
    """A version written as raw JSON (as before the type, and by demo seed code) keeps the hash its signatures
    bind, including whole-number quantities."""
    contract = get(Contract, build.contract(ContractState.SIGNED))
    # (The price changes too: SQLAlchemy sees {"quantity": 10} == {"quantity": 10.0} and would not write it.)
    item = {**contract.current.terms.item.to_dict(), "quantity": 10, "price_per_unit": 94_000_000}
    raw = {**contract.current.terms.to_dict(), "items": [item],
           "delivery_windows": [{**contract.current.terms.delivery_window.to_dict(), "quantity": 10}]}
    expected = hashlib.sha256(old_canonical(raw).encode()).hexdigest()
    contract.current.terms = raw  # the dict shape is accepted
    contract.current.terms_hash = expected
    for signature in contract.signatures:
        signature.terms_hash = expected
    db.session.commit()
    version = get(Contract, contract.id).current
    assert version.terms.item.quantity == 10 and isinstance(version.terms.item.quantity, int)
    assert version.terms.hash() == expected == contracts.terms_hash(version.terms)
    assert len(get(Contract, contract.id).signatures_of(version)) == 2


def test_storing_terms_of_the_wrong_shape_is_refused(req, build):
    contract = get(Contract, build.contract(ContractState.PROPOSED))
    with pytest.raises(TermsError):
        contract.current.terms = {**contract.current.terms.to_dict(), "deposit_pct": "lots"}
