"""Signing in through the national portal on a phone, in real headless Chromium (issue 17, spec
§11.4 scenario 10): the login page → "Đăng nhập qua Cổng Dịch vụ công quốc gia" → the sandbox's
persona page → back signed in, the consent page on this first sign-in → "Hồ sơ của tôi"."""

import pytest

from tinhso.accounts.models import Consent, User
from tinhso.integrations.sso.models import NationalAccount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN"}


def test_a_citizen_signs_in_through_the_national_portal_on_a_phone(browser, sandbox, settings):
    settings.TINHSO_DVCQG_SSO_ENABLED = True
    settings.TINHSO_DVCQG_SSO_URL = "{site_url}/sandbox/national/oidc"
    settings.TINHSO_DVCQG_SSO_CLIENT_ID = "tinhso-browser"
    settings.TINHSO_DVCQG_SSO_CLIENT_SECRET = "browser-secret"
    base = sandbox.removesuffix("/sandbox/national")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto(f"{base}/dang-nhap/")
    page.get_by_role("button", name="Đăng nhập qua Cổng Dịch vụ công quốc gia").click()
    page.wait_for_url("**/sandbox/national/oidc/authorize**")
    assert page.get_by_role("heading").first.inner_text().startswith("Đăng nhập Cổng Dịch vụ")
    assert page.get_by_role("button", name="Đăng nhập:").count() == 4
    page.get_by_role("button", name="Đăng nhập: Nguyễn Văn An").click()

    page.wait_for_url("**/tai-khoan/dong-y/**")
    assert page.get_by_role("heading", name="Đồng ý xử lý dữ liệu cá nhân").is_visible()
    page.check("#id_agree")
    page.get_by_role("button", name="Đồng ý và tiếp tục").click()
    page.wait_for_url(f"{base}/ho-so/")
    assert page.get_by_role("heading", name="Hồ sơ của tôi").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"

    user = User.objects.get(personal_id="083095001234")
    assert NationalAccount.objects.get(user=user).vneid_verified
    assert Consent.objects.filter(user=user, given=True).exists()
    assert not problems, problems
    context.close()
