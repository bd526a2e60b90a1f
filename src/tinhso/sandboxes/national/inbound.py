"""Dossiers filed on the national portal (spec §4.1): what the portal does with them, without HTTP.
A test (or a demo) seeds one with ``seed``; the portal then hands it over to Tỉnh Số either by the
pull adapter's ``list`` → ``detail`` → ``ack`` or by pushing it (``delivery``). State lives in the
document ``inbound.json``: the seeded items (the inbound object, acks, pushes) and the daily
sequences of the national codes.

National codes are ``<agency code>-<YYMMDD>-<seq>``, the date being the Vietnam date of issue and the
sequence per agency per day starting at 9000, so that a demo never collides with the codes Tỉnh Số
issues itself (from 0001)."""

import base64
import binascii
import datetime
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from tinhso.sandboxes.national import catalogue, faults, store

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SERVICE = "inbound"
FIRST_SEQUENCE = 9000
AGENCY_CODE = re.compile(r"^[A-Z0-9]+(?:\.[A-Z0-9]+)+$")
FIXTURE = Path(__file__).parent / "fixtures" / "inbound.json"
APPLICANT_FIELDS = ("HoVaTen", "SoDinhDanh", "SoDienThoai", "Email", "DiaChi", "MaXa")


class SeedError(ValueError):
    """A ``seed`` request the sandbox cannot turn into a dossier (answered 400)."""


def _empty() -> dict[str, Any]:
    return {"items": {}, "sequences": {}, "ack_calls": 0}


