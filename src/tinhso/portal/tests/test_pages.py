"""Cross-cutting page checks: CSP, no inline script or style, Vietnamese, login redirects."""

import re

import pytest
from django.urls import reverse

from .conftest import act, file_province_dossier

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.I)


def pages(cast):
    dossier = act(
        cast.clerk,
        file_province_dossier(cast),
        "request_supplement",
        comment="Thiếu",
        items=["CCCD"],
    )
    code = cast.province_procedure.procedure.code
    return [
        reverse("portal:home"),
        reverse("portal:procedures") + "?q=khai+sinh",
        reverse("portal:procedure", args=[code]),
        reverse("portal:apply", args=[code]),
        reverse("portal:my_dossiers"),
        reverse("portal:dossier", args=[dossier.code]),
        reverse("portal:lookup"),
    ]


def test_pages_carry_csp_and_have_no_inline_script_or_style(citizen_client, cast):
    for url in pages(cast):
        response = citizen_client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        html = response.content.decode()
        assert "<script" in html  # the external files are there
        assert not INLINE_SCRIPT.search(html), url
        assert " style=" not in html and "<style" not in html, url
        assert "hx-on" not in html, url
        assert '<html lang="vi">' in html
        assert 'name="htmx-config"' in html


def test_post_forms_carry_csrf_tokens(citizen_client, cast):
    for url in pages(cast):
        html = citizen_client.get(url).content.decode()
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S | re.I):
            assert "csrfmiddlewaretoken" in form, url


def test_login_page_is_vietnamese_and_citizen_goes_to_my_dossiers(client, cast):
    html = client.get(reverse("portal:login")).content.decode()
    assert "Đăng nhập" in html and "Mật khẩu" in html
    response = client.post(reverse("portal:login"), {"username": "citizen1", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my_dossiers")


def test_wrong_password_is_announced(client, cast):
    response = client.post(reverse("portal:login"), {"username": "citizen1", "password": "sai"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html


def test_login_honours_a_safe_next(client, cast):
    response = client.post(
        reverse("portal:login") + "?next=/thu-tuc/",
        {"username": "citizen1", "password": "pw", "next": "/thu-tuc/"},
    )
    assert response["Location"] == "/thu-tuc/"
    client.logout()
    response = client.post(
        reverse("portal:login"),
        {"username": "citizen1", "password": "pw", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("portal:my_dossiers")


def test_official_goes_to_the_back_office(client, cast):
    inbox = reverse("backoffice:inbox")
    response = client.post(
        reverse("portal:login"), {"username": cast.clerk.username, "password": "pw"}
    )
    assert response["Location"] == inbox


def test_logout_is_post_only(citizen_client):
    assert citizen_client.get(reverse("portal:logout")).status_code == 405
    response = citizen_client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in citizen_client.session
