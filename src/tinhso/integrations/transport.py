"""What every outside system's client needs to say about an HTTP call that got no answer, or an
answer asking it to wait: shared by the national portal's, the data store's and the post's
clients (each keeps its own ``Reply``, since their protocols answer differently)."""

import datetime
import email.utils
from dataclasses import dataclass
from typing import Literal

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError


@dataclass(frozen=True)
class NoAnswer:
    """A call without an HTTP answer: ``timeout`` or ``connection``; ``unknown_outcome`` when the
    request may have gone out (a read timeout, a connection broken after sending: R-NAT-034), so
    the next attempt must treat it as "maybe stored"."""

    kind: Literal["timeout", "connection"]
    message: str
    unknown_outcome: bool


def no_answer(exc: requests.RequestException) -> NoAnswer:
    """Classify a failed call. A refused or timed-out connection sent nothing."""
    never_sent = isinstance(exc, requests.ConnectTimeout) or connect_failure(exc)
    return NoAnswer(
        "timeout" if isinstance(exc, requests.Timeout) else "connection",
        f"{type(exc).__name__}: {exc}"[:500],
        unknown_outcome=not never_sent,
    )


def connect_failure(exc: BaseException) -> bool:
    """Walk the cause chain for urllib3's "could not connect" errors (requests wraps them)."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, NewConnectionError | ConnectTimeoutError):
            return True
        reason = getattr(seen, "reason", None)
        if isinstance(reason, BaseException):
            seen = reason
            continue
        args = getattr(seen, "args", ())
        nxt = args[0] if args and isinstance(args[0], BaseException) else None
        seen = nxt or seen.__cause__ or seen.__context__
    return False


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())
