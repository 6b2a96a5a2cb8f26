"""Disputes (services/disputes.py): open -> answered -> settled by agreement, or referred -> closed by the
department's mediation; who may take each step; the contract's state; the audit log and the contract's thread."""
import pytest
import sqlalchemy as sa

from market.blueprints import write
from market.extensions import db
from market.models import (
    AuditEvent,
    Contract,
    ContractState,
    Conversation,
    Delivery,
    DeliveryStatus,
    Dispute,
    DisputeState,
    Message,
    MessageKind,
    User,
)
from market.permissions import can_read_thread
from market.services import contracts, disputes, inspections
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import count, get

pytestmark = pytest.mark.both_engines


def inspected(world, build):
    """An active contract of 12 t with a delivery of 10 t the buyer accepted 8 of."""
    contract_id = build.contract(ContractState.ACTIVE, quantity="12", deliveries=((10.0, DeliveryStatus.RECORDED),))
    delivery_id = get(Contract, contract_id).deliveries[0].id
    write.commit(lambda: inspections.inspect(world.user("buyer_owner"), get(Delivery, delivery_id), {
        "received_quantity": "10", "accepted_quantity": "8", "rejected_quantity": "2",
        "rejection_reason": "Ẩm mốc"}))
    return contract_id, delivery_id


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("dispute.%"))
                                   .order_by(AuditEvent.id)))


def thread_events() -> list[str]:
    return list(db.session.scalars(sa.select(Message.body).where(Message.kind == MessageKind.EVENT)
                                   .order_by(Message.id)))


def test_the_seller_disputes_a_rejection_and_the_parties_settle(req, world, build):
    contract_id, delivery_id = inspected(world, build)
    dispute = write.commit(lambda: disputes.open_dispute(
        world.user("seller_owner"), get(Contract, contract_id), "Hàng đạt loại 1, không ẩm",
        delivery=get(Delivery, delivery_id))).value
    assert get(Contract, contract_id).state == ContractState.DISPUTED
    assert get(Delivery, delivery_id).status == DeliveryStatus.DISPUTED
    assert contracts.delivered_quantity(get(Contract, contract_id), confirmed_only=True) == 0
    # The side that opened it cannot answer it; the other side cannot settle it.
    with pytest.raises(PermissionDenied):
        disputes.answer(world.user("seller_owner"), get(Dispute, dispute.id), "Tự trả lời")
    db.session.rollback()
    write.commit(lambda: disputes.answer(world.user("buyer_signer"), get(Dispute, dispute.id),
                                         "Chấp nhận thêm 1 tấn sau khi phơi lại"))
    assert get(Dispute, dispute.id).state == DisputeState.ANSWERED
    with pytest.raises(PermissionDenied):
        disputes.settle(world.user("buyer_signer"), get(Dispute, dispute.id), "Đã thỏa thuận")
    db.session.rollback()
    write.commit(lambda: disputes.settle(world.user("seller_signer"), get(Dispute, dispute.id),
                                         "Đồng ý: nhận thêm 1 tấn", accepted_quantity="9"))
    d, delivery, contract = get(Dispute, dispute.id), get(Delivery, delivery_id), get(Contract, contract_id)
    assert (d.state, d.agreed_accepted_quantity) == (DisputeState.SETTLED, 9)
    assert (delivery.status, delivery.accepted_quantity, delivery.rejected_quantity) == (
        DeliveryStatus.CONFIRMED, 9, 1)
    assert contract.state == ContractState.ACTIVE and contracts.delivered_quantity(contract, confirmed_only=True) == 9
    assert actions() == ["dispute.opened", "dispute.answered", "dispute.settled"]
    events = thread_events()
    assert len(events) == 3 and "Hàng đạt loại 1" in events[0] and "nhận thêm 1 tấn" in events[2]
    thread = db.session.scalar(sa.select(Conversation))
    assert (thread.subject_kind, thread.subject_id) == ("contract", contract_id)


def test_referred_to_the_department_which_mediates_and_closes(req, world, build, factory):
    contract_id, delivery_id = inspected(world, build)
    staff = get(User, factory.department_staff())
    dispute = write.commit(lambda: disputes.open_dispute(
        world.user("buyer_owner"), get(Contract, contract_id), "Giao chậm 3 tuần so với hợp đồng")).value
    assert dispute.delivery_id is None
    write.commit(lambda: disputes.refer(world.user("seller_owner"), get(Dispute, dispute.id)))
    assert get(Dispute, dispute.id).state == DisputeState.REFERRED
    assert [d.id for d in disputes.referred()] == [dispute.id]
    assert can_read_thread(staff, db.session.scalar(sa.select(Conversation)))
    # Neither party closes a referred dispute, nor settles it any more.
    with pytest.raises(PermissionDenied):
        disputes.mediate(world.user("buyer_owner"), get(Dispute, dispute.id), "Tự đóng")
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        disputes.settle(world.user("buyer_owner"), get(Dispute, dispute.id), "Đã thỏa thuận xong")
    db.session.rollback()
    write.commit(lambda: disputes.mediate(staff, get(Dispute, dispute.id), "Bên bán giảm 2% giá lô kế tiếp"))
    assert get(Dispute, dispute.id).state == DisputeState.CLOSED
    assert get(Contract, contract_id).state == ContractState.ACTIVE
    assert actions() == ["dispute.opened", "dispute.referred", "dispute.mediated"]
    assert "Sở đã đóng khiếu nại" in thread_events()[-1]
    assert can_read_thread(staff, db.session.scalar(sa.select(Conversation)))  # what it mediated stays readable


@pytest.mark.parametrize("step", ["answer_twice", "mediate_open", "settle_above_received", "short_reason",
                                  "second_on_same_delivery"])
def test_steps_out_of_order_or_bad_input_change_nothing(req, world, build, factory, step):
    contract_id, delivery_id = inspected(world, build)
    dispute = write.commit(lambda: disputes.open_dispute(
        world.user("seller_owner"), get(Contract, contract_id), "Hàng đạt loại 1",
        delivery=get(Delivery, delivery_id))).value
    before = (count(AuditEvent), count(Message))
    with pytest.raises(ValidationFailed) as caught:
        if step == "answer_twice":
            disputes.answer(world.user("buyer_owner"), get(Dispute, dispute.id), "Trả lời lần một")
            disputes.answer(world.user("buyer_owner"), get(Dispute, dispute.id), "Trả lời lần hai")
        elif step == "mediate_open":
            disputes.mediate(get(User, factory.department_staff()), get(Dispute, dispute.id), "Hòa giải sớm")
        elif step == "settle_above_received":
            disputes.settle(world.user("seller_owner"), get(Dispute, dispute.id), "Nhận hết", accepted_quantity="11")
        elif step == "short_reason":
            disputes.open_dispute(world.user("buyer_owner"), get(Contract, contract_id), "x")
        else:
            disputes.open_dispute(world.user("buyer_owner"), get(Contract, contract_id), "Lại khiếu nại",
                                  delivery=get(Delivery, delivery_id))
    assert all(isinstance(m, str) and m for msgs in caught.value.errors.values() for m in msgs)
    db.session.rollback()
    assert get(Dispute, dispute.id).state == DisputeState.OPEN and count(Dispute) == 1
    assert (count(AuditEvent), count(Message)) == before
    assert get(Delivery, delivery_id).accepted_quantity == 8
