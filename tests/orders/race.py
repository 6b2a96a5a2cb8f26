"""Helpers for the PostgreSQL race tests: run two transactions in threads, each in its own app context
(so its own session and connection), and hold the first open until the second has either finished or is
waiting for one of the first one's row locks."""
import threading
import time

import sqlalchemy as sa

from market.extensions import db


def waiting_for_locks(app) -> int:
    """Backends of this database waiting for a lock (pg_stat_activity), seen from a connection of our own."""
    with app.app_context():
        with db.engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND wait_event_type = 'Lock'"))


class Worker(threading.Thread):
    """Runs `work()` in a request context and commits; keeps the outcome or the exception."""

    def __init__(self, app, work, *, hold: threading.Event | None = None):
        super().__init__(daemon=True)
        self.app, self.work, self.hold = app, work, hold
        self.ready = threading.Event()  # the work ran; the transaction is still open (if held)
        self.result = None
        self.error: BaseException | None = None

    def run(self):
        with self.app.test_request_context():
            try:
                self.result = self.work()
                self.ready.set()
                if self.hold is not None:
                    self.hold.wait(timeout=30)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                self.error = exc
            finally:
                self.ready.set()
                db.session.remove()


def interleave(app, first_work, second_work, *, timeout=10.0):
    """first_work runs and keeps its transaction open; second_work runs meanwhile; once the second is done
    or blocked on a lock, the first commits, then the second finishes. Returns both workers."""
    hold = threading.Event()
    first = Worker(app, first_work, hold=hold)
    first.start()
    assert first.ready.wait(timeout), "the first transaction did not get going"
    assert first.error is None, repr(first.error)
    second = Worker(app, second_work)
    second.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and second.is_alive() and not waiting_for_locks(app):
        time.sleep(0.02)
    hold.set()
    first.join(timeout)
    second.join(timeout)
    assert not first.is_alive() and not second.is_alive(), "a transaction is stuck"
    return first, second
