"""A criminal-record certificate end to end in headless Chromium (issue 15): the citizen files and
pays on a phone; the police's specialist prepares the certificate in the back office; the leader
reads the draft (the exact paper, the number a placeholder) and approves, which numbers and signs
it; the clerk hands it over; the citizen downloads a signed PDF that carries the certificate's
content and the public verification page says it is valid."""

import re

import pytest

from tinhso.dossiers.models import Dossier
from tinhso.results.models import ResultDocument
from tinhso.testing import PDF_BYTES
from tinhso.tests.test_e2e_browser import (
    PHONE,
    login,
    logout,
    pay_with_vnpay_sandbox,
    pdf_text,
    process,
    verify_on_public_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT = (
    "Bản án số 27/2019/HS-ST ngày 12/6/2019 của Tòa án nhân dân tỉnh Bến Tre: tội “Trộm cắp tài "
    "sản”, 09 tháng tù; đã chấp hành xong hình phạt ngày 03/3/2020."
)


def test_certificate_prepared_approved_signed_downloaded_and_verified(
    live_server, demo_province, browser, tmp_path, settings
):
    base = live_server.url
    settings.TINHSO_SITE_URL = base
    scan = tmp_path / "can-cuoc.pdf"
    scan.write_bytes(PDF_BYTES)

    # The citizen files on a phone (name and ID pre-filled from the account) and pays.
    context = browser.new_context(**PHONE)
    page = context.new_page()
    login(page, base, "citizen1")
    page.goto(f"{base}/thu-tuc/3.000333/nop/")
    assert page.input_value("#f-so_dinh_danh") == "083095001234"
    page.select_option("#f-loai_phieu", "Phiếu số 1")
    page.fill("#f-ngay_sinh", "1995-03-14")
    page.fill("#f-noi_cu_tru", "12 Đường Đồng Khởi, phường Phú Khương")
    page.fill("#f-muc_dich", "Bổ sung hồ sơ xin việc")
    page.fill("#f-so_luong_phieu", "1")
    page.select_option("#f-hinh_thuc_nhan", "Bản điện tử")
    for document in ("TK", "CC"):
        if page.locator(f"#doc-{document}").count():
            page.set_input_files(f"#doc-{document}", str(scan))
    page.locator("button[value=submit]").click()
    page.wait_for_load_state()
    code = re.search(r"/ho-so/([^/]+)/", page.url).group(1)
    pay_with_vnpay_sandbox(page)
    dossier = Dossier.objects.get(code=code)
    assert dossier.paid_amount == dossier.fee_amount == 200000
    context.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = desk.new_page()
    process(
        page,
        base,
        code,
        [
            ("cat.clerk", "receive", {}),
            (
                "cat.specialist",
                "prepare_result",
                {
                    "loai_phieu": "Phiếu lý lịch tư pháp số 1",
                    "tinh_trang_an_tich": "Có án tích",
                    "noi_dung_an_tich": CONTENT,
                    "so_tra_cuu_csdl": "LLTP-86-2026-004417",
                },
            ),
            ("cat.specialist", "complete_step", {"comment": "Đã tra cứu cơ sở dữ liệu"}),
        ],
    )

    # The leader reads the draft from the dossier page before approving.
    logout(page)
    login(page, base, "cat.leader")
    page.goto(f"{base}/backoffice/ho-so/{code}/")
    link = page.get_by_role("link", name="Xem dự thảo kết quả (PDF)")
    draft = page.request.get(base + link.get_attribute("href"))
    assert draft.ok and draft.headers["content-type"] == "application/pdf"
    (tmp_path / "du-thao.pdf").write_bytes(draft.body())
    text = pdf_text(tmp_path / "du-thao.pdf")
    assert "DỰ THẢO" in text and "Số: …/…" in text and "tội “Trộm cắp tài sản”" in text
    assert not ResultDocument.objects.filter(dossier=dossier).exists()
    process(
        page,
        base,
        code,
        [
            ("cat.leader", "approve", {}),
            ("cat.clerk", "issue_result", {}),
            ("cat.clerk", "return_result", {"return_method": "online"}),
        ],
    )
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.is_signed and result.sequence == 1
    page.goto(f"{base}/backoffice/ho-so/{code}/")
    assert result.number in page.inner_text("#ket-qua")
    desk.close()

    # The citizen downloads the signed certificate and verifies it.
    context = browser.new_context(**PHONE, accept_downloads=True)
    page = context.new_page()
    login(page, base, "citizen1")
    page.goto(f"{base}/ho-so/{code}/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Tải kết quả")).click()
    signed = tmp_path / "phieu-lltp.pdf"
    download.value.save_as(signed)
    text = pdf_text(signed)
    assert "PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1" in text and "CÓ ÁN TÍCH" in text
    assert "tội “Trộm cắp tài sản”, 09 tháng tù" in text and "LLTP-86-2026-004417" in text
    assert f"Số: {result.number}" in text and "DỰ THẢO" not in text
    logout(page)
    verdict = verify_on_public_page(page, base, signed)
    assert "Hợp lệ" in verdict and "Không hợp lệ" not in verdict
    context.close()
