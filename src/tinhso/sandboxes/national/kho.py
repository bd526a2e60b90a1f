"""The citizen's data store on the national portal (Kho quản lý dữ liệu điện tử, spec §6), without
HTTP: what it holds per owner, the checks on a pushed result, and the answers in the store's style
(camelCase ``errorCode``, a ``signature`` field, §6.2). Views turn an ``Answer`` into a response.

No official "push to store" call is public (§6.3 [U]); ``store/ketqua`` is of our own design:

``POST store/ketqua`` ``{SoDinhDanhChuSoHuu, MaHoSo, MaKetQua, TenGiayTo, SoKyHieu, CoQuanChuQuan,
NgayCap (yyyyMMddHHmmss), TepDinhKem: {TenTep, DinhDang, NoiDung (base64), MaBam (sha256)}}`` →
``{errorCode: "0", result: {MaGiayTo, DuongDan}}``. Pushing the same (owner, ``SoKyHieu``) again
answers the same document (a retry after a timeout stores nothing twice).

State: ``kho.json`` ``{"owners": {id: [entry…]}, "files": {DuongDan: base64}}`` under the sandbox
directory (cleared by ``reset``); the fixture results of the demo citizens are always listed.
"""

import base64
import binascii
import datetime
import hashlib
import json
import re
import secrets
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.sandboxes.national import checks, faults, store
from tinhso.sandboxes.national.gateway import Answer

SERVICE = "kho"  # the knobs' service name (``{"service": "kho", "WRAP_MESSAGE": true}``)
STATE = "kho"
OWNER = re.compile(r"^(\d{12}|\d{10}(-\d{3})?)$")  # personal ID (CCCD) or tax code
MAX_FILE_BYTES = 10 * 1024 * 1024
FIXTURE_ISSUER = "000.00.15.H61"  # a department of the demo province

# A one-page PDF: the fixture documents' file (the store returns what it holds, base64).
FIXTURE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)

# Results the demo citizens already hold (issued elsewhere, before Tỉnh Số): what the filing page
# offers for reuse. Made-up numbers; the owners are the demo citizens of ``tinhso.demo``.
FIXTURES: dict[str, list[dict[str, str]]] = {
    "083095001234": [
        {
            "MaKetQua": "KQ.KS",
            "TenGiayTo": "Giấy khai sinh",
            "SoKyHieu": "125/2019/TLKS-BS",
            "NgayCap": "20190312090000",
            "DuongDan": "fixture/083095001234/giay-khai-sinh.pdf",
        },
        {
            "MaKetQua": "KQ.LLTP",
            "TenGiayTo": "Phiếu lý lịch tư pháp số 1",
            "SoKyHieu": "3021/2024/LLTP",
            "NgayCap": "20240605140000",
            "DuongDan": "fixture/083095001234/ly-lich-tu-phap.pdf",
        },
    ],
    "083301004567": [
        {
            "MaKetQua": "KQ.KH",
            "TenGiayTo": "Giấy chứng nhận kết hôn",
            "SoKyHieu": "48/2021/DKKH",
            "NgayCap": "20210920080000",
            "DuongDan": "fixture/083301004567/giay-chung-nhan-ket-hon.pdf",
        },
    ],
}


class Invalid(ValueError):
    """A pushed result the store refuses (the message is the reason)."""


def _empty() -> dict[str, Any]:
    return {"owners": {}, "files": {}}


def reply(code: int, message: str, **extra: Any) -> Answer:
    """An answer in the store's style (§6.2): camelCase ``errorCode`` as a string, a
    ``signature`` (its method is unknown, R-NAT-073: the sandbox signs nothing and says so)."""
    return Answer({"errorCode": str(code), "message": message, "signature": "", **extra})


