"""Fixed-window request counters in Django's cache, for page endpoints (the API uses ninja's
throttles, see tinhso.accounts.throttling)."""

from django.core.cache import cache


def over_limit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; True once more than ``limit`` hits fell in the window.

    ``limit`` 0 disables the check (and counts nothing)."""
    if not limit:
        return False
    full_key = f"tinhso:rate:{key}"
    cache.add(full_key, 0, window_seconds)
    try:
        count = cache.incr(full_key)
    except ValueError:  # the window ended between add and incr
        cache.set(full_key, 1, window_seconds)
        count = 1
    return count > limit