def _fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def sample_pdf(title: str = "Cong DVCQG thu nghiem") -> bytes:
    """A small, valid one-page PDF (correct cross-reference offsets), as a citizen's upload."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


# --- Seeding --------------------------------------------------------------------------------------


@dataclass
class Seed:
    procedure: str
    agency: str
    data: dict[str, Any]
    files: list[dict[str, str]]
    applicant: dict[str, str]


def parse_seed(body: Any) -> Seed:
    """Check a ``seed`` body and fill the defaults (applicant, sample e-form data, one PDF)."""
    if not isinstance(body, dict):
        raise SeedError(_("Cần một đối tượng JSON."))
    code = body.get("procedure")
    pkg = catalogue.package(code) if isinstance(code, str) else None
    if pkg is None or not isinstance(code, str):
        raise SeedError(
            _("Thủ tục %(code)r không có trong danh mục của Cổng thử nghiệm.") % {"code": code}
        )
    agency = body.get("agency")
    if agency is None:
        agency = pkg["COQUANTHUCHIEN"][0]["MADONVI"]
    if not isinstance(agency, str) or not AGENCY_CODE.fullmatch(agency):
        raise SeedError(
            _("agency: mã định danh cơ quan không hợp lệ (%(value)r).") % {"value": agency}
        )
    data = body.get("data")
    if data is None:
        data = _fixture()["samples"].get(code)
        if data is None:
            raise SeedError(
                _("Thủ tục %(code)s chưa có dữ liệu mẫu: cần gửi data.") % {"code": code}
            )
    if not isinstance(data, dict):
        raise SeedError(_("data phải là một đối tượng (dữ liệu biểu mẫu)."))
    return Seed(
        code, agency, data, _files(body.get("files"), pkg), _applicant(body.get("applicant"))
    )


def _files(raw: Any, pkg: dict[str, Any]) -> list[dict[str, str]]:
    if raw is None:
        content = base64.b64encode(sample_pdf()).decode()
        return [
            {
                "MaGiayTo": doc["MAGIAYTO"],
                "TenGiayTo": doc["TENGIAYTO"],
                "TenTepDinhKem": f"{doc['MAGIAYTO'].lower() or 'giay-to'}.pdf",
                "Base64": content,
            }
            for doc in catalogue.required_documents(pkg)
        ]
    if not isinstance(raw, list):
        raise SeedError(_("files phải là một danh sách."))
    documents = []
    for item in raw:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) and item.get(key)
            for key in ("code", "name", "content_base64")
        ):
            raise SeedError(_("Mỗi tệp cần code, name và content_base64 (chuỗi)."))
        try:
            base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise SeedError(
                _("Tệp %(name)s: content_base64 không phải base64 hợp lệ.") % {"name": item["name"]}
            ) from None
        documents.append(
            {
                "MaGiayTo": item["code"],
                "TenGiayTo": catalogue.document_name(pkg, item["code"]),
                "TenTepDinhKem": item["name"],
                "Base64": item["content_base64"],
            }
        )
    return documents


def _applicant(raw: Any) -> dict[str, str]:
    applicant: dict[str, str] = dict(_fixture()["applicant"])
    if raw is None:
        return applicant
    if not isinstance(raw, dict) or not all(
        key in APPLICANT_FIELDS and isinstance(value, str) for key, value in raw.items()
    ):
        raise SeedError(
            _("applicant: chỉ gồm các trường chuỗi %(fields)s.")
            % {"fields": ", ".join(APPLICANT_FIELDS)}
        )
    return applicant | raw


def seed(request: Seed, now: datetime.datetime) -> dict[str, Any]:
    """Issue the national code and keep the dossier; returns the stored item."""
    pkg = catalogue.package(request.procedure) or {}
    day = now.astimezone(VIETNAM).strftime("%y%m%d")
    with store.document("inbound", _empty()) as state:
        key = f"{request.agency}:{day}"
        number = state["sequences"].get(key, FIRST_SEQUENCE - 1) + 1
        state["sequences"][key] = number
        code = f"{request.agency}-{day}-{number:04d}"
        item = {
            "id": str(uuid.uuid4()),
            "object": {
                "MaHoSo": code,
                "MaTTHC": request.procedure,
                "MaCoQuan": request.agency,
                "KenhThucHien": "2",
                "NgayNopHoSo": stamp(now),
                "TrichYeuHoSo": f"{pkg.get('TENTTHC', request.procedure)} - "
                f"{request.applicant.get('HoVaTen', '')}",
                "ChuHoSo": request.applicant,
                "DuLieuBieuMau": request.data,
                "TaiLieuNop": request.files,
            },
            "acked": False,
            "acks": 0,
            "pushes": [],
        }
        state["items"][item["id"]] = item
    return item


# --- Pull adapter: list, detail, ack ----------------------------------------------------------


def _state() -> dict[str, Any]:
    data: dict[str, Any] = store.read("inbound", _empty())
    return data


def listed(unit: str | None) -> list[dict[str, str]]:
    """``inbound/list``: the items not acknowledged yet (all of them with ``DUPLICATE_ACK``),
    in seeding order, optionally of one agency."""
    again = bool(faults.value("DUPLICATE_ACK", SERVICE))
    result = []
    for item in _state()["items"].values():
        dossier = item["object"]
        if (item["acked"] and not again) or (unit and dossier["MaCoQuan"] != unit):
            continue
        result.append(
            {
                "id": item["id"],
                "maDonVi": dossier["MaCoQuan"],
                "maTTHC": dossier["MaTTHC"],
                "maHoSo": dossier["MaHoSo"],
                "ngayTiepNhan": dossier["NgayNopHoSo"],
            }
        )
    return result


def detail(item_id: str) -> dict[str, Any] | None:
    item = _state()["items"].get(item_id)
    return item["object"] if item else None


def by_code(code: str) -> dict[str, Any] | None:
    """The stored item (object, acks, pushes) of a national code, or None."""
    for item in _state()["items"].values():
        if item["object"]["MaHoSo"] == code:
            return dict(item)
    return None


def ack(code: str) -> tuple[bool, bool]:
    """``inbound/ack`` of ``code``: (known, answered). With ``ACK_LOST`` the answer is lost (a 500)
    and the ack applied or not: ``"applied"``/``"lost"`` force it, ``true`` alternates (applied on
    the 1st, 3rd… lost answer, dropped on the 2nd, 4th…), so tests repeat."""
    lost = faults.value("ACK_LOST", SERVICE)
    with store.document("inbound", _empty()) as state:
        item = next((i for i in state["items"].values() if i["object"]["MaHoSo"] == code), None)
        if item is None:
            return False, True
        apply = True
        if lost:
            state["ack_calls"] = calls = state.get("ack_calls", 0) + 1
            apply = lost == "applied" or (lost is True and calls % 2 == 1)
        if apply:
            item["acked"] = True
            item["acks"] += 1
    return True, not lost


def record_pushes(code: str, pushes: list[dict[str, Any]]) -> None:
    with store.document("inbound", _empty()) as state:
        for item in state["items"].values():
            if item["object"]["MaHoSo"] == code:
                item["pushes"].extend(pushes)


def summary(code: str) -> dict[str, Any] | None:
    """What ``state?MaHoSo=`` shows of a seeded code."""
    item = by_code(code)
    if item is None:
        return None
    return {
        "id": item["id"],
        "acked": item["acked"],
        "acks": item["acks"],
        "pushes": item["pushes"],
    }


def received() -> list[dict[str, Any]]:
    """Every seeded object (the 766 simulator counts them as received on the portal)."""
    return [item["object"] for item in _state()["items"].values()]
