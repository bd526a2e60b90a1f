"""Checks S-1..S-5 of the spec (§11.2) on what Tỉnh Số sends, so that our bugs fail loudly.
Each failed check raises ``Rejected`` with the reason the sandbox answers in ``message``.
Scalars may arrive as JSON strings or numbers (R-NAT-002): both are accepted."""

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from tinhso.sandboxes.national import catalogue
from tinhso.sandboxes.national.store import DOSSIER_CODE

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DATE = re.compile(r"^\d{14}$")
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
PROGRESS_BEFORE_RECEIPT = datetime.timedelta(days=30)
TERMINAL = frozenset({3, 7, 8, 10})
# Due dates lie in the future by nature; every other date must not (S-1).
DUE_FIELDS = frozenset({"NgayHenTra", "NgayHenTraTruoc", "NgayHenTraMoi", "NgayKetThucTheoQuyDinh"})
DOSSIER_DATES = (
    "NgayNopHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayTuChoi",
    "NgayKetThucXuLy",
    "NgayTra",
)
SUPPLEMENT_DATES = ("NgayBoSung", "NgayTiepNhanBoSung", "NgayHenTraTruoc", "NgayHenTraMoi")
PROGRESS_DATES = ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh")


class Rejected(Exception):
    """The portal refuses the item; ``message`` is its answer (``error_code`` -1)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def scalar(value: Any) -> str | None:
    """A JSON string or number as text (R-NAT-002); None for anything else (bool, list, null)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return None


def code_in(item: dict[str, Any], field: str, low: int, high: int) -> int:
    text = scalar(item.get(field))
    if text is None or not text.isdigit() or not low <= int(text) <= high:
        raise Rejected(
            _("%(field)s không hợp lệ (%(value)r): phải từ %(low)d đến %(high)d.")
            % {"field": field, "value": item.get(field), "low": low, "high": high}
        )
    return int(text)


def date(item: dict[str, Any], field: str, now: datetime.datetime) -> datetime.datetime | None:
    """S-1: ``yyyyMMddHHmmss`` (Asia/Ho_Chi_Minh) or ""; not more than 5 minutes ahead unless the
    field is a due date. None for an empty or absent value."""
    raw = item.get(field, "")
    text = scalar(raw)
    if text == "":
        return None
    try:
        if text is None or not DATE.fullmatch(text):
            raise ValueError(text)
        moment = datetime.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)
    except ValueError:
        raise Rejected(
            _("%(field)s: thời gian không hợp lệ (%(value)r), cần dạng yyyyMMddHHmmss.")
            % {"field": field, "value": raw}
        ) from None
    if field not in DUE_FIELDS and moment > now + FUTURE_TOLERANCE:
        raise Rejected(
            _("%(field)s: thời gian không hợp lệ (%(value)s ở tương lai).")
            % {"field": field, "value": text}
        )
    return moment


def dossier_code(item: dict[str, Any]) -> str:
    code = scalar(item.get("MaHoSo")) or ""
    if not DOSSIER_CODE.fullmatch(code):
        raise Rejected(
            _("MaHoSo không hợp lệ (%(value)r): cần dạng <mã định danh>-yyMMdd-NNNN.")
            % {"value": item.get("MaHoSo")}
        )
    return code


def check_dossier(item: Any, now: datetime.datetime) -> tuple[str, int]:
    """S-1 and S-2 on one dossier object; returns (MaHoSo, TrangThaiHoSo)."""
    if not isinstance(item, dict):
        raise Rejected(_("Mỗi phần tử của data phải là một đối tượng hồ sơ."))
    code = dossier_code(item)
    dates = {field: date(item, field, now) for field in DOSSIER_DATES}
    for supplement in item.get("DanhSachHoSoBoSung") or []:
        if isinstance(supplement, dict):
            for field in SUPPLEMENT_DATES:
                date(supplement, field, now)
    procedure = scalar(item.get("MaTTHC")) or ""
    if not catalogue.known(procedure):
        raise Rejected(
            _("MaTTHC %(value)r không tồn tại trong CSDL TTHC.") % {"value": item.get("MaTTHC")}
        )
    status = code_in(item, "TrangThaiHoSo", 1, 10)
    code_in(item, "KenhThucHien", 1, 3)
    code_in(item, "LoaiDoiTuong", 1, 4)
    day = code.split("-")[-2]
    allowed = {
        moment.strftime("%y%m%d")
        for moment in (dates["NgayTiepNhan"], dates["NgayNopHoSo"])
        if moment is not None
    }
    if day not in allowed:
        raise Rejected(
            _("MaHoSo %(code)s: phần ngày %(day)s không khớp ngày tiếp nhận hoặc ngày nộp.")
            % {"code": code, "day": day}
        )
    return code, status


def check_transition(code: str, stored: int, status: int) -> None:
    """S-4 (R-NAT-031): a dossier in a terminal code (3, 7, 8, 10) stays there."""
    if stored in TERMINAL and status != stored:
        raise Rejected(
            _("Hồ sơ %(code)s đã kết thúc (trạng thái %(old)d), không thể chuyển sang %(new)d.")
            % {"code": code, "old": stored, "new": status}
        )


def check_progress(
    item: Any, received: datetime.datetime | None, now: datetime.datetime
) -> datetime.datetime:
    """S-1 and S-5 on one progress entry of a known dossier; returns its ``ThoiDiemXuLy``."""
    if not isinstance(item, dict):
        raise Rejected(_("Mỗi phần tử tiến độ phải là một đối tượng."))
    moments = {field: date(item, field, now) for field in PROGRESS_DATES}
    acted = moments["ThoiDiemXuLy"]
    if acted is None:
        raise Rejected(_("ThoiDiemXuLy: thời gian không hợp lệ (bắt buộc)."))
    code_in(item, "TrangThai", 1, 10)
    if received is not None and acted < received - PROGRESS_BEFORE_RECEIPT:
        raise Rejected(
            _("ThoiDiemXuLy %(value)s: thời gian không hợp lệ (trước ngày tiếp nhận hơn 30 ngày).")
            % {"value": scalar(item.get("ThoiDiemXuLy"))}
        )
    return acted


def received_at(dossier: dict[str, Any]) -> datetime.datetime | None:
    """``NgayTiepNhan`` of a stored (already checked) dossier."""
    text = scalar(dossier.get("NgayTiepNhan")) or ""
    if not DATE.fullmatch(text):
        return None
    return datetime.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)
