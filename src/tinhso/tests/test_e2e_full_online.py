"""Full on-line service end to end in headless Chromium (issue 3): a citizen files on a phone, pays through the
VNPay sandbox, the commune processes the dossier, the citizen downloads the signed e-result and the public
verification page says it is valid."""

import re

import pytest

from tinhso.dossiers.models import Dossier
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


def test_file_pay_process_download_and_verify(
    live_server, demo_province, browser, tmp_path, settings
):
    base = live_server.url
    settings.TINHSO_SITE_URL = base  # the sandbox gateway sends the payer back to this site
    context = browser.new_context(**PHONE, accept_downloads=True)
    page = context.new_page()

    login(page, base, "citizen1")
    page.goto(f"{base}/thu-tuc/2.000635/nop/")
    page.select_option("#f-loai_su_kien", "Khai sinh")
    page.fill("#f-ho_ten_nguoi_co_su_kien", "Nguyễn Văn An")
    page.fill("#f-ngay_sinh", "1995-03-02")
    page.fill("#f-noi_da_dang_ky", "UBND phường Phú Khương")
    page.fill("#f-so_ban_sao", "2")
    page.fill("#f-ho_ten_nguoi_yeu_cau", "Nguyễn Văn An")
    assert page.locator("#doc-TK").count() == 0  # filed online, the e-form is the declaration
    page.locator("button[value=submit]").click()
    page.wait_for_load_state()
    code = re.search(r"/ho-so/([^/]+)/", page.url).group(1)
    dossier = Dossier.objects.get(code=code)
    assert dossier.fee_amount == 16000  # 8.000 đ × 2 copies

    # Pay through the sandbox gateway: the real signed URL, IPN and return page.
    pay_with_vnpay_sandbox(page)
    dossier.refresh_from_db()
    assert dossier.paid_amount == 16000 and dossier.paid_online
    assert dossier.payments.get().status == "succeeded"
    context.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = desk.new_page()
    extract = {
        "so_dang_ky_goc": "Số 125, quyển số 01/1995",
        "ngay_dang_ky_goc": "1995-03-10",
        "noi_dung_trich_luc": "Khai sinh: Nguyễn Văn An, sinh ngày 02/3/1995 tại Bến Tre.",
        "so_ban_sao_cap": "2",
    }
    process(
        page,
        base,
        code,
        [
            ("phukhuong.clerk", "receive", {}),
            ("phukhuong.specialist", "prepare_result", extract),
            ("phukhuong.specialist", "complete_step", {}),
            ("phukhuong.leader", "approve", {}),
            ("phukhuong.clerk", "issue_result", {}),
            ("phukhuong.clerk", "return_result", {"return_method": "online"}),
        ],
    )
    desk.close()
    dossier.refresh_from_db()
    assert dossier.status == "returned"

    # The citizen downloads the signed result and checks it on the public verification page.
    context = browser.new_context(**PHONE, accept_downloads=True)
    page = context.new_page()
    login(page, base, "citizen1")
    page.goto(f"{base}/ho-so/{code}/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Tải kết quả")).click()
    signed = tmp_path / "ket-qua.pdf"
    download.value.save_as(signed)
    assert signed.read_bytes().startswith(b"%PDF")
    text = pdf_text(signed)
    assert "Số 125, quyển số 01/1995" in text and "sinh ngày 02/3/1995 tại Bến Tre" in text
    logout(page)
    verdict = verify_on_public_page(page, base, signed)
    assert "Hợp lệ" in verdict and "Không hợp lệ" not in verdict

    # A copy with one byte changed is refused.
    data = bytearray(signed.read_bytes())
    middle = len(data) // 3
    data[middle] = (data[middle] + 1) % 256
    tampered = tmp_path / "sua-doi.pdf"
    tampered.write_bytes(bytes(data))
    assert "Không hợp lệ" in verify_on_public_page(page, base, tampered)
    context.close()
