"""The client of the citizen's data store on the national portal (spec §6).

Three calls, all over HTTPS with HTTP Basic credentials (``TINHSO_DATASTORE_USERNAME``/``PASSWORD``;
the store's real authentication is unknown, spec §6 / §13, so it is kept configurable here):

- ``push`` (``POST {url}/ketqua``, §6.3): a signed result into its owner's store. No official push
  call is public (§6.3 [U]); the message is of our design and carries the signed PDF itself, as
  base64 with its SHA-256 — not a link as the dossier sync sends (R-NAT-025): the store keeps the
  citizen's document for years, longer than any signed link of ours stays valid. Made by the
  outbox worker only (``system.DatastoreSystem``), with the national read timeout.
- ``results`` (``GET {url}/results?SoDinhDanh=``, ``GetKetQuaGiayTo`` of §6.2) and ``file``
  (``POST {url}/file``, ``GetGiayToByUrl``): what the citizen holds there, and one file of it, base64.
  These are made while a citizen waits on the filing page: a direct call with the short
  ``TINHSO_DATASTORE_INTERACTIVE_TIMEOUT``, never through the outbox (nothing would wait for it).

Answers are read as §6.2 has them: camelCase ``errorCode`` (``error_code`` accepted too), "0" or
"00" success (R-NAT-003), the payload in ``result`` or inside ``message`` as a JSON string
(R-NAT-004). ``signature`` is kept in nothing and not verified (R-NAT-073: method unknown). Every
exchange writes one integration-log row with the request's hash, never its content (R-NAT-006).
"""

import base64
import binascii
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import requests
from django.conf import settings

from tinhso.integrations import outbox
from tinhso.integrations.transport import no_answer, retry_after_seconds

SYSTEM = "kho"
SUCCESS_CODES = frozenset({"0", "00"})

ReplyKind = Literal["ok", "rejected", "auth", "server", "rate_limited", "garbage", "timeout",
                    "connection"]  # fmt: skip


@dataclass(frozen=True)
class Reply:
    """One answer of the store. ``result`` is the unwrapped payload; ``kind`` classifies a failure
    (``rejected``: the store refused the content, no point retrying)."""

    ok: bool
    kind: ReplyKind
    code: str = ""
    message: str = ""
    result: Any = None
    status: int | None = None
    retry_after: float | None = None
    unknown_outcome: bool = False


@dataclass(frozen=True)
class HeldDocument:
    """One document of the citizen's national store (an entry of ``DanhSachGiayToKetQua``)."""

    result_code: str  # MaKetQua
    title: str  # TenGiayTo
    number: str  # SoKyHieu
    issuer_code: str  # CoQuanChuQuan
    issued: str  # NgayCap, yyyyMMddHHmmss or ""
    file_name: str
    location: str  # DuongDan of its first file


class StoreUnavailable(Exception):
    """The store could not answer (timeout, 5xx, garbage, refused): the caller goes on without it."""


def base_url() -> str:
    return (
        str(settings.TINHSO_DATASTORE_URL)
        .replace("{site_url}", str(settings.TINHSO_SITE_URL).rstrip("/"))
        .rstrip("/")
    )


