"""Brute-force protection: failed sign-ins counted per client address first, then per account.

Counters live in Django's cache (Redis in production with several app servers, see
``TINHSO_CACHE_URL``); each counter expires ``TINHSO_LOGIN_LOCKOUT_SECONDS`` after its first
failure. The address is looked at first: an address that reached its limit (failures, or
failures on too many different usernames) is refused before any password is checked, and its
failures no longer count against accounts, so one address cannot lock many accounts. Reaching
the account limit locks that account whatever the address; its owner can still get in with the
password and a one-time code sent to the account's e-mail or phone (``tinhso.accounts.unlock``).
Both locks lift by themselves. All limits are settings (``TINHSO_LOGIN_*``) so a test run or a
benchmark from one loopback address can raise them; 0 disables a limit, and
``TINHSO_LOGIN_FAILURES_PER_ADDRESS = 0`` turns every per-address lock off.
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
        "Nếu đây là tài khoản của bạn, bạn có thể đăng nhập ngay bằng mật khẩu và mã mở khóa "
        "gửi đến thư điện tử hoặc số điện thoại đã đăng ký."
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


def _username_digest(username: str) -> str:
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]


def _account_key(username: str) -> str:
    return f"tinhso:login-fail:account:{_username_digest(username)}"


def _address_key(address: str) -> str:
    return f"tinhso:login-fail:address:{address}"


def _usernames_key(address: str) -> str:
    return f"tinhso:login-fail:usernames:{address}"


def _seen_key(address: str, username: str) -> str:
    return f"tinhso:login-fail:seen:{address}:{_username_digest(username)}"


def _lock(scope: str) -> Lock:
    return Lock(scope, settings.TINHSO_LOGIN_LOCKOUT_SECONDS)


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _incr(key: str) -> int:
    """Add one to a counter that expires a lockout period after its first failure."""
    cache.add(key, 0, settings.TINHSO_LOGIN_LOCKOUT_SECONDS)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.TINHSO_LOGIN_LOCKOUT_SECONDS)
        return 1


def _address_limits() -> tuple[int, int]:
    """(failures, different usernames) allowed per address; the second only counts while the
    first is on, so one switch turns address locks off (a fuzzing run, a load test)."""
    failures = settings.TINHSO_LOGIN_FAILURES_PER_ADDRESS
    usernames = getattr(settings, "TINHSO_LOGIN_USERNAMES_PER_ADDRESS", 0) if failures else 0
    return failures, usernames


def address_locked(address: str) -> bool:
    failures, usernames = _address_limits()
    return bool(
        (failures and _count(_address_key(address)) >= failures)
        or (usernames and _count(_usernames_key(address)) >= usernames)
    )


def account_locked(username: str) -> bool:
    limit = settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT
    return bool(limit and _count(_account_key(username)) >= limit)


def current_lock(username: str, request: HttpRequest | None) -> Lock | None:
    """The lock in force for this sign-in, the address's first (it says nothing about the
    account, and it is what an attacker from that address must be stopped by)."""
    if address_locked(client_address(request)):
        return _lock("address")
    if account_locked(username):
        return _lock("account")
    return None


def _record_address_failure(address: str, username: str) -> Lock | None:
    failures, usernames = _address_limits()
    reached = None
    if failures and _incr(_address_key(address)) == failures:
        reached = _lock("address")
    # A username counts once per address and period: cache.add is atomic (Redis SET NX), so
    # two parallel failures on one new username add one, not two.
    if (
        usernames
        and cache.add(_seen_key(address, username), 1, settings.TINHSO_LOGIN_LOCKOUT_SECONDS)
        and _incr(_usernames_key(address)) == usernames
    ):
        reached = _lock("address")
    return reached


def record_failure(username: str, request: HttpRequest | None) -> Lock | None:
    """Count a failed attempt; returns the lock when this failure reached a limit.

    The address is counted first. When the address had already reached its limit before this
    failure, the account counter is left alone: an address over its limit cannot lock accounts
    (the sign-in steps refuse such an address before they get here; this holds for any caller)."""
    address = client_address(request)
    over_before = address_locked(address)
    reached = _record_address_failure(address, username)
    limit = settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT
    if over_before or not limit:
        return reached
    if _incr(_account_key(username)) == limit:
        reached = reached or _lock("account")
    return reached


def record_address_failure(username: str, request: HttpRequest | None) -> Lock | None:
    """Count a failure against the address only (a wrong unlock code: the account is already
    locked, and the code has its own attempt limit)."""
    return _record_address_failure(client_address(request), username)


def account_failures(username: str) -> int:
    """The account's failure count in the current period (the SOC page, tests)."""
    return _count(_account_key(username))


def clear_account(username: str) -> None:
    """A successful sign-in resets the account counter (not the address one)."""
    cache.delete(_account_key(username))
