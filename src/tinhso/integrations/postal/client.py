"""The post's HTTP client (VNPost-style, our documented protocol: docs/postal.md).

Three calls, all JSON over HTTPS, made by the worker only (the outbox's ``deliver`` and the
tracking poll), never while a person waits:

- ``token`` (``POST {token_url}``, Thanh Hóa's urlVNPostGetToken): username/password → a bearer
  token with its lifetime; kept in the cache until a minute before it expires, dropped on a 401.
- ``create_order`` (``POST {url}/orders``): the order, with ``Idempotency-Key`` = OrderNumber =
  the dossier code; the post answers the same ItemCode for the same OrderNumber, so a retry after
  a timeout (the order may have been stored) creates no second parcel.
- ``track`` (``GET {url}/orders/{ItemCode}``): the parcel's events, for the poll.

Every exchange writes one integration-log row with the request's hash, never its content
(personal data: the receiver's name, address, phone).
"""

import json
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.cache import cache

from tinhso.integrations import outbox
from tinhso.integrations.transport import no_answer, retry_after_seconds

SYSTEM = "buudien"
TOKEN_CACHE_KEY = "postal:token"
TOKEN_MARGIN = 60  # seconds before expiry when a cached token is no longer used

ReplyKind = Literal["ok", "rejected", "auth", "server", "rate_limited", "garbage", "timeout",
                    "connection"]  # fmt: skip


@dataclass(frozen=True)
class Reply:
    """One answer of the post; ``kind`` classifies a failure (``rejected``: the post refused the
    content, retrying would not help; ``auth``: the credentials or token were refused)."""

    ok: bool
    kind: ReplyKind
    body: Any = None
    message: str = ""
    status: int | None = None
    retry_after: float | None = None
    unknown_outcome: bool = False


def _site(url: str) -> str:
    return url.replace("{site_url}", str(settings.TINHSO_SITE_URL).rstrip("/")).rstrip("/")


def base_url() -> str:
    return _site(str(settings.TINHSO_POSTAL_URL))


def token_url() -> str:
    configured = str(settings.TINHSO_POSTAL_TOKEN_URL).strip()
    return _site(configured) if configured else f"{base_url()}/token"


def notification_url() -> str:
    return _site(str(settings.TINHSO_POSTAL_NOTIFICATION_URL))


class PostalClient:
    def __init__(self, session: requests.Session | None = None) -> None:
        self.http = session or requests.Session()
        self.timeout = (
            float(settings.TINHSO_POSTAL_CONNECT_TIMEOUT),
            float(settings.TINHSO_POSTAL_READ_TIMEOUT),
        )

    # --- the calls ----------------------------------------------------------------------------

    def create_order(self, order: dict[str, Any], *, attempt: int = 1) -> Reply:
        key = str(order.get("OrderNumber", ""))
        return self._authorised("POST", f"{base_url()}/orders", service="orders", key=key,
                                attempt=attempt, body=order)  # fmt: skip

    def track(self, item_code: str) -> Reply:
        url = f"{base_url()}/orders/{quote(item_code, safe='')}"
        return self._authorised("GET", url, service="track", key=item_code)

    def token(self, *, fresh: bool = False) -> str | Reply:
        """A bearer token (cached), or the failed ``Reply``."""
        if not fresh:
            cached = cache.get(TOKEN_CACHE_KEY)
            if isinstance(cached, str) and cached:
                return cached
        body = {"username": settings.TINHSO_POSTAL_USERNAME,
                "password": settings.TINHSO_POSTAL_PASSWORD}  # fmt: skip
        reply = self._send("POST", token_url(), service="token", key="", body=body, hashed="token")
        if not reply.ok:
            return reply
        answer = reply.body if isinstance(reply.body, dict) else {}
        token, lifetime = answer.get("token"), answer.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            return Reply(False, "garbage", message="token", status=reply.status)
        cache.set(TOKEN_CACHE_KEY, token, max(1, int(lifetime) - TOKEN_MARGIN))
        return token

    # --- transport ----------------------------------------------------------------------------

    def _authorised(
        self,
        method: Literal["GET", "POST"],
        url: str,
        *,
        service: str,
        key: str,
        attempt: int = 1,
        body: Any = None,
    ) -> Reply:
        """The call with a bearer token; a 401 drops the cached token and tries once with a new
        one (the post may have revoked it before its announced expiry)."""
        for fresh in (False, True):
            token = self.token(fresh=fresh)
            if isinstance(token, Reply):
                return token
            reply = self._send(method, url, service=service, key=key, attempt=attempt, body=body,
                               bearer=token)  # fmt: skip
            if reply.kind != "auth":
                return reply
            cache.delete(TOKEN_CACHE_KEY)
        return reply

    def _send(
        self,
        method: Literal["GET", "POST"],
        url: str,
        *,
        service: str,
        key: str,
        attempt: int = 1,
        body: Any = None,
        bearer: str = "",
        hashed: str = "",
    ) -> Reply:
        data = json.dumps(body, ensure_ascii=False) if body is not None else ""
        headers = {"Accept": "application/json"}
        if data:
            headers["Content-Type"] = "application/json"
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        if service == "orders":
            headers["Idempotency-Key"] = key
        started = time.monotonic()
        try:
            response = self.http.request(method, url, data=data.encode() if data else None,
                                         headers=headers, timeout=self.timeout)  # fmt: skip
        except requests.RequestException as exc:
            reply = _failure(exc)
        else:
            reply = interpret(response)
        outbox.log_call(
            system=SYSTEM,
            service=service,
            key=key,
            # the credentials are never hashed into the log either
            request_hash=outbox.request_hash(hashed or data or url),
            http_status=reply.status,
            message=reply.message,
            latency_ms=int((time.monotonic() - started) * 1000),
            attempt=attempt,
            outcome=reply.kind,
        )
        return reply


def _failure(exc: requests.RequestException) -> Reply:
    """No answer (R-NAT-034: a timeout after sending leaves the outcome unknown)."""
    failed = no_answer(exc)
    return Reply(False, failed.kind, message=failed.message, unknown_outcome=failed.unknown_outcome)


def interpret(response: requests.Response) -> Reply:
    """Classify one HTTP answer of the post (docs/postal.md: JSON; errors as
    ``{"error": {"code", "message"}}``)."""
    status = response.status_code
    text = response.text or ""
    if status == 429:
        seconds = retry_after_seconds(response.headers.get("Retry-After"))
        return Reply(False, "rate_limited", message=text[:500], status=status, retry_after=seconds)
    if status >= 500:
        return Reply(False, "server", message=text[:500], status=status)
    if status in (401, 403):
        return Reply(False, "auth", message=text[:500], status=status)
    try:
        data = json.loads(text)
    except ValueError:
        return Reply(False, "garbage", message=text[:500], status=status)
    if not isinstance(data, dict):
        return Reply(False, "garbage", message=text[:500], status=status)
    if status >= 400:
        error = data.get("error")
        message = str(error.get("message", "")) if isinstance(error, dict) else str(error or text)
        return Reply(False, "rejected", data, message[:500], status)
    return Reply(True, "ok", data, "", status)