def _wrapped(result: Any, message: str) -> Answer:
    """``result`` as is, or inside ``message`` as a JSON string with ``WRAP_MESSAGE`` (R-NAT-004)."""
    if faults.value("WRAP_MESSAGE", SERVICE):
        return reply(0, json.dumps({"result": result}, ensure_ascii=False))
    return reply(0, message, result=result)


def credentials_ok(username: str, password: str) -> bool:
    """HTTP Basic credentials of the store (``TINHSO_DATASTORE_USERNAME``/``PASSWORD``)."""
    expected_user = str(getattr(settings, "TINHSO_DATASTORE_USERNAME", ""))
    expected_password = str(getattr(settings, "TINHSO_DATASTORE_PASSWORD", ""))
    return (
        bool(expected_user)
        & secrets.compare_digest(username.encode(), expected_user.encode())
        & secrets.compare_digest(password.encode(), expected_password.encode())
    )


# --- push -------------------------------------------------------------------------------------


def _text(body: dict[str, Any], name: str, limit: int, *, required: bool = True) -> str:
    value = checks.scalar(body.get(name))
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("Thiếu %(field)s.") % {"field": name})
    if len(value) > limit:
        raise Invalid(_("%(field)s quá dài.") % {"field": name})
    return value


def _file(body: dict[str, Any]) -> tuple[str, bytes]:
    item = body.get("TepDinhKem")
    if isinstance(item, list) and len(item) == 1:
        item = item[0]
    if not isinstance(item, dict):
        raise Invalid(_("Thiếu TepDinhKem (một tệp PDF)."))
    name = _text(item, "TenTep", 255)
    if _text(item, "DinhDang", 80) != "application/pdf":
        raise Invalid(_("Kết quả điện tử phải là tệp PDF (DinhDang application/pdf)."))
    encoded = item.get("NoiDung")
    if not isinstance(encoded, str) or not encoded:
        raise Invalid(_("Thiếu NoiDung (tệp mã hóa base64)."))
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(_("NoiDung không phải base64 hợp lệ.")) from None
    if len(content) > MAX_FILE_BYTES:
        raise Invalid(_("Tệp vượt quá 10 MB."))
    if not content.startswith(b"%PDF-"):
        raise Invalid(_("Tệp không phải PDF."))
    digest = checks.scalar(item.get("MaBam"))
    if digest and digest.lower() != hashlib.sha256(content).hexdigest():
        raise Invalid(_("MaBam không khớp với nội dung tệp."))
    return name, content


def check_push(body: Any, now: datetime.datetime) -> tuple[dict[str, str], bytes]:
    """The entry a pushed result becomes, and its file; ``Invalid`` says why it is refused."""
    if not isinstance(body, dict):
        raise Invalid(_("Cần một đối tượng JSON."))
    owner = _text(body, "SoDinhDanhChuSoHuu", 14)
    if not OWNER.fullmatch(owner):
        raise Invalid(
            _("SoDinhDanhChuSoHuu phải là số định danh cá nhân (12 chữ số) hoặc mã số thuế.")
        )
    entry = {
        "SoDinhDanhChuSoHuu": owner,
        "MaHoSo": _text(body, "MaHoSo", 64, required=False),
        "MaKetQua": _text(body, "MaKetQua", 64, required=False),
        "TenGiayTo": _text(body, "TenGiayTo", 400),
        "SoKyHieu": _text(body, "SoKyHieu", 80),
        "CoQuanChuQuan": _text(body, "CoQuanChuQuan", 64),
    }
    try:
        checks.date({"NgayCap": body.get("NgayCap")}, "NgayCap", now)  # S-1
    except checks.Rejected as exc:
        raise Invalid(str(exc)) from None
    entry["NgayCap"] = checks.scalar(body.get("NgayCap")) or ""
    name, content = _file(body)
    entry["TenTep"] = name
    return entry, content


