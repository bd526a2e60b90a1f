"""Sector indicator files: validated row by row, every upload kept as a version."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.indicators.models import SectorPanel, SectorUpload, SectorValue

GOOD = (
    "chi_tieu,ky,don_vi,gia_tri,nguon,minh_hoa\n"
    "khach_du_lich,2024,,2500000,https://daibieunhandan.vn/x,\n"
    "doanh_thu,2024-06,,289,,1\n"
    'khach_quoc_te,2024,28756,"1234,5",,\n'
)


@pytest.fixture
def tourism(cast):
    SectorPanel.objects.update_or_create(sector="tourism", defaults={"agency": cast.dept})
    return cast


def upload(client, content: bytes, name: str = "du-lich.csv"):
    return client.post(
        reverse("indicators:sector", args=["tourism"]),
        {"file": SimpleUploadedFile(name, content), "note": "Số liệu năm"},
    )


def test_valid_csv_becomes_version_1_then_2(client, tourism):
    client.force_login(tourism.specialist)
    assert upload(client, GOOD.encode()).status_code == 302
    assert upload(client, ("\ufeff" + GOOD).encode()).status_code == 302  # BOM from Excel
    versions = list(SectorUpload.objects.filter(sector="tourism").order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    values = SectorValue.objects.filter(upload=versions[1])
    assert values.count() == 3
    intl = values.get(indicator="khach_quoc_te")
    assert str(intl.value) == "1234.50" and intl.unit_code == "28756"
    assert values.get(indicator="doanh_thu").is_demo
    page = client.get(reverse("indicators:sector", args=["tourism"]))
    assert page.context["upload"].version == 2
    assert "dữ liệu minh họa (demo)" in page.content.decode()
    older = client.get(reverse("indicators:sector", args=["tourism"]), {"phien-ban": 1})
    assert older.context["upload"].version == 1


def test_xlsx_is_accepted(client, tourism):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["chi_tieu", "ky", "gia_tri"])
    sheet.append(["khach_du_lich", "2023", 2200000])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(tourism.leader)
    assert upload(client, buffer.getvalue(), "so-lieu.xlsx").status_code == 302
    assert SectorValue.objects.get().value == 2200000


def test_every_bad_row_is_reported_in_vietnamese_and_nothing_is_kept(client, tourism):
    bad = (
        "chi_tieu,ky,don_vi,gia_tri\n"
        "khach_du_lich,2024,,abc\n"
        "giuong_benh,2024,,10\n"
        "khach_du_lich,24/2024,,10\n"
        "khach_quoc_te,2024,99999,10\n"
        "doanh_thu,2024,,-5\n"
        "khach_quoc_te,2023,,1\n"
        "khach_quoc_te,2023,,2\n"
    )
    client.force_login(tourism.specialist)
    response = upload(client, bad.encode())
    assert response.status_code == 400
    errors = response.context["errors"]
    assert "Dòng 2, cột gia_tri: “abc” không phải là số (ví dụ hợp lệ: 1234.5)." in errors
    assert any(
        e.startswith("Dòng 3, cột chi_tieu: “giuong_benh” không phải chỉ tiêu") for e in errors
    )
    assert any(e.startswith("Dòng 4, cột ky:") for e in errors)
    assert "Dòng 5, cột don_vi: không có đơn vị hành chính mã “99999”." in errors
    assert "Dòng 6, cột gia_tri: giá trị không được âm." in errors
    assert "Dòng 8, cột chi_tieu: trùng chỉ tiêu, kỳ và đơn vị với dòng 7." in errors
    assert not SectorUpload.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ky,gia_tri\n2024,1\n", "Thiếu cột bắt buộc: chi_tieu"),
        ("chi_tieu,ky,gia_tri\nkhach_du_lich,2024,1\n".encode("utf-16"), "UTF-8"),
        (b"PK\x03\x04broken", "Không đọc được tệp Excel"),
        (b"\n\n", "Tệp không có dữ liệu"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(client, tourism, content, message):
    client.force_login(tourism.specialist)
    response = upload(client, content)
    assert response.status_code == 400
    assert any(message in e for e in response.context["errors"]), response.context["errors"]


def test_an_empty_file_is_refused(client, tourism):
    client.force_login(tourism.specialist)
    assert upload(client, b"").status_code == 400
    assert not SectorUpload.objects.exists()


def test_only_the_sector_department_may_upload(client, tourism):
    client.force_login(tourism.other_specialist)  # another department
    assert upload(client, GOOD.encode()).status_code == 403
    assert client.get(reverse("indicators:sector", args=["tourism"])).context["can_upload"] is False
    client.force_login(tourism.citizen)
    assert client.get(reverse("indicators:sector", args=["tourism"])).status_code == 403
    assert not SectorUpload.objects.exists()


def test_sector_export_has_the_latest_version(client, tourism):
    client.force_login(tourism.specialist)
    upload(client, GOOD.encode())
    response = client.get(reverse("indicators:export", args=["tourism", "xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [row for row in book.active.iter_rows(values_only=True)]
    assert (
        "Lượt khách du lịch",
        "2024",
        "Toàn tỉnh",
        2500000,
        "lượt",
        "https://daibieunhandan.vn/x",
    ) in values
