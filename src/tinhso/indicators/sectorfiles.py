"""Reading and validating the indicator files departments upload (CSV or XLSX), row by row.

The file has a header row with the columns ``chi_tieu`` (indicator code), ``ky`` (period,
``YYYY`` or ``YYYY-MM``), ``gia_tri`` (value, a number ≥ 0) and optionally ``don_vi`` (GSO code of
the administrative unit, empty for the whole province), ``nguon`` (source) and ``minh_hoa``
(1/x/có when the row is illustrative demo data). Every error is reported with its line and column;
a file with any error is refused as a whole.
"""

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tinhso.indicators.sectors import INDICATORS
from tinhso.uploads import UploadRejected, check_zip

REQUIRED = ("chi_tieu", "ky", "gia_tri")
OPTIONAL = ("don_vi", "nguon", "minh_hoa")
MAX_ROWS = 5000
MAX_ERRORS = 50
PERIOD = re.compile(r"^(19|20)\d\d(-(0[1-9]|1[0-2]))?$")
YES = {"1", "x", "có", "co", "yes", "true"}
NO = {"", "0", "không", "khong", "no", "false"}


class FileRejected(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Row:
    line: int
    indicator: str
    period: str
    unit_code: str
    value: Decimal
    source: str
    is_demo: bool


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(name: str, data: bytes) -> list[list[str]]:
    """The rows of the file as text cells; the type comes from the content, not the name."""
    if data.startswith(b"PK\x03\x04"):
        try:
            check_zip(data)  # a decompression bomb is refused before openpyxl opens it
        except UploadRejected as exc:
            raise FileRejected([exc.message]) from None
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            # Read-only sheets are parsed while iterating: a damaged part fails here too.
            sheet = book.worksheets[0]
            rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            book.close()
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise FileRejected([_("Không đọc được tệp Excel (.xlsx): tệp bị hỏng.")]) from exc
        return rows
    if not name.lower().endswith(".csv"):
        raise FileRejected([_("Chỉ nhận tệp CSV (UTF-8) hoặc Excel (.xlsx).")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(
            [_("Tệp CSV phải được lưu với bảng mã UTF-8 (Excel: “CSV UTF-8”).")]
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _number(text: str) -> Decimal | None:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 12,5 written the Vietnamese way
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def validate(sector: str, table: list[list[str]], unit_codes: set[str]) -> list[Row]:
    """Check every row; return the rows or raise :class:`FileRejected` with all errors found."""
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise FileRejected([_("Tệp không có dữ liệu.")])
    header = [cell.strip().lower() for cell in table[0]]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise FileRejected(
            [
                _("Thiếu cột bắt buộc: %(cols)s. Dòng đầu tiên phải là tên cột.")
                % {"cols": ", ".join(missing)}
            ]
        )
    if len(table) - 1 > MAX_ROWS:
        raise FileRejected([_("Tệp có quá %(n)s dòng dữ liệu.") % {"n": MAX_ROWS}])
    known = {i.code for i in INDICATORS[sector]}
    position = {column: header.index(column) for column in REQUIRED + OPTIONAL if column in header}
    errors: list[str] = []
    rows: list[Row] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, raw in enumerate(table[1:], start=2):

        def get(column: str, raw: list[str] = raw) -> str:
            index = position.get(column)
            return raw[index].strip() if index is not None and index < len(raw) else ""

        def error(column: str, message: str, line: int = line) -> None:
            errors.append(
                _("Dòng %(line)s, cột %(col)s: %(msg)s")
                % {"line": line, "col": column, "msg": message}
            )

        code, period, unit, text = get("chi_tieu"), get("ky"), get("don_vi"), get("gia_tri")
        demo_flag = get("minh_hoa").lower()
        if code not in known:
            error(
                "chi_tieu",
                _("“%(v)s” không phải chỉ tiêu của ngành này (mã hợp lệ: %(ok)s).")
                % {"v": code, "ok": ", ".join(sorted(known))},
            )
        if not PERIOD.match(period):
            error(
                "ky", _("“%(v)s” không đúng dạng năm (2024) hoặc tháng (2024-06).") % {"v": period}
            )
        if unit and unit not in unit_codes:
            error("don_vi", _("không có đơn vị hành chính mã “%(v)s”.") % {"v": unit})
        value = _number(text)
        if value is None:
            error("gia_tri", _("“%(v)s” không phải là số (ví dụ hợp lệ: 1234.5).") % {"v": text})
        elif value < 0:
            error("gia_tri", _("giá trị không được âm."))
        if demo_flag not in YES | NO:
            error("minh_hoa", _("chỉ ghi 1 (dữ liệu minh họa) hoặc để trống."))
        key = (code, period, unit)
        if key in seen:
            error(
                "chi_tieu",
                _("trùng chỉ tiêu, kỳ và đơn vị với dòng %(other)s.") % {"other": seen[key]},
            )
        seen.setdefault(key, line)
        if value is not None and value >= 0:
            rows.append(Row(line, code, period, unit, value, get("nguon"), demo_flag in YES))
        if len(errors) >= MAX_ERRORS:
            errors.append(_("Dừng kiểm tra sau %(n)s lỗi.") % {"n": MAX_ERRORS})
            break
    if errors:
        raise FileRejected(errors)
    return rows
