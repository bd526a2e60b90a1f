"""Excel and PDF exports carry the figures of the page; cells never become formulas."""

import io

import openpyxl
import pytest
from django.urls import reverse

from tinhso.documents.tests import pdftools
from tinhso.ioc.exports import Column, Table, to_xlsx
from tinhso.ioc.tests.test_pages_dashboard import JULY, make_province_leader


@pytest.fixture
def province_leader(cast):
    return make_province_leader(cast)


def sheet_rows(content: bytes) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [[cell for cell in row] for row in book.active.iter_rows(values_only=True)]


def test_breakdown_xlsx_has_the_agency_figures(client, july, province_leader):
    client.force_login(province_leader)
    response = client.get(
        reverse("ioc:export", args=["breakdown", "xlsx"]), {**JULY, "by": "agency"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response.content)
    row = next(r for r in rows if r[0] == "Sở Tư pháp")
    assert row[1:5] == [3, 2, 1, 1]  # received, resolved, in progress, overdue (d4, due 31/07/2025)
    assert row[5] == 50.0  # on-time %


def test_summary_pdf_renders_vietnamese_with_the_embedded_font(
    client,
    july,
    province_leader,
    tmp_path,
):
    client.force_login(province_leader)
    response = client.get(reverse("ioc:export", args=["summary", "pdf"]), JULY)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdftools.text(tmp_path, response.content)
    assert "Hồ sơ tiếp nhận 4" in text
    assert "Tháng 07/2025" in text
    fonts = pdftools.fonts(tmp_path, response.content)
    assert fonts and all(f["emb"] == "yes" and "Be-Vietnam-Pro" in f["name"] for f in fonts)


def test_trend_and_dossier_exports(client, july, cast):
    client.force_login(cast.leader)
    trend = client.get(reverse("ioc:export", args=["trend", "xlsx"]), JULY)
    received = sum(r[1] for r in sheet_rows(trend.content)[3:] if isinstance(r[1], int))
    assert received == 3
    dossiers = client.get(
        reverse("ioc:export", args=["dossiers", "xlsx"]), {**JULY, "metric": "late"}
    )
    codes = [r[0] for r in sheet_rows(dossiers.content)]
    assert july[1].code in codes and july[0].code not in codes


def test_index766_export_lists_every_indicator_with_inputs(client, july, province_leader, tmp_path):
    client.force_login(province_leader)
    response = client.get(reverse("ioc:export", args=["index766", "xlsx"]), {"period": "2025-07"})
    rows = sheet_rows(response.content)
    progress = next(r for r in rows if r[1] == "Sở Tư pháp" and str(r[3]).startswith("2.1 "))
    assert progress[5] is not None and progress[6] is not None  # numerator, denominator
    assert any(str(r[11]).startswith("không có dữ liệu") for r in rows)
    pdf = client.get(reverse("ioc:export", args=["index766", "pdf"]), {"period": "2025-07"})
    assert "Sở Tư pháp" in pdftools.text(tmp_path, pdf.content)


def test_unknown_table_or_format_is_404(client, cast):
    client.force_login(cast.leader)
    assert client.get(reverse("ioc:export", args=["users", "xlsx"])).status_code == 404
    assert client.get(reverse("ioc:export", args=["summary", "csv"])).status_code == 404


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_text_that_looks_like_a_formula_is_stored_as_text(text):
    table = Table("T", [Column("Tên"), Column("Số", "int")], [[text, 1]])
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(table)))
    cell = book.active.cell(row=3, column=1)
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix
