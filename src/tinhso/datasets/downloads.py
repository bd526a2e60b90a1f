"""Downloads of a datastore table as CSV, XLSX or JSON, streamed.

CSV and JSON are generated row by row (StreamingHttpResponse); XLSX is written with openpyxl's
write-only mode to a temporary file that is then streamed in chunks. Text cells that a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) are
prefixed with an apostrophe in CSV and XLSX.
"""

import csv
import datetime
import json
import tempfile
from collections.abc import Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse

from tinhso.datasets.datastore import iter_rows
from tinhso.datasets.models import DatastoreTable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    """A CSV cell as the datastore shows it: empty for null, true/false for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def csv_response(table: DatastoreTable, filename: str) -> StreamingHttpResponse:
    columns = [f["id"] for f in table.fields]
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([safe_cell(c) for c in columns])
        for row in iter_rows(table):
            yield writer.writerow([csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(f"{filename}.csv")
    return response


def json_response(table: DatastoreTable, filename: str) -> StreamingHttpResponse:
    columns = [f["id"] for f in table.fields]

    def chunks() -> Iterator[str]:
        yield "["
        for i, row in enumerate(iter_rows(table)):
            item = json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False)
            yield ("," if i else "") + "\n" + item
        yield "\n]\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = _disposition(f"{filename}.json")
    return response


def _excel_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "timestamp":
        return datetime.datetime.fromisoformat(value)
    return safe_cell(value)


def xlsx_response(table: DatastoreTable, filename: str) -> FileResponse:
    from openpyxl import Workbook

    kinds = [f["type"] for f in table.fields]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append([safe_cell(f["id"]) for f in table.fields])
    for row in iter_rows(table):
        sheet.append([_excel_value(v, k) for v, k in zip(row, kinds, strict=True)])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    book.save(handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )
