"""The wire protocol of the national population database lookup (spec §7.2, Thanh Hóa's
``ChiaSeThongTinCongDan`` through the provincial gateway): a JSON request, and an answer
``{"error_code": .., "message": "<SOAP XML>"}`` whose XML holds ``CongdanCollection/CongDan``.

This module knows the protocol only: it builds the request (``HoVaTen`` in upper case without
diacritics, R-NAT normalisation; ``MaYeuCau`` unique per request), sends it within the short
read timeout of ``TINHSO_DANCU_READ_TIMEOUT`` (retrying a transient failure inside that time,
R-NAT-084) and parses the answer into a :class:`Citizen`. It
stores nothing; :mod:`.service` decides what is kept. The call is made inside the web request on
purpose (not through the outbox, R-NAT-005's exception): a clerk or an API caller waits for the
answer, and past the timeout they go on with paper proof.
"""

import datetime
import json
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.etree.ElementTree import Element

import requests
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.utils import timezone

SYSTEM = "dancu"
SERVICE = "ChiaSeThongTinCongDan"

Kind = Literal["found", "not_found", "unavailable"]


@dataclass(frozen=True)
class Address:
    """One address of the answer (``ThuongTru``, ``NoiOHienTai``): codes kept raw (R-NAT-083)."""

    detail: str = ""
    commune: str = ""
    district: str = ""
    province: str = ""
    commune_code: str = ""
    district_code: str = ""
    province_code: str = ""

    def text(self) -> str:
        return ", ".join(
            part for part in (self.detail, self.commune, self.district, self.province) if part
        )


@dataclass(frozen=True)
class Citizen:
    """What the population database confirms about one person (only the fields Tỉnh Số uses)."""

    personal_id: str
    name: str
    birth_date: datetime.date | None
    birth_text: str  # the answer's own text (a year only, for some people)
    sex: str  # "male" / "female" / ""
    permanent: Address
    current: Address


@dataclass
class Answer:
    kind: Kind
    citizen: Citizen | None = None
    failure: str = ""  # why "unavailable": timeout, connection, http_503, error_code:-1, bad_answer
    http_status: int | None = None
    error_code: str = ""
    latency_ms: int = 0
    fields_sent: list[str] = field(default_factory=list)
    attempts: "list[Attempt]" = field(default_factory=list)


def ascii_upper(name: str) -> str:
    """``Nguyễn Văn  An`` → ``NGUYEN VAN AN``: upper case, no diacritics (đ → D), single spaces;
    what the population database expects in ``HoVaTen`` (Thanh Hóa's
    ``ToUpperCaseNonWhiteSpaceNonAccentVietnamese``)."""
    text = name.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.upper().split())


def new_request_id() -> str:
    """``MaYeuCau``: the configured prefix, the time and a random part: unique per request, also
    across server processes (the gateway refuses a repeated one within 24 hours)."""
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    return f"{settings.TINHSO_DANCU_REQUEST_PREFIX}{stamp}{secrets.token_hex(4).upper()}"


def build_request(
    personal_id: str, request_id: str, *, name: str = "", birth_date: datetime.date | None = None
) -> dict[str, str]:
    """The request body (R-NAT-002: every scalar a string; an empty string is "no value")."""
    return {
        "HoVaTen": ascii_upper(name),
        "SoDinhDanh": personal_id,
        "SoCMND": "",
        "NgayThangNam": birth_date.strftime("%Y%m%d") if birth_date else "",
        "Nam": str(birth_date.year) if birth_date else "",
        "MaTichHop": settings.TINHSO_DANCU_INTEGRATION_CODE,
        "MaDVC": settings.TINHSO_DANCU_SYSTEM_CODE,
        "MaCanBo": settings.TINHSO_DANCU_UNIT_CODE,
        "MaYeuCau": request_id,
    }


def endpoint() -> str:
    base = settings.TINHSO_DANCU_URL.replace("{site_url}", settings.TINHSO_SITE_URL).rstrip("/")
    return f"{base}/{settings.TINHSO_DANCU_OPERATION}"


@dataclass(frozen=True)
class Attempt:
    """One call of a lookup (R-NAT-006: each is logged, with its own ``MaYeuCau``)."""

    request_id: str
    kind: Kind
    failure: str
    http_status: int | None
    error_code: str
    latency_ms: int


# R-NAT-084: worth another try (the gateway or the database was briefly down); a timeout is not,
# since it has already used the time the person waits, and neither is an answer of the database.
RETRIABLE = re.compile(r"^(connection|http_5\d\d|http_429)$")
RETRY_PAUSE = 0.2  # seconds, times the attempt number


