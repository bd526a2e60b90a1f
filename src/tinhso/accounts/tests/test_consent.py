"""Consent to personal data processing is the person's own act, asked before the portal is used
(Law 91/2025/QH15 and Decree 356/2025/NĐ-CP from 1/1/2026): after a first sign-in, a new notice
version or a withdrawal."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tinhso.accounts.models import ApiToken, Consent, User
from tinhso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _citizen_without_consent() -> User:
    # As an administrator (or the identity provider's first sign-in) creates an account.
    return User.objects.create_user("citizen9", password="pw", full_name="Phạm Văn Chín")


def test_citizen_without_consent_reaches_only_the_consent_page_and_own_data(cast):
    user = _citizen_without_consent()
    client = Client()
    client.force_login(user)
    for path in ("/ho-so/", "/", "/thu-tuc/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/tai-khoan/dong-y/")
    page = client.get("/tai-khoan/dong-y/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15" in html
    assert "Nghị định số 356/2025/NĐ-CP" in html and "Đồng ý và tiếp tục" in html
    assert "13/2023" not in html
    assert "Phiên bản thông báo: 2026-01" in html
    assert client.get("/tai-khoan/du-lieu-cua-toi/").status_code == 200
    # The session is treated as signed out by the API until the person agrees.
    assert client.get("/api/v1/dossiers/KHONG-CO").status_code == 401


def test_the_button_alone_is_not_consent_the_box_must_be_ticked(cast):
    user = _citizen_without_consent()
    client = Client()
    client.force_login(user)
    response = client.post("/tai-khoan/dong-y/", {"decision": "agree", "next": "/ho-so/"})
    assert response.status_code == 400
    assert "Hãy đánh dấu ô đồng ý" in response.content.decode()
    assert not Consent.objects.filter(user=user).exists()
    agreed = client.post(
        "/tai-khoan/dong-y/", {"decision": "agree", "agree": "on", "next": "/ho-so/"}
    )
    assert agreed["Location"] == "/ho-so/"
    consent = Consent.objects.get(user=user)
    assert (
        consent.given and consent.notice_version == "2026-01" and consent.method == "consent_page"
    )
    event = AuditEntry.objects.get(action="privacy.consent_given")
    assert event.details["notice_version"] == "2026-01"
    assert client.get("/ho-so/").status_code == 200


def test_refusing_records_the_refusal_and_signs_out(cast):
    user = _citizen_without_consent()
    client = Client()
    client.force_login(user)
    response = client.post("/tai-khoan/dong-y/", {"decision": "refuse"}, follow=True)
    assert "_auth_user_id" not in client.session
    assert "chưa thể dùng dịch vụ công trực tuyến" in response.content.decode()
    refusal = Consent.objects.get(user=user)
    assert refusal.given is False
    assert AuditEntry.objects.filter(action="privacy.consent_refused").exists()
    # Signing in again asks again.
    client.post("/dang-nhap/", {"username": "citizen9", "password": "pw"})
    assert client.get("/ho-so/")["Location"].startswith("/tai-khoan/dong-y/")


def test_a_new_notice_version_asks_registered_citizens_again(cast, settings):
    client = Client()
    client.force_login(cast.citizen)
    assert client.get("/ho-so/").status_code == 200
    settings.TINHSO_PRIVACY_NOTICE_VERSION = "2026-12"
    response = client.get("/ho-so/")
    assert response["Location"] == "/tai-khoan/dong-y/?next=%2Fho-so%2F"
    assert (
        "Thông báo xử lý dữ liệu cá nhân đã thay đổi"
        in client.get(response["Location"]).content.decode()
    )
    client.post("/tai-khoan/dong-y/", {"agree": "on"})
    versions = list(
        Consent.objects.filter(user=cast.citizen).values_list("notice_version", flat=True)
    )
    assert sorted(versions) == ["2026-01", "2026-12"]


def test_withdrawing_consent_signs_out_revokes_api_tokens_and_asks_again(cast):
    token = Client().post(
        "/api/v1/auth/token",
        {"username": "citizen1", "password": "pw"},
        content_type="application/json",
    )
    assert token.status_code == 200
    client, phone = Client(), Client()
    client.force_login(cast.citizen)
    phone.force_login(cast.citizen)
    assert phone.get("/ho-so/").status_code == 200  # this session now remembers the consent
    page = client.get("/tai-khoan/du-lieu-cua-toi/").content.decode()
    assert "Rút lại sự đồng ý" in page
    client.post("/tai-khoan/du-lieu-cua-toi/rut-dong-y/")
    assert "_auth_user_id" not in client.session
    # The person's other session ends too: it must not go on under the withdrawn consent.
    assert phone.get("/ho-so/")["Location"].startswith("/dang-nhap/")
    assert not Consent.objects.filter(user=cast.citizen).order_by("-pk").first().given
    assert not ApiToken.objects.filter(user=cast.citizen).exists()
    # A new token is refused until the person agrees again on the portal.
    refused = Client().post(
        "/api/v1/auth/token",
        {"username": "citizen1", "password": "pw"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert "chưa đồng ý cho xử lý dữ liệu cá nhân" in refused.json()["detail"]


def test_officials_are_not_asked_for_consent(cast):
    client = Client()
    client.force_login(cast.clerk)
    response = client.get("/tai-khoan/dong-y/")
    assert response.status_code == 302 and not response["Location"].startswith("/tai-khoan/dong-y/")


def test_consent_page_in_english(cast):
    user = _citizen_without_consent()
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    html = client.get("/tai-khoan/dong-y/").content.decode()
    assert "Agree and continue" in html
    assert "Law on Personal Data Protection No. 91/2025/QH15" in html


def test_the_notice_under_the_2025_law_is_a_new_version_and_asks_2025_consenters_again(cast):
    """Citizens who agreed to the 2025 notice (under Decree 13/2023) are asked again, at the next
    sign-in and before any filing, to agree to the notice citing Law 91/2025/QH15."""
    assert django_settings.TINHSO_PRIVACY_NOTICE_VERSION == "2026-01"
    user = _citizen_without_consent()
    Consent.objects.create(
        user=user, purpose="public_services", notice_version="2025-07", method="registration"
    )
    client = Client()
    client.post("/dang-nhap/", {"username": "citizen9", "password": "pw"})
    for path in ("/ho-so/", "/thu-tuc/"):
        assert client.get(path)["Location"].startswith("/tai-khoan/dong-y/"), path
    page = client.get("/tai-khoan/dong-y/").content.decode()
    assert "Thông báo xử lý dữ liệu cá nhân đã thay đổi" in page
    assert "91/2025/QH15" in page and "Phiên bản thông báo: 2026-01" in page
    token = Client().post(
        "/api/v1/auth/token",
        {"username": "citizen9", "password": "pw"},
        content_type="application/json",
    )
    assert token.status_code == 403  # no filing through the API either
    client.post("/tai-khoan/dong-y/", {"agree": "on"})
    assert client.get("/ho-so/").status_code == 200
    latest = Consent.objects.filter(user=user).latest("recorded_at", "pk")
    assert latest.given and latest.notice_version == "2026-01"
