"""What the national portal does, without HTTP: sessions and tokens, the sync services of the three
transport profiles (spec §1, §2), the answers in each profile's style, and the faults that come
before a call is served. Views turn an ``Answer`` into a response."""

import datetime
import json
import math
import secrets
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.sandboxes.national import catalogue, checks, faults, files, inbound, store
from tinhso.sandboxes.national.checks import Rejected

PROFILE_A, PROFILE_B, PROFILE_C = "A", "B", "C"
# Services as the knobs name them; Profile B/C routes count as the Profile A service they mirror.
AUTH, TOKEN = "auth", "token"
UPSERT, PROGRESS, LOOKUP = "DongBoHoSoMC", "CapNhatTienDoHoSoMC", "TraCuuHoSo"
UNIT_LIST, PROCEDURE, DECISION = "LayDanhSachTTHC", "LayThuTuc", "LayQDCB"
AGENCY_LIST, FIELD_LIST = "LayDanhMucCoQuan", "LayDanhMucLinhVuc"
SERVICES = (AUTH, TOKEN, UPSERT, PROGRESS, LOOKUP, UNIT_LIST, PROCEDURE, DECISION, inbound.SERVICE)
INVALID, SESSION_INVALID, EXISTS = -1, -2, -3
# OpenCPS compares an int (``getInt("error_code") == 0``); Thanh Hóa's gateways send strings.
DEFAULT_STYLE = {PROFILE_A: "int0", PROFILE_B: "str0", PROFILE_C: "str0"}
DUPLICATE_CODES = {"thanhhoa": EXISTS, "opencps": 3, "success": 0}
GARBAGE = ("", "<html><body>Request accepted</body></html>")
PROGRESS_UNKNOWN_TEXT = "Đã ghi nhận yêu cầu"


@dataclass
class Answer:
    """A reply: ``body`` is JSON unless it is a str (text, or HTML when ``html``)."""

    body: Any
    status: int = 200
    html: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def session_message() -> str:
    return _("Phiên làm việc không hợp lệ hoặc đã hết hạn")


def error_code(value: int, profile: str, service: str) -> int | str:
    """``value`` in the success-code style of the profile, or of ``ERROR_CODE_STYLE``."""
    style = faults.value("ERROR_CODE_STYLE", service) or DEFAULT_STYLE[profile]
    if style == "int0":
        return value
    if value == 0 and style == "str00":
        return "00"
    return str(value)


def reply(profile: str, service: str, value: int, message: str, **extra: Any) -> Answer:
    return Answer({"error_code": error_code(value, profile, service), "message": message, **extra})


# --- Faults that answer before the call is served ---------------------------------------------


def before_call(service: str) -> Answer | None:
    """``RATE_LIMIT`` (429), ``HTTP5XX_RATE`` (HTML 502/503/504), ``HTTP200_GARBAGE_RATE``."""
    wait = faults.retry_after(service)
    if wait is not None:
        return Answer(
            _("Quá nhiều yêu cầu, thử lại sau %(seconds)d giây.") % {"seconds": wait},
            status=429,
            headers={"Retry-After": str(wait)},
        )
    if faults.fires("HTTP5XX_RATE", service):
        status = (502, 503, 504)[(_firings("HTTP5XX_RATE", service) - 1) % 3]
        page = f"<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
        return Answer(page, status=status, html=True)
    if faults.fires("HTTP200_GARBAGE_RATE", service):
        return Answer(GARBAGE[(_firings("HTTP200_GARBAGE_RATE", service) - 1) % 2], html=True)
    return None


def _firings(knob: str, service: str) -> int:
    """How many times the rate knob has fired for ``service`` (1 on its first firing): the
    faults cycle through their variants in this order."""
    counters: dict[str, int] = store.read("counters", {})
    rate = Fraction(str(faults.value(knob, service)))
    return math.floor(counters.get(f"{knob}:{service}", 0) * rate)


def timeout(service: str) -> tuple[float, bool] | None:
    """``TIMEOUT_RATE``: (seconds to sleep, whether to serve the call first) when it fires."""
    if not faults.fires("TIMEOUT_RATE", service):
        return None
    return (
        float(faults.value("TIMEOUT_SECONDS", service)),
        bool(faults.value("TIMEOUT_AFTER_COMMIT", service)),
    )


def timed_out() -> Answer:
    """What a client that waited long enough would see when the call was never served."""
    return Answer("<html><body><h1>504 Gateway Time-out</h1></body></html>", 504, html=True)


# --- Sessions (Profile A) and bearer tokens (Profile C) ---------------------------------------


