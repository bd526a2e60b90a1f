"""XLSX uploads are ZIP containers: checked before openpyxl opens them (ASVS 12.1.2), and their
XML is parsed with defusedxml (5.5.2)."""

import io
import struct
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.datasets import tabular
from tinhso.indicators import sectorfiles
from tinhso.indicators.models import SectorPanel, SectorUpload
from tinhso.payments import statements
from tinhso.testing import make_cast
from tinhso.uploads import UploadRejected, check_zip

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: int = 3) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["chi_tieu", "ky", "gia_tri"])
    for i in range(rows):
        sheet.append(["khach_du_lich", str(2000 + i % 25), 1000 + i])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewritten(data: bytes, replace: dict[str, bytes] | None = None, extra: int = 0) -> bytes:
    """``data`` with some parts replaced and ``extra`` more small entries."""
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item)))
        for n in range(extra):
            target.writestr(f"xl/media/extra{n}.xml", b"<x/>")
    return out.getvalue()


def huge_sheet(megabytes: int) -> bytes:
    """A workbook whose sheet is ``megabytes`` MB of one row repeated (deflates ~1:500)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item.filename, source.read(item))
                continue
            row = b'<row><c t="inlineStr"><is><t>khach_du_lich</t></is></c></row>'
            with target.open(SHEET, "w") as part:
                part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml'
                           b'/2006/main"><sheetData>')  # fmt: skip
                for _ in range(megabytes):
                    part.write(row * (1024 * 1024 // len(row)))
                part.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def openpyxl_must_not_open(monkeypatch):
    """Fails the test if any reader hands the file to openpyxl."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused first")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(sectorfiles, "load_workbook", refuse)


# --- the check itself --------------------------------------------------------------------------


def test_a_normal_workbook_passes_and_still_loads():
    data = workbook(rows=5000)
    check_zip(data)
    assert tabular.read_xlsx(data).rows[0] == ["khach_du_lich", "2000", "1000"]
    assert len(sectorfiles.read_table("so-lieu.xlsx", data)) == 5001


def test_too_many_entries_are_refused(settings):
    assert settings.TINHSO_UPLOAD_ZIP_MAX_ENTRIES == 2000
    with pytest.raises(UploadRejected, match="quá nhiều thành phần"):
        check_zip(rewritten(workbook(), extra=2000))


def test_an_entry_expanding_too_many_times_is_refused():
    data = huge_sheet(megabytes=20)
    assert len(data) < 200 * 1024  # 20 MB of XML in a small upload
    with pytest.raises(UploadRejected, match="bom giải nén"):
        check_zip(data)


def test_too_many_bytes_once_uncompressed_are_refused(settings):
    settings.TINHSO_UPLOAD_ZIP_MAX_RATIO = 10_000
    settings.TINHSO_UPLOAD_ZIP_MAX_BYTES = 10 * 1024 * 1024
    with pytest.raises(UploadRejected, match="khi giải nén quá lớn"):
        check_zip(huge_sheet(megabytes=11))
    check_zip(huge_sheet(megabytes=9))


def test_a_file_that_is_not_a_zip_is_left_to_the_reader_to_refuse_as_damaged():
    check_zip(b"PK\x03\x04broken")
    with pytest.raises(tabular.TableError, match="Không đọc được tệp Excel"):
        tabular.read_xlsx(b"PK\x03\x04broken")


def test_a_central_directory_that_understates_a_size_does_not_expand_the_part():
    """The check trusts the declared sizes because zipfile never reads past them: a part that
    says it is small but holds 20 MB fails its CRC after the declared bytes (a damaged file)."""
    data = bytearray(huge_sheet(megabytes=20))
    name = SHEET.encode()
    at = data.index(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name:
        at = data.index(b"PK\x01\x02", at + 4)
    data[at + 24 : at + 28] = struct.pack("<I", 1000)  # uncompressed size: 1,000 bytes
    check_zip(bytes(data))  # nothing to refuse in the directory
    with pytest.raises(tabular.TableError, match="Không đọc được tệp Excel"):
        tabular.read_xlsx(bytes(data))


# --- every reader checks first -----------------------------------------------------------------


def test_open_data_reader_refuses_a_bomb_before_openpyxl(openpyxl_must_not_open):
    with pytest.raises(tabular.TableError, match="bom giải nén"):
        tabular.read_xlsx(huge_sheet(megabytes=20))
    with pytest.raises(tabular.TableError, match="quá nhiều thành phần"):
        tabular.read_xlsx(rewritten(workbook(), extra=2000))


def test_sector_file_reader_refuses_a_bomb_before_openpyxl(openpyxl_must_not_open):
    with pytest.raises(sectorfiles.FileRejected) as refused:
        sectorfiles.read_table("so-lieu.xlsx", huge_sheet(megabytes=20))
    assert "bom giải nén" in refused.value.errors[0]


def test_bank_statement_reader_refuses_a_bomb_before_openpyxl(openpyxl_must_not_open):
    with pytest.raises(ValueError, match="bom giải nén"):
        statements._read_rows("sao-ke.xlsx", huge_sheet(megabytes=20))


@pytest.mark.django_db
def test_a_department_uploading_a_bomb_is_told_why_and_nothing_is_kept(client):
    cast = make_cast()
    SectorPanel.objects.update_or_create(sector="tourism", defaults={"agency": cast.dept})
    client.force_login(cast.specialist)
    response = client.post(
        reverse("indicators:sector", args=["tourism"]),
        {"file": SimpleUploadedFile("so-lieu.xlsx", huge_sheet(megabytes=20)), "note": "x"},
    )
    assert response.status_code == 400
    assert any("bom giải nén" in e for e in response.context["errors"])
    assert not SectorUpload.objects.exists()


# --- XML: defusedxml ---------------------------------------------------------------------------


def test_openpyxl_parses_with_defusedxml_and_an_entity_in_a_sheet_is_refused():
    assert openpyxl.xml.DEFUSEDXML is True
    sheet = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = rewritten(workbook(), {SHEET: sheet})
    with pytest.raises(tabular.TableError, match="Không đọc được tệp Excel"):
        tabular.read_xlsx(data)
