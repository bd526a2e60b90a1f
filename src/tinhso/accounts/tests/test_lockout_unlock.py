"""A lockout an attacker cannot turn against the owner: the address is limited first, and the
owner of a locked account signs in with the password and a one-time code sent to the e-mail and
phone of the account."""

import logging
import pickle
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils import timezone

from tinhso.accounts import lockout
from tinhso.accounts.models import UnlockCode, User
from tinhso.accounts.testing import enrol, fresh_code
from tinhso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.20"
LOCKED = "Tài khoản tạm khóa"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.TINHSO_LOGIN_FAILURES_PER_ADDRESS = 50
    settings.TINHSO_LOGIN_USERNAMES_PER_ADDRESS = 10
    settings.TINHSO_UNLOCK_CODE_SECONDS = 600
    settings.TINHSO_UNLOCK_CODE_ATTEMPTS = 5
    settings.TINHSO_UNLOCK_CODES_PER_HOUR = 3
    settings.TINHSO_UNLOCK_REQUESTS_PER_HOUR = 10


def _sign_in(client: Client, username: str, password: str, address: str = OWNER):
    return client.post(
        "/dang-nhap/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _lock(username: str, address: str = ATTACKER) -> None:
    """The attacker, from their own address, types wrong passwords until the account locks."""
    attacker = Client()
    for _ in range(3):
        _sign_in(attacker, username, "guess", address)
    assert lockout.account_locked(username)


def _ask_code(client: Client, username: str, capture, address: str = OWNER, **extra):
    with capture(execute=True):
        return client.post(
            "/tai-khoan/mo-khoa/", {"username": username, **extra}, REMOTE_ADDR=address
        )


def _unlock(client: Client, username: str, code: str, password: str = "pw", address=OWNER):
    return client.post(
        "/tai-khoan/mo-khoa/nhap-ma/",
        {"username": username, "code": code, "password": password},
        REMOTE_ADDR=address,
    )


def _code_in(message: mail.EmailMessage) -> str:
    found = re.search(r"\b(\d{6})\b", str(message.body))
    assert found, message.body
    return found.group(1)


def _everything_in_the_cache() -> bytes:
    """The raw stored values: local memory (a dict of pickles) or Redis (every key)."""
    store = cache._cache  # type: ignore[attr-defined]
    if isinstance(store, dict):
        return b"".join(v if isinstance(v, bytes) else pickle.dumps(v) for v in store.values())
    client = store.get_client()
    return b"".join(client.get(key) or b"" for key in client.keys("*"))


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_owner_of_an_account_locked_by_an_attacker_signs_in_with_code_and_password(
    cast, django_capture_on_commit_callbacks, caplog
):
    _lock("citizen1")
    owner = Client()
    refused = _sign_in(owner, "citizen1", "pw")
    page = refused.content.decode()
    assert LOCKED in page and "Gửi mã mở khóa" in page
    assert '<input type="hidden" name="username" value="citizen1">' in page
    assert not _signed_in(owner)

    caplog.set_level(logging.INFO, logger="tinhso.sms")
    asked = _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
    assert asked.status_code == 302 and asked["Location"] == "/tai-khoan/mo-khoa/nhap-ma/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["an@example.vn"]
    code = _code_in(mail.outbox[0])
    assert code in caplog.text  # the same code by SMS (the log channel) to the account's phone
    # The page for the code knows whose account it is (kept in the session, not the URL).
    assert 'value="citizen1"' in owner.get("/tai-khoan/mo-khoa/nhap-ma/").content.decode()

    wrong = _unlock(owner, "citizen1", _wrong(code))
    assert (
        wrong.status_code == 400 and "Mã mở khóa hoặc mật khẩu không đúng" in wrong.content.decode()
    )
    assert not _signed_in(owner)

    done = _unlock(owner, "citizen1", code)
    assert done.status_code == 302 and _signed_in(owner)
    assert lockout.account_failures("citizen1") == 0
    assert _sign_in(Client(), "citizen1", "pw", "192.0.2.9").status_code == 302  # lock cleared
    actions = list(AuditEntry.objects.values_list("action", "outcome").order_by("id"))
    for event in [
        ("auth.lockout", "failure"),
        ("auth.unlock_code_sent", "success"),
        ("auth.unlock_failed", "failure"),
        ("auth.unlocked", "success"),
    ]:
        assert event in actions
    unlocked = AuditEntry.objects.get(action="auth.unlocked")
    assert unlocked.actor_username == "citizen1" and unlocked.ip == OWNER


def test_the_code_alone_never_signs_in(cast, django_capture_on_commit_callbacks):
    _lock("citizen1")
    owner = Client()
    _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
    code = _code_in(mail.outbox[0])
    for password in ["", "guess"]:
        response = _unlock(owner, "citizen1", code, password=password)
        assert response.status_code == 400 and not _signed_in(owner)
    assert AuditEntry.objects.filter(
        action="auth.unlock_failed", details__reason="wrong_password"
    ).exists()
    assert lockout.account_locked("citizen1")  # a right code with a wrong password lifts nothing


def test_a_code_cannot_be_used_twice(cast, django_capture_on_commit_callbacks):
    _lock("citizen1")
    owner = Client()
    _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
    code = _code_in(mail.outbox[0])
    assert _unlock(owner, "citizen1", code).status_code == 302
    _lock("citizen1")
    again = Client()
    assert _unlock(again, "citizen1", code).status_code == 400
    assert not _signed_in(again)


def test_an_expired_code_is_refused(cast, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _lock("citizen1")
        owner = Client()
        _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
        code = _code_in(mail.outbox[0])
        clock.shift(601)  # the code lives 10 minutes, the lock 15
        assert lockout.account_locked("citizen1")
        assert _unlock(owner, "citizen1", code).status_code == 400
        assert not _signed_in(owner)
        assert UnlockCode.objects.get().closed_at is not None


def test_a_code_allows_only_a_few_attempts(cast, settings, django_capture_on_commit_callbacks):
    settings.TINHSO_UNLOCK_CODE_ATTEMPTS = 2
    _lock("citizen1")
    owner = Client()
    _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
    code = _code_in(mail.outbox[0])
    _unlock(owner, "citizen1", _wrong(code))
    _unlock(owner, "citizen1", _wrong(_wrong(code)))
    assert _unlock(owner, "citizen1", code).status_code == 400  # spent, even with the right one
    assert not _signed_in(owner)


def test_the_code_is_stored_only_as_a_hash(cast, django_capture_on_commit_callbacks):
    _lock("citizen1")
    _ask_code(Client(), "citizen1", django_capture_on_commit_callbacks)
    code = _code_in(mail.outbox[0])
    row = UnlockCode.objects.get()
    stored = [str(v) for v in UnlockCode.objects.values().get().values()]
    assert len(row.code_hash) == 64 and code not in row.code_hash
    assert not any(code in value for value in stored)
    # Not in the cache (lockout counters, rate limits) …
    assert code.encode() not in _everything_in_the_cache()
    # … nor in the audit log.
    assert not any(
        code in str(details) for details in AuditEntry.objects.values_list("details", flat=True)
    )


def test_unknown_or_unlocked_usernames_get_the_same_answer_and_no_message(
    cast, django_capture_on_commit_callbacks
):
    _lock("citizen1")
    answers = []
    for username in ["citizen1", "khong-co-tai-khoan", "citizen2"]:  # locked, unknown, not locked
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/tai-khoan/mo-khoa/", {"username": username}, REMOTE_ADDR=OWNER, follow=True
            )
        answers.append(
            (
                response.redirect_chain,
                response.status_code,
                [str(m) for m in response.context["messages"]],
            )
        )
    assert answers[0] == answers[1] == answers[2]
    assert [m.to for m in mail.outbox] == [["an@example.vn"]]
    reasons = set(
        AuditEntry.objects.filter(action="auth.unlock_code_refused").values_list(
            "details__reason", flat=True
        )
    )
    assert reasons == {"unknown_account", "not_locked"}


def test_a_code_for_one_account_does_not_open_another(cast, django_capture_on_commit_callbacks):
    _lock("citizen1")
    _lock("citizen2")
    owner = Client()
    _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
    code = _code_in(mail.outbox[0])
    assert _unlock(owner, "citizen2", code).status_code == 400
    assert not _signed_in(owner)


def test_asking_again_is_rate_limited_and_replaces_the_open_code(
    cast, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _lock("citizen1")
        owner = Client()
        _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
        _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1  # not twice within a minute
        first = _code_in(mail.outbox[0])
        clock.shift(61)
        _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 2
        second = _code_in(mail.outbox[1])
        assert UnlockCode.objects.filter(closed_at__isnull=True).count() == 1
        if first != second:
            assert _unlock(owner, "citizen1", first).status_code == 400
        clock.shift(61)
        _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
        clock.shift(61)
        _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 3  # at most 3 codes an hour per account
        assert _unlock(owner, "citizen1", _code_in(mail.outbox[2])).status_code == 302


def test_an_address_may_ask_only_so_many_times(cast, settings, django_capture_on_commit_callbacks):
    settings.TINHSO_UNLOCK_REQUESTS_PER_HOUR = 2
    client = Client()
    for name in ["a", "b"]:
        assert _ask_code(client, name, django_capture_on_commit_callbacks).status_code == 302
    refused = _ask_code(client, "citizen1", django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert (
        _ask_code(Client(), "c", django_capture_on_commit_callbacks, "192.0.2.7").status_code == 302
    )


def test_an_address_over_its_limit_cannot_move_an_account_counter(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ADDRESS = 4
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 10
    attacker = Client()
    for name in ["a", "b", "c", "d"]:
        _sign_in(attacker, name, "guess", ATTACKER)
    for _ in range(5):
        refused = _sign_in(attacker, "citizen1", "guess", ATTACKER)
        assert "địa chỉ mạng này" in refused.content.decode()
    assert lockout.account_failures("citizen1") == 0
    # Whoever calls the counter directly: an address over its limit adds nothing to accounts.
    request = RequestFactory().post("/", REMOTE_ADDR=ATTACKER)
    lockout.record_failure("citizen1", request)
    assert lockout.account_failures("citizen1") == 0
    assert _sign_in(Client(), "citizen1", "pw", OWNER).status_code == 302


def test_failures_on_many_usernames_lock_the_address(cast, settings):
    settings.TINHSO_LOGIN_USERNAMES_PER_ADDRESS = 3
    attacker = Client()
    for name in ["citizen2", "ttpvhcc.clerk", "khong-co"]:
        _sign_in(attacker, name, "guess", ATTACKER)
    refused = _sign_in(attacker, "citizen1", "pw", ATTACKER)
    assert "địa chỉ mạng này" in refused.content.decode() and not _signed_in(attacker)
    assert lockout.account_failures("citizen1") == 0
    assert lockout.account_failures("citizen2") == 1  # counted before the address was over
    # One username typed wrong many times counts once.
    client = Client()
    for _ in range(3):
        _sign_in(client, "citizen2", "guess", "192.0.2.8")
    assert not lockout.address_locked("192.0.2.8")


def test_wrong_codes_count_against_the_address(cast, settings, django_capture_on_commit_callbacks):
    _lock("citizen1")
    owner = Client()
    _ask_code(owner, "citizen1", django_capture_on_commit_callbacks)
    code = _code_in(mail.outbox[0])
    settings.TINHSO_LOGIN_FAILURES_PER_ADDRESS = 2
    settings.TINHSO_UNLOCK_CODE_ATTEMPTS = 10
    _unlock(owner, "citizen1", _wrong(code), address=ATTACKER)
    last = _unlock(owner, "citizen1", _wrong(_wrong(code)), address=ATTACKER)
    assert last.status_code == 400
    assert lockout.address_locked(ATTACKER)
    # From that address even the right code and password are refused, with the address message.
    refused = _unlock(owner, "citizen1", code, address=ATTACKER)
    assert "địa chỉ mạng này" in refused.content.decode() and not _signed_in(owner)
    assert lockout.account_failures("citizen1") == 3  # the attacker's three, nothing more
    assert _unlock(owner, "citizen1", code).status_code == 302  # the owner's address is fine


def test_an_official_still_gives_the_second_factor_after_unlocking(
    cast, django_capture_on_commit_callbacks
):
    enrol(cast.clerk)
    username = cast.clerk.username
    _lock(username)
    official = Client()
    _ask_code(official, username, django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == [cast.clerk.email]
    response = _unlock(official, username, _code_in(mail.outbox[0]))
    assert response.status_code == 302
    inbox = official.get("/backoffice/")
    assert inbox.status_code == 302 and inbox["Location"].startswith("/tai-khoan/xac-thuc-2-buoc/")
    passed = official.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": fresh_code(username)})
    assert passed.status_code == 302
    assert official.get("/backoffice/").status_code == 200


def test_an_account_without_e_mail_or_phone_gets_no_code(
    cast, django_capture_on_commit_callbacks, caplog
):
    User.objects.filter(username="citizen2").update(email="", phone="")
    _lock("citizen2")
    caplog.set_level(logging.INFO, logger="tinhso.sms")
    response = _ask_code(Client(), "citizen2", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert mail.outbox == [] and "SMS" not in caplog.text
    assert AuditEntry.objects.filter(
        action="auth.unlock_code_refused", details__reason="no_contact"
    ).exists()


def test_the_api_refuses_a_locked_account_and_points_to_the_web_unlock(cast):
    _lock("citizen1")
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "citizen1", "password": "pw"},
        content_type="application/json",
        REMOTE_ADDR=OWNER,
    )
    assert response.status_code == 429
    assert LOCKED in response.json()["detail"]
    assert "/tai-khoan/mo-khoa/" in response.json()["detail"]
    # The unlock code is not an API credential.
    extra = Client().post(
        "/api/v1/auth/token",
        {"username": "citizen1", "password": "pw", "unlock_passcode": "000000"},
        content_type="application/json",
        REMOTE_ADDR=OWNER,
    )
    assert extra.status_code == 429