class DatastoreClient:
    """``interactive``: the short timeout of a call a person waits for (the filing page)."""

    def __init__(self, *, interactive: bool = False, session: requests.Session | None = None):
        read = (
            settings.TINHSO_DATASTORE_INTERACTIVE_TIMEOUT
            if interactive
            else settings.TINHSO_DATASTORE_READ_TIMEOUT
        )
        self.timeout = (float(settings.TINHSO_DATASTORE_CONNECT_TIMEOUT), float(read))
        self.auth = (settings.TINHSO_DATASTORE_USERNAME, settings.TINHSO_DATASTORE_PASSWORD)
        self.http = session or requests.Session()
        self.base = base_url()

    # --- the calls ----------------------------------------------------------------------------

    def push(self, message: dict[str, Any], *, key: str, attempt: int = 1) -> Reply:
        """``ketqua``: ``message`` as ``mapping.push_message`` builds it."""
        return self._send("POST", "ketqua", service="ketqua", key=key, attempt=attempt,
                          json_body=message)  # fmt: skip

    def results(self, owner: str, *, procedure: str = "", channel: str = "2") -> list[HeldDocument]:
        """What ``owner`` (a personal ID or tax code) holds; ``StoreUnavailable`` when the store
        cannot say. ``channel``: ``KenhThucHien``, "2" online, "1" at the counter (§6.2)."""
        params = {"SoDinhDanh": owner, "KenhThucHien": channel}
        if procedure:
            params["MaThuTuc"] = procedure
        reply = self._send("GET", "results", service="GetKetQuaGiayTo", key=owner, params=params)
        if not reply.ok:
            raise StoreUnavailable(reply.message or reply.kind)
        listed = (
            reply.result.get("DanhSachGiayToKetQua") if isinstance(reply.result, dict) else None
        )
        if not isinstance(listed, list):
            raise StoreUnavailable("DanhSachGiayToKetQua")
        return [doc for entry in listed if (doc := _held(entry)) is not None]

    def file(self, document: HeldDocument, *, key: str) -> bytes:
        """The file of ``document``; ``StoreUnavailable`` when it cannot be had."""
        body = {"CoQuanChuQuan": document.issuer_code, "DuongDan": document.location}
        reply = self._send("POST", "file", service="GetGiayToByUrl", key=key, json_body=body)
        if not reply.ok or not isinstance(reply.result, str):
            raise StoreUnavailable(reply.message or reply.kind)
        try:
            return base64.b64decode(reply.result, validate=True)
        except (binascii.Error, ValueError):
            raise StoreUnavailable("base64") from None

    # --- transport ----------------------------------------------------------------------------

    def _send(
        self,
        method: Literal["GET", "POST"],
        route: str,
        *,
        service: str,
        key: str,
        attempt: int = 1,
        params: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> Reply:
        body = json.dumps(json_body, ensure_ascii=False) if json_body is not None else ""
        sent = body or json.dumps(params or {}, sort_keys=True)
        started = time.monotonic()
        try:
            response = self.http.request(
                method,
                f"{self.base}/{route}",
                params=params,
                data=body.encode() if body else None,
                headers={"Content-Type": "application/json"} if body else {},
                auth=self.auth,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            reply = _failure(exc)
        else:
            reply = interpret(response)
        outbox.log_call(
            system=SYSTEM,
            service=service,
            key=key,
            request_hash=outbox.request_hash(sent),
            http_status=reply.status,
            error_code=reply.code,
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
    """Classify one HTTP answer of the store (R-NAT-003/004)."""
    status = response.status_code
    text = response.text or ""
    if status == 429:
        seconds = retry_after_seconds(response.headers.get("Retry-After"))
        return Reply(False, "rate_limited", message=text[:500], status=status, retry_after=seconds)
    if status >= 500:
        return Reply(False, "server", message=text[:500], status=status)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or ("errorCode" not in data and "error_code" not in data):
        kind: ReplyKind = "auth" if status in (401, 403) else "garbage"
        return Reply(False, kind, message=text[:500], status=status)
    raw_code = data.get("errorCode", data.get("error_code"))
    code = str(raw_code).strip() if raw_code is not None else ""
    message = data.get("message", "")
    message = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    result = data.get("result")
    if result is None and message.strip()[:1] in ("{", "["):
        try:
            inner = json.loads(message)
        except ValueError:
            inner = None
        result = inner.get("result", inner) if isinstance(inner, dict) else inner
    if status in (401, 403):
        return Reply(False, "auth", code, message, result, status)
    if status < 400 and code in SUCCESS_CODES:
        return Reply(True, "ok", code, message, result, status)
    return Reply(False, "rejected", code, message, result, status)


def _held(entry: Any) -> HeldDocument | None:
    """One listed document; None for an entry without a file (nothing to reuse)."""
    if not isinstance(entry, dict):
        return None
    files = entry.get("DanhSachTepDinhKem")
    first = files[0] if isinstance(files, list) and files and isinstance(files[0], dict) else {}
    location = str(first.get("DuongDan") or "").strip()
    if not location:
        return None
    return HeldDocument(
        result_code=str(entry.get("MaKetQua") or "").strip(),
        title=str(entry.get("TenGiayTo") or "").strip() or location.rsplit("/", 1)[-1],
        number=str(entry.get("SoKyHieu") or "").strip(),
        issuer_code=str(entry.get("CoQuanChuQuan") or "").strip(),
        issued=str(entry.get("NgayCap") or "").strip(),
        file_name=str(first.get("TenTep") or "").strip() or location.rsplit("/", 1)[-1],
        location=location,
    )


def document_id(document: HeldDocument) -> str:
    """A stable id of a listed document for a form's choice (the location is not put in the page:
    the chosen id is matched against the list fetched again when the form comes back)."""
    digest = hashlib.sha256(f"{document.issuer_code}|{document.location}".encode()).hexdigest()
    return "kho-" + digest[:20]
