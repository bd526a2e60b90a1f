"""The national portal sign-in end to end over real HTTP against the in-project sandbox (spec
§11.4 scenario 10, R-NAT-055..057): each of the four personas signs in through the sandbox's
login page; the enterprise lands in the existing business account with its tax code; a replayed
``state`` is refused; both the JWKS mode and the validate-endpoint mode; logout at the provider."""

import re
from html import unescape
from urllib.parse import urljoin

import pytest
import requests

from tinhso.accounts.models import User
from tinhso.audit.models import AuditEntry
from tinhso.integrations.models import IntegrationLog
from tinhso.integrations.sso import services
from tinhso.integrations.sso.models import NationalAccount
from tinhso.testing import give_consent

pytestmark = pytest.mark.django_db(transaction=True)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def sso(sandbox, settings):
    settings.TINHSO_DVCQG_SSO_ENABLED = True
    settings.TINHSO_DVCQG_SSO_URL = "{site_url}/sandbox/national/oidc"
    settings.TINHSO_DVCQG_SSO_ISSUER = ""
    settings.TINHSO_DVCQG_SSO_CLIENT_ID = "tinhso-e2e"
    settings.TINHSO_DVCQG_SSO_CLIENT_SECRET = "e2e-secret"
    settings.TINHSO_DVCQG_SSO_SANDBOX_CLIENT_ID = ""
    settings.TINHSO_DVCQG_SSO_SANDBOX_CLIENT_SECRET = ""
    settings.TINHSO_DVCQG_SSO_JWKS_PATH = "/jwks"
    return sandbox.removesuffix("/sandbox/national")


def form_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in HIDDEN.findall(html)}


def to_provider(base: str, browser: requests.Session) -> str:
    """Login page → the DVCQG button (a POST with the CSRF token) → the provider's page URL."""
    page = browser.get(f"{base}/dang-nhap/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    start = browser.post(
        f"{base}/tai-khoan/dvcqg/",
        {"csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/dang-nhap/"},
        allow_redirects=False,
        timeout=10,
    )
    assert start.status_code == 302, start.text
    return start.headers["Location"]


def choose(browser: requests.Session, authorize: str, persona: str) -> str:
    """The persona's button on the sandbox page: the callback URL it sends the browser to."""
    page = browser.get(authorize, timeout=10)
    assert page.status_code == 200 and "Cổng Dịch vụ công quốc gia" in page.text
    chosen = browser.post(
        authorize.split("?")[0],
        form_fields(page.text) | {"persona": persona},
        headers={"Referer": authorize},
        allow_redirects=False,
        timeout=10,
    )
    assert chosen.status_code == 302, chosen.text
    return chosen.headers["Location"]


def sign_in(base: str, persona: str) -> tuple[requests.Session, str, str]:
    browser = requests.Session()
    callback = choose(browser, to_provider(base, browser), persona)
    landed = browser.get(callback, allow_redirects=False, timeout=30)
    assert landed.status_code == 302, landed.text
    return browser, callback, urljoin(base, landed.headers["Location"])


def test_each_persona_signs_in_and_the_enterprise_is_linked_by_tax_code(sso):
    firm = User.objects.create_user("dongkhoi", kind=User.Kind.BUSINESS, tax_code="0100109106")
    an = User.objects.create_user("an", kind=User.Kind.CITIZEN, personal_id="083095001234")
    give_consent(an)
    results = {
        persona: sign_in(sso, persona)
        for persona in ("citizen-l2", "citizen-l1", "enterprise", "organisation")
    }
    assert results["citizen-l2"][2] == f"{sso}/ho-so/"  # consented before: straight in
    assert "/tai-khoan/dong-y/" in results["enterprise"][2]  # first time: consent first
    links = {link.user.username: link for link in NationalAccount.objects.select_related("user")}
    assert links["an"].vneid_verified and links["an"].account_type == "1"
    assert links["dongkhoi"].account_type == "2" and links["dongkhoi"].user == firm
    created = [link for name, link in links.items() if name not in ("an", "dongkhoi")]
    assert sorted(link.account_type for link in created) == ["1", "3"]
    level1 = next(link for link in created if link.account_type == "1")
    assert level1.user.personal_id == "086088012345" and not level1.vneid_verified
    assert User.objects.filter(kind=User.Kind.BUSINESS, tax_code="0314409058").count() == 1
    home = results["citizen-l2"][0].get(f"{sso}/ho-so/", timeout=10)
    assert home.status_code == 200 and "Hồ sơ của tôi" in home.text
    services_called = set(IntegrationLog.objects.values_list("service", flat=True))
    assert {"token", "jwks", "userinfo"} <= services_called


def test_a_replayed_state_is_refused_in_the_same_and_in_another_browser(sso):
    give_consent(User.objects.create_user("an", personal_id="083095001234"))
    browser, callback, landed = sign_in(sso, "citizen-l2")
    assert landed == f"{sso}/ho-so/"
    for replayer in (browser, requests.Session()):
        again = replayer.get(callback, allow_redirects=False, timeout=10)
        assert again.status_code == 302 and again.headers["Location"] == "/dang-nhap/"
        page = replayer.get(f"{sso}/dang-nhap/", timeout=10)
        assert "đã được dùng hoặc đã hết hạn" in page.text
    refused = AuditEntry.objects.filter(action=services.AUDIT_ACTION, outcome="failure")
    assert refused.count() == 2
    assert NationalAccount.objects.count() == 1


def test_validate_endpoint_mode_without_jwks(sso, settings):
    settings.TINHSO_DVCQG_SSO_JWKS_PATH = ""
    _browser, _callback, landed = sign_in(sso, "organisation")
    assert "/tai-khoan/dong-y/" in landed
    services_called = set(IntegrationLog.objects.values_list("service", flat=True))
    assert "validate" in services_called and "jwks" not in services_called
    assert NationalAccount.objects.get().account_type == "3"


def test_a_wrong_client_secret_is_refused_at_the_token_endpoint(sso, settings):
    settings.TINHSO_DVCQG_SSO_SANDBOX_CLIENT_SECRET = "the-provider-expects-another"
    browser = requests.Session()
    callback = choose(browser, to_provider(sso, browser), "citizen-l2")
    landed = browser.get(callback, allow_redirects=False, timeout=30)
    assert landed.headers["Location"] == "/dang-nhap/"
    assert not NationalAccount.objects.exists()
    assert AuditEntry.objects.filter(details__reason="rejected", outcome="failure").exists()


def test_logout_goes_through_the_provider_and_back_home(sso):
    browser, _callback, _landed = sign_in(sso, "citizen-l2")
    give_consent(User.objects.get(personal_id="083095001234"))
    token = browser.cookies.get("csrftoken")
    out = browser.post(
        f"{sso}/tai-khoan/dvcqg/dang-xuat/",
        {"csrfmiddlewaretoken": token},
        headers={"Referer": f"{sso}/"},
        timeout=10,
    )
    assert out.status_code == 200 and out.url == f"{sso}/"
    assert any(
        "/sandbox/national/oidc/logout" in r.headers.get("Location", "") for r in out.history
    )
    assert browser.get(f"{sso}/ho-so/", allow_redirects=False, timeout=10).status_code == 302
