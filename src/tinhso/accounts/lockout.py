"""Brute-force protection: failed sign-ins counted per account and per client address.

Counters live in Django's cache (Redis in production with several app servers, see
``TINHSO_CACHE_URL``); each counter expires ``TINHSO_LOGIN_LOCKOUT_SECONDS`` after its first
failure. Reaching the account limit locks that account (whatever the address), reaching the
address limit locks every sign-in from the address; both lift by themselves. All limits are
settings (``TINHSO_LOGIN_*``) so a test run or a benchmark from one loopback address can raise
them; 0 disables a limit.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Lock:
    scope: str  # "account" or "address"
    seconds: int


def lock_message(lock: Lock) -> str:
    """What the person is told, on every sign-in step (password, code, security key, API)."""
    minutes = max(1, lock.seconds // 60)
    if lock.scope == "address":
        return _(
            "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này. Vui lòng thử lại sau %(minutes)d phút."
        ) % {"minutes": minutes}
    return _(
        "Tài khoản tạm khóa %(minutes)d phút vì đăng nhập sai quá nhiều lần. "
        "Vui lòng thử lại sau, hoặc liên hệ quản trị để được hỗ trợ."
    ) % {"minutes": minutes}


def client_address(request: HttpRequest | None) -> str:
    """The client's address; behind a proxy, set TINHSO_TRUSTED_PROXY_COUNT so X-Forwarded-For
    is read (its last N hops are the proxies)."""
    if request is None:
        return ""
    hops = getattr(settings, "TINHSO_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))


def _account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"tinhso:login-fail:account:{digest}"


def _address_key(address: str) -> str:
    return f"tinhso:login-fail:address:{address}"


def _limits() -> list[tuple[str, int]]:
    return [
        ("account", settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT),
        ("address", settings.TINHSO_LOGIN_FAILURES_PER_ADDRESS),
    ]


def _keys(username: str, address: str) -> dict[str, str]:
    return {"account": _account_key(username), "address": _address_key(address)}


def current_lock(username: str, request: HttpRequest | None) -> Lock | None:
    keys = _keys(username, client_address(request))
    for scope, limit in _limits():
        if limit and (cache.get(keys[scope]) or 0) >= limit:
            return Lock(scope, settings.TINHSO_LOGIN_LOCKOUT_SECONDS)
    return None


def record_failure(username: str, request: HttpRequest | None) -> Lock | None:
    """Count a failed attempt; returns the lock when this failure reached a limit."""
    keys = _keys(username, client_address(request))
    reached = None
    for scope, limit in _limits():
        if not limit:
            continue
        cache.add(keys[scope], 0, settings.TINHSO_LOGIN_LOCKOUT_SECONDS)
        try:
            count = cache.incr(keys[scope])
        except ValueError:  # expired between add and incr
            cache.set(keys[scope], 1, settings.TINHSO_LOGIN_LOCKOUT_SECONDS)
            count = 1
        if count == limit:
            reached = Lock(scope, settings.TINHSO_LOGIN_LOCKOUT_SECONDS)
    return reached


def clear_account(username: str) -> None:
    """A successful sign-in resets the account counter (not the address one)."""
    cache.delete(_account_key(username))
