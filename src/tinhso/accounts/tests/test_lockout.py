"""Brute force: lockout per account and per address, with clear messages; rate limits."""

import pytest
from django.test import Client

from tinhso.accounts.testing import enrol
from tinhso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _attempt(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/dang-nhap/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_account_locks_after_the_limit_even_with_the_right_password(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for _ in range(3):
        assert _attempt(client, "citizen1", "wrong").status_code == 200
    response = _attempt(client, "citizen1", "pw")
    assert response.status_code == 200
    assert "tạm khóa 15 phút" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address too: the account itself is locked.
    assert "tạm khóa" in _attempt(Client(), "citizen1", "pw", "10.0.0.2").content.decode()
    assert AuditEntry.objects.filter(action="auth.lockout", outcome="failure").count() == 1


def test_lockout_lifts_after_its_time(cast, settings):
    import time_machine

    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 2
    settings.TINHSO_LOGIN_LOCKOUT_SECONDS = 60
    with time_machine.travel("2025-09-01 09:00 +0700", tick=False) as clock:
        client = Client()
        _attempt(client, "citizen1", "wrong")
        _attempt(client, "citizen1", "wrong")
        assert "tạm khóa" in _attempt(client, "citizen1", "pw").content.decode()
        clock.shift(61)
        assert _attempt(client, "citizen1", "pw").status_code == 302


def test_success_resets_the_account_counter(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    _attempt(client, "citizen1", "wrong")
    _attempt(client, "citizen1", "wrong")
    assert _attempt(client, "citizen1", "pw").status_code == 302
    other = Client()
    _attempt(other, "citizen1", "wrong")
    _attempt(other, "citizen1", "wrong")
    assert _attempt(other, "citizen1", "pw").status_code == 302


def test_address_locks_after_failures_on_many_accounts(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ADDRESS = 4
    client = Client()
    for name in ["a", "b", "c", "d"]:
        _attempt(client, name, "wrong", "10.9.9.9")
    response = _attempt(client, "citizen2", "pw", "10.9.9.9")
    assert "địa chỉ mạng này" in response.content.decode()
    assert _attempt(Client(), "citizen2", "pw", "10.9.9.8").status_code == 302


def test_sign_in_posts_are_rate_limited_per_address(cast, settings):
    settings.TINHSO_LOGIN_RATE_PER_MINUTE = 2
    client = Client()
    assert _attempt(client, "citizen1", "wrong").status_code == 200
    assert _attempt(client, "citizen1", "wrong").status_code == 200
    assert _attempt(client, "citizen1", "pw").status_code == 429


def test_limits_set_to_zero_are_off(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 0
    settings.TINHSO_LOGIN_FAILURES_PER_ADDRESS = 0
    client = Client()
    for _ in range(12):
        _attempt(client, "citizen1", "wrong")
    assert _attempt(client, "citizen1", "pw").status_code == 302


def test_wrong_second_factor_codes_count_towards_the_account_lockout(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 3
    enrol(cast.clerk)
    client = Client()
    _attempt(client, cast.clerk.username, "pw")
    client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": "000000"})
    client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": "000001"})
    response = client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": "000002"})
    assert response.status_code == 302 and response["Location"] == "/dang-nhap/"
    assert "_auth_user_id" not in client.session  # signed out
    assert "tạm khóa" in _attempt(client, cast.clerk.username, "pw").content.decode()


def test_public_lookup_throttle_is_a_setting(cast, settings):
    settings.TINHSO_LOOKUP_FAILURES_PER_HOUR = 2
    client = Client()
    data = {"code": "000.00.01.H61-250901-0001", "phone_last4": "1234"}
    assert client.post("/tra-cuu/", data).status_code == 404
    assert client.post("/tra-cuu/", data).status_code == 404
    assert client.post("/tra-cuu/", data).status_code == 429


def test_one_lockout_wording_on_the_sign_in_page_and_the_api(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 2
    client = Client()
    _attempt(client, "citizen1", "wrong")
    _attempt(client, "citizen1", "wrong")
    wording = "Tài khoản tạm khóa 15 phút vì đăng nhập sai quá nhiều lần."
    assert wording in _attempt(client, "citizen1", "pw").content.decode()
    api = Client().post(
        "/api/v1/auth/token",
        {"username": "citizen1", "password": "pw"},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.1",
    )
    assert api.status_code == 429
    assert wording in api.json()["detail"]
