"""The anonymous status lookup behind its failure limit, shared by the page (/tra-cuu/) and the
API (GET /api/v1/lookup/{code}): both draw on one budget per client address and one per dossier
code, so switching from one to the other buys no extra guesses.

A failure (unknown code or wrong phone digits) is counted on both keys; once either key holds
``TINHSO_LOOKUP_FAILURES_PER_HOUR`` failures, every lookup through it — a right answer included —
is refused until the hour that began with its first failure is over.

A right answer is kept in Django's cache under a key made of the dossier's id, history sequence
and last save (``selectors.public_lookup_key``) and the language: a lookup reads that key in one
indexed statement, and only when the dossier changed since the answer was kept does it read the
dossier and its history again (a second statement). Nothing to invalidate, nothing stale, the
same in every process: a change of the dossier changes the key. The answer holds no personal
data; the phone digits are checked against the database on every lookup, never kept.

A lookup makes one round trip to the cache: the failure counts and the kept answer are read
together (``get_many``), after the key statement and before anything is answered, so a client over
its limit is refused before it learns whether the digits were right.
"""

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from tinhso.accounts.lockout import client_address
from tinhso.dossiers import selectors

WINDOW_SECONDS = 3600
VIEW_SECONDS = 24 * 3600  # the longest an agency's or procedure's new name waits to be shown


class LookupLocked(Exception):
    """Too many failed lookups; ``retry_after`` is the number of seconds until the next try."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _keys(request: HttpRequest, code: str) -> list[str]:
    digest = hashlib.sha256(code.encode()).hexdigest()[:32]
    return [f"tinhso:lookup:code:{digest}", f"tinhso:lookup:ip:{client_address(request)}"]


def _seconds_left(key: str, now: float) -> int:
    ends = cache.get(f"{key}:ends")
    if ends is None:
        return WINDOW_SECONDS
    return max(1, math.ceil(ends - now))


def _count_failure(key: str, now: float) -> None:
    if cache.add(key, 0, WINDOW_SECONDS):
        cache.set(f"{key}:ends", now + WINDOW_SECONDS, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        cache.set(f"{key}:ends", now + WINDOW_SECONDS, WINDOW_SECONDS)


def checked_public_lookup(
    request: HttpRequest, code: str, phone_last4: str
) -> dict[str, Any] | None:
    """The public view of the dossier for ``code`` and ``phone_last4`` (None when they do not
    match), counting the failure; raises LookupLocked, without answering, when the address or the
    code is over its limit."""
    code = code.strip()
    limit = settings.TINHSO_LOOKUP_FAILURES_PER_HOUR
    keys = _keys(request, code) if limit else []
    version = selectors.public_lookup_key(code, phone_last4)
    view_key = f"tinhso:lookup:view:{version}:{get_language() or ''}" if version else None
    wanted = keys + ([view_key] if view_key else [])
    kept = cache.get_many(wanted) if wanted else {}
    now = time.time()
    locked = [key for key in keys if kept.get(key, 0) >= limit]
    if locked:
        raise LookupLocked(max(_seconds_left(key, now) for key in locked))
    if view_key is None:
        for key in keys:
            _count_failure(key, now)
        return None
    found: dict[str, Any] | None = kept.get(view_key)
    if found is None:
        found = selectors.public_lookup(code, phone_last4)
        if found is not None:  # (None: the dossier changed in between; nothing to keep)
            cache.set(view_key, found, VIEW_SECONDS)
    return found
