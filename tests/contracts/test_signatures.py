"""Signatures: bound to the SHA-256 of the canonical terms, given by a signer with their password, for the
version they read; a counter-proposal makes earlier signatures worthless."""
import hashlib
import json

import pytest

from market.extensions import db
from market.models import (
    AuditEvent,
    Contract,
    ContractSignature,
    ContractState,
    ContractVersion,
    Notification,
    Organisation,
    OrgStatus,
    Role,
    User,
)
from market.services import contracts
from market.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import PASSWORD
from tests.factories import contract_data, count, get, notified, snapshot

# Both engines: terms go through a JSON column and are hashed as they come back.
pytestmark = pytest.mark.both_engines


def sign(world, who, contract, version=None, password=PASSWORD):
    version_id = (version or contract.current).id
    return contracts.sign(world.user(who), contract, version_id=version_id, password=password)


def _reversed(value):
    """The same JSON value with every object's keys inserted in the opposite order."""
    if isinstance(value, dict):
        return {key: _reversed(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed(v) for v in value]
    return value


# --- the hash ----------------------------------------------------------------------------------------

def test_the_stored_hash_is_the_sha256_of_the_canonical_terms(req, build, world):
    contract = get(Contract, build.contract(ContractState.PROPOSED))
    signature = sign(world, "buyer_signer", contract)
    db.session.commit()
    db.session.expire_all()
    signature, version = get(ContractSignature, signature.id), get(Contract, contract.id).current
    # Recomputed from the terms as read back from the database (JSON on either engine).
    expected = hashlib.sha256(contracts.canonical(version.terms).encode()).hexdigest()
    assert signature.terms_hash == version.terms_hash == expected == contracts.terms_hash(version.terms)
    assert len(expected) == 64 and signature.version_id == version.id
    assert signature.signer_id == world.buyer_signer and signature.signer_name == "Lý Thị Ký"
    assert signature.organisation_id == world.buyer and signature.signed_at is not None


def test_canonical_text_ignores_insertion_order_and_keeps_vietnamese(req, build):
    terms = get(Contract, build.contract(ContractState.PROPOSED)).current.terms.to_dict()
    backwards = _reversed(terms)
    assert list(backwards) != list(terms)  # really another order
    assert contracts.canonical(backwards) == contracts.canonical(terms)
    assert contracts.terms_hash(backwards) == contracts.terms_hash(terms)
    text = contracts.canonical(terms)
    assert json.loads(text) == terms
    assert '": ' not in text and '", "' not in text  # no spaces between tokens
    assert '"crop_name":"Hồi"' in text and "\\u" not in text  # UTF-8 as is, not \u escapes
    assert text.index('"buyer"') < text.index('"contract"') < text.index('"zone_codes"')  # keys sorted


def test_any_change_in_the_terms_changes_the_hash(req, build):
    terms = get(Contract, build.contract(ContractState.PROPOSED)).current.terms.to_dict()
    changed = json.loads(json.dumps(terms))
    changed["items"][0]["price_per_unit"] += 1
    assert contracts.terms_hash(changed) != contracts.terms_hash(terms)


# --- who signs, and how ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["buyer_owner", "buyer_signer"])
def test_an_owner_or_a_signer_signs(req, build, world, who):
    contract = get(Contract, build.contract(ContractState.PROPOSED))
    sign(world, who, contract)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert [s.organisation_id for s in contract.signatures_of(contract.current)] == [world.buyer]
    assert contract.state == ContractState.PROPOSED
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "contract.signed"))
    assert event.actor_id == getattr(world, who) and event.details["terms_hash"] == contract.current.terms_hash
    assert notified("contract.signed") == {world.seller: 3}


def test_a_wrong_password_saves_nothing(req, build, world):
    contract = get(Contract, build.contract(ContractState.PROPOSED))
    before = snapshot()
    for password in ("sai-mat-khau", "", None, PASSWORD.upper()):
        with pytest.raises(ValidationFailed) as caught:
            sign(world, "buyer_signer", contract, password=password)
        assert list(caught.value.errors) == ["password"]
    db.session.rollback()
    assert snapshot() == before and count(ContractSignature) == 0


@pytest.mark.parametrize("side, role", [("buyer", Role.MEMBER), ("buyer", Role.MANAGER),
                                        ("seller", Role.MEMBER), ("seller", Role.MANAGER)])
def test_members_without_the_signer_role_cannot_sign(req, factory, build, world, side, role):
    contract = get(Contract, build.contract(ContractState.PROPOSED))
    actor = get(User, factory.member(getattr(world, side), role))
    with pytest.raises(PermissionDenied):
        contracts.sign(actor, contract, version_id=contract.current.id, password=PASSWORD)
    db.session.rollback()
    assert count(ContractSignature) == 0


def test_outsiders_and_department_staff_cannot_sign(req, factory, build, world):
    contract = get(Contract, build.contract(ContractState.PROPOSED))
    outsider = get(User, factory.member(factory.org(name="HTX Ngoài Cuộc"), Role.SIGNER))
    staff = get(User, factory.department_staff())
    for actor in (outsider, staff):
        with pytest.raises(PermissionDenied):
            contracts.sign(actor, contract, version_id=contract.current.id, password=PASSWORD)
    db.session.rollback()
    assert count(ContractSignature) == 0


