"""End to end in real headless Chromium: a citizen files a birth registration on a phone, the commune's
clerk, specialist and leader handle it in the back office, the citizen gets the result and rates it,
and the public lookup shows the status."""

import re
import subprocess
from pathlib import Path

import pytest

from tinhso.accounts.testing import pass_second_factor
from tinhso.dossiers.models import Dossier, Rating
from tinhso.testing import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN"}


def login(page, base: str, username: str, password: str = "tinhso-demo") -> None:
    """Sign in (the demo's password by default; the test cast's is "pw"), with the second factor."""
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form[data-password-toggle] button[type=submit]").click()
    page.wait_for_load_state()
    pass_second_factor(page, username)


def logout(page) -> None:
    page.context.clear_cookies()


def enter(control, value: str) -> None:
    """Choose ``value`` in a list or type it in a field, as the control asks."""
    if control.evaluate("e => e.tagName") == "SELECT":
        control.select_option(value)
    else:
        control.fill(value)


def act(page, base: str, code: str, action: str, **fields: str) -> None:
    page.goto(f"{base}/backoffice/ho-so/{code}/")
    panel = page.locator(f"#thao-tac-{action}")
    if panel.locator("summary").count() and panel.get_attribute("open") is None:
        panel.locator("summary").click()  # expand the folded action form, as an official would
    for name, value in fields.items():
        enter(panel.locator(f"[name='{action}-{name}'], [name='{name}']").first, value)
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state()
    errors = page.locator(".bo-alert--error, .messages .error")
    assert errors.count() == 0, (action, errors.all_inner_texts())


def pay_with_vnpay_sandbox(page) -> None:
    """On the citizen's dossier page: choose VNPay, land on the sandbox gateway, pay."""
    page.get_by_role("button", name=re.compile("VNPay")).click()
    page.wait_for_load_state()
    assert "/payments/sandbox/vnpay/pay" in page.url, page.url
    page.locator("button[value=pay]").click()
    page.wait_for_load_state()


def verify_on_public_page(page, base: str, pdf: Path) -> str:
    """Upload ``pdf`` on the public verification page; the verdict's text."""
    page.goto(f"{base}/xac-thuc/")
    page.set_input_files("input[type=file]", str(pdf))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return str(page.inner_text("main"))


def pdf_text(pdf: Path) -> str:
    """The text of ``pdf`` as ``pdftotext`` reads it, whitespace collapsed."""
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())


def prepare_result(page, base: str, code: str, **fields: str) -> None:
    """The specialist fills the result paper's fields in the dossier page and saves the draft."""
    page.goto(f"{base}/backoffice/ho-so/{code}/")
    card = page.locator("#ket-qua")
    for name, value in fields.items():
        enter(card.locator(f"#f-{name}"), value)
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".bo-alert--error, .bo-field--error").count() == 0, page.content()[:2000]
    assert "Đã lưu dự thảo kết quả" in page.inner_text("body")


def process(
    page,
    base: str,
    code: str,
    steps: list[tuple[str, str, dict[str, str]]],
    password: str = "tinhso-demo",
) -> None:
    """Each official signs in and takes their step in the back office (``prepare_result``: the
    specialist saves the draft result)."""
    for user, action, fields in steps:
        logout(page)
        login(page, base, user, password)
        if action == "prepare_result":
            prepare_result(page, base, code, **fields)
        else:
            act(page, base, code, action, **fields)


def test_citizen_files_officials_handle_citizen_rates(
    live_server, demo_province, browser, tmp_path
):
    base = live_server.url
    scan = tmp_path / "giay-chung-sinh.pdf"
    scan.write_bytes(PDF_BYTES)
    context = browser.new_context(**PHONE)
    page = context.new_page()

    # A citizen searches without diacritics and files a birth registration with uploads.
    login(page, base, "citizen1")
    page.goto(f"{base}/thu-tuc/")
    page.fill("#q", "dang ky khai sinh")
    page.locator(
        "form[role=search] button[type=submit], main form button[type=submit]"
    ).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Đăng ký khai sinh", exact=True).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name=re.compile("Nộp hồ sơ")).first.click()
    page.fill("#f-ho_ten_tre", "Nguyễn Thị Mai")
    page.fill("#f-ngay_sinh", "2026-11-20")
    page.select_option("#f-gioi_tinh", "Nữ")
    page.fill("#f-noi_sinh", "Bệnh viện Nguyễn Đình Chiểu")
    page.fill("#f-dan_toc", "Kinh")
    page.fill("#f-ho_ten_me", "Trần Thị Bích")
    page.select_option("#f-quan_he_nguoi_yeu_cau", "Mẹ")
    assert page.locator("#doc-TK").count() == 0  # filed online, the e-form is the declaration
    page.set_input_files("#doc-GCS", str(scan))
    page.locator("button[value=submit]").click()
    page.wait_for_load_state()
    match = re.search(r"/ho-so/([^/]+)/", page.url)
    assert match, page.url
    code = match.group(1)
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == "submitted" and dossier.attachments.count() == 1
    assert dossier.agency.slug == "phukhuong"

    # The commune's officials process it in the back office.
    logout(page)
    context.close()
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = desk.new_page()
    process(
        page,
        base,
        code,
        [
            ("phukhuong.clerk", "receive", {}),
            ("phukhuong.specialist", "prepare_result", {"so_dinh_danh_ca_nhan": "083226001234"}),
            ("phukhuong.specialist", "complete_step", {"comment": "Hồ sơ hợp lệ"}),
            ("phukhuong.leader", "approve", {}),
            ("phukhuong.clerk", "issue_result", {}),
            ("phukhuong.clerk", "return_result", {"return_method": "online"}),
        ],
    )
    dossier.refresh_from_db()
    assert dossier.status == "returned" and dossier.status_code == 10
    desk.close()

    # The citizen sees the result and rates the service.
    context = browser.new_context(**PHONE)
    page = context.new_page()
    login(page, base, "citizen1")
    page.goto(f"{base}/ho-so/{code}/")
    assert "Đã trả kết quả" in page.inner_text("main")
    page.locator("input[name=score][value='5']").check()
    page.locator(f"form[action$='/ho-so/{code}/danh-gia/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert Rating.objects.get(dossier=dossier).score == 5

    # Anyone can look the status up with the code and the phone's last four digits.
    logout(page)
    page.goto(f"{base}/tra-cuu/")
    page.fill("#id_code", code)
    page.fill("#id_phone_last4", "5678")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Đã trả kết quả" in text and "Nguyễn Văn An" not in text
    context.close()
