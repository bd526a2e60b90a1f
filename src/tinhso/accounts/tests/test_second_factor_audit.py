"""A wrong second factor is a failed sign-in, audited like a wrong password (issue 15): the
security page's chart of failed sign-ins and the alert rules count it."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.accounts.testing import enrol, fresh_code, token_request
from tinhso.accounts.tests.soft_authenticator import SoftAuthenticator
from tinhso.audit.models import AuditEntry
from tinhso.audit.selectors import failed_logins_by_hour

pytestmark = pytest.mark.django_db

VERIFY = "/tai-khoan/xac-thuc-2-buoc/"


def _failed_sign_ins_in_chart() -> int:
    since = timezone.now() - timezone.timedelta(hours=2)
    return sum(count for _label, count in failed_logins_by_hour(since))


def _password_only(username: str, password: str = "pw") -> Client:
    client = Client()
    client.post("/dang-nhap/", {"username": username, "password": password})
    return client


def test_wrong_code_is_audited_as_a_failed_sign_in_and_counted_by_the_chart(cast):
    enrol(cast.clerk)
    # A wrong password: the reference the second factor must match.
    _password_only(cast.clerk.username, "wrong")
    password_failure = AuditEntry.objects.get(action="auth.login_failed")
    assert _failed_sign_ins_in_chart() == 1

    client = _password_only(cast.clerk.username)
    assert client.post(VERIFY, {"otp": "000000"}).status_code == 400

    entries = AuditEntry.objects.filter(action="auth.login_failed").order_by("id")
    assert entries.count() == 2
    code_failure = entries.last()
    assert code_failure is not None
    assert code_failure.target == password_failure.target == f"user:{cast.clerk.username}"
    assert code_failure.outcome == password_failure.outcome == "failure"
    assert code_failure.details["step"] == "otp"
    assert _failed_sign_ins_in_chart() == 2


def test_right_code_is_not_a_failed_sign_in(cast):
    enrol(cast.clerk)
    client = _password_only(cast.clerk.username)
    assert client.post(VERIFY, {"otp": fresh_code(cast.clerk)}).status_code == 302
    assert not AuditEntry.objects.filter(action="auth.login_failed").exists()


def test_wrong_code_to_the_token_api_is_audited_as_a_failed_sign_in(cast):
    body = token_request(cast.clerk.username)
    body["otp"] = "000000"
    response = Client().post(
        "/api/v1/auth/token", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 401
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.details["step"] == "otp" and entry.target == f"user:{cast.clerk.username}"
    assert _failed_sign_ins_in_chart() == 1


def test_refused_security_key_is_audited_as_a_failed_sign_in(cast):
    from tinhso.accounts.tests.test_webauthn import key_sign_in, password_only, with_key

    authenticator: SoftAuthenticator = with_key(cast.clerk)
    client = password_only(cast.clerk)
    assert key_sign_in(client, authenticator, origin="https://x.example").status_code == 400
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.details["step"] == "webauthn"
    assert entry.target == f"user:{cast.clerk.username}"
    assert _failed_sign_ins_in_chart() == 1
