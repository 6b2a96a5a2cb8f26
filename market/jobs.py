"""Jobs: work that runs after the commit, outside the request, retried with backoff until it succeeds.

One Huey instance (https://huey.readthedocs.io) for the whole app:

- by default its queue is a SQLite file in the instance folder (`instance/jobs.sqlite3`, or JOBS_SQLITE_PATH):
  nothing to install, and a job queued survives a restart of the web server or of the worker;
- with REDIS_URL set, Redis (several web servers and workers on several machines share it);
- with JOBS_IMMEDIATE (the test suite's default) a job runs at once, in the process that queued it.

The worker (`./scripts/worker`, started by `./scripts/run` next to the web server) runs the jobs and the
periodic work declared in code (`market/periodic.py`): the search outbox drain, order expiry, refunds still
due, certificate dates. Modules declare their jobs with `@jobs.task(...)`; a job runs inside an application
context (the caller's in immediate mode, else the worker's app), with a database session of its own.

Services never queue a job inside their transaction: they call `market.effects.after_commit(...)` (or
`mail.send_after_commit`), whose effect queues the job once the commit succeeded; a rollback queues nothing.
"""
import functools
import os
from contextlib import nullcontext
from pathlib import Path

from flask import Flask, has_app_context
from huey import RedisHuey, SqliteHuey

from market import effects
from market.config import INSTANCE_DIR


def _make_huey():
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("market", url=redis_url, results=False)
    path = Path(os.environ.get("JOBS_SQLITE_PATH", INSTANCE_DIR / "jobs.sqlite3"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("market", filename=str(path), results=False)


huey = _make_huey()
_bound: Flask | None = None


def bind(app: Flask) -> None:
    """The app whose context the worker's jobs run in (the worker calls it once)."""
    global _bound
    _bound = app


def _context():
    if has_app_context():
        return nullcontext()
    if _bound is None:
        raise RuntimeError("jobs: no application bound; the worker calls market.jobs.bind(create_app())")
    return _bound.app_context()


def task(**options):
    """Declare a job: `@jobs.task(retries=5, retry_delay=10, retry_backoff=2)`: a failure is retried after
    retry_delay seconds, then retry_delay x retry_backoff, and so on. Queue it with `enqueue_after_commit(job, ...)`
    (calling `job(...)` queues it at once). Arguments must be plain values (ids, strings)."""
    def decorator(fn):
        @functools.wraps(fn)
        def in_app(*args, **kwargs):
            with _context():
                return fn(*args, **kwargs)

        return huey.task(**options)(in_app)
    return decorator


def periodic(schedule, **options):
    """Declare periodic work (a `huey.crontab(...)` schedule); the worker runs it, in an application context."""
    def decorator(fn):
        @functools.wraps(fn)
        def in_app():
            with _context():
                return fn()

        return huey.periodic_task(schedule, **options)(in_app)
    return decorator


def enqueue_after_commit(job, *args, what: str) -> None:
    """Queue `job(*args)` once the current transaction commits (never if it rolls back)."""
    effects.after_commit(lambda: job(*args), what)


def init_app(app: Flask) -> None:
    # The test suite runs jobs at once unless a test asks for the real queue (tests/jobs).
    if app.config.get("JOBS_IMMEDIATE", False):
        huey.immediate = True