def lookup(
    personal_id: str,
    request_id: str,
    *,
    name: str = "",
    birth_date: datetime.date | None = None,
    session: requests.Session | None = None,
) -> Answer:
    """Ask, and ask again on a transient failure (R-NAT-084: at most
    ``TINHSO_DANCU_ATTEMPTS`` calls, each with a new ``MaYeuCau``, since the gateway refuses a
    repeated one), all within ``TINHSO_DANCU_READ_TIMEOUT`` of waiting for answers, so the person
    at the counter is answered in the time the contract promises. "Not found" is an answer, never
    retried. Never raises for what the other side does (a person is waiting)."""
    budget = float(settings.TINHSO_DANCU_READ_TIMEOUT)
    started = time.monotonic()
    http = session or requests.Session()
    attempts: list[Attempt] = []
    answer = Answer("unavailable", failure="timeout")
    sent: list[str] = []
    for number in range(1, max(1, settings.TINHSO_DANCU_ATTEMPTS) + 1):
        remaining = budget - (time.monotonic() - started)
        if number > 1:
            if remaining < 1.0 or not RETRIABLE.match(answer.failure):
                break
            time.sleep(RETRY_PAUSE * (number - 1))
            request_id = new_request_id()
            remaining = budget - (time.monotonic() - started)
        answer, sent, latency = _call(
            http, personal_id, request_id, name=name, birth_date=birth_date, read_timeout=remaining
        )
        attempts.append(
            Attempt(
                request_id,
                answer.kind,
                answer.failure,
                answer.http_status,
                answer.error_code,
                latency,
            )
        )
        if answer.kind != "unavailable":
            break
    answer.latency_ms = int((time.monotonic() - started) * 1000)
    answer.fields_sent = sent
    answer.attempts = attempts
    return answer


def _call(
    http: requests.Session,
    personal_id: str,
    request_id: str,
    *,
    name: str,
    birth_date: datetime.date | None,
    read_timeout: float,
) -> tuple[Answer, list[str], int]:
    body = build_request(personal_id, request_id, name=name, birth_date=birth_date)
    sent = [key for key in ("SoDinhDanh", "HoVaTen", "NgayThangNam") if body[key]]
    auth = None
    if settings.TINHSO_DANCU_USERNAME:
        auth = (settings.TINHSO_DANCU_USERNAME, settings.TINHSO_DANCU_PASSWORD)
    started = time.monotonic()
    try:
        response = http.post(
            endpoint(),
            json=body,
            auth=auth,
            timeout=(settings.TINHSO_DANCU_CONNECT_TIMEOUT, max(read_timeout, 0.5)),
        )
    except requests.Timeout:
        answer = Answer("unavailable", failure="timeout")
    except requests.RequestException:
        answer = Answer("unavailable", failure="connection")
    else:
        answer = interpret(response, personal_id)
    return answer, sent, int((time.monotonic() - started) * 1000)


def interpret(response: requests.Response, personal_id: str) -> Answer:
    status = response.status_code
    if status >= 300:
        return Answer("unavailable", failure=f"http_{status}", http_status=status)
    try:
        outer = json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Answer("unavailable", failure="bad_answer", http_status=status)
    if not isinstance(outer, dict):
        return Answer("unavailable", failure="bad_answer", http_status=status)
    code = str(outer.get("error_code", "")).strip()  # R-NAT-003
    if code not in ("0", "00"):
        return Answer(
            "unavailable", failure=f"error_code:{code}"[:64], http_status=status, error_code=code
        )
    message = outer.get("message")
    if not isinstance(message, str) or not message.strip():
        return Answer("unavailable", failure="bad_answer", http_status=status, error_code=code)
    try:
        root = ElementTree.fromstring(message.encode("utf-8"))
    except (ElementTree.ParseError, DefusedXmlException):
        return Answer("unavailable", failure="bad_answer", http_status=status, error_code=code)
    for element in root.iter():
        if _local(element.tag) == "CongDan" and _text(element, "SoDinhDanh") == personal_id:
            return Answer("found", _citizen(element), http_status=status, error_code=code)
    return Answer("not_found", http_status=status, error_code=code)  # R-NAT-084: business answer


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element: Element | None, *path: str) -> str:
    for name in path:
        element = _child(element, name)
    return " ".join((element.text or "").split()) if element is not None else ""


def _address(element: Element | None) -> Address:
    return Address(
        detail=_text(element, "ChiTiet"),
        commune=_text(element, "TenPhuongXa"),
        district=_text(element, "TenQuanHuyen"),
        province=_text(element, "TenTinhThanh"),
        commune_code=_text(element, "MaPhuongXa"),
        district_code=_text(element, "MaQuanHuyen"),
        province_code=_text(element, "MaTinhThanh"),
    )


def _birth(text: str) -> datetime.date | None:
    for pattern in ("%Y%m%d", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern).replace(tzinfo=datetime.UTC).date()
        except ValueError:
            continue
    return None


SEXES = {"1": "male", "nam": "male", "2": "female", "nữ": "female", "nu": "female"}


def _citizen(element: Element) -> Citizen:
    name_parts = (_text(element, "HoVaTen", part) for part in ("Ho", "ChuDem", "Ten"))
    name = " ".join(part for part in name_parts if part) or _text(element, "HoVaTen")
    birth_text = _text(element, "NgayThangNamSinh", "NgayThangNam") or _text(
        element, "NgayThangNamSinh", "Nam"
    )
    return Citizen(
        personal_id=_text(element, "SoDinhDanh"),
        name=name,
        birth_date=_birth(birth_text),
        birth_text=birth_text,
        sex=SEXES.get(_text(element, "GioiTinh").casefold(), ""),
        permanent=_address(_child(element, "ThuongTru")),
        current=_address(_child(element, "NoiOHienTai")),
    )