def _credentials_ok(username: Any, password: Any) -> bool:
    return secrets.compare_digest(
        str(username or "").encode(), settings.TINHSO_DVCQG_USERNAME.encode()
    ) & secrets.compare_digest(
        str(password or "").encode(), settings.TINHSO_DVCQG_PASSWORD.encode()
    )


def _issue(service: str) -> tuple[str, int]:
    """A new session (``auth``) or access token (``token``), valid for ``SESSION_TTL`` seconds."""
    ttl = int(faults.value("SESSION_TTL", service))
    token = secrets.token_urlsafe(24)
    now = time.time()
    with store.document("sessions", {}) as sessions:
        for old in [t for t, expires in sessions.items() if expires <= now]:
            del sessions[old]
        sessions[token] = now + ttl
    return token, ttl


def _valid(token: Any) -> bool:
    sessions: dict[str, float] = store.read("sessions", {})
    return isinstance(token, str) and sessions.get(token, 0) > time.time()


def _expire_all() -> None:
    with store.document("sessions", {}) as sessions:
        sessions.clear()


def session_ok(token: Any, service: str) -> bool:
    """A valid session or token, unless ``SESSION_EXPIRE_NOW`` ends them all for this call."""
    if faults.take_once("SESSION_EXPIRE_NOW", service):
        _expire_all()
        return False
    return _valid(token)


def auth(body: Any, dstcode: str) -> Answer:
    """Profile A ``auth``: ``{username, password}`` and the ``dstcode`` header → a session."""
    if dstcode != settings.TINHSO_DVCQG_DSTCODE:
        return reply(PROFILE_A, AUTH, INVALID, _("Mã đích (dstcode) không hợp lệ"))
    if not isinstance(body, dict) or not _credentials_ok(
        body.get("username"), body.get("password")
    ):
        return reply(PROFILE_A, AUTH, INVALID, _("Tên đăng nhập hoặc mật khẩu không đúng"))
    token, _ttl = _issue(AUTH)
    return Answer({"error_code": error_code(0, PROFILE_A, AUTH), "session": token})


def token(grant_type: str, client_id: str, client_secret: str) -> Answer:
    """Profile C ``token`` (OAuth2 client credentials); the token rides inside ``message`` as a
    JSON string, as the LGSP answers (R-NAT-004)."""
    if grant_type != "client_credentials":
        answer = reply(PROFILE_C, TOKEN, INVALID, _("grant_type phải là client_credentials"))
        answer.status = 400
        return answer
    if not _credentials_ok(client_id, client_secret):
        answer = reply(PROFILE_C, TOKEN, INVALID, _("Thông tin ứng dụng không đúng"))
        answer.status = 401
        return answer
    access, ttl = _issue(TOKEN)
    inner = {"access_token": access, "token_type": "Bearer", "expires_in": ttl}
    return reply(PROFILE_C, TOKEN, 0, json.dumps(inner))


# --- Dossier upsert (S-1..S-4, S-6) -----------------------------------------------------------


def upsert(profile: str, items: Any, inserting: bool, now: datetime.datetime) -> Answer:
    """Insert or update a batch of whole dossiers. The batch is checked as a whole and stored
    only if every item passes; then the file links of the stored dossiers are fetched."""
    if not isinstance(items, list) or not items:
        return reply(profile, UPSERT, INVALID, _("data phải là một danh sách hồ sơ không rỗng"))
    with store.dossiers_locked():
        try:
            batch = _check_batch(profile, items, inserting, now)
        except Duplicate as dup:
            return dup.answer
        except Rejected as exc:
            return reply(profile, UPSERT, INVALID, exc.message)
        for code, (item, record) in batch.items():
            record["dossier"] = item
            record["inserts" if inserting else "updates"] += 1
            store.save_dossier(code, record)
    for code, (item, _record) in batch.items():
        _fetch_files(code, item)
    message = _("Thêm mới hồ sơ thành công") if inserting else _("Cập nhật hồ sơ thành công")
    return reply(profile, UPSERT, 0, message)


class Duplicate(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.body)
        self.answer = answer


