"""Changing one's password (ASVS 2.1.5, 2.1.6, 3.3.3), the longest password (2.1.2) and the
show-password button (2.1.12)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from tinhso.accounts import passwords
from tinhso.accounts.models import ApiToken
from tinhso.accounts.testing import enrol, fresh_code, token_request
from tinhso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PAGE = "/tai-khoan/mat-khau/"
NEW = "lúa-mùa-Bến-Tre-2026"


def _sign_in(client: Client, username: str, password: str = "pw") -> None:
    response = client.post("/dang-nhap/", {"username": username, "password": password})
    assert response.status_code == 302, response.content


def _change(client: Client, old: str = "pw", new: str = NEW, again: str | None = None):
    return client.post(
        PAGE,
        {
            "old_password": old,
            "new_password1": new,
            "new_password2": new if again is None else again,
        },
    )


def _signed_in(client: Client) -> bool:
    return client.get("/ho-so/").status_code == 200


def test_citizen_changes_the_password_with_the_current_one_and_the_new_one_twice(cast):
    client = Client()
    _sign_in(client, cast.citizen.username)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("old_password", "new_password1", "new_password2"):
        assert f'name="{name}"' in html
    assert 'autocomplete="current-password"' in html and 'autocomplete="new-password"' in html

    response = _change(client)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert "Đã đổi mật khẩu." in client.get(PAGE).content.decode()
    cast.citizen.refresh_from_db()
    assert cast.citizen.check_password(NEW) and not cast.citizen.check_password("pw")
    entry = AuditEntry.objects.get(action="auth.password_changed")
    assert entry.actor_id == cast.citizen.pk and entry.outcome == "success"
    assert entry.details["sessions_ended"] is True
    # The new password signs in, the old one no more.
    assert (
        Client().post("/dang-nhap/", {"username": "citizen1", "password": NEW}).status_code == 302
    )
    assert (
        Client().post("/dang-nhap/", {"username": "citizen1", "password": "pw"}).status_code == 200
    )


def test_a_wrong_current_password_changes_nothing_and_is_audited(cast):
    client = Client()
    _sign_in(client, cast.citizen.username)
    response = _change(client, old="not-the-password")
    assert response.status_code == 400
    assert 'id="id_old_password-error"' in response.content.decode()
    cast.citizen.refresh_from_db()
    assert cast.citizen.check_password("pw")
    failed = AuditEntry.objects.get(action="auth.password_change_failed")
    assert failed.outcome == "failure" and failed.details["reason"] == "wrong_current_password"
    assert not AuditEntry.objects.filter(action="auth.password_changed").exists()


@pytest.mark.parametrize(
    ("new", "again", "field"),
    [
        ("xanh-la-c4y", None, "new_password2"),  # 11 characters: MinimumLengthValidator
        ("a" * 20 + "lúa-mùa-" * 14, None, "new_password2"),  # 132 characters
        (NEW, NEW + "x", "new_password2"),  # the two do not match
        ("password1234", None, "new_password2"),  # a common password
    ],
)
def test_the_new_password_must_pass_the_validators_and_match(cast, new, again, field):
    client = Client()
    _sign_in(client, cast.citizen.username)
    response = _change(client, new=new, again=again)
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    cast.citizen.refresh_from_db()
    assert cast.citizen.check_password("pw")


def test_passwords_over_128_characters_are_refused_and_128_accepted(db):
    validate_password("lúa-mùa-" * 16)  # 128
    with pytest.raises(ValidationError) as refused:
        validate_password("lúa-mùa-" * 16 + "x")
    assert refused.value.error_list[0].code == "password_too_long"
    assert "tối đa 128 ký tự" in refused.value.messages[0]


def test_the_other_sessions_end_and_this_one_goes_on(cast):
    laptop, phone = Client(), Client()
    for client in (laptop, phone):
        _sign_in(client, cast.citizen.username)
        assert _signed_in(client)
    assert _change(laptop).status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    assert phone.get("/ho-so/")["Location"].startswith("/dang-nhap/")


def test_the_accounts_api_tokens_are_revoked(cast):
    api = Client()
    token = api.post("/api/v1/auth/token", token_request("citizen1"), "application/json").json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token['token']}"}
    assert api.get("/api/v1/dossiers/X", **bearer).status_code == 404  # signed in: not found
    client = Client()
    _sign_in(client, cast.citizen.username)
    assert _change(client).status_code == 302
    assert api.get("/api/v1/dossiers/X", **bearer).status_code == 401
    assert not ApiToken.objects.filter(user=cast.citizen).exists()
    entry = AuditEntry.objects.get(action="auth.password_changed")
    assert entry.details["api_access_revoked"] == 1


def test_the_owner_is_told_by_email_after_the_change(cast, django_capture_on_commit_callbacks):
    cast.citizen.email = "an@example.vn"
    cast.citizen.save(update_fields=["email"])
    client = Client()
    _sign_in(client, cast.citizen.username)
    with django_capture_on_commit_callbacks(execute=True):
        assert _change(client).status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["an@example.vn"]
    assert message.subject == "Mật khẩu tài khoản Tỉnh Số của bạn vừa được đổi"
    assert "citizen1" in message.body and NEW not in message.body
    assert AuditEntry.objects.get(action="auth.password_changed").details["notice_sent"] is True


def test_no_address_no_mail_and_a_failing_mail_server_does_not_undo_the_change(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    cast.citizen.email = ""
    cast.citizen.save(update_fields=["email"])
    client = Client()
    _sign_in(client, cast.citizen.username)
    with django_capture_on_commit_callbacks(execute=True):
        assert _change(client).status_code == 302
    assert mail.outbox == []
    assert AuditEntry.objects.get(action="auth.password_changed").details["notice_sent"] is False

    def broken(recipient: str, subject: str, body: str) -> None:
        raise OSError("SMTP server down")

    monkeypatch.setattr(passwords.code_senders, "sender", lambda medium: broken)
    cast.citizen.email = "an@example.vn"
    cast.citizen.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        assert _change(client, old=NEW, new=NEW + "-2").status_code == 302
    cast.citizen.refresh_from_db()
    assert cast.citizen.check_password(NEW + "-2")


def test_an_official_reaches_the_page_only_after_the_second_factor(cast):
    enrol(cast.clerk)
    client = Client()
    _sign_in(client, cast.clerk.username)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/xac-thuc-2-buoc/")
    assert _change(client).status_code == 302  # refused the same way: nothing changes
    cast.clerk.refresh_from_db()
    assert cast.clerk.check_password("pw")
    client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": fresh_code(cast.clerk)})
    assert client.get(PAGE).status_code == 200
    assert _change(client).status_code == 302
    assert client.get("/backoffice/").status_code == 200  # still signed in and verified
    cast.clerk.refresh_from_db()
    assert cast.clerk.check_password(NEW)


def test_anonymous_callers_are_sent_to_sign_in(db):
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_an_account_without_a_password_is_told_why_there_is_nothing_to_change(cast):
    cast.citizen.set_unusable_password()
    cast.citizen.save()
    client = Client()
    client.force_login(cast.citizen)
    page = client.get(PAGE).content.decode()
    assert "không có mật khẩu để đổi" in page and 'name="old_password"' not in page
    client.post(PAGE, {"old_password": "", "new_password1": NEW, "new_password2": NEW})
    cast.citizen.refresh_from_db()
    assert not cast.citizen.has_usable_password()


def test_guessing_the_current_password_is_limited(cast, monkeypatch):
    monkeypatch.setattr(passwords, "CHANGE_ATTEMPTS_PER_HOUR", 3)
    client = Client()
    _sign_in(client, cast.citizen.username)
    for _ in range(3):
        assert _change(client, old="guess").status_code == 400
    response = _change(client)  # the right one, but over the limit
    assert response.status_code == 429
    assert "Quá nhiều lần thử đổi mật khẩu" in response.content.decode()
    cast.citizen.refresh_from_db()
    assert cast.citizen.check_password("pw")


def test_the_page_is_linked_from_every_signed_in_page(cast):
    client = Client()
    _sign_in(client, cast.citizen.username)
    assert f'href="{PAGE}"' in client.get("/ho-so/").content.decode()
    assert f'href="{PAGE}"' not in Client().get("/").content.decode()


def test_login_and_change_forms_load_the_show_password_script(cast):
    login = Client().get("/dang-nhap/").content.decode()
    client = Client()
    _sign_in(client, cast.citizen.username)
    change = client.get(PAGE).content.decode()
    for html in (login, change):
        assert "data-password-toggle" in html and 'data-show-label="Hiện mật khẩu"' in html
        assert "/static/accounts/password-toggle.js" in html
        assert "<script>" not in html  # no inline script (CSP)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_show_password_button_reveals_and_hides_the_password_in_a_browser(live_server, browser):
    from tinhso.testing import make_cast

    make_cast()
    page = browser.new_context().new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{live_server.url}/dang-nhap/")
    toggle = page.locator("button[aria-controls=id_password]")
    assert toggle.inner_text() == "Hiện mật khẩu"
    assert toggle.get_attribute("aria-pressed") == "false"
    page.fill("#id_username", "citizen1")
    page.fill("#id_password", "pw")
    toggle.click()
    assert page.locator("#id_password").get_attribute("type") == "text"
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    assert page.locator("#id_password").get_attribute("type") == "password"
    page.locator("form[data-password-toggle] button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}{PAGE}")
    buttons = page.locator("main form button[aria-pressed]")
    assert buttons.count() == 3  # current, new, new again
    page.locator("button[aria-controls=id_new_password1]").click()
    assert page.locator("#id_new_password1").get_attribute("type") == "text"
    assert page.locator("#id_old_password").get_attribute("type") == "password"
    assert violations == []
