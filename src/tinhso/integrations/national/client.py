"""The national portal's client (Cổng DVCQG, spec §1): one ``call(service, payload)`` whatever the
transport profile of the province's gateway.

Three profiles were found in real code (spec §1, R-NAT-010): A, a session from ``{url}/auth`` and
every business call to ``{url}/integration`` with ``{"session","madonvi","service",...}``
(OpenCPS); B, one URL per operation with a bare JSON array as the body and a plain-text progress
answer (Thanh Hóa); C, an OAuth2 client-credentials token from ``{url}/token`` whose answer hides
the token inside the ``message`` string (R-NAT-004), then B's routes under ``lgsp/`` with a bearer
token (our choice where the sources are silent: the LGSP schema of the province is unknown).

The client never raises for an outside failure: every answer, failed or not, is a ``Reply`` whose
``kind`` the system maps to an outbox ``Outcome`` (R-NAT-033). Every HTTP exchange is logged
through ``record_call`` (R-NAT-006) without the request body: only its hash.
"""

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import requests
from django.conf import settings
from django.core.cache import cache

from tinhso.integrations import outbox
from tinhso.integrations.transport import no_answer, retry_after_seconds

logger = logging.getLogger(__name__)

SYSTEM = "dvcqg"
SUCCESS_CODES = frozenset({"0", "00"})  # R-NAT-003, after str() and strip()
# UNCONFIRMED (spec §1.1, R-NAT-012): the error_code a gateway answers for an invalid or expired
# session is not documented; "-2" is what the in-project sandbox answers (docs/sandbox-national.md).
AUTH_ERROR_CODES = frozenset({"-2"})
MESSAGE_LOG_LIMIT = 4096  # R-NAT-006: message truncated to 4 KB in the log

# The services of the dossier sync (spec §2) and the profiles' routes for them.
UPSERT = "DongBoHoSoMC"
PROGRESS = "CapNhatTienDoHoSoMC"
LOOKUP = "TraCuuHoSo"
# Profile B: one URL per operation; the upsert's URL depends on ``isUpdating`` (R-NAT-021).
B_ROUTES = {
    (UPSERT, False): "hoso/themmoi",
    (UPSERT, True): "hoso/capnhat",
    (PROGRESS, False): "hoso/tientrinh",
}
PLAIN_TEXT_SERVICES = frozenset({PROGRESS})  # may answer plain text (profile B, spec §1.2)

ReplyKind = Literal[
    "ok",  # accepted (error_code 0/00, or a plain-text 2xx with a success phrase)
    "rejected",  # the portal refused the content: error_code not a success, or a 4xx
    "auth",  # the session or token was refused even after one refresh (R-NAT-012)
    "timeout",  # no answer in time; ``unknown_outcome`` when the request had been sent
    "connection",  # no connection, or it broke
    "server",  # HTTP 5xx
    "rate_limited",  # HTTP 429, ``retry_after`` seconds when the portal said so
    "garbage",  # 2xx that is neither the expected JSON nor a recognised plain-text success
]


@dataclass(frozen=True)
class Reply:
    """One answer of the portal, as R-NAT-010 names it, plus what the outbox needs to decide."""

    ok: bool
    code: str  # error_code as a stripped string ("" when the answer had none)
    message: str  # the portal's message, verbatim (or the plain-text body)
    result: Any  # ``result`` of a read, or the unwrapped ``message`` JSON (R-NAT-004)
    http_status: int | None
    heuristic: bool = False  # success decided from a phrase in plain text (R-NAT-013)
    kind: ReplyKind = "ok"
    unknown_outcome: bool = False  # timeout or broken connection after sending (R-NAT-034)
    retry_after: float | None = None
    data: dict[str, Any] = field(default_factory=dict)  # the whole JSON answer, unwrapped


@dataclass(frozen=True)
class CallRecord:
    """What one HTTP exchange leaves in the integration log (R-NAT-006): no payload, its hash."""

    system: str
    service: str
    key: str
    request_hash: str
    http_status: int | None
    error_code: str
    message: str
    latency_ms: int
    attempt: int
    outcome: str


def record_call(record: CallRecord) -> None:
    """The one place the client writes its log: the integration layer's append-only log
    (``outbox.log_call``, R-NAT-006)."""
    outbox.log_call(**record.__dict__)


