"""The job queue itself (market/jobs.py) on its real SQLite storage: jobs are queued only once the commit
succeeded, run by a worker outside the request, and a job that fails is retried later with a growing delay."""
from datetime import timedelta

from market import effects, jobs
from market.extensions import db
from market.models import User
from market.services import mail
from tests.jobs.queue import run_worker

attempts: list[int] = []


@jobs.task(retries=3, retry_delay=10, retry_backoff=2)
def flaky_job(succeed_on: int) -> int:
    """Fails until its `succeed_on`-th try; counts users, to prove it runs inside an application context."""
    attempts.append(1)
    if len(attempts) < succeed_on:
        raise ConnectionError("the outside service is down")
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def test_an_e_mail_is_queued_after_the_commit_and_sent_by_the_worker(app, real_queue, outbox):
    with app.app_context():
        mail.send_after_commit("lan@example.vn", "Chào", "Nội dung")
        assert real_queue.pending_count() == 0  # nothing before the commit
        db.session.commit()
        effects.run_ready()
        assert real_queue.pending_count() == 1
        assert outbox == []  # queued, not sent by the request
    run_worker(real_queue)
    assert [m.recipients for m in outbox] == [["lan@example.vn"]] and outbox[0].subject == "Chào"
    assert real_queue.pending_count() == 0


def test_a_rolled_back_change_queues_no_job(app, real_queue, outbox):
    with app.app_context():
        mail.send_after_commit("lan@example.vn", "Chào", "Nội dung")
        db.session.rollback()
        effects.run_ready()
    assert real_queue.pending_count() == 0 and real_queue.scheduled_count() == 0


def test_a_failing_job_is_retried_with_a_growing_delay_until_it_succeeds(app, real_queue):
    attempts.clear()
    flaky_job(3)
    start = real_queue._get_timestamp()

    [first] = run_worker(real_queue)
    assert len(attempts) == 1 and real_queue.pending_count() == 0
    [retry] = real_queue.scheduled()
    assert retry.retries == 2
    first_delay = (retry.eta - start).total_seconds()
    assert 9 <= first_delay <= 15
    assert run_worker(real_queue) == []  # not due yet: nothing runs

    tried_again = real_queue._get_timestamp()
    run_worker(real_queue, at=retry.eta + timedelta(seconds=1))  # the worker's clock, past the retry's time
    assert len(attempts) == 2
    [second_retry] = real_queue.scheduled()
    second_delay = (second_retry.eta - tried_again).total_seconds()  # counted from the real time it failed
    assert 19 <= second_delay <= 25  # the delay doubled (retry_backoff=2)

    run_worker(real_queue, at=second_retry.eta + timedelta(seconds=1))
    assert len(attempts) == 3  # succeeded on the third try
    assert real_queue.scheduled_count() == 0 and real_queue.pending_count() == 0


def test_the_periodic_work_is_declared_in_code():
    import market.periodic  # noqa: F401 - what the worker imports

    names = set(jobs.huey._registry._registry)
    for job in ("drain_search_outbox", "expire_orders", "retry_refunds", "certificate_dates", "prune_sessions",
                "remind_renewals", "check_saved_searches", "saved_search_digest"):
        assert f"market.periodic.{job}" in names
    assert {"market.services.mail.send_job", "market.payments.service.refund_job",
            "market.search.sync.push_job"} <= names