def push(body: Any, now: datetime.datetime) -> Answer:
    """``store/ketqua``: keep a pushed result in its owner's store (once per ``SoKyHieu``)."""
    try:
        entry, content = check_push(body, now)
    except Invalid as exc:
        return reply(-1, str(exc))
    owner = entry["SoDinhDanhChuSoHuu"]
    with store.document(STATE, _empty()) as state:
        held = state["owners"].setdefault(owner, [])
        same = next((e for e in held if e["SoKyHieu"] == entry["SoKyHieu"]), None)
        if same is None:
            path = f"ketqua/{owner}/{secrets.token_hex(8)}.pdf"
            same = entry | {"MaGiayTo": secrets.token_hex(8), "DuongDan": path}
            held.append(same)
        state["files"][same["DuongDan"]] = base64.b64encode(content).decode()
        pushes = state.setdefault("pushes", 0)
        state["pushes"] = pushes + 1
    result = {"MaGiayTo": same["MaGiayTo"], "DuongDan": same["DuongDan"]}
    return reply(0, _("Đã lưu kết quả vào kho dữ liệu"), result=result)


# --- read (§6.2) --------------------------------------------------------------------------------


def _listed(entry: dict[str, str]) -> dict[str, Any]:
    """One ``DanhSachGiayToKetQua`` entry as §6.2 answers it."""
    return {
        "MaKetQua": entry.get("MaKetQua", ""),
        "TenGiayTo": entry["TenGiayTo"],
        "SoKyHieu": entry["SoKyHieu"],
        "CoQuanChuQuan": entry.get("CoQuanChuQuan", FIXTURE_ISSUER),
        "NgayCap": entry.get("NgayCap", ""),
        "MaHoSo": entry.get("MaHoSo", ""),
        "DanhSachTepDinhKem": [
            {"TenTep": entry.get("TenTep") or entry["DuongDan"].rsplit("/", 1)[-1],
             "DuongDan": entry["DuongDan"]}
        ],
    }  # fmt: skip


def holdings(owner: str) -> list[dict[str, str]]:
    """Everything the store holds for ``owner``: the fixture results, then what was pushed."""
    pushed: list[dict[str, str]] = store.read(STATE, _empty())["owners"].get(owner, [])
    fixtures = [entry | {"CoQuanChuQuan": FIXTURE_ISSUER} for entry in FIXTURES.get(owner, [])]
    return fixtures + list(pushed)


def results(owner: str, wanted: list[str]) -> Answer:
    """``store/results?SoDinhDanh=`` (``GetKetQuaGiayTo``): the owner's results, only the
    ``MaKetQua`` listed when some are; an unknown owner holds nothing (an empty list)."""
    if not OWNER.fullmatch(owner):
        return reply(-1, _("SoDinhDanh phải là số định danh cá nhân (12 chữ số) hoặc mã số thuế."))
    listed = [
        _listed(entry)
        for entry in holdings(owner)
        if not wanted or entry.get("MaKetQua", "") in wanted
    ]
    return _wrapped({"DanhSachGiayToKetQua": listed}, _("Lấy dữ liệu thành công"))


def file(body: Any) -> Answer:
    """``store/file`` (``GetGiayToByUrl``): ``{CoQuanChuQuan, DuongDan}`` → the file, base64."""
    path = checks.scalar(body.get("DuongDan")) if isinstance(body, dict) else None
    if not path:
        return reply(-1, _("Thiếu DuongDan."))
    if path.startswith("fixture/"):
        known = any(e["DuongDan"] == path for entries in FIXTURES.values() for e in entries)
        encoded = base64.b64encode(FIXTURE_PDF).decode() if known else None
    else:
        encoded = store.read(STATE, _empty())["files"].get(path)
    if encoded is None:
        return reply(-1, _("Không có giấy tờ %(path)s trong kho.") % {"path": path})
    return _wrapped(encoded, _("Lấy tệp thành công"))


def pushes() -> int:
    """How many pushes the store accepted (tests: a retry stores nothing twice)."""
    count: int = store.read(STATE, _empty()).get("pushes", 0)
    return count
