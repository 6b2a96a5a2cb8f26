"""The real job queue for a test: Huey on its SQLite file (in the tests' instance folder), not immediate mode,
and a worker that runs in a thread of its own, outside the test's application context, as the consumer does:
it moves due retries and periodic jobs into the queue, then runs what is queued.

`real_queue` is a fixture of tests/conftest.py; `run_worker(huey)` is imported where it is used.
"""
import threading
from datetime import datetime

import pytest

import market.periodic  # noqa: F401 - the worker declares the periodic jobs by importing it
from market import jobs


@pytest.fixture
def real_queue(app):
    huey = jobs.huey
    huey.immediate = False  # the SQLite queue in instance/jobs.sqlite3 (a temp folder under the tests)
    huey.storage.flush_all()
    jobs.bind(app)
    yield huey
    huey.storage.flush_all()
    huey.flush_locks()
    jobs.bind(None)
    huey.immediate = True


def run_worker(huey, *, at: datetime | None = None, periodic: bool = False) -> list:
    """One pass of the consumer at time `at` (now by default), in another thread: retries due by then and (with
    `periodic`) the periodic jobs due at that minute are queued, then every queued job runs. Returns the jobs
    run (Huey task objects, whose `retries` tell how many tries are left)."""
    done, errors = [], []

    def consume():
        try:
            now = at or huey._get_timestamp()
            for task in huey.read_schedule(now):
                huey.enqueue(task)
            if periodic:
                for task in huey.read_periodic(now):
                    huey.enqueue(task)
            while (task := huey.dequeue()) is not None:
                huey.execute(task, now)
                done.append(task)
        except BaseException as exc:  # noqa: BLE001 - reported in the test's thread
            errors.append(exc)

    worker = threading.Thread(target=consume)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the worker did not finish"
    if errors:
        raise errors[0]
    return done
