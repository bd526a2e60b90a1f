"""Excel and PDF export of the tables shown by the operations centre and the programme pages.

A page builds a :class:`Table` (title, columns, rows of plain values) from the same data it
renders, and :func:`export_response` turns it into an XLSX workbook (openpyxl) or a PDF
(WeasyPrint with the embedded Be Vietnam Pro font of ``tinhso.documents.pdf``).

Cells are written as values, never as formulas: a text starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is stored as a string cell with Excel's quote prefix, so a procedure
name or an uploaded label cannot run as a formula when an official opens the file
(CSV/formula injection, OWASP).
"""

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tinhso.documents.pdf import html_to_pdf

FORMATS = ("xlsx", "pdf")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text | int | pct | decimal | date


@dataclass
class Table:
    title: str
    columns: Sequence[Column]
    rows: list[list[Any]]
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """A value openpyxl can store: numbers stay numbers, None stays empty, the rest is text."""
    if value is None or isinstance(value, bool):
        return "" if value is None else ("✓" if value else "")
    if isinstance(value, int | float | Decimal):
        return float(value) if isinstance(value, Decimal) else value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


NUMBER_FORMATS = {"int": "#,##0", "pct": "0.0", "decimal": "#,##0.00"}


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.title[:31]
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=13)
    start = 2
    if table.subtitle:
        sheet.append([table.subtitle])
        start = 3
    sheet.append([column.title for column in table.columns])
    for cell in sheet[start]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append([None] * len(table.columns))
        for index, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            cell = sheet.cell(row=sheet.max_row, column=index)
            plain = _plain(value)
            if isinstance(plain, str):
                cell.value = plain
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if plain.startswith(FORMULA_PREFIXES):
                    cell.quotePrefix = True
            else:
                cell.value = plain
                cell.number_format = NUMBER_FORMATS.get(column.kind, "General")
    for note in table.notes:
        sheet.append([None])
        cell = sheet.cell(row=sheet.max_row, column=1)
        cell.value = note
        cell.data_type = "s"
    for index, column in enumerate(table.columns, start=1):
        width = 40 if column.kind == "text" else 14
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _display(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "pct" and isinstance(value, int | float | Decimal):
        return f"{float(value):.1f}".replace(".", ",")
    if kind == "int" and isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if kind == "decimal" and isinstance(value, int | float | Decimal):
        return f"{float(value):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    plain = _plain(value)
    return str(plain)


def to_pdf(table: Table) -> bytes:
    rows = [
        [
            (_display(value, column.kind), column.kind != "text")
            for column, value in zip(table.columns, row, strict=True)
        ]
        for row in table.rows
    ]
    html = render_to_string(
        "ioc/export_table.html",
        {
            "table": table,
            "rows": rows,
            "landscape": len(table.columns) > 6,
            "generated_at": timezone.localtime(),
        },
    )
    return html_to_pdf(html)


def export_response(table: Table, fmt: str, filename: str) -> HttpResponse:
    """The table as a download; ``fmt`` must be one of :data:`FORMATS` (checked by the view)."""
    stem = slugify(filename) or "bang"
    if fmt == "xlsx":
        response = HttpResponse(to_xlsx(table), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(to_pdf(table), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


# --- the tables of the operations-centre pages ------------------------------------------------


def summary_table(cards: list[dict[str, Any]], subtitle: str, previous_label: str) -> Table:
    columns = [
        Column(_("Chỉ số")),
        Column(_("Kỳ này"), "decimal"),
        Column(_("Kỳ trước (%(p)s)") % {"p": previous_label}, "decimal"),
        Column(_("Chênh lệch"), "decimal"),
        Column(_("Tử số")),
        Column(_("Mẫu số")),
    ]
    rows = [
        [
            card["label"],
            card["value"],
            card["previous"],
            card["delta"],
            card.get("numerator", ""),
            card.get("denominator", ""),
        ]
        for card in cards
    ]
    notes = [_("Tỷ lệ tính bằng %; tử số, mẫu số là số hồ sơ của kỳ này.")]
    return Table(_("Chất lượng giải quyết thủ tục hành chính"), columns, rows, subtitle, notes)


def trend_table(points: list[tuple[datetime.date, Any]], subtitle: str, grain: str) -> Table:
    fmt = {"day": "%d/%m/%Y", "month": "%m/%Y", "quarter": "%m/%Y", "year": "%Y"}[grain]
    columns = [
        Column(_("Kỳ")),
        Column(_("Tiếp nhận"), "int"),
        Column(_("Trực tuyến"), "int"),
        Column(_("Đã giải quyết"), "int"),
        Column(_("Đúng hạn, trước hạn"), "int"),
        Column(_("Trễ hạn"), "int"),
        Column(_("Tỷ lệ đúng hạn (%)"), "pct"),
    ]
    rows = []
    for day, s in points:
        rate = s.on_time_rate.value
        rows.append(
            [
                day.strftime(fmt),
                s.received,
                s.online_received,
                s.resolved,
                s.early + s.on_time,
                s.late,
                None if rate is None else round(rate * 100, 1),
            ]
        )
    return Table(_("Diễn biến theo thời gian"), columns, rows, subtitle)


def breakdown_table(rows: list[dict[str, Any]], subtitle: str, by_label: str) -> Table:
    columns = [
        Column(by_label),
        Column(_("Tiếp nhận"), "int"),
        Column(_("Đã giải quyết"), "int"),
        Column(_("Đang giải quyết"), "int"),
        Column(_("Quá hạn"), "int"),
        Column(_("Đúng hạn (%)"), "pct"),
        Column(_("Trực tuyến (%)"), "pct"),
        Column(_("Hài lòng (%)"), "pct"),
    ]
    data = [
        [
            r["label"],
            r["summary"].received,
            r["summary"].resolved,
            r["summary"].in_progress,
            r["summary"].in_progress_overdue,
            r["on_time"],
            r["online"],
            r["satisfaction"],
        ]
        for r in rows
    ]
    return Table(_("Số liệu theo %(by)s") % {"by": by_label.lower()}, columns, data, subtitle)


def dossiers_table(dossiers: Any, subtitle: str, metric_label: str) -> Table:
    columns = [
        Column(_("Mã hồ sơ")),
        Column(_("Thủ tục")),
        Column(_("Cơ quan giải quyết")),
        Column(_("Trạng thái")),
        Column(_("Tiếp nhận"), "date"),
        Column(_("Hẹn trả"), "date"),
        Column(_("Có kết quả"), "date"),
        Column(_("Tiến độ")),
    ]
    rows = [
        [
            d.code,
            d.procedure_version.name,
            d.agency.name,
            d.get_status_display(),
            d.received_at,
            d.due_at,
            d.completed_at,
            d.get_timeliness_display() if d.timeliness else "",
        ]
        for d in dossiers
    ]
    return Table(metric_label, columns, rows, subtitle)


def public_table(rows: list[dict[str, Any]], period_label: str) -> Table:
    columns = [
        Column(_("Cơ quan")),
        Column(_("Tiếp nhận"), "int"),
        Column(_("Đã giải quyết"), "int"),
        Column(_("Đúng hạn (%)"), "pct"),
        Column(_("Trực tuyến (%)"), "pct"),
        Column(_("Hài lòng (%)"), "pct"),
    ]
    data = [
        [r["label"], r["received"], r["resolved"], r["on_time"], r["online"], r["satisfaction"]]
        for r in rows
    ]
    return Table(_("Công khai kết quả giải quyết thủ tục hành chính"), columns, data, period_label)


def index766_table(rows: list[Any], month: str, level: str) -> Table:
    """Ranking and every indicator of every row (numerator, denominator, target, points)."""
    columns = [
        Column(_("Hạng"), "int"),
        Column(_("Cơ quan / đơn vị")),
        Column(_("Tổng (thang 100)"), "decimal"),
        Column(_("Chỉ tiêu")),
        Column(_("Công thức")),
        Column(_("Tử số"), "int"),
        Column(_("Mẫu số"), "int"),
        Column(_("Giá trị (%)"), "decimal"),
        Column(_("Mục tiêu (%)"), "decimal"),
        Column(_("Điểm"), "decimal"),
        Column(_("Điểm tối đa"), "decimal"),
        Column(_("Ghi chú")),
    ]
    data: list[list[Any]] = []
    for row in rows:
        for indicator in row.indicators:
            data.append(
                [
                    row.rank,
                    row.label,
                    row.total,
                    f"{indicator.id} {indicator.name}",
                    indicator.formula,
                    indicator.numerator,
                    indicator.denominator,
                    None if indicator.no_data else indicator.value,
                    indicator.target,
                    indicator.points,
                    indicator.max_points,
                    (_("không có dữ liệu") + ". " if indicator.no_data else "") + indicator.note,
                ]
            )
    subtitle = _("Tháng %(m)s · %(level)s") % {
        "m": month,
        "level": _("cơ quan") if level == "agency" else _("đơn vị hành chính cấp xã"),
    }
    return Table(_("Chỉ số 766 — xếp hạng và chi tiết chỉ tiêu"), columns, data, subtitle)
