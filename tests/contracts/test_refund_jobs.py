"""Cancelling a contract whose card deposit was paid, with Stripe unreachable, on the real job queue: the
cancellation succeeds at once, the refund job fails and is retried later by the worker with a growing delay,
and once Stripe answers the refund is made (once) and the buyer told. Nobody runs a command."""
from datetime import timedelta

import pytest

from market import effects, payments
from market.extensions import db
from market.models import Contract, Payment, PaymentMethod, PaymentStatus
from market.models import ContractState as S
from market.services import contracts
from tests.contracts.test_refunds import closed_port
from tests.factories import actions, get, notified
from tests.jobs.queue import run_worker

pytestmark = pytest.mark.both_engines  # row locks and the worker's own connection differ by engine
REFUND = "refund_job"


def refund_retries(huey) -> list:
    return [task for task in huey.scheduled() if task.name == REFUND]


@pytest.fixture
def card_paid(req, app, build, world, stripe_mock):
    contract_id = build.contract(S.SIGNED, deposit_pct="5")  # card payments stop at Stripe's eight digits
    payment = contracts.start_deposit(world.user("buyer_signer"), get(Contract, contract_id), PaymentMethod.STRIPE)
    payments.mark_received(payment, None)
    db.session.commit()
    return contract_id, payment.id


def test_the_refund_is_retried_by_the_worker_until_stripe_answers(app, world, card_paid, real_queue, monkeypatch):
    contract_id, payment_id = card_paid
    stripe_mock_base = app.config["STRIPE_API_BASE"]
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", closed_port())  # Stripe unreachable

    contracts.cancel(world.user("buyer_owner"), get(Contract, contract_id), "Đổi kế hoạch sản xuất")
    db.session.commit()
    assert effects.run_ready() == []  # the request ends well: the refund is a queued job
    assert [t.name for t in real_queue.pending()].count(REFUND) == 1
    db.session.remove()

    run_worker(real_queue)  # the worker tries: Stripe is down
    [retry] = refund_retries(real_queue)
    assert retry.retries == 9
    db.session.expire_all()
    assert get(Contract, contract_id).state == S.CANCELLED
    assert get(Payment, payment_id).status == PaymentStatus.REFUNDING
    assert actions()["payment.refund_failed"] == 1

    failed_at = real_queue._get_timestamp()
    run_worker(real_queue, at=retry.eta + timedelta(seconds=1))  # still down: a second failure, a longer wait
    [second] = refund_retries(real_queue)
    assert 19 <= (second.eta - failed_at).total_seconds() <= 30
    db.session.expire_all()
    assert actions()["payment.refund_failed"] == 2

    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_mock_base)  # Stripe answers again
    run_worker(real_queue, at=second.eta + timedelta(seconds=1))
    assert refund_retries(real_queue) == [] and real_queue.pending_count() == 0
    db.session.expire_all()
    payment = get(Payment, payment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.stripe_refund_id.startswith("re_")
    assert notified("payment.refunded") == {world.buyer: notified("contract.active")[world.buyer]}


def test_the_periodic_retry_makes_a_refund_whose_job_gave_up(app, world, card_paid, real_queue, monkeypatch):
    """A refund still `refunding` after its job's retries (or a worker that stopped) is asked again by the
    worker's periodic work, every 10 minutes."""
    contract_id, payment_id = card_paid
    contracts.cancel(world.user("buyer_owner"), get(Contract, contract_id), "Đổi kế hoạch sản xuất")
    db.session.commit()
    real_queue.storage.flush_queue()  # the job is lost (say the queue's disk was replaced)
    effects.run_ready()
    real_queue.storage.flush_queue()
    db.session.remove()
    assert get(Payment, payment_id).status == PaymentStatus.REFUNDING

    at = real_queue._get_timestamp().replace(minute=10, second=0, microsecond=0)
    run_worker(real_queue, at=at, periodic=True)
    db.session.expire_all()
    assert get(Payment, payment_id).status == PaymentStatus.REFUNDED
