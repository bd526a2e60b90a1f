"""The operations-centre dashboard in headless Chromium: a provincial leader signs in, filters,
drills down to an agency and to the dossiers behind a figure, and exports the table. Screenshots
are kept under var/artifacts/ (gitignored)."""

import io
import os
from pathlib import Path

import openpyxl
import pytest

from tinhso.accounts.models import User
from tinhso.dossiers import services
from tinhso.testing import FORM_DATA, make_version, pdf_upload
from tinhso.tests.test_e2e_browser import login
from tinhso.uploads import check_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[4] / "var" / "artifacts"
LARGE = {"viewport": {"width": 1600, "height": 1000}, "locale": "vi-VN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN"}


def _dossiers() -> None:
    """Three dossiers at UBND phường Phú Khương this month, through the services."""
    version = make_version("9.900001", level="commune", agencies=[], days="3")
    citizen = User.objects.get(username="citizen1")
    clerk = User.objects.get(username="phukhuong.clerk")
    for _ in range(3):
        dossier, _created = services.file_dossier(
            user=citizen,
            version=version,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(citizen),
            files=[services.NewFile("TK", check_upload(pdf_upload()))],
        )
        services.perform_action(
            user=clerk, dossier=dossier, request=services.ActionRequest(action="receive")
        )


def test_leader_filters_drills_down_and_exports(live_server, demo_province, browser, settings):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _dossiers()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context = browser.new_context(**LARGE, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    login(page, base, "province.leader")
    page.goto(f"{base}/dieu-hanh/")
    assert page.locator("h1").inner_text() == "Chất lượng phục vụ người dân, doanh nghiệp"
    page.wait_for_selector(".ioc-chart[data-drawn='1'] canvas")
    assert page.locator("[data-card='received'] .ioc-card-value").inner_text() == "3"

    # Filter: the whole year.
    page.select_option("#f-period", "year")
    assert page.locator("#f-month").is_hidden()
    page.locator("#ioc-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert "period=year" in page.url
    assert page.locator("[data-card='received'] .ioc-card-value").inner_text() == "3"

    # Drill down: the agency row, then the dossiers behind "received".
    page.get_by_role("link", name="UBND phường Phú Khương").click()
    page.wait_for_load_state()
    assert page.locator("#f-agency").input_value() != ""
    page.screenshot(path=str(ARTIFACTS / "ioc-dashboard-large.png"), full_page=True)
    page.locator("[data-card='received'] a").click()
    page.wait_for_load_state()
    assert (
        page.locator("#dossiers tbody tr").count() == 3
        or "3 hồ sơ" in page.locator("#dossier-count").inner_text()
    )

    # Export the breakdown table from the dashboard.
    page.go_back()
    page.wait_for_load_state()
    with page.expect_download() as info:
        page.locator("[data-export='breakdown-xlsx']").click()
    path = ARTIFACTS / "ioc-breakdown.xlsx"
    info.value.save_as(str(path))
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert any(row[1] == 3 for row in values[3:])

    # The index 766 page and the map draw too; the same dashboard on a phone.
    page.goto(f"{base}/dieu-hanh/chi-so-766/")
    assert page.locator("#ranking").is_visible()
    page.goto(f"{base}/dieu-hanh/chuong-trinh/ban-do/")
    page.wait_for_selector("#ioc-map[data-drawn='1']")
    phone = browser.new_context(**PHONE).new_page()
    phone.context.add_cookies(context.cookies())
    phone.goto(f"{base}/dieu-hanh/")
    phone.wait_for_selector(".ioc-chart[data-drawn='1'] canvas")
    phone.screenshot(path=str(ARTIFACTS / "ioc-dashboard-phone.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
