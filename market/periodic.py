"""Scheduled work, declared in code: the worker (`./scripts/worker`) runs it, no cron line needed.

| job | when | why |
| --- | --- | --- |
| `drain_search_outbox` | every minute | pushes the changes that could not reach the search engine: after an outage the index converges by itself |
| `expire_orders` | every 5 minutes | gives back the stock of shop orders not paid in time |
| `retry_refunds` | every 10 minutes | asks Stripe again for every refund still `refunding` (beyond the refund job's own retries) |
| `certificate_dates` | daily at 00:05 (UTC+7) | queues documents whose certificates expired yesterday or start today |
| `prune_sessions` | daily at 03:00 (UTC+7) | closes log-in sessions older than the remember-me cookie's life |
| `remind_renewals` | daily at 06:15 (UTC+7) | renewal reminders 90, 30 and 7 days before a zone code, zone certificate or OCOP certificate expires; each once |
| `remind_reports` | daily at 07:30 (UTC+7) | reminds commune offices whose yearly report (open round) is not submitted, from the first reporting day; once per commune per day |
| `check_saved_searches` | hourly at :20 | inbox notifications for listings and products newly matching a saved search; each once |
| `saved_search_digest` | daily at 07:00 (UTC+7) | the day's new matches of each person's saved searches in one e-mail, before the working day |
| `nightly_backup` | daily at 02:30 (UTC+7) | an archive of the database, uploads and settings in BACKUP_DIR, keeping the newest BACKUP_KEEP; copy them off the machine |

Each writes in a transaction of its own through the write path and queues its effects after the commit.
The `flask market ...` / `flask search sync` commands do the same work by hand.
"""
from huey import crontab

from market import backup, jobs
from market.blueprints import write
from market.payments import service as payments
from market.search import sync
from market.services import orders, reminders, reporting, saved_searches, sessions


@jobs.periodic(crontab(minute="*"))
def drain_search_outbox() -> dict:
    return sync.drain_periodically()


@jobs.periodic(crontab(minute="*/5"))
def expire_orders() -> int:
    return write.commit(orders.expire_unpaid_orders).value


@jobs.periodic(crontab(minute="*/10"))
def retry_refunds() -> tuple[int, int]:
    return payments.retry_refunds()


@jobs.periodic(crontab(minute="5", hour="17"))  # 00:05 in Asia/Ho_Chi_Minh; the worker's clock is UTC
def certificate_dates() -> int:
    return sync.enqueue_validity_changes()


@jobs.periodic(crontab(minute="0", hour="20"))  # 03:00 in Asia/Ho_Chi_Minh
def prune_sessions() -> int:
    return write.commit(sessions.prune).value


@jobs.periodic(crontab(minute="15", hour="23"))  # 06:15 in Asia/Ho_Chi_Minh
def remind_renewals() -> int:
    return write.commit(reminders.send_due).value


@jobs.periodic(crontab(minute="30", hour="0"))  # 07:30 in Asia/Ho_Chi_Minh
def remind_reports() -> int:
    return write.commit(reporting.send_reminders).value


@jobs.periodic(crontab(minute="20"))
def check_saved_searches() -> dict:
    return write.commit(saved_searches.check_all).value


@jobs.periodic(crontab(minute="0", hour="0"))  # 07:00 in Asia/Ho_Chi_Minh
def saved_search_digest() -> int:
    return write.commit(saved_searches.send_digests).value


@jobs.periodic(crontab(minute="30", hour="19"))  # 02:30 in Asia/Ho_Chi_Minh, the quietest hour
def nightly_backup() -> dict:
    return backup.nightly()
