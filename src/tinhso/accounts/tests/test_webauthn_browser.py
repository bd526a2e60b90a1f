"""In headless Chromium with a virtual authenticator (Chrome DevTools Protocol, WebAuthn domain):
an official signs in with password and TOTP code, adds a security key, signs out, and signs in
again with password and the key instead of the code.

The live server listens on ``localhost``, a secure context for WebAuthn over plain HTTP; the RP
ID and origin are taken from the request (``TINHSO_WEBAUTHN_*`` unset), so they are
``localhost`` and ``http://localhost:<port>``.
"""

import os

import pytest

from tinhso.accounts.testing import enrol, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright's loop


def _password(page, base: str, username: str) -> None:
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def test_official_adds_a_security_key_and_signs_in_with_it(live_server, browser, cast):
    from tinhso.accounts.models import WebAuthnCredential
    from tinhso.audit.models import AuditEntry

    assert live_server.url.startswith("http://localhost:")
    enrol(cast.clerk)
    base = live_server.url
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]

    _password(page, base, cast.clerk.username)
    assert page.locator("#webauthn-signin").count() == 0  # no key yet: the code only
    pass_second_factor(page, cast.clerk.username)
    assert page.url.startswith(f"{base}/backoffice/"), page.url

    page.goto(f"{base}/tai-khoan/khoa-bao-mat/")
    assert page.locator("#webauthn-unsupported").is_hidden()
    page.fill("#webauthn-name", "Khóa USB")
    page.locator("#webauthn-register [data-webauthn-start]").click()
    page.wait_for_selector("#webauthn-keys")
    assert "Khóa USB" in page.locator("#webauthn-keys").inner_text()
    key = WebAuthnCredential.objects.get(user=cast.clerk)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["signCount"] for c in stored["credentials"]] == [1]

    page.locator("nav form[action='/dang-xuat/'] button").click()
    page.wait_for_load_state()
    _password(page, base, cast.clerk.username)
    assert page.url.startswith(f"{base}/tai-khoan/xac-thuc-2-buoc/"), page.url
    page.get_by_role("button", name="Dùng khóa bảo mật").click()
    page.wait_for_url(f"{base}/backoffice/**")
    assert page.locator("#id_otp").count() == 0

    key.refresh_from_db()
    assert key.last_used_at is not None and key.sign_count == 2
    assert AuditEntry.objects.filter(action="auth.webauthn_used", actor=cast.clerk).count() == 1
    assert errors == []
    context.close()
