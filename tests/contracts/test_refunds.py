"""A card deposit is refunded after the cancellation is committed: when Stripe cannot be reached the contract
is cancelled all the same (no error for the person cancelling), the payment stays `refunding` with the
failure audited, and the refund job's retries (tests/jobs drives the real queue), the worker's periodic
retry or `flask market retry-refunds` make the refund later. Stripe's refund then tells the buyer."""
import socket

import pytest

from market import effects, payments
from market.extensions import db
from market.models import Contract, Payment, PaymentMethod, PaymentStatus
from market.models import ContractState as S
from market.services import contracts
from tests.factories import actions, get, notified


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def card_paid(req, app, build, world, stripe_mock):
    """An active contract whose 47,500,000 ₫ deposit (5 %: card payments stop at Stripe's eight digits) was paid
    by card."""
    contract_id = build.contract(S.SIGNED, deposit_pct="5")
    payment = contracts.start_deposit(world.user("buyer_signer"), get(Contract, contract_id), PaymentMethod.STRIPE)
    payments.mark_received(payment, None)
    db.session.commit()
    assert get(Contract, contract_id).state == S.ACTIVE  # the contract reacted to payment_received
    return contract_id, payment.id


def test_cancelling_while_stripe_is_down_cancels_and_queues_the_refund(app, world, card_paid, monkeypatch):
    contract_id, payment_id = card_paid
    stripe_mock_base = app.config["STRIPE_API_BASE"]
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", closed_port())
    contracts.cancel(world.user("buyer_owner"), get(Contract, contract_id), "Đổi kế hoạch sản xuất")
    db.session.commit()
    assert effects.run_ready() == []  # the refund is a job (market.jobs): its failure is retried, not raised here
    db.session.expire_all()
    assert get(Contract, contract_id).state == S.CANCELLED
    payment = get(Payment, payment_id)
    assert payment.status == PaymentStatus.REFUNDING and payment.stripe_refund_id is None
    assert actions()["payment.refund"] == 1 and actions()["payment.refund_failed"] == 1
    assert notified("payment.refunded") == {}

    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_mock_base)  # Stripe is back
    assert payments.retry_refunds() == (1, 0)
    db.session.expire_all()
    payment = get(Payment, payment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.stripe_refund_id.startswith("re_")
    assert notified("payment.refunded") == {world.buyer: notified("contract.active")[world.buyer]}
    assert payments.retry_refunds() == (0, 0)


def test_a_rollback_drops_the_refund(app, world, card_paid):
    """The refund is only asked for once the cancellation is saved."""
    contract_id, payment_id = card_paid
    contracts.cancel(world.user("buyer_owner"), get(Contract, contract_id), "Đổi kế hoạch sản xuất")
    db.session.rollback()
    assert effects.run_ready() == []
    assert get(Payment, payment_id).status == PaymentStatus.SUCCEEDED
    assert get(Contract, contract_id).state == S.ACTIVE
