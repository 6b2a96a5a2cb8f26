"""Growing delays after failed log-ins, counted per e-mail AND client address together.

A stranger who keeps failing on someone's e-mail from their own address only slows themselves down: the owner,
from another address, logs in as usual. After LOGIN_FREE_FAILURES failures the next try must wait
LOGIN_DELAY_SECONDS, doubling with each further failure up to LOGIN_DELAY_MAX_SECONDS; a success clears the
count. The counters live in the rate limiter's storage (memory, or Redis/Memcached shared by the workers).
The per-address limit (LOGIN_RATE_LIMIT on the route) still caps one address trying many e-mails.
"""
import time

from flask import current_app
from flask_limiter.util import get_remote_address

from market.extensions import limiter

_DAY = 86400


def _key(email: str) -> str:
    return f"login-fail/{(email or '').strip().lower()}/{get_remote_address()}"


def _delay(failures: int) -> int:
    config = current_app.config
    over = failures - config["LOGIN_FREE_FAILURES"]
    if over <= 0:
        return 0
    return min(config["LOGIN_DELAY_SECONDS"] * 2 ** min(over - 1, 30), config["LOGIN_DELAY_MAX_SECONDS"])


def seconds_to_wait(email: str) -> int:
    """How long this e-mail must wait before another try from this address (0: try now)."""
    storage = limiter.storage
    key = _key(email)
    failures = storage.get(key)
    if not _delay(failures):
        return 0
    wait_key = f"{key}/wait/{failures}"
    if not storage.get(wait_key):
        return 0
    return max(1, int(storage.get_expiry(wait_key) - time.time() + 0.999))


def failed(email: str) -> None:
    storage = limiter.storage
    key = _key(email)
    failures = storage.incr(key, _DAY)
    if delay := _delay(failures):
        storage.incr(f"{key}/wait/{failures}", delay)


def succeeded(email: str) -> None:
    limiter.storage.clear(_key(email))