def test_a_party_signs_a_version_once(req, build, world):
    contract = get(Contract, build.contract(ContractState.PROPOSED))
    sign(world, "buyer_signer", contract)
    db.session.commit()
    before = snapshot()
    for who in ("buyer_signer", "buyer_owner"):  # the same person again, or another signer of the same party
        with pytest.raises(ValidationFailed) as caught:
            sign(world, who, get(Contract, contract.id))
        assert list(caught.value.errors) == ["version_id"]
    db.session.rollback()
    assert snapshot() == before and count(ContractSignature) == 1
    assert get(Contract, contract.id).state == ContractState.PROPOSED


# --- versions ------------------------------------------------------------------------------------------

def test_a_counter_proposal_voids_earlier_signatures(req, build, world):
    w = world
    contract = get(Contract, build.contract(ContractState.PROPOSED, price_per_unit="90000000"))
    version_1 = contract.current
    sign(w, "buyer_signer", contract)
    db.session.commit()
    contract = get(Contract, contract.id)
    version_2 = contracts.counter_propose(w.user("seller_owner"), contract, contract_data([w.zone]))
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.current.id == version_2.id and contract.current.number == 2
    assert contract.signatures_of(contract.current) == []
    assert [s.organisation_id for s in contract.signatures_of(get(ContractVersion, version_1.id))] == [w.buyer]
    # The seller signs version 2: the buyer's signature of version 1 does not make a signed contract.
    sign(w, "seller_signer", contract)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.PROPOSED and contract.signed_at is None
    # Nor can the seller sign version 1 now, to pair it with the buyer's.
    with pytest.raises(ValidationFailed) as caught:
        sign(w, "seller_signer", contract, version=get(ContractVersion, version_1.id))
    assert list(caught.value.errors) == ["version_id"]
    db.session.rollback()
    sign(w, "buyer_signer", get(Contract, contract.id))
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.SIGNED and contract.signed_at is not None
    assert {s.organisation_id for s in contract.signatures_of(contract.current)} == {w.buyer, w.seller}


def test_signing_a_stale_version_is_refused(req, build, world):
    """The buyer opened version 1; meanwhile the seller countered. The buyer's signature is refused."""
    w = world
    contract = get(Contract, build.contract(ContractState.PROPOSED, price_per_unit="90000000"))
    opened = contract.current.id
    contracts.counter_propose(w.user("seller_owner"), contract, contract_data([w.zone]))
    db.session.commit()
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        contracts.sign(w.user("buyer_signer"), get(Contract, contract.id), version_id=opened, password=PASSWORD)
    assert list(caught.value.errors) == ["version_id"] and "2" in caught.value.errors["version_id"][0]
    db.session.rollback()
    assert snapshot() == before


def test_a_signature_of_other_terms_does_not_count(req, build, world):
    """If the stored terms of a signed version were altered, its signatures no longer match its hash."""
    contract = get(Contract, build.contract(ContractState.SIGNED))
    assert len(contract.signatures_of(contract.current)) == 2
    version = contract.current
    terms = version.terms.to_dict()
    terms["items"][0]["price_per_unit"] = 1
    version.terms, version.terms_hash = terms, contracts.terms_hash(terms)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.signatures_of(contract.current) == []


def test_nothing_changed_is_not_a_counter_proposal(req, build, world):
    contract = get(Contract, build.contract(ContractState.PROPOSED))
    with pytest.raises(ValidationFailed) as caught:
        contracts.counter_propose(world.user("seller_owner"), contract, contract_data([world.zone]))
    assert list(caught.value.errors) == ["terms"]
    db.session.rollback()
    assert count(ContractVersion) == 1


def test_the_author_edits_a_draft_in_place(req, build, world):
    contract = get(Contract, build.contract(ContractState.DRAFT, price_per_unit="90000000"))
    version = contracts.counter_propose(world.user("buyer_owner"), contract, contract_data([world.zone]))
    db.session.commit()
    contract = get(Contract, contract.id)
    assert version.number == 1 and len(contract.versions) == 1 and contract.state == ContractState.DRAFT
    assert contract.current.terms.item.price_per_unit == 95_000_000
    assert contract.current.terms_hash == contracts.terms_hash(contract.current.terms)
    assert count(Notification) == 0  # nothing was sent


# --- unverified parties -------------------------------------------------------------------------------------

def _unverify(org_id):
    org = get(Organisation, org_id)
    org.status = OrgStatus.PENDING
    db.session.commit()


@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_an_unverified_party_cannot_propose(req, build, world, party):
    contract_id = build.contract(ContractState.DRAFT)
    _unverify(getattr(world, party))
    with pytest.raises(PermissionDenied):
        contracts.propose(world.user("buyer_owner"), get(Contract, contract_id))
    db.session.rollback()
    assert get(Contract, contract_id).state == ContractState.DRAFT and count(Notification) == 0


@pytest.mark.parametrize("party", ["buyer", "seller"])
@pytest.mark.parametrize("signer", ["buyer_signer", "seller_signer"])
def test_nobody_signs_while_a_party_is_unverified(req, build, world, party, signer):
    contract_id = build.contract(ContractState.PROPOSED)
    _unverify(getattr(world, party))
    with pytest.raises(PermissionDenied):
        sign(world, signer, get(Contract, contract_id))
    db.session.rollback()
    assert count(ContractSignature) == 0


@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_an_unverified_party_cannot_counter_propose(req, build, world, party):
    contract_id = build.contract(ContractState.PROPOSED, price_per_unit="90000000")
    _unverify(getattr(world, party))
    with pytest.raises(PermissionDenied):
        contracts.counter_propose(world.user("seller_owner"), get(Contract, contract_id),
                                  contract_data([world.zone]))
    db.session.rollback()
    assert count(ContractVersion) == 1