class NationalClient:
    """The portal's client for one transport profile ("A", "B" or "C", ``TINHSO_DVCQG_PROFILE``).

    ``log`` receives a ``CallRecord`` per HTTP exchange (tests pass a list's ``append``)."""

    def __init__(
        self,
        profile: str | None = None,
        *,
        log: Callable[[CallRecord], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.profile = (profile or settings.TINHSO_DVCQG_PROFILE).upper()
        if self.profile not in ("A", "B", "C"):
            raise ValueError(f"Unknown national transport profile {self.profile!r}")
        self.base = settings.TINHSO_DVCQG_URL.replace(
            "{site_url}", settings.TINHSO_SITE_URL
        ).rstrip("/")
        self.timeout = (
            float(settings.TINHSO_DVCQG_CONNECT_TIMEOUT),
            float(settings.TINHSO_DVCQG_READ_TIMEOUT),
        )
        self.log = log or record_call
        self.http = session or requests.Session()

    # --- the one public call ------------------------------------------------------------------

    def call(
        self, service: str, payload: dict[str, Any], *, key: str = "", attempt: int = 1
    ) -> Reply:
        """Send ``service`` with ``payload`` (the service's fields: ``{"isUpdating": "False",
        "data": [...]}`` for the upsert, ``{"data": [...]}`` for progress, ``{"mahoso": ...}`` for
        a look-up). ``key`` (the dossier code) and ``attempt`` go to the log only. An auth failure
        fetches a new session or token once and replays the call once (R-NAT-012)."""
        if self.profile == "B":
            return self._business(service, payload, token="", key=key, attempt=attempt)
        token, failed = self._token(key=key, attempt=attempt)
        if failed is not None:
            return failed
        reply = self._business(service, payload, token=token, key=key, attempt=attempt)
        if reply.kind != "auth":
            return reply
        cache.delete(self._cache_key())
        token, failed = self._token(key=key, attempt=attempt)
        if failed is not None:
            return failed
        return self._business(service, payload, token=token, key=key, attempt=attempt)

    def gateway(
        self,
        method: Literal["GET", "PUT", "POST"],
        route: str,
        *,
        service: str,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        key: str = "",
        attempt: int = 1,
    ) -> Reply:
        """A call to the gateway's REST routes (``{url}/{route}``): the catalogue (spec §3.2,
        ``catalogue/LayThuTuc`` …) and the pull adapter of inbound dossiers (§4.1-2,
        ``inbound/list`` …). They carry ``Authorization: Bearer`` with the profile's session (A)
        or token (C); profile B, which has no session for its sync routes, fetches a token from
        ``{url}/token`` like C (our choice: the sources show a token before every pull, TH-LT).
        Answers are read as every other (R-NAT-003/004): ``result`` holds the unwrapped data.
        One refresh and replay on an auth failure (R-NAT-012)."""
        token_profile = "C" if self.profile == "B" else self.profile
        for round_ in (1, 2):
            token, failed = self._token(key=key, attempt=attempt, profile=token_profile)
            if failed is not None:
                return failed
            headers = self._headers() | {"Authorization": f"Bearer {token}"}
            reply = self._send(
                method,
                f"{self.base}/{route.lstrip('/')}",
                service=service,
                headers=headers,
                key=key,
                attempt=attempt,
                params=params,
                json_body=json_body,
            )
            if reply.kind != "auth" or round_ == 2:
                return reply
            cache.delete(self._cache_key(token_profile))
        raise AssertionError("unreachable")

    # --- profiles -----------------------------------------------------------------------------

    def _business(
        self, service: str, payload: dict[str, Any], *, token: str, key: str, attempt: int
    ) -> Reply:
        headers = self._headers()
        if self.profile == "A":
            url = f"{self.base}/integration"
            body: Any = {
                "session": token,
                "madonvi": settings.TINHSO_DVCQG_UNIT_CODE,
                "service": service,
            } | payload
        else:
            updating = str(payload.get("isUpdating", "False")).strip().lower() == "true"
            route = B_ROUTES.get((service, updating if service == UPSERT else False))
            if route is None:
                raise ValueError(f"Profile {self.profile} has no route for {service}")
            prefix = "lgsp/" if self.profile == "C" else ""
            url = f"{self.base}/{prefix}{route}"
            body = payload.get("data", [])
            if self.profile == "C":
                headers["Authorization"] = f"Bearer {token}"
        return self._post(
            url,
            service=service,
            json_body=body,
            headers=headers,
            key=key,
            attempt=attempt,
            plain_text=service in PLAIN_TEXT_SERVICES,
        )

    def _token(self, *, key: str, attempt: int, profile: str = "") -> tuple[str, Reply | None]:
        """The cached session (A) or bearer token (C), or a fresh one; a failed fetch answers its
        reply (never an unknown outcome: the business request was not sent)."""
        profile = profile or self.profile
        cached = cache.get(self._cache_key(profile))
        if cached:
            return str(cached), None
        if profile == "A":
            reply = self._post(
                f"{self.base}/auth",
                service="auth",
                json_body={
                    "username": settings.TINHSO_DVCQG_USERNAME,
                    "password": settings.TINHSO_DVCQG_PASSWORD,
                },
                headers=self._headers(),
                key=key,
                attempt=attempt,
                secret=True,
            )
            token = str(reply.data.get("session") or "") if reply.ok else ""
            lifetime = jwt_lifetime(token)
        else:
            reply = self._post(
                f"{self.base}/token",
                service="token",
                form_body={
                    "grant_type": "client_credentials",
                    "client_id": settings.TINHSO_DVCQG_USERNAME,
                    "client_secret": settings.TINHSO_DVCQG_PASSWORD,
                },
                headers={"Accept": "application/json"},
                key=key,
                attempt=attempt,
                secret=True,
            )
            inner = reply.result if isinstance(reply.result, dict) else reply.data
            token = str(inner.get("access_token") or "") if reply.ok else ""
            lifetime = _float_or_none(inner.get("expires_in")) or jwt_lifetime(token)
        if not reply.ok or not token:
            failed = reply if not reply.ok else _replace(reply, ok=False, kind="auth")
            return "", _not_sent(failed)
        seconds = float(settings.TINHSO_DVCQG_SESSION_SECONDS)
        if lifetime is not None:  # keep a margin: the token must not expire mid-call
            seconds = max(1.0, min(seconds, lifetime - 30))
        cache.set(self._cache_key(profile), token, timeout=seconds)
        return token, None

    def _headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Charset": "utf-8",
        }
        if self.profile == "A":
            headers["dstcode"] = settings.TINHSO_DVCQG_DSTCODE
        return headers

    def _cache_key(self, profile: str = "") -> str:
        who = f"{profile or self.profile}|{self.base}|{settings.TINHSO_DVCQG_USERNAME}"
        return "national:token:" + hashlib.sha256(who.encode()).hexdigest()[:32]

    # --- one HTTP exchange --------------------------------------------------------------------

    def _post(
        self,
        url: str,
        *,
        service: str,
        headers: dict[str, str],
        key: str,
        attempt: int,
        json_body: Any = None,
        form_body: dict[str, str] | None = None,
        plain_text: bool = False,
        secret: bool = False,
    ) -> Reply:
        return self._send(
            "POST", url, service=service, headers=headers, key=key, attempt=attempt,
            json_body=json_body, form_body=form_body, plain_text=plain_text, secret=secret,
        )  # fmt: skip

    def _send(
        self,
        method: str,
        url: str,
        *,
        service: str,
        headers: dict[str, str],
        key: str,
        attempt: int,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        form_body: dict[str, str] | None = None,
        plain_text: bool = False,
        secret: bool = False,
    ) -> Reply:
        if method == "GET":
            raw = json.dumps(params or {}, sort_keys=True).encode()
            sent: dict[str, Any] = {"params": params or {}}
        elif form_body is not None:
            raw = "&".join(f"{k}={v}" for k, v in sorted(form_body.items())).encode()
            sent = {"data": form_body}
        else:
            raw = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            headers = headers | {"Content-Type": "application/json; charset=utf-8"}
            sent = {"data": raw}
        started = time.monotonic()
        try:
            response = self.http.request(method, url, headers=headers, timeout=self.timeout, **sent)
        except requests.RequestException as exc:
            reply = _failure(exc)
        else:
            reply = interpret(response, plain_text=plain_text)
        latency = int((time.monotonic() - started) * 1000)
        message = "" if secret and reply.ok else reply.message
        self.log(
            CallRecord(
                system=SYSTEM,
                service=service,
                key=key,
                # no hash of a body holding credentials: a weak password could be guessed from it
                request_hash="" if secret else hashlib.sha256(raw).hexdigest(),
                http_status=reply.http_status,
                error_code=reply.code,
                message=message[:MESSAGE_LOG_LIMIT],
                latency_ms=latency,
                attempt=attempt,
                outcome=("heuristic_ok" if reply.heuristic else reply.kind),
            )
        )
        return reply


# --- reading answers ----------------------------------------------------------------------------


def interpret(response: requests.Response, *, plain_text: bool = False) -> Reply:
    """Classify one HTTP answer (R-NAT-003, R-NAT-004, R-NAT-013, R-NAT-033)."""
    status = response.status_code
    text = response.text or ""
    if status == 429:
        return Reply(
            False, "", text[:500], None, status, kind="rate_limited",
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )  # fmt: skip
    if status >= 500:
        return Reply(False, "", text[:500], None, status, kind="server")
    data = _json_object(text)
    if status in (401, 403):
        return Reply(False, _code(data), _message(data, text), None, status, kind="auth")
    if status >= 400:
        return Reply(False, _code(data), _message(data, text), None, status, kind="rejected")
    if data is None or "error_code" not in data:
        if plain_text and data is None and text.strip():
            return _plain_text(text, status)
        return Reply(False, "", text[:500], None, status, kind="garbage")
    code = _code(data)
    message = _message(data, text)
    result = data.get("result")
    inner = _unwrap(data.get("message"))
    if inner is not None:
        data = (inner | data) if isinstance(inner, dict) else data | {"message_data": inner}
        if result is None:
            result = inner.get("result", inner) if isinstance(inner, dict) else inner
    if code in SUCCESS_CODES:
        return Reply(True, code, message, result, status, kind="ok", data=data)
    kind: ReplyKind = "auth" if code in AUTH_ERROR_CODES else "rejected"
    return Reply(False, code, message, result, status, kind=kind, data=data)


def _plain_text(text: str, status: int) -> Reply:
    """A plain-text 2xx (profile B progress): a success only when it carries one of the
    configured phrases, flagged ``heuristic``; any other text is not understood (garbage)."""
    phrases = [p.strip().casefold() for p in settings.TINHSO_DVCQG_SUCCESS_PHRASES.split("|")]
    folded = text.casefold()
    if any(p and p in folded for p in phrases):
        return Reply(True, "", text.strip(), None, status, heuristic=True, kind="ok")
    return Reply(False, "", text.strip()[:500], None, status, kind="garbage")


def _failure(exc: requests.RequestException) -> Reply:
    """No HTTP answer. A read timeout or a connection broken after the request went out leaves
    the outcome unknown (R-NAT-034); a refused or timed-out connection sent nothing."""
    failed = no_answer(exc)
    return Reply(
        False, "", failed.message, None, None,
        kind=failed.kind, unknown_outcome=failed.unknown_outcome,
    )  # fmt: skip


def _not_sent(reply: Reply) -> Reply:
    return _replace(reply, unknown_outcome=False)


def _replace(reply: Reply, **changes: Any) -> Reply:
    return Reply(**(reply.__dict__ | changes))


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _code(data: dict[str, Any] | None) -> str:
    """error_code as a stripped string: 0, "0" and "00" all read as success (R-NAT-003)."""
    if not data or data.get("error_code") is None:
        return ""
    return str(data["error_code"]).strip()


def _message(data: dict[str, Any] | None, text: str) -> str:
    if data is None:
        return text[:MESSAGE_LOG_LIMIT]
    value = data.get("message", "")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _unwrap(message: Any) -> Any:
    """The real answer inside a ``message`` JSON string (R-NAT-004), or None."""
    if isinstance(message, dict | list):
        return message
    if not isinstance(message, str) or message.strip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(message)
    except ValueError:
        return None


def jwt_lifetime(token: str) -> float | None:
    """Seconds until a JWT's ``exp`` (R-NAT-012), read without checking the signature: it only
    bounds how long we reuse the token; None for an opaque token."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return float(claims["exp"]) - time.time()
    except (ValueError, KeyError, TypeError):
        return None


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
