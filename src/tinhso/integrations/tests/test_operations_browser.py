"""An integration operator re-queues a dead message from the operations page, in headless Chromium
(issue 16): signs in (with the second factor), finds the message the national portal refused by
its dossier code, presses "Gửi lại"; the message is queued again, due now, and the re-queue is in
the audit log."""

import pytest

from tinhso.agencies.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.integrations.models import OutboxItem
from tinhso.testing import make_cast, make_staff
from tinhso.tests.test_e2e_browser import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_integration_operator_requeues_a_dead_message(live_server, browser):
    cast = make_cast()
    make_staff("lienthong.vanhanh", cast.centre, Role.INTEGRATION)
    dead = OutboxItem.objects.create(
        system="dvcqg",
        operation="sync",
        key="000.00.01.H61-250610-0007",
        status="dead",
        attempts=3,
        last_error="Cổng DVCQG từ chối hồ sơ (mã -1): MaTTHC '2.000001' không tồn tại.",
    )
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    login(page, base, "lienthong.vanhanh", "pw")
    page.goto(f"{base}/lien-thong/")
    page.fill("input[name=tim]", "250610-0007")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator("tr", has_text="000.00.01.H61-250610-0007")
    assert "không tồn tại" in row.inner_text()
    row.get_by_role("button", name="Gửi lại").click()
    page.wait_for_load_state()
    assert "Đã đưa thông điệp" in page.inner_text("main")
    dead.refresh_from_db()
    assert dead.status == "queued" and dead.attempts == 0
    assert AuditEntry.objects.filter(action="integrations.requeue").exists()

    # A specialist does not find the page at all.
    logout(page)
    login(page, base, cast.specialist.username, "pw")
    assert page.goto(f"{base}/lien-thong/").status == 404
