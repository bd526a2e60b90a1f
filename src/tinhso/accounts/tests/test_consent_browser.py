"""In headless Chromium, on a phone-sized screen: a person signs in with VNeID for the first time
(a local OpenID Connect provider started by the test), lands on the consent page, cannot go on
with the button alone, agrees, and reaches their dossiers. Screenshot under var/artifacts/."""

import os
from pathlib import Path

import pytest

from tinhso.accounts.tests.oidc_provider import Provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright's loop
ARTIFACTS = Path(__file__).resolve().parents[4] / "var" / "artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def provider(settings):
    from tinhso.accounts import oidc

    server = Provider()
    settings.TINHSO_OIDC_ISSUER = server.issuer
    settings.TINHSO_OIDC_CLIENT_ID = server.client_id
    settings.TINHSO_OIDC_CLIENT_SECRET = server.client_secret
    oidc._client.cache_clear()
    yield server
    server.close()
    oidc._client.cache_clear()


def test_first_vneid_sign_in_asks_for_consent_before_anything_else(
    live_server, demo_province, provider, browser
):
    from tinhso.accounts.models import Consent, User

    provider.claims = {"personal_id": "083200009876", "name": "Võ Thị Mai"}
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_role("button", name="Đăng nhập bằng tài khoản định danh điện tử VNeID").click()
    # The login page's CSP lets the form's redirect reach the provider (tinhso.csp).
    page.wait_for_url("**/tai-khoan/dong-y/**")
    assert page.get_by_role("heading", name="Đồng ý xử lý dữ liệu cá nhân").is_visible()
    assert page.get_by_text("Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15").is_visible()
    person = User.objects.get(personal_id="083200009876")
    assert not Consent.objects.filter(user=person).exists()

    page.get_by_role("button", name="Đồng ý và tiếp tục").click()  # the box is not ticked
    page.wait_for_load_state()
    assert page.get_by_role("alert").get_by_text("Hãy đánh dấu ô đồng ý").is_visible()
    assert not Consent.objects.filter(user=person).exists()

    page.get_by_label("Tôi đã đọc thông báo trên và đồng ý").check()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "consent-phone.png"), full_page=True)
    page.get_by_role("button", name="Đồng ý và tiếp tục").click()
    page.wait_for_url("**/ho-so/")
    assert Consent.objects.get(user=person).given
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations == []
    context.close()
