"""The contract state machine: every change not in contracts.TRANSITIONS is refused, and each public action
checks the state before it changes anything."""
import itertools

import pytest

from market.extensions import db
from market.models import Contract, ContractState, DeliveryStatus
from market.services import contracts
from market.services.errors import ValidationFailed
from tests.conftest import PASSWORD
from tests.factories import contract_data, delivery_data, get, snapshot

S = ContractState
ALL_PAIRS = list(itertools.product(S.ALL, S.ALL))
ALLOWED = [pair for pair in ALL_PAIRS if pair in contracts.TRANSITIONS]
REFUSED = [pair for pair in ALL_PAIRS if pair not in contracts.TRANSITIONS]


def test_the_transition_table():
    assert set(contracts.TRANSITIONS) <= set(ALL_PAIRS)
    assert set(contracts.TRANSITIONS.values()) <= {"buyer", "seller", "either", "system"}
    assert len(ALLOWED) == 12 and len(REFUSED) == 37
    # Nothing leaves a finished contract; nothing goes back to a draft.
    assert not [pair for pair in ALLOWED if pair[0] in (S.COMPLETED, S.CANCELLED) or pair[1] == S.DRAFT]


@pytest.mark.parametrize("old, new", REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_every_other_transition_is_refused(req, old, new):
    contract = Contract(reference="HD-TEST-0000", state=old)
    with pytest.raises(ValidationFailed) as caught:
        contracts.move(contract, new, by="buyer")
    assert list(caught.value.errors) == ["state"]
    assert contract.state == old


@pytest.mark.parametrize("old, new", ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_the_listed_transitions_are_allowed(req, old, new):
    contract = Contract(reference="HD-TEST-0000", state=old)
    who = contracts.TRANSITIONS[(old, new)]
    contracts.move(contract, new, by="seller" if who == "either" else who)
    assert contract.state == new


# --- the public actions check the state first -------------------------------------------------------------

def _refused(action, contract_id, state, field="state"):
    """Run `action`; it must raise ValidationFailed on `field` and leave the contract and every table as they were."""
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        action(get(Contract, contract_id))
    assert field in caught.value.errors, caught.value.errors
    db.session.rollback()
    assert get(Contract, contract_id).state == state
    assert snapshot() == before
    return caught.value


@pytest.mark.parametrize("who", ["buyer_owner", "seller_owner"])
def test_proposing_twice_is_refused(req, build, world, who):
    contract_id = build.contract(S.PROPOSED)
    _refused(lambda c: contracts.propose(world.user(who), c), contract_id, S.PROPOSED)


@pytest.mark.parametrize("state", [S.SIGNED, S.ACTIVE, S.CANCELLED, S.COMPLETED, S.DISPUTED])
def test_proposing_after_the_proposal_stage_is_refused(req, build, world, state):
    contract_id = build.contract(state)
    _refused(lambda c: contracts.propose(world.user("buyer_owner"), c), contract_id, state)


@pytest.mark.parametrize("state", [S.SIGNED, S.ACTIVE, S.CANCELLED, S.COMPLETED, S.DISPUTED])
@pytest.mark.parametrize("who", ["buyer_owner", "seller_owner"])
def test_counter_proposing_is_refused_once_signed_or_closed(req, build, world, state, who):
    contract_id = build.contract(state, price_per_unit="90000000")
    _refused(lambda c: contracts.counter_propose(world.user(who), c, contract_data([world.zone])), contract_id, state)


def test_the_other_party_cannot_counter_a_draft_it_was_never_sent(req, build, world):
    contract_id = build.contract(S.DRAFT, price_per_unit="90000000")
    _refused(lambda c: contracts.counter_propose(world.user("seller_owner"), c, contract_data([world.zone])),
             contract_id, S.DRAFT)


@pytest.mark.parametrize("state", [S.DRAFT, S.SIGNED, S.ACTIVE, S.CANCELLED, S.COMPLETED, S.DISPUTED])
def test_signing_is_refused_unless_proposed(req, build, world, state):
    contract_id = build.contract(state, signed=False)
    _refused(lambda c: contracts.sign(world.user("buyer_signer"), c, version_id=c.current.id, password=PASSWORD),
             contract_id, state)


@pytest.mark.parametrize("state", [S.DRAFT, S.PROPOSED, S.SIGNED, S.CANCELLED, S.COMPLETED])
def test_deliveries_are_refused_unless_active_or_disputed(req, build, world, state):
    contract_id = build.contract(state)
    _refused(lambda c: contracts.record_delivery(world.user("seller_owner"), c, delivery_data([world.zone])),
             contract_id, state)


@pytest.mark.parametrize("state", [S.COMPLETED, S.CANCELLED, S.DISPUTED])
def test_cancelling_a_finished_or_disputed_contract_is_refused(req, build, world, state):
    contract_id = build.contract(state)
    _refused(lambda c: contracts.cancel(world.user("buyer_owner"), c, "Không cần hàng nữa"), contract_id, state)


@pytest.mark.parametrize("status", DeliveryStatus.ALL)
def test_cancelling_an_active_contract_with_deliveries_is_refused(req, build, world, status):
    contract_id = build.contract(S.ACTIVE, deliveries=((2.0, status),))
    for who in ("buyer_owner", "seller_owner"):
        _refused(lambda c, who=who: contracts.cancel(world.user(who), c, "Không cần hàng nữa"), contract_id, S.ACTIVE)


def test_a_delivery_on_a_disputed_contract_is_accepted(req, build, world):
    """A dispute over one delivery does not stop the others."""
    contract_id = build.contract(S.DISPUTED)
    contracts.record_delivery(world.user("seller_owner"), get(Contract, contract_id), delivery_data([world.zone]))
    db.session.commit()
    contract = get(Contract, contract_id)
    assert contract.state == S.DISPUTED and len(contract.deliveries) == 2


def test_confirming_another_delivery_keeps_the_dispute(req, build, world):
    contract_id = build.contract(S.DISPUTED, deliveries=((1.0, DeliveryStatus.DISPUTED),
                                                         (9.0, DeliveryStatus.RECORDED)))
    contract = get(Contract, contract_id)
    waiting = next(d for d in contract.deliveries if d.status == DeliveryStatus.RECORDED)
    contracts.confirm_delivery(world.user("buyer_owner"), waiting)
    db.session.commit()
    assert get(Contract, contract_id).state == S.DISPUTED
