"""Security headers on pages and the API, and `tinhso check --deploy` clean in production."""

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.test import Client

from tinhso.accounts.testing import token_request
from tinhso.testing import file_online, make_cast

pytestmark = pytest.mark.django_db


def test_pages_forbid_inline_script_framing_and_sniffing():
    response = Client().get("/dang-nhap/")
    csp = response["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in csp.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def _form_action(response) -> list[str]:
    for part in response["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        if name == "form-action":
            return value.split()
    raise AssertionError("no form-action directive")


def test_forms_may_lead_only_to_the_site_and_the_configured_identity_and_payment_services(
    settings,
):
    # The demo: identity provider off, VNPay sandbox on the site itself.
    assert _form_action(Client().get("/dang-nhap/")) == ["'self'"]
    settings.TINHSO_OIDC_ISSUER = "https://sso.dinhdanhdientu.gov.vn/realms/citizen"
    settings.TINHSO_VNPAY_URL = "https://pay.vnpay.vn/vpcpay.html"
    settings.TINHSO_CSP_FORM_ACTION = ["https://auth.example.gov.vn/authorize", "javascript:x"]
    assert _form_action(Client().get("/dang-nhap/")) == [
        "'self'",
        "https://auth.example.gov.vn",
        "https://pay.vnpay.vn",
        "https://sso.dinhdanhdientu.gov.vn",
    ]


def test_login_page_has_no_inline_script_or_style():
    html = Client().get("/dang-nhap/").content.decode()
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_api_docs_page_loads_its_scripts_from_files_under_the_same_policy():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    html = response.content.decode()
    # The only inline <script> is a JSON data block, which browsers never execute.
    inline = [chunk for chunk in html.split("<script")[1:] if "src=" not in chunk.split(">")[0]]
    assert all('type="application/json"' in chunk.split(">")[0] for chunk in inline)


def test_hsts_and_secure_cookies_in_production_over_https(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    plain = Client().get("/dang-nhap/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = Client().get("/dang-nhap/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")


def _production_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TINHSO_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        {
            "TINHSO_DEBUG": "false",
            "TINHSO_SECRET_KEY": secrets.token_urlsafe(50),
            "TINHSO_ALLOWED_HOSTS": "dichvucong.example.vn",
            "TINHSO_CSRF_TRUSTED_ORIGINS": "https://dichvucong.example.vn",
            "TINHSO_SITE_URL": "https://dichvucong.example.vn",
            "TINHSO_DVCQG_URL": "https://lgsp.example.vn/dvcqg",
            # A fresh PKI directory: a demo root left in var/pki by `make run` is refused (tinhso.E004).
            "TINHSO_PKI_DIR": tempfile.mkdtemp(prefix="tinhso-pki-"),
            "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        }
    )
    return env


def _in_production(code: str) -> subprocess.CompletedProcess[str]:
    """``python -c code`` in a process with production settings (the settings are read once)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_deploy_check_is_clean_with_production_settings():
    tinhso = Path(sys.executable).with_name("tinhso")
    result = subprocess.run(
        [str(tinhso), "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_trust_programmatic_logins():
    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.TINHSO_TRUST_PROGRAMMATIC_LOGIN, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
    )
    result = _in_production(code)
    assert result.stdout.split() == ["False", "True", "True", "31536000"]


# --- no-store on answers with personal data (tinhso.middleware.PersonalNoStoreMiddleware) -----


@pytest.fixture
def filed(db):
    cast = make_cast()
    dossier = file_online(cast)
    return cast, dossier


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_api_answers_to_signed_in_callers_are_not_stored(filed):
    cast, dossier = filed
    client = Client()
    token = client.post(
        "/api/v1/auth/token", token_request("citizen1"), content_type="application/json"
    ).json()["token"]
    by_token = client.get(f"/api/v1/dossiers/{dossier.code}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert by_token.status_code == 200 and _no_store(by_token)
    session = Client()
    session.force_login(cast.citizen)
    by_session = session.get(f"/api/v1/dossiers/{dossier.code}")
    assert by_session.status_code == 200 and _no_store(by_session)
    # Also the refusals and listings a signed-in caller gets.
    assert _no_store(session.get("/api/v1/dossiers/1.000001-999999-000000"))
    anonymous_lookup = Client().get(
        f"/api/v1/lookup/{dossier.code}", {"phone_last4": cast.citizen.phone[-4:]}
    )
    assert anonymous_lookup.status_code == 200 and _no_store(anonymous_lookup)


def test_citizen_pages_and_downloads_are_not_stored(filed):
    cast, dossier = filed
    client = Client()
    client.force_login(cast.citizen)
    attachment = dossier.attachments.get()
    for url in [
        "/ho-so/",
        f"/ho-so/{dossier.code}/",
        f"/ho-so/{dossier.code}/tep/{attachment.pk}/",
        "/tai-khoan/du-lieu-cua-toi/",
        "/kho-giay-to/",
        "/",  # any page a signed-in person sees carries their name
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), url
        assert "private" in response["Cache-Control"], url


def test_back_office_pages_are_not_stored(filed):
    cast, dossier = filed
    client = Client()
    client.force_login(cast.clerk)
    for url in ["/backoffice/", f"/backoffice/ho-so/{dossier.code}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), url


def test_anonymous_public_pages_stay_cacheable_and_lookups_are_not_stored(filed):
    client = Client()
    for url in ["/thu-tuc/", "/api/v1/procedures", "/api/v1/agencies"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not _no_store(response), url
    lookup = client.get("/tra-cuu/")
    assert lookup.status_code == 200 and _no_store(lookup)
    result = client.get("/xac-thuc/khong-co-ma-nay/")  # a guessed result token
    assert _no_store(result)


# --- OWASP ASVS 4.0.3 level 2: cookies, sessions and passwords (docs/security.md) -------------


def test_production_cookies_take_the_host_prefix_and_passwords_are_pbkdf2_of_12_characters():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.contrib.auth.hashers import get_hasher; "
        "from django.contrib.auth.password_validation import get_default_password_validators; "
        "lengths = [v.min_length for v in get_default_password_validators() "
        "if hasattr(v, 'min_length')]; hasher = get_hasher(); "
        "print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, lengths[0], "
        "hasher.algorithm, hasher.iterations, settings.SESSION_COOKIE_SAMESITE)"
    )
    result = _in_production(code)
    session, csrf, min_length, algorithm, iterations, samesite = result.stdout.split()
    assert (session, csrf) == ("__Host-sessionid", "__Host-csrftoken")  # V3.4.4
    assert int(min_length) == 12  # V2.1.1
    assert algorithm == "pbkdf2_sha256" and int(iterations) >= 600_000  # V2.4.1, V2.4.3
    assert samesite == "Lax"  # V3.4.3


def test_passwords_shorter_than_12_characters_are_refused_and_long_ones_kept_whole(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from tinhso.accounts.models import User

    with pytest.raises(ValidationError):
        validate_password("xanh-la-c4y")  # 11 characters
    validate_password("xanh-la-c4y!")  # 12
    # V2.1.2-V2.1.4: 64 characters, spaces, Vietnamese and emoji are accepted and never cut.
    long_password = "Mật khẩu rất dài có dấu cách và biểu tượng 🌾 " * 2
    assert len(long_password) >= 64
    validate_password(long_password)
    user = User.objects.create_user(username="dai", password=long_password)
    assert user.check_password(long_password)
    assert not user.check_password(long_password[:-1])


def _sign_in(client: Client, username: str, *, secure: bool = False):
    client.get("/dang-nhap/", secure=secure)  # the CSRF cookie, and an anonymous session
    return client.post(
        "/dang-nhap/", {"username": username, "password": "pw"}, secure=secure, follow=False
    )


def test_session_cookie_is_secure_httponly_samesite_and_host_only_over_https(settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    cast = make_cast()
    client = Client()
    response = _sign_in(client, cast.citizen.username, secure=True)
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True  # V3.4.1
    assert cookie["httponly"] is True  # V3.4.2
    assert cookie["samesite"] == "Lax"  # V3.4.3
    assert cookie["path"] == "/" and cookie["domain"] == ""  # V3.4.5: host-only, whole site


def test_signing_in_issues_a_new_session_key_and_signing_out_ends_it(settings):
    cast = make_cast()
    client = Client()
    client.get("/dang-nhap/")
    client.session.save()  # an anonymous session exists before signing in
    before = client.session.session_key
    _sign_in(client, cast.citizen.username)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before  # V3.2.1: no session fixation
    assert client.get("/ho-so/").status_code == 200
    client.post("/dang-xuat/")
    # V3.3.1: the old session key is dead on the server, not only forgotten by the browser.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = after
    response = replay.get("/ho-so/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
