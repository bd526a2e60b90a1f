"""POST /api/v1/auth/token: officials must add a valid second factor (``otp``)."""

import pytest
from django.test import Client

from tinhso.accounts.testing import enrol, fresh_code
from tinhso.accounts.twofactor import totp

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token"


def _token(client: Client, **body: str):
    return client.post(URL, body, content_type="application/json")


def test_citizen_gets_a_token_without_otp(cast):
    response = _token(Client(), username="citizen1", password="pw")
    assert response.status_code == 200 and response.json()["token"]


def test_official_without_otp_is_refused_with_a_clear_json_error(cast):
    enrol(cast.clerk)
    response = _token(Client(), username=cast.clerk.username, password="pw")
    assert response.status_code == 401
    assert response.json() == {"detail": "Cần mã xác thực hai bước (trường otp).", "field": "otp"}


def test_official_with_wrong_otp_is_refused(cast):
    enrol(cast.clerk)
    response = _token(Client(), username=cast.clerk.username, password="pw", otp="123456")
    assert response.status_code == 401 and response.json()["field"] == "otp"


def test_official_with_valid_otp_gets_a_token_that_works(cast):
    factor = enrol(cast.clerk)
    response = _token(
        Client(), username=cast.clerk.username, password="pw", otp=totp(factor.secret).now()
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = Client().get("/api/v1/dossiers/none", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 404  # authenticated (not 401), the dossier does not exist


def test_official_who_never_enrolled_is_told_to_enrol_on_the_web(cast):
    response = _token(Client(), username=cast.clerk.username, password="pw", otp="123456")
    assert response.status_code == 403
    assert "đăng ký" in response.json()["detail"]


def test_english_error_when_asked_in_english(cast):
    enrol(cast.clerk)
    response = Client().post(
        URL,
        {"username": cast.clerk.username, "password": "pw"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 401 and response.json()["field"] == "otp"


def test_locked_account_gets_429(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 2
    client = Client()
    _token(client, username="citizen1", password="x")
    _token(client, username="citizen1", password="x")
    response = _token(client, username="citizen1", password="pw")
    assert response.status_code == 429 and response.json()["field"] == "username"


def test_token_endpoint_is_rate_limited_per_address(cast, settings):
    settings.TINHSO_API_RATE_TOKEN = "2/m"
    client = Client()
    assert _token(client, username="citizen1", password="pw").status_code == 200
    assert _token(client, username="citizen1", password="pw").status_code == 200
    assert _token(client, username="citizen1", password="pw").status_code == 429


def test_fresh_code_never_repeats_an_accepted_code(cast):
    enrol(cast.clerk)
    first = fresh_code(cast.clerk)
    assert (
        _token(Client(), username=cast.clerk.username, password="pw", otp=first).status_code == 200
    )
    second = fresh_code(cast.clerk)
    assert second != first
    assert (
        _token(Client(), username=cast.clerk.username, password="pw", otp=second).status_code == 200
    )
