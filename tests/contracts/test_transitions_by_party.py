"""contracts.TRANSITIONS says who may make each move, and `contracts.move` enforces it: each listed move made
by a side that may not make it is refused with PermissionDenied (saying why) and the state stays."""
import pytest

from market.models import Contract, ContractState, Delivery, DeliveryStatus
from market.services import contracts
from market.services.errors import PermissionDenied
from tests.factories import delivery_data, get

S = ContractState
WRONG = {"buyer": ("seller", "system"), "seller": ("buyer", "system"), "either": ("system",),
         "system": ("buyer", "seller")}
CASES = [(old, new, by) for (old, new), who in contracts.TRANSITIONS.items() for by in WRONG[who]]


def test_every_kind_of_mover_is_covered():
    assert {who for who in contracts.TRANSITIONS.values()} <= set(WRONG)
    assert len(CASES) == 17  # 5 system moves x 2 wrong sides, 7 either moves x 1 (a dispute: either side, issue 11)


@pytest.mark.parametrize("old, new, by", CASES, ids=[f"{a}->{b} by {c}" for a, b, c in CASES])
def test_a_move_by_the_wrong_side_is_refused(req, old, new, by):
    contract = Contract(reference="HD-TEST-0000", state=old)
    with pytest.raises(PermissionDenied) as caught:
        contracts.move(contract, new, by=by)
    assert str(caught.value)  # the reason is given
    assert contract.state == old


@pytest.mark.parametrize("old, new", list(contracts.TRANSITIONS), ids=[f"{a}->{b}" for a, b in contracts.TRANSITIONS])
def test_the_side_listed_makes_the_move(req, old, new):
    who = contracts.TRANSITIONS[(old, new)]
    for by in (("buyer", "seller") if who == "either" else (who,)):
        contract = Contract(reference="HD-TEST-0000", state=old)
        contracts.move(contract, new, by=by)
        assert contract.state == new


def test_nobody_else_moves_a_contract(req):
    with pytest.raises(ValueError):
        contracts.move(Contract(reference="HD-TEST-0000", state=S.DRAFT), S.PROPOSED, by="department")


def test_the_seller_cannot_dispute_a_delivery_as_the_buyer_would(req, build, world):
    """Through the services: answering a delivery (confirm or dispute it) is the buyer's; the seller is refused
    before anything changes. (The seller opens its own disputes through services/disputes.py.)"""
    contract_id = build.contract(S.ACTIVE)
    contracts.record_delivery(world.user("seller_owner"), get(Contract, contract_id), delivery_data([world.zone]))
    delivery = next(d for d in get(Contract, contract_id).deliveries if d.status == DeliveryStatus.RECORDED)
    with pytest.raises(PermissionDenied):
        contracts.dispute_delivery(world.user("seller_owner"), get(Delivery, delivery.id), "Hàng bị ẩm mốc")
    assert get(Contract, contract_id).state == S.ACTIVE
