"""In headless Chromium: an official signs in with password then a TOTP code (first time through
enrolment, later with the demo secret), and the API docs page runs under the site's CSP."""

import os

import pytest

from tinhso.accounts.demo import enrol_demo_second_factor
from tinhso.accounts.testing import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright's loop


def _password(page, base: str, username: str) -> None:
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "tinhso-demo")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def test_official_enrols_then_signs_in_with_a_code(live_server, demo_province, browser):
    from tinhso.accounts.models import SecondFactor

    SecondFactor.objects.filter(user__username="stp.clerk").delete()  # a newly appointed official
    base = live_server.url
    page = browser.new_context().new_page()
    _password(page, base, "stp.clerk")
    assert "/tai-khoan/xac-thuc-2-buoc/dang-ky/" in page.url  # first time: enrolment, QR shown
    assert page.locator("main img[src^='data:image/png']").count() == 1
    pass_second_factor(page, "stp.clerk")
    assert page.url.startswith(f"{base}/backoffice/")

    enrol_demo_second_factor()  # now every demo official shares the README's secret
    for _ in range(2):  # twice within one 30-second step: the second sign-in needs a new code
        page = browser.new_context().new_page()
        _password(page, base, "stp.clerk")
        assert page.url.startswith(f"{base}/tai-khoan/xac-thuc-2-buoc/")
        pass_second_factor(page, "stp.clerk")
        assert page.url.startswith(f"{base}/backoffice/"), page.url


def test_api_docs_render_without_csp_violations(live_server, browser):
    page = browser.new_context().new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .information-container", timeout=15000)
    assert page.locator(".opblock").count() > 5
    assert violations == []
