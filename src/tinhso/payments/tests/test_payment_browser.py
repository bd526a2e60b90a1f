"""In headless Chromium on a phone viewport (issue 15, walk-through 1 and 3): a citizen on a site
served at another host and port than the configured default (pytest's live server,
http://localhost:<port>, as after `make run PORT=8080`) pays through the VNPay sandbox without the
CSP blocking a redirect, and a VietQR payer copies the transfer details with one tap."""

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tinhso.payments.tests.test_vnpay_ipn import waiting_dossier
from tinhso.payments.tests.vietqr_support import ACCOUNT, configure, filed
from tinhso.testing import make_cast
from tinhso.tests.test_e2e_browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _sandbox_dir(settings, tmp_path):
    settings.TINHSO_VNPAY_SANDBOX_DIR = tmp_path / "vnpay-sandbox"


def signed_in(browser, base, user, **options):
    """A phone browser context already signed in as ``user`` (a session made by the test client)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(**PHONE, **options)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base}]
    )
    return context


def csp_reports(page) -> list[str]:
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return reports


def test_vnpay_through_the_sandbox_on_another_host_and_port(live_server, browser, settings):
    base = live_server.url
    assert base != settings.TINHSO_SITE_URL  # the configured default is not where we are served
    cast = make_cast()
    dossier = waiting_dossier(cast)
    context = signed_in(browser, base, cast.citizen)
    page = context.new_page()
    blocked = csp_reports(page)
    page.goto(f"{base}/ho-so/{dossier.code}/")
    page.get_by_role("button", name=re.compile("VNPay")).click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/payments/sandbox/vnpay/pay?"), blocked
    page.locator("button[value=pay]").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/payments/vnpay/return?"), blocked
    assert page.get_by_text("Thanh toán thành công").count() >= 1
    assert blocked == []
    dossier.refresh_from_db()
    assert dossier.paid_amount == 100000
    context.close()


def test_vietqr_details_are_readable_and_copyable_on_a_phone(live_server, browser, settings):
    configure(settings)
    base = live_server.url
    cast = make_cast()
    dossier = filed(cast)
    context = signed_in(browser, base, cast.citizen)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    blocked = csp_reports(page)
    page.goto(f"{base}/ho-so/{dossier.code}/")
    page.get_by_role("button", name=re.compile("VietQR")).click()
    page.wait_for_load_state()
    panel = page.locator("[data-vietqr]")
    assert panel.locator("img").is_visible()
    text = panel.inner_text()
    for expected in ("VietinBank", ACCOUNT, "TRUNG TAM PVHCC", "100.000 đồng"):
        assert expected in text
    reference = dossier.payments.get().reference
    assert reference in text
    buttons = panel.locator(".copy-button")
    assert buttons.count() == 3
    for index, expected in enumerate([ACCOUNT, "100000", reference]):
        button = buttons.nth(index)
        assert button.is_visible()
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["viewport"]["width"]
        button.click()
        page.wait_for_function(
            "expected => navigator.clipboard.readText().then(t => t === expected)", arg=expected
        )
    assert "Đã sao chép" in panel.locator(".copy-status").inner_text()
    assert blocked == []
    context.close()

    # Without JavaScript the same details are there as text, and no dead buttons are shown.
    plain = signed_in(browser, base, cast.citizen, java_script_enabled=False)
    page = plain.new_page()
    page.goto(f"{base}/ho-so/{dossier.code}/")
    panel = page.locator("[data-vietqr]")
    assert ACCOUNT in panel.inner_text() and "100.000 đồng" in panel.inner_text()
    assert all(not panel.locator(".copy-button").nth(i).is_visible() for i in range(3))
    plain.close()
