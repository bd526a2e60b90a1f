"""Each demo result template (issue 15) read back with pdftotext: the national motto, the number,
the signer block and the decision fields the official entered, in correct Vietnamese."""

import json

import pytest

from tinhso.documents import pdf
from tinhso.dossiers.models import Dossier
from tinhso.procedures.loader import CATALOGUE_DIR
from tinhso.results.models import ResultDocument, ResultDraft
from tinhso.results.services import render_result_html
from tinhso.results.tests.conftest import at, run, write
from tinhso.testing import make_version

CASES = {
    "1.004873": (
        {
            "ho_ten": "Trần Thị Bích Ngọc",
            "ngay_sinh": "1998-02-03",
            "noi_cu_tru": "Phường Phú Khương",
        },
        {
            "tinh_trang_hon_nhan": "Chưa đăng ký kết hôn với ai",
            "muc_dich_su_dung": "Đăng ký kết hôn với anh Lê Văn Dũng",
            "co_gia_tri_den": "2026-01-15",
            "so_dang_ky": "128/2025",
        },
        [
            "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
            "Chưa đăng ký kết hôn với ai",
            "Đăng ký kết hôn với anh Lê Văn Dũng",
            "Giấy này có giá trị sử dụng đến ngày 15/01/2026.",
            "TRẦN THỊ BÍCH NGỌC",
        ],
    ),
    "2.000635": (
        {"loai_su_kien": "Khai sinh", "ho_ten_nguoi_co_su_kien": "Lê Thị Hồng Nhung"},
        {
            "so_dang_ky_goc": "Số 45, quyển số 01/1995",
            "ngay_dang_ky_goc": "1995-04-18",
            "noi_dung_trich_luc": "Họ, chữ đệm, tên: Lê Thị Hồng Nhung; sinh ngày 02/04/1995",
            "so_ban_sao_cap": 2,
        },
        [
            "TRÍCH LỤC KHAI SINH",
            "Số 45, quyển số 01/1995",
            "18/04/1995",
            "Họ, chữ đệm, tên: Lê Thị Hồng Nhung; sinh ngày 02/04/1995",
            "Số bản sao cấp: 2.",
        ],
    ),
    "1.001612": (
        {
            "ten_ho_kinh_doanh": "Hộ kinh doanh Tiệm bánh Ánh Dương",
            "dia_chi_tru_so": "25 Nguyễn Huệ, phường Phú Khương",
            "ho_ten_chu_ho": "Phạm Văn Đức",
        },
        {
            "ma_so_ho_kinh_doanh": "86A8001234",
            "ngay_dang_ky_lan_dau": "2025-06-12",
            "nganh_nghe_duoc_dang_ky": "Sản xuất các loại bánh từ bột (1071)",
            "von_kinh_doanh": 150000000,
        },
        [
            "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
            "86A8001234",
            "12/06/2025",
            "Sản xuất các loại bánh từ bột (1071)",
            "150.000.000 đồng",
            "PHẠM VĂN ĐỨC",
        ],
    ),
    "3.000333": (
        {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1995-03-14"},
        {"loai_phieu": "Phiếu lý lịch tư pháp số 2", "tinh_trang_an_tich": "Không có án tích"},
        ["PHIẾU LÝ LỊCH TƯ PHÁP SỐ 2", "KHÔNG CÓ ÁN TÍCH", "NGUYỄN VĂN AN", "14/03/1995"],
    ),
    "1.001193": (
        {
            "ho_ten_tre": "Nguyễn Thị Lấp Lánh",
            "ngay_sinh": "2025-05-20",
            "ho_ten_me": "Trần Thị Bé",
        },
        {"so_dinh_danh_ca_nhan": "086325001234", "so_dang_ky": "Số 17, quyển số 01/2025"},
        ["GIẤY KHAI SINH", "NGUYỄN THỊ LẤP LÁNH", "086325001234", "Số 17, quyển số 01/2025"],
    ),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_demo_result_template_shows_the_decision_fields(cast, code, tmp_path):
    entry = json.loads(
        (CATALOGUE_DIR / (code.replace(".", "_") + ".json")).read_text(encoding="utf-8")
    )
    version = make_version(code, level="commune", agencies=[])
    version.name = entry["name"]
    version.form_schema = entry["form_schema"]
    version.result_papers = entry["result_papers"]
    version.save()
    data, fields, expected = CASES[code]
    dossier = Dossier(
        code="000.28756.H61-250610-0001",
        procedure_version=version,
        agency=cast.commune,
        applicant_name="Nguyễn Văn An",
        data=data,
    )
    document = ResultDocument(
        dossier=dossier, agency=cast.commune, year=2025, sequence=7, number="7/2025/PHUKHUONG-KQ"
    )
    draft = ResultDraft(dossier=dossier, fields=fields)
    page, title = render_result_html(document, signing_time=at(2025, 6, 12, 10, 0), draft=draft)
    text = " ".join(
        run("pdftotext", str(write(tmp_path, pdf.html_to_pdf(page), "r.pdf")), "-").stdout.split()
    )
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text.upper()
    assert "Độc lập - Tự do - Hạnh phúc".upper() in text.upper()
    assert "Số: 7/2025/PHUKHUONG-KQ" in text and "UBND phường Phú Khương" in text
    assert "ngày 12 tháng 06 năm 2025" in text or "ngày 12 tháng 6 năm 2025" in text
    for phrase in expected:
        assert phrase in text, (phrase, text)
    assert title and title != "Kết quả giải quyết thủ tục hành chính"
    assert "DỰ THẢO" not in text and "Văn bản điện tử này được" in text


def test_without_the_officials_fields_the_generic_page_is_signed_not_a_blank_certificate(
    cast, tmp_path
):
    entry = json.loads((CATALOGUE_DIR / "3_000333.json").read_text(encoding="utf-8"))
    version = make_version("3.000333", level="province", agencies=[cast.dept])
    version.result_papers = entry["result_papers"]
    version.result_description = "Phiếu Lý lịch tư pháp số 1 hoặc số 2"
    version.save()
    dossier = Dossier(code="X-1", procedure_version=version, agency=cast.dept, data={})
    document = ResultDocument(dossier=dossier, agency=cast.dept, year=2025, sequence=1, number="1")
    page, title = render_result_html(document, signing_time=at(2025, 6, 12, 10, 0))
    assert title == "Kết quả giải quyết thủ tục hành chính"
    assert "Phiếu Lý lịch tư pháp số 1 hoặc số 2" in page and "Tình trạng án tích" not in page