def _check_batch(
    profile: str, items: list[Any], inserting: bool, now: datetime.datetime
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    batch: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for item in items:
        code, status = checks.check_dossier(item, now)
        if code in batch:
            record = batch[code][1]
        else:
            record = store.load_dossier(code) or store.empty_record()
        known = record["dossier"] is not None or code in batch
        if inserting and known:
            raise Duplicate(_duplicate(profile, code))
        if not inserting and not known:
            raise Rejected(_("Hồ sơ %(code)s không tồn tại") % {"code": code})
        if record["dossier"] is not None:
            stored = int(checks.scalar(record["dossier"].get("TrangThaiHoSo")) or 0)
            checks.check_transition(code, stored, status)
        batch[code] = (item, record)
    return batch


def _duplicate(profile: str, code: str) -> Answer:
    """S-3: the "already exists" answer in the style ``DUPLICATE_STYLE`` picks."""
    style = faults.value("DUPLICATE_STYLE", UPSERT)
    if style == "opencps":
        message = _("MaHoSo %(code)s đã tồn tại") % {"code": code}
    else:
        message = _("Hồ sơ %(code)s đã tồn tại trên hệ thống") % {"code": code}
    return reply(profile, UPSERT, DUPLICATE_CODES[style], message)


def _fetch_files(code: str, dossier: dict[str, Any]) -> None:
    record = store.load_dossier(code) or store.empty_record()
    results = files.fetch_new(dossier, record["files"])
    with store.dossiers_locked():
        record = store.load_dossier(code) or store.empty_record()
        record["files"] = results
        store.save_dossier(code, record)


# --- Progress (S-1, S-5) ----------------------------------------------------------------------


def progress(items: Any, now: datetime.datetime) -> tuple[bool, str]:
    """Append a batch of progress entries (each to its dossier, in arrival order) if every entry
    passes; (accepted, reason)."""
    if not isinstance(items, list) or not items:
        return False, _("data phải là một danh sách tiến độ không rỗng")
    with store.dossiers_locked():
        records: dict[str, dict[str, Any]] = {}
        try:
            for item in items:
                code = checks.dossier_code(item if isinstance(item, dict) else {})
                record = records.get(code) or store.load_dossier(code)
                if record is None or record["dossier"] is None:
                    return False, _("Hồ sơ %(code)s không tồn tại") % {"code": code}
                checks.check_progress(item, checks.received_at(record["dossier"]), now)
                record["progress"].append(item)
                records[code] = record
        except Rejected as exc:
            return False, exc.message
        for code, record in records.items():
            store.save_dossier(code, record)
    return True, ""


def progress_a(items: Any, now: datetime.datetime) -> Answer:
    accepted, reason = progress(items, now)
    if not accepted:
        return reply(PROFILE_A, PROGRESS, INVALID, reason)
    if faults.value("PROGRESS_TEXT_ONLY", PROGRESS):
        return Answer(PROGRESS_UNKNOWN_TEXT)
    return reply(PROFILE_A, PROGRESS, 0, _("Cập nhật tiến độ hồ sơ thành công"))


def progress_b(items: Any, now: datetime.datetime) -> Answer:
    """Profile B answers plain text, success or not (S-5)."""
    accepted, reason = progress(items, now)
    if not accepted:
        return Answer(_("Lỗi: %(reason)s") % {"reason": reason}, status=400)
    if faults.value("PROGRESS_TEXT_ONLY", PROGRESS):
        return Answer(PROGRESS_UNKNOWN_TEXT)
    return Answer(_("Cập nhật thành công"))


# --- Profile A envelope -----------------------------------------------------------------------


def lookup(code: Any) -> Answer:
    """``TraCuuHoSo``: the stored dossier as ``result`` (empty when unknown)."""
    record = store.load_dossier(checks.scalar(code) or "")
    result = [record["dossier"]] if record and record["dossier"] is not None else []
    if faults.value("WRAP_MESSAGE", LOOKUP):
        return reply(PROFILE_A, LOOKUP, 0, json.dumps({"result": result}, ensure_ascii=False))
    return reply(PROFILE_A, LOOKUP, 0, _("Tra cứu thành công"), result=result)


# --- Catalogue (spec §3.2) and the pull adapter of inbound dossiers (§4.1-2) -------------------
# The gateway's REST routes answer in the string style of the provincial gateways (Profile B's),
# unless ERROR_CODE_STYLE says otherwise.


def bearer_refused(service: str) -> Answer:
    """HTTP 401 for a REST route called without a valid session or token."""
    answer = reply(PROFILE_B, service, SESSION_INVALID, session_message())
    answer.status = 401
    answer.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return answer


def _catalogue_result(service: str, params: dict[str, str]) -> list[Any] | str:
    """The ``result`` list of a catalogue call, or the reason it fails."""
    if service == UNIT_LIST:
        unit = params.get("maDonVi", "")
        return catalogue.unit_list(unit) if unit else _("Thiếu tham số maDonVi")
    if service == PROCEDURE:
        code = params.get("maTTHC", "")
        if not code:
            return _("Thiếu tham số maTTHC")
        package = catalogue.package(code)
        if package is None:
            return _("Không tìm thấy thủ tục hành chính %(code)s") % {"code": code}
        return [package]
    if service == DECISION:
        ident = params.get("idQDCB", "")
        if not ident:
            return _("Thiếu tham số idQDCB")
        decision = catalogue.decision(ident)
        if decision is None:
            return _("Không tìm thấy quyết định công bố %(id)s") % {"id": ident}
        return [decision]
    if service == AGENCY_LIST:
        return list(catalogue.agencies())
    if service == FIELD_LIST:
        return list(catalogue.fields())
    raise ValueError(service)


def catalogue_rest(service: str, params: dict[str, str]) -> Answer:
    """``catalogue/LayDanhSachTTHCDonVi``, ``LayThuTuc``, ``LayQDCB``: the payload always inside
    ``message`` as a JSON string, as the Thanh Hóa catalogue gateway answers (R-NAT-004)."""
    result = _catalogue_result(service, params)
    if isinstance(result, str):
        return reply(PROFILE_B, service, INVALID, result)
    return reply(PROFILE_B, service, 0, json.dumps({"result": result}, ensure_ascii=False))


def catalogue_a(service: str, body: dict[str, Any]) -> Answer:
    """Profile A ``LayThuTuc`` (``maTTHC``), ``LayDanhSachTTHC`` (``maDonVi``, else the envelope's
    ``madonvi``), ``LayDanhMucCoQuan``, ``LayDanhMucLinhVuc``: the list in ``result``, or inside
    ``message`` with ``WRAP_MESSAGE``."""
    params = {
        "maTTHC": checks.scalar(body.get("maTTHC")) or "",
        "maDonVi": checks.scalar(body.get("maDonVi")) or checks.scalar(body.get("madonvi")) or "",
    }
    result = _catalogue_result(service, params)
    if isinstance(result, str):
        return reply(PROFILE_A, service, INVALID, result)
    if faults.value("WRAP_MESSAGE", service):
        return reply(PROFILE_A, service, 0, json.dumps({"result": result}, ensure_ascii=False))
    return reply(PROFILE_A, service, 0, _("Lấy dữ liệu thành công"), result=result)


def inbound_list(unit: str | None) -> Answer:
    return reply(PROFILE_B, inbound.SERVICE, 0, "", result=inbound.listed(unit))


def inbound_detail(item_id: str) -> Answer:
    dossier = inbound.detail(item_id)
    if dossier is None:
        return reply(PROFILE_B, inbound.SERVICE, INVALID, _("Không tìm thấy hồ sơ"))
    return reply(PROFILE_B, inbound.SERVICE, 0, "", result=dossier)


def inbound_ack(body: Any) -> Answer:
    """``{"maHoSo", "daNhan": true}``. With ``ACK_LOST`` an HTML 500, the ack applied or not."""
    if not isinstance(body, dict) or body.get("daNhan") is not True:
        return reply(PROFILE_B, inbound.SERVICE, INVALID, _('Cần {"maHoSo": "…", "daNhan": true}'))
    code = checks.scalar(body.get("maHoSo")) or ""
    known, answered = inbound.ack(code)
    if not known:
        return reply(PROFILE_B, inbound.SERVICE, INVALID, _("Không tìm thấy hồ sơ"))
    if not answered:
        page = "<html><head><title>500</title></head><body><h1>Internal Server Error</h1></body></html>"
        return Answer(page, status=500, html=True)
    return reply(PROFILE_B, inbound.SERVICE, 0, "")


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else ""
    return {"true": True, "false": False}.get(text)


def integration(
    body: dict[str, Any], query_updating: str | None, dstcode: str, now: datetime.datetime
) -> Answer:
    """Profile A ``integration``: check the envelope and the session, then the service."""
    service = str(body.get("service") or "")
    if dstcode != settings.TINHSO_DVCQG_DSTCODE:
        return reply(PROFILE_A, service, INVALID, _("Mã đích (dstcode) không hợp lệ"))
    if not session_ok(body.get("session"), service):
        return reply(PROFILE_A, service, SESSION_INVALID, session_message())
    if not checks.scalar(body.get("madonvi")):
        return reply(PROFILE_A, service, INVALID, _("Thiếu mã đơn vị (madonvi)"))
    if service == UPSERT:
        raw = body.get("isUpdating", query_updating)
        updating = _flag(raw)
        if updating is None:
            message = _('isUpdating phải là "True" hoặc "False" (%(value)r)') % {"value": raw}
            return reply(PROFILE_A, service, INVALID, message)
        return upsert(PROFILE_A, body.get("data"), not updating, now)
    if service == PROGRESS:
        return progress_a(body.get("data"), now)
    if service == LOOKUP:
        return lookup(body.get("mahoso"))
    if service in (PROCEDURE, UNIT_LIST, AGENCY_LIST, FIELD_LIST):
        return catalogue_a(service, body)
    return reply(
        PROFILE_A,
        service,
        INVALID,
        _("Dịch vụ %(service)r chưa được hỗ trợ") % {"service": service},
    )
