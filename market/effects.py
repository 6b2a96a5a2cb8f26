"""Side effects that must wait for the commit: e-mail, calls to Stripe (refunds), anything outside the database.

A service queues one with `after_commit(effect, what)` inside its transaction. When the transaction commits the
queued effects become ready; when it rolls back they are dropped, so nothing outside happens for a change that
was not saved. Whoever committed runs the ready ones with `run_ready()`: the write path does it right after its
commit, every request does it before answering (a safety net), CLI commands do it after theirs.

Anything that talks to the outside and may fail (e-mail, Stripe, the search engine) should not run here but be
queued as a job (`market.jobs.enqueue_after_commit(job, *ids)`): the effect then only enqueues it, and the worker
runs it with retries and backoff.

An effect runs with the session free: it may read and write the database and commit its own transaction (a
refund records its outcome). An effect that raises is logged and the others still run; the saved change stays.
"""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app

from market.extensions import db

_PENDING = "effects_pending"
_READY = "effects_ready"


@dataclass(frozen=True)
class Effect:
    run: Callable[[], object]
    what: str  # for the log: "refund of payment 12", "e-mail to a@b.vn"


@dataclass(frozen=True)
class Failure:
    effect: Effect
    error: Exception


def after_commit(run: Callable[[], object], what: str) -> None:
    """Run `run()` once the current transaction has committed; never if it rolls back."""
    session = db.session()
    if session.get_transaction() is None:
        session.begin()  # tie the effect to a transaction even before any SQL, so a rollback drops it
    session.info.setdefault(_PENDING, []).append(Effect(run, what))


def run_ready() -> list[Failure]:
    """Run the effects of the transactions committed so far, in the order they were queued."""
    failures: list[Failure] = []
    session = db.session()
    while session.info.get(_READY):
        effect = session.info[_READY].pop(0)
        try:
            effect.run()
        except Exception as exc:  # noqa: BLE001 - the change is saved; one outside failure must not undo it
            db.session.rollback()  # whatever the effect left half-written
            current_app.logger.exception("after-commit effect failed: %s", effect.what)
            failures.append(Failure(effect, exc))
    return failures


def _committed(session) -> None:
    session.info.setdefault(_READY, []).extend(session.info.pop(_PENDING, []))


def _ended(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without committing: drop its effects
        session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    if not sa.event.contains(db.session, "after_commit", _committed):
        sa.event.listen(db.session, "after_commit", _committed)
        sa.event.listen(db.session, "after_transaction_end", _ended)

    @app.after_request
    def _run_effects_of_this_request(response):
        run_ready()
        return response
