"""The buyer's inspection of a delivery (services/inspections.py): the arithmetic (accepted + rejected = received
<= delivered), clear Vietnamese refusals that save nothing, and the accepted quantity in the contract's figures,
the plan's delivered volumes (services/targets.py) and the public traceability page."""
import pytest
import sqlalchemy as sa

from market.blueprints import write
from market.clock import today
from market.extensions import db
from market.models import AuditEvent, Contract, ContractState, Delivery, DeliveryStatus
from market.services import contracts, inspections, targets
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import get

pytestmark = pytest.mark.both_engines


def delivered(build, quantity=10.0, total="12"):
    contract_id = build.contract(ContractState.ACTIVE, quantity=total,
                                 deliveries=((quantity, DeliveryStatus.RECORDED),))
    return contract_id, get(Contract, contract_id).deliveries[0].id


def figures(**data):
    base = {"received_quantity": "10", "accepted_quantity": "8", "rejected_quantity": "2",
            "rejection_reason": "Hồi bị ẩm, cánh gãy", "grade_found": "Loại 2", "weigh_ticket": "PC-0457"}
    base.update(data)
    return base


def test_partial_acceptance_counts_the_accepted_quantity(req, world, build):
    contract_id, delivery_id = delivered(build)
    write.commit(lambda: inspections.inspect(world.user("buyer_signer"), get(Delivery, delivery_id), figures()))
    d = get(Delivery, delivery_id)
    assert (d.status, d.received_quantity, d.accepted_quantity, d.rejected_quantity) == (
        DeliveryStatus.CONFIRMED, 10, 8, 2)
    assert (d.rejection_reason, d.grade_found, d.weigh_ticket) == ("Hồi bị ẩm, cánh gãy", "Loại 2", "PC-0457")
    contract = get(Contract, contract_id)
    assert contracts.delivered_quantity(contract, confirmed_only=True) == 8
    assert contracts.remaining_quantity(contract) == 4  # 12 contracted - 8 accepted: the 2 rejected are still due
    assert contract.state == ContractState.ACTIVE
    rows = targets.volumes(targets.Scope(as_of=today()))
    price = contract.current.terms.item.price_per_unit
    assert [(r["contracted"], r["delivered"], r["delivered_value"]) for r in rows] == [(12, 8, 8 * price)]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "delivery.inspected"))
    assert (event.details["accepted"], event.details["rejected"], event.details["weigh_ticket"]) == (8, 2, "PC-0457")


def test_what_was_lost_on_the_way_is_neither_accepted_nor_rejected(req, world, build):
    _contract_id, delivery_id = delivered(build)
    write.commit(lambda: inspections.inspect(world.user("buyer_owner"), get(Delivery, delivery_id), figures(
        received_quantity="9,5", accepted_quantity="9,5", rejected_quantity="0", rejection_reason="")))
    d = get(Delivery, delivery_id)
    assert (d.received_quantity, d.accepted_quantity, d.rejected_quantity, d.accepted) == (9.5, 9.5, 0, 9.5)


def test_accepting_everything_completes_the_contract(req, world, build):
    contract_id, delivery_id = delivered(build, quantity=12.0)
    write.commit(lambda: inspections.inspect(world.user("buyer_owner"), get(Delivery, delivery_id), figures(
        received_quantity="12", accepted_quantity="12", rejected_quantity="0")))
    assert get(Contract, contract_id).state == ContractState.COMPLETED


@pytest.mark.parametrize("data, field, message", [
    (figures(rejected_quantity="11", accepted_quantity="0", received_quantity="10"), "rejected_quantity",
     "Số lượng từ chối không được lớn hơn 10 tấn đã giao."),
    (figures(received_quantity="10,5", accepted_quantity="10,5", rejected_quantity="0"), "received_quantity",
     "Không thể nhận nhiều hơn 10 tấn đã giao."),
    (figures(accepted_quantity="7"), "accepted_quantity",
     "Số chấp nhận (7) cộng số từ chối (2) phải bằng 10 tấn đã nhận."),
    (figures(rejection_reason=""), "rejection_reason", "Hãy nêu lý do từ chối một phần lô hàng."),
    (figures(accepted_quantity="-1", rejected_quantity="11"), "accepted_quantity", None),
    (figures(received_quantity="mười"), "received_quantity", None),
])
def test_bad_figures_are_refused_in_vietnamese_and_nothing_is_saved(req, world, build, data, field, message):
    _contract_id, delivery_id = delivered(build)
    with pytest.raises(ValidationFailed) as caught:
        write.commit(lambda: inspections.inspect(world.user("buyer_owner"), get(Delivery, delivery_id), data))
    assert field in caught.value.errors
    if message:
        assert caught.value.errors[field] == [message]
    d = get(Delivery, delivery_id)
    assert (d.status, d.received_quantity, d.accepted_quantity, d.inspected_at) == (
        DeliveryStatus.RECORDED, None, None, None)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "delivery.inspected")) == 0


def test_the_seller_does_not_inspect_and_a_delivery_is_inspected_once(req, world, build):
    _contract_id, delivery_id = delivered(build)
    with pytest.raises(PermissionDenied):
        inspections.inspect(world.user("seller_owner"), get(Delivery, delivery_id), figures())
    db.session.rollback()
    write.commit(lambda: inspections.inspect(world.user("buyer_owner"), get(Delivery, delivery_id), figures()))
    with pytest.raises(ValidationFailed) as caught:
        inspections.inspect(world.user("buyer_owner"), get(Delivery, delivery_id), figures(accepted_quantity="10",
                                                                                            rejected_quantity="0"))
    assert list(caught.value.errors) == ["status"]
