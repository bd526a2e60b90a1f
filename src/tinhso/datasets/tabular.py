"""Reading tabular files (CSV, XLSX, JSON array of objects), inferring column types, casting values.

Every cell is first turned into text (XLSX and JSON cells from their native types), then cast
to the column's type; a value that does not fit yields a row error in Vietnamese with the row
number and the column. Nothing here touches the database.
"""

import csv
import datetime
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tinhso.uploads import UploadRejected, check_zip

TABULAR_FORMATS = {"CSV", "XLSX", "JSON"}
MAX_ERRORS = 200

_INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
_NUMERIC = re.compile(r"^[+-]?((0|[1-9]\d*)(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_VN = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_TRUE = {"true", "có", "yes"}
_FALSE = {"false", "không", "no"}


class TableError(ValueError):
    """The file cannot be read as a table at all (not a row-level problem)."""


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class RawTable:
    columns: list[str]
    rows: list[list[str]]  # each as long as ``columns``
    first_row: int  # the number a user sees for rows[0] (2 under a CSV/XLSX header, 1 in JSON)


def _text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _check_columns(columns: list[str]) -> list[str]:
    columns = [c.strip() for c in columns]
    for i, name in enumerate(columns, start=1):
        if not name:
            raise TableError(_("Cột thứ %(n)s không có tên ở dòng tiêu đề.") % {"n": i})
        if name.startswith("_"):
            raise TableError(_("Tên cột “%(name)s” không được bắt đầu bằng “_”.") % {"name": name})
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise TableError(_("Tên cột “%(name)s” bị trùng.") % {"name": name})
        seen.add(name)
    return columns


def _rectangular(header: list[Any], body: list[list[Any]], first_row: int) -> RawTable:
    columns = _check_columns([_text(h) for h in header])
    rows: list[list[str]] = []
    width = len(columns)
    for offset, cells in enumerate(body):
        texts = [_text(c) for c in cells]
        if not any(texts):
            continue  # blank line
        if len(texts) > width and any(texts[width:]):
            raise TableError(
                _("Dòng %(row)s có %(got)s ô, nhiều hơn %(want)s cột của dòng tiêu đề.")
                % {"row": first_row + offset, "got": len(texts), "want": width}
            )
        rows.append((texts + [""] * width)[:width])
    return RawTable(columns, rows, first_row)


def read_csv(data: bytes) -> RawTable:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(_("Tệp CSV phải được mã hóa UTF-8.")) from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = list(csv.reader(io.StringIO(text), dialect))
    if not lines:
        raise TableError(_("Tệp không có dòng tiêu đề."))
    return _rectangular(lines[0], lines[1:], 2)


def read_xlsx(data: bytes) -> RawTable:
    from openpyxl import load_workbook

    try:
        check_zip(data)  # a decompression bomb is refused before openpyxl opens it
    except UploadRejected as exc:
        raise TableError(exc.message) from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # Read-only sheets are parsed while iterating: a damaged part fails here too.
        lines = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError(_("Không đọc được tệp Excel (XLSX).")) from exc
    while lines and not any(c not in (None, "") for c in lines[0]):
        lines.pop(0)
    if not lines:
        raise TableError(_("Trang tính đầu tiên không có dòng tiêu đề."))
    header = lines[0]
    while header and header[-1] in (None, ""):
        header = header[:-1]
    return _rectangular(list(header), lines[1:], 2)


def read_json(data: bytes) -> RawTable:
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TableError(_("Tệp JSON không hợp lệ.")) from exc
    if isinstance(items, dict) and isinstance(items.get("records"), list):
        items = items["records"]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TableError(_("Tệp JSON phải là một mảng các đối tượng."))
    columns: list[str] = []
    for item in items:
        for key in item:
            if key not in columns:
                columns.append(key)
    columns = _check_columns(columns)
    rows = [[_text(item.get(c)) for c in columns] for item in items]
    return RawTable(columns, rows, 1)


def read_table(data: bytes, fmt: str) -> RawTable:
    readers = {"CSV": read_csv, "XLSX": read_xlsx, "JSON": read_json}
    return readers[fmt](data)


# --- types -----------------------------------------------------------------------------------


def _parse_date(text: str) -> datetime.date:
    if _DATE_ISO.match(text):
        return datetime.date.fromisoformat(text)
    if _DATE_VN.match(text):
        day, month, year = (int(p) for p in text.split("/"))
        return datetime.date(year, month, day)
    raise ValueError(text)


def _parse_timestamp(text: str) -> datetime.datetime:
    if not _TIMESTAMP.match(text):
        raise ValueError(text)
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:  # stored like CKAN: UTC, without the offset
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def cast(text: str, kind: str) -> Any:
    """Cast a non-empty text to the JSON value stored for ``kind``; ValueError if it does not fit."""
    if kind == "text":
        return text
    if kind == "int":
        if not _INT.match(text):
            raise ValueError(text)
        return int(text)
    if kind == "numeric":
        if not _NUMERIC.match(text):
            raise ValueError(text)
        number = float(text)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "date":
        return _parse_date(text).isoformat()
    if kind == "timestamp":
        return _parse_timestamp(text).isoformat()
    if kind == "bool":
        low = text.casefold()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(text)
    raise ValueError(kind)


def _fits(text: str, kind: str) -> bool:
    try:
        cast(text, kind)
    except (ValueError, OverflowError):
        return False
    return True


def infer_type(values: list[str]) -> str:
    """The narrowest type every non-empty value fits; text when there is none."""
    present = [v for v in values if v != ""]
    if not present:
        return "text"
    for kind in ("bool", "int", "numeric", "date", "timestamp"):
        if all(_fits(v, kind) for v in present):
            return kind
    return "text"


TYPE_MESSAGES = {
    "int": gettext_noop("“%(value)s” không phải số nguyên"),
    "numeric": gettext_noop("“%(value)s” không phải số (dùng dấu chấm cho phần thập phân)"),
    "date": gettext_noop("“%(value)s” không phải ngày (YYYY-MM-DD hoặc DD/MM/YYYY)"),
    "timestamp": gettext_noop("“%(value)s” không phải thời điểm (YYYY-MM-DDTHH:MM:SS)"),
    "bool": gettext_noop("“%(value)s” không phải giá trị đúng/sai (true/false)"),
}


def type_error(value: str, kind: str) -> str:
    return _(TYPE_MESSAGES[kind]) % {"value": value[:60]}


def cast_rows(
    table: RawTable, types: dict[str, str]
) -> tuple[list[dict[str, Any]], list[RowError], int]:
    """Cast every row; return (records, first errors, number of errors)."""
    records: list[dict[str, Any]] = []
    errors: list[RowError] = []
    count = 0
    for offset, cells in enumerate(table.rows):
        record: dict[str, Any] = {}
        for column, text in zip(table.columns, cells, strict=True):
            if text == "":
                record[column] = None
                continue
            kind = types[column]
            try:
                record[column] = cast(text, kind)
            except (ValueError, OverflowError):
                count += 1
                if len(errors) < MAX_ERRORS:
                    errors.append(
                        RowError(table.first_row + offset, column, text, type_error(text, kind))
                    )
        records.append(record)
    return records, errors, count
