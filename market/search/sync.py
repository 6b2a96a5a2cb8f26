"""Keeping the index in step with the database, without losing a write.

Every flush that touches a listing, product, organisation, zone or certificate writes outbox rows in the
same transaction (`record_changes`). After the commit a job pushes the outbox in bulk (`push_after_commit`
queues `push_job`, market.jobs); rows whose push fails stay, with the error, and the worker's periodic drain
(every minute, market/periodic.py) pushes them once the engine answers again: the index converges by itself.
`flask search sync` does the same by hand.
"""
import time

import sqlalchemy as sa
from flask import current_app
from huey.exceptions import TaskLockedException
from sqlalchemy.orm import Session

from market import jobs
from market.clock import today
from market.extensions import db
from market.models import Certificate, GrowingZone, OcopProduct, Organisation, SearchOutbox, SupplyListing
from market.models.trust import OcopCertificate
from market.models.types import utcnow
from market.search import bulk_documents, documents
from market.search.base import SearchUnavailable
from market.search.registry import get_backend

TRACKED = (SupplyListing, OcopProduct, Organisation, GrowingZone, Certificate, OcopCertificate)
OUTBOX = SearchOutbox.__table__
# After a failed push, commits stop trying for this long (a dead host must not slow every save).
BACKOFF_SECONDS = 30
_backoff_until = 0.0


def record_changes(session, _flush_context) -> None:
    """after_flush: queue the documents this flush changed, inside the same transaction."""
    changed = [obj for obj in (*session.new, *session.dirty, *session.deleted) if isinstance(obj, TRACKED)]
    if not changed:
        return
    keys: set[str] = set()
    with session.no_autoflush:
        for obj in changed:
            if obj in session.dirty and not session.is_modified(obj):
                continue
            if obj.id is not None:
                keys.update(documents.keys_touched_by(session, obj))
    queue_keys(session, keys)


def queue_keys(session, keys) -> None:
    """Queue these documents in the outbox, inside the session's transaction; pushed after its commit."""
    if not keys:
        return
    now = utcnow()
    session.connection().execute(OUTBOX.insert(), [{"doc_key": k, "created_at": now, "attempts": 0}
                                                   for k in sorted(keys)])
    session.info["search_pending"] = True


def queue_products(session, product_ids) -> None:
    """Products whose stock moved through a Core UPDATE (which no flush hook sees): their documents follow."""
    queue_keys(session, {documents.key_of("product", i) for i in product_ids})


def push_after_commit(session) -> None:
    """after_commit: queue the job that pushes what this transaction queued. Never raises: the outbox keeps it."""
    if not session.info.pop("search_pending", False):
        return
    if not current_app.config.get("SEARCH_SYNC_ON_COMMIT", True):
        return
    try:
        push_job()
    except Exception:  # noqa: BLE001 - a search problem must never fail the user's save
        current_app.logger.exception("search: queueing the outbox push failed; the periodic drain will push it")


@jobs.task()
def push_job() -> None:
    """Push the outbox now. While the engine is known to be down (a push failed less than BACKOFF_SECONDS ago)
    it does nothing: the periodic drain retries, so a dead host does not cost every save a timeout. One drain
    at a time (a lock shared by the workers): a drain running already takes the rows queued meanwhile."""
    if time.monotonic() < _backoff_until:
        return
    try:
        with jobs.huey.lock_task("search-outbox"):
            drain(max_batches=20)
    except TaskLockedException:
        pass


def drain_periodically() -> dict:
    """The worker's every-minute drain (market/periodic.py): pushes whatever stayed queued, backoff or not."""
    try:
        with jobs.huey.lock_task("search-outbox"):
            return drain()
    except TaskLockedException:
        return {"pushed": 0, "deleted": 0, "failed": 0, "locked": True}


def forget_pending(session, *_args) -> None:
    session.info.pop("search_pending", None)


def drain(*, batch_size: int = 500, max_batches: int | None = None, on=None) -> dict:
    """Push queued documents in batches until the outbox is empty (or `max_batches` were pushed).
    Returns counts; stops at the first batch the engine refuses, leaving it queued with its error."""
    global _backoff_until
    backend = get_backend()
    on = on or today()
    pushed = deleted = batches = 0
    with Session(db.engine) as session:
        while max_batches is None or batches < max_batches:
            rows = session.execute(sa.select(OUTBOX.c.id, OUTBOX.c.doc_key).order_by(OUTBOX.c.id)
                                   .limit(batch_size)).all()
            if not rows:
                break
            ids = [r.id for r in rows]
            keys = list(dict.fromkeys(r.doc_key for r in rows))
            docs, removals = documents.build(session, keys, on)
            try:
                backend.index(docs)
                backend.delete(removals)
            except SearchUnavailable as exc:
                _backoff_until = time.monotonic() + BACKOFF_SECONDS
                session.execute(OUTBOX.update().where(OUTBOX.c.id.in_(ids))
                                .values(attempts=OUTBOX.c.attempts + 1, last_error=str(exc)[:500]))
                session.commit()
                return {"pushed": pushed, "deleted": deleted, "failed": len(ids), "error": str(exc)[:200]}
            session.execute(OUTBOX.delete().where(OUTBOX.c.id.in_(ids)))
            session.commit()
            _backoff_until = 0.0
            pushed += len(docs)
            deleted += len(removals)
            batches += 1
    return {"pushed": pushed, "deleted": deleted, "failed": 0}


def enqueue_validity_changes(on=None) -> int:
    """Queue documents whose certificates expired yesterday or start today, and listings whose harvest ended
    yesterday (no row changed, the date did)."""
    with Session(db.engine) as session:
        keys = sorted(set(documents.keys_changing_validity(session, on or today())))
        if keys:
            now = utcnow()
            session.execute(OUTBOX.insert(), [{"doc_key": k, "created_at": now, "attempts": 0} for k in keys])
            session.commit()
        return len(keys)


def backlog() -> dict:
    row = db.session.execute(sa.select(sa.func.count(OUTBOX.c.id), sa.func.min(OUTBOX.c.created_at))).one()
    oldest = row[1]
    return {"queued": row[0], "oldest": oldest.isoformat() if oldest else None}


def reindex(progress=None) -> int:
    """Rebuild the whole index from the database; searches keep answering from the old one meanwhile."""
    on = today()
    with Session(db.engine) as session:
        started = session.scalar(sa.select(sa.func.max(OUTBOX.c.id))) or 0
        # Set-based: each table read once, not ORM objects row by row (the same documents: bulk_documents).
        total = get_backend().reindex(bulk_documents.batches(session, on), progress=progress)
        # What was queued before the rebuild began is in the new index; later changes stay queued.
        session.execute(OUTBOX.delete().where(OUTBOX.c.id <= started))
        session.commit()
    return total
