"""Security keys (WebAuthn) as the second factor of officials, checked server side with a
software authenticator (tests/soft_authenticator.py): real ES256 signatures, CBOR attestation
objects and clientDataJSON, verified by py_webauthn in the views."""

import json
import os

import pytest
import time_machine
from django.test import Client

from tinhso.accounts import twofactor
from tinhso.accounts.models import SecondFactor, User, WebAuthnCredential
from tinhso.accounts.testing import enrol, fresh_code
from tinhso.accounts.tests.soft_authenticator import SoftAuthenticator, b64url
from tinhso.agencies.models import Role, StaffAssignment
from tinhso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

VERIFY = "/tai-khoan/xac-thuc-2-buoc/"
AUTH_OPTIONS = "/tai-khoan/xac-thuc-2-buoc/khoa-bao-mat/tuy-chon/"
AUTHENTICATE = "/tai-khoan/xac-thuc-2-buoc/khoa-bao-mat/"
KEYS = "/tai-khoan/khoa-bao-mat/"
REGISTER_OPTIONS = "/tai-khoan/khoa-bao-mat/dang-ky/tuy-chon/"
REGISTER = "/tai-khoan/khoa-bao-mat/dang-ky/"


def post_json(client: Client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def password_only(user: User) -> Client:
    """A session that passed the password and not yet the second factor."""
    client = Client()
    response = client.post("/dang-nhap/", {"username": user.username, "password": "pw"})
    assert response.status_code == 302
    assert client.get("/backoffice/")["Location"].startswith(VERIFY)
    return client


def verified(user: User) -> Client:
    """A session past the second factor (in-process sign-in, trusted in tests); TOTP enrolled."""
    if not SecondFactor.objects.filter(user=user).exists():
        enrol(user)
    client = Client()
    client.force_login(user)
    return client


def add_key(client: Client, authenticator: SoftAuthenticator, name: str = "Khóa USB"):
    options = post_json(client, REGISTER_OPTIONS)
    assert options.status_code == 200, options.content
    return post_json(
        client, REGISTER, {"name": name, "credential": authenticator.create(options.json())}
    )


def key_sign_in(client: Client, authenticator: SoftAuthenticator, **falsified):
    options = post_json(client, AUTH_OPTIONS)
    assert options.status_code == 200, options.content
    answer = authenticator.get(options.json(), **falsified)
    return post_json(client, AUTHENTICATE, {"credential": answer, "next": "/backoffice/"})


def with_key(user: User) -> SoftAuthenticator:
    authenticator = SoftAuthenticator()
    assert add_key(verified(user), authenticator).status_code == 200
    return authenticator


def failures(reason: str) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(action="auth.webauthn_failed", outcome="failure")
    return [e for e in entries if e.details.get("reason") == reason]


def test_official_adds_a_key_after_totp_then_signs_in_with_it_instead_of_the_code(cast):
    enrol(cast.clerk)
    client = password_only(cast.clerk)
    assert client.post(VERIFY, {"otp": fresh_code(cast.clerk)}).status_code == 302
    page = client.get(KEYS)
    assert page.status_code == 200 and "Thêm khóa bảo mật" in page.content.decode()

    authenticator = SoftAuthenticator()
    added = add_key(client, authenticator, "Khóa USB")
    assert added.status_code == 200 and added.json()["redirect"] == KEYS
    key = WebAuthnCredential.objects.get(user=cast.clerk)
    assert (key.name, key.credential_id, key.transports) == ("Khóa USB", authenticator.id, ["usb"])
    assert "Khóa USB" in client.get(KEYS).content.decode()
    registered = AuditEntry.objects.get(action="auth.webauthn_registered")
    assert registered.target == f"user:{cast.clerk.username}"

    later = password_only(cast.clerk)
    assert "Dùng khóa bảo mật" in later.get(VERIFY).content.decode()
    signed = key_sign_in(later, authenticator)
    assert signed.status_code == 200 and signed.json() == {"redirect": "/backoffice/"}
    assert later.get("/backoffice/").status_code == 200
    key.refresh_from_db()
    assert key.sign_count == authenticator.counter == 1 and key.last_used_at is not None
    used = AuditEntry.objects.get(action="auth.webauthn_used")
    assert used.details["name"] == "Khóa USB" and used.details["user_verified"] is True


def test_code_page_offers_the_key_only_to_officials_who_have_one(cast):
    enrol(cast.clerk)
    page = password_only(cast.clerk).get(VERIFY).content.decode()
    assert "Dùng khóa bảo mật" not in page and "webauthn.js" not in page
    assert post_json(password_only(cast.clerk), AUTH_OPTIONS).status_code == 400


def test_options_name_the_site_and_the_officials_own_keys(cast):
    mine, theirs = with_key(cast.clerk), with_key(cast.specialist)
    client = password_only(cast.clerk)
    options = post_json(client, AUTH_OPTIONS).json()
    assert options["rpId"] == "testserver"
    assert options["userVerification"] == "preferred"
    assert [c["id"] for c in options["allowCredentials"]] == [mine.id]
    assert theirs.id not in json.dumps(options)


def test_registration_excludes_keys_already_registered_and_refuses_them_again(cast):
    authenticator = with_key(cast.clerk)
    client = verified(cast.clerk)
    options = post_json(client, REGISTER_OPTIONS).json()
    assert [c["id"] for c in options["excludeCredentials"]] == [authenticator.id]
    assert options["rp"] == {"id": "testserver", "name": "Tỉnh Số"}
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    again = post_json(
        client, REGISTER, {"name": "Lần nữa", "credential": authenticator.create(options)}
    )
    assert again.status_code == 400 and "đã được đăng ký" in again.json()["error"]
    assert WebAuthnCredential.objects.filter(user=cast.clerk).count() == 1


@pytest.mark.parametrize(
    ("falsified", "reason"),
    [
        ({"origin": "https://tinhso-gia-mao.example"}, "invalid_response"),
        ({"challenge": b64url(os.urandom(32))}, "invalid_response"),
        ({"rp_id": "tinhso-gia-mao.example"}, "invalid_response"),
    ],
    ids=["wrong-origin", "wrong-challenge", "wrong-rp-id"],
)
def test_assertion_for_another_origin_challenge_or_site_is_refused(cast, falsified, reason):
    authenticator = with_key(cast.clerk)
    client = password_only(cast.clerk)
    response = key_sign_in(client, authenticator, **falsified)
    assert response.status_code == 400
    assert "Khóa bảo mật không được chấp nhận" in response.json()["error"]
    assert client.get("/backoffice/").status_code == 302
    assert len(failures(reason)) == 1


def test_registration_from_another_origin_is_refused(cast):
    enrol(cast.clerk)
    client = verified(cast.clerk)
    options = post_json(client, REGISTER_OPTIONS).json()
    answer = SoftAuthenticator().create(options, origin="https://tinhso-gia-mao.example")
    response = post_json(client, REGISTER, {"name": "X", "credential": answer})
    assert response.status_code == 400
    assert not WebAuthnCredential.objects.exists()
    assert failures("invalid_response")[0].details["step"] == "register"


def test_a_challenge_is_used_once_and_an_observed_answer_cannot_be_replayed(cast):
    authenticator = with_key(cast.clerk)
    client = password_only(cast.clerk)
    options = post_json(client, AUTH_OPTIONS).json()
    # A first answer for this challenge fails (wrong origin): the challenge is spent with it.
    bad = authenticator.get(options, origin="https://tinhso-gia-mao.example")
    assert post_json(client, AUTHENTICATE, {"credential": bad}).status_code == 400
    good = authenticator.get(options)
    assert post_json(client, AUTHENTICATE, {"credential": good}).status_code == 400
    assert len(failures("challenge_missing")) == 1

    # An answer that did sign someone in, replayed from another session, is refused too.
    first = password_only(cast.clerk)
    answer = authenticator.get(post_json(first, AUTH_OPTIONS).json())
    assert post_json(first, AUTHENTICATE, {"credential": answer}).status_code == 200
    thief = password_only(cast.clerk)
    assert post_json(thief, AUTHENTICATE, {"credential": answer}).status_code == 400
    post_json(thief, AUTH_OPTIONS)  # a fresh challenge of its own does not help
    assert post_json(thief, AUTHENTICATE, {"credential": answer}).status_code == 400
    assert thief.get("/backoffice/").status_code == 302


def test_challenge_expires(cast, settings):
    settings.TINHSO_WEBAUTHN_CHALLENGE_SECONDS = 60
    authenticator = with_key(cast.clerk)
    with time_machine.travel("2025-09-01 09:00 +0700", tick=False) as clock:
        client = password_only(cast.clerk)
        options = post_json(client, AUTH_OPTIONS).json()
        assert options["timeout"] == 60000
        clock.shift(61)
        late = post_json(client, AUTHENTICATE, {"credential": authenticator.get(options)})
    assert late.status_code == 400 and "quá thời gian" in late.json()["error"]
    assert len(failures("challenge_expired")) == 1


def test_a_signature_counter_going_back_is_refused_and_audited_as_a_clone(cast):
    authenticator = with_key(cast.clerk)
    assert key_sign_in(password_only(cast.clerk), authenticator, counter=5).status_code == 200
    clone = password_only(cast.clerk)
    response = key_sign_in(clone, authenticator, counter=3)
    assert response.status_code == 400
    assert clone.get("/backoffice/").status_code == 302
    assert WebAuthnCredential.objects.get(user=cast.clerk).sign_count == 5
    [event] = failures("sign_count_regression")
    assert event.details["detail"] == "stored 5, received 3"
    assert event.details["credential"] == authenticator.id[:16]
    # The same counter again is a regression too; a higher one is accepted.
    assert key_sign_in(password_only(cast.clerk), authenticator, counter=5).status_code == 400
    assert key_sign_in(password_only(cast.clerk), authenticator, counter=6).status_code == 200


def test_authenticators_that_keep_no_counter_sign_in_every_time(cast):
    authenticator = with_key(cast.clerk)
    for _ in range(2):
        response = key_sign_in(password_only(cast.clerk), authenticator, counter=0)
        assert response.status_code == 200


def test_another_officials_key_is_refused(cast):
    with_key(cast.clerk)
    specialists_key = with_key(cast.specialist)
    client = password_only(cast.clerk)
    options = post_json(client, AUTH_OPTIONS).json()
    response = post_json(client, AUTHENTICATE, {"credential": specialists_key.get(options)})
    assert response.status_code == 400
    assert client.get("/backoffice/").status_code == 302
    assert failures("unknown_credential")[0].actor == cast.clerk


def test_refused_keys_count_towards_the_lockout_like_wrong_codes(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 3
    authenticator = with_key(cast.clerk)
    client = password_only(cast.clerk)
    assert client.post(VERIFY, {"otp": "000000"}).status_code == 400  # one wrong code
    assert key_sign_in(client, authenticator, origin="https://x.example").status_code == 400
    locked = key_sign_in(client, authenticator, origin="https://x.example")
    assert locked.status_code == 403
    assert locked.json()["redirect"] == "/dang-nhap/"
    assert "tạm khóa" in locked.json()["error"]
    assert AuditEntry.objects.get(action="auth.lockout").details["step"] == "webauthn"
    # Signed out; even a valid key or code does not open the account while it is locked.
    assert client.get("/backoffice/")["Location"].startswith("/dang-nhap/")
    again = Client()
    again.post("/dang-nhap/", {"username": cast.clerk.username, "password": "pw"})
    assert again.get("/backoffice/").status_code == 302
    assert not AuditEntry.objects.filter(action="auth.webauthn_used").exists()


def test_a_valid_key_clears_the_account_counter(cast, settings):
    settings.TINHSO_LOGIN_FAILURES_PER_ACCOUNT = 3
    authenticator = with_key(cast.clerk)
    client = password_only(cast.clerk)
    assert key_sign_in(client, authenticator, origin="https://x.example").status_code == 400
    assert key_sign_in(client, authenticator, origin="https://x.example").status_code == 400
    assert key_sign_in(client, authenticator).status_code == 200
    other = password_only(cast.clerk)
    assert key_sign_in(other, authenticator, origin="https://x.example").status_code == 400
    assert key_sign_in(other, authenticator).status_code == 200  # not locked: counter was reset


def _agency_admin(cast) -> User:
    admin = User.objects.create_user("stp.admin", password="pw", kind=User.Kind.OFFICIAL)
    StaffAssignment.objects.create(user=admin, agency=cast.dept, role=Role.AGENCY_ADMIN)
    return admin


def test_reset_by_the_agency_admin_removes_the_officials_keys(cast):
    authenticator = with_key(cast.specialist)
    with_key(cast.specialist)
    admin = _agency_admin(cast)
    listing = verified(admin).get("/tai-khoan/xac-thuc-2-buoc/can-bo/").content.decode()
    assert "2 khóa bảo mật" in listing
    twofactor.reset_second_factor(actor=admin, official=cast.specialist)
    assert not WebAuthnCredential.objects.filter(user=cast.specialist).exists()
    event = AuditEntry.objects.get(action="auth.otp_reset")
    assert event.details["webauthn_credentials_removed"] == 2
    # The lost key no longer signs in: the official must enrol again.
    client = password_only(cast.specialist)
    assert post_json(client, AUTH_OPTIONS).status_code == 400
    assert (
        post_json(client, AUTHENTICATE, {"credential": {"id": authenticator.id}}).status_code == 400
    )
    assert client.get(VERIFY)["Location"].startswith("/tai-khoan/xac-thuc-2-buoc/dang-ky/")


def test_half_signed_in_agency_admin_can_neither_list_nor_reset(cast):
    admin = _agency_admin(cast)
    enrol(admin)
    enrol(cast.specialist)
    client = password_only(admin)
    listing = client.get("/tai-khoan/xac-thuc-2-buoc/can-bo/")
    assert listing.status_code == 302 and listing["Location"].startswith(VERIFY)
    reset = client.post(f"/tai-khoan/xac-thuc-2-buoc/can-bo/{cast.specialist.pk}/dat-lai/")
    assert reset.status_code == 302 and reset["Location"].startswith(VERIFY)
    assert SecondFactor.objects.filter(user=cast.specialist).exists()
    assert not AuditEntry.objects.filter(action="auth.otp_reset").exists()


def test_removing_a_key_needs_a_verified_session_and_ends_the_other_sessions(cast):
    with_key(cast.clerk)
    key = WebAuthnCredential.objects.get(user=cast.clerk)
    half = password_only(cast.clerk)
    response = half.post(f"{KEYS}{key.pk}/xoa/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()

    laptop, phone = verified(cast.clerk), verified(cast.clerk)
    assert phone.get("/backoffice/").status_code == 200
    removed = laptop.post(f"{KEYS}{key.pk}/xoa/")
    assert removed.status_code == 302 and removed["Location"] == KEYS
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert laptop.get("/backoffice/").status_code == 200
    assert phone.get("/backoffice/")["Location"].startswith("/dang-nhap/")
    event = AuditEntry.objects.get(action="auth.webauthn_removed")
    assert event.details["name"] == "Khóa USB"


def test_an_official_cannot_remove_someone_elses_key(cast):
    with_key(cast.specialist)
    key = WebAuthnCredential.objects.get(user=cast.specialist)
    assert verified(cast.clerk).post(f"{KEYS}{key.pk}/xoa/").status_code == 404
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_adding_a_key_needs_a_verified_session_and_a_totp_authenticator_first(cast):
    enrol(cast.clerk)
    half = password_only(cast.clerk)
    assert post_json(half, REGISTER_OPTIONS)["Location"].startswith(VERIFY)
    assert half.get(KEYS)["Location"].startswith(VERIFY)

    newcomer = Client()
    newcomer.force_login(cast.leader)  # verified, but never enrolled TOTP
    refused = post_json(newcomer, REGISTER_OPTIONS)
    assert refused.status_code == 400 and "ứng dụng xác thực" in refused.json()["error"]
    assert "Đăng ký ứng dụng xác thực" in newcomer.get(KEYS).content.decode()


def test_citizens_have_no_security_key_pages(cast):
    client = Client()
    client.force_login(cast.citizen)
    assert client.get(KEYS).status_code == 404
    assert post_json(client, REGISTER_OPTIONS).status_code == 404
    assert post_json(client, AUTH_OPTIONS).status_code == 404


def test_ceremony_endpoints_require_the_csrf_token(cast):
    enrol(cast.clerk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.clerk)
    assert post_json(client, REGISTER_OPTIONS).status_code == 403
    client.get(KEYS)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        REGISTER_OPTIONS, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def test_rp_id_and_origin_come_from_settings_when_set(cast, settings):
    settings.TINHSO_WEBAUTHN_ORIGIN = "https://dichvucong.tinhso.example"
    settings.TINHSO_WEBAUTHN_RP_ID = ""
    authenticator = SoftAuthenticator(origin="https://dichvucong.tinhso.example")
    client = verified(cast.clerk)
    options = post_json(client, REGISTER_OPTIONS).json()
    assert options["rp"]["id"] == "dichvucong.tinhso.example"
    answer = authenticator.create(options)
    assert post_json(client, REGISTER, {"name": "", "credential": answer}).status_code == 200
    assert WebAuthnCredential.objects.get().name == "Khóa bảo mật 1"
    # The request's own host is no longer trusted as origin.
    signed = key_sign_in(password_only(cast.clerk), authenticator, origin="http://testserver")
    assert signed.status_code == 400


def test_after_the_key_only_a_page_of_this_site_is_a_destination(cast):
    authenticator = with_key(cast.clerk)
    client = password_only(cast.clerk)
    options = post_json(client, AUTH_OPTIONS).json()
    body = {"credential": authenticator.get(options), "next": "https://tinhso-gia-mao.example/"}
    response = post_json(client, AUTHENTICATE, body)
    assert response.status_code == 200 and response.json()["redirect"] == "/backoffice/"
    # Already verified: nothing left to do, the page is named again.
    again = post_json(client, AUTH_OPTIONS, {"next": "/ho-so/"})
    assert again.status_code == 409 and again.json()["redirect"] == "/ho-so/"


def test_no_security_keys_on_a_site_opened_by_ip_address(cast):
    with_key(cast.clerk)
    client = Client(HTTP_HOST="127.0.0.1")
    client.post("/dang-nhap/", {"username": cast.clerk.username, "password": "pw"})
    assert "Dùng khóa bảo mật" not in client.get(VERIFY).content.decode()
    page = verified(cast.clerk).get(KEYS, HTTP_HOST="127.0.0.1").content.decode()
    assert "http://localhost" in page and 'id="webauthn-register"' not in page


def test_a_key_registered_to_one_official_cannot_be_registered_to_another(cast):
    authenticator = with_key(cast.clerk)
    assert add_key(verified(cast.specialist), authenticator).status_code == 400
    assert not WebAuthnCredential.objects.filter(user=cast.specialist).exists()
    assert len(failures("already_registered")) == 1


def test_only_known_transports_are_kept(cast):
    client = verified(cast.clerk)
    answer = SoftAuthenticator().create(post_json(client, REGISTER_OPTIONS).json())
    answer["response"]["transports"] = [{"x": 1}, "nfc", "bay-bổng", "usb"]
    assert post_json(client, REGISTER, {"name": "K", "credential": answer}).status_code == 200
    assert WebAuthnCredential.objects.get().transports == ["nfc", "usb"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"credential": "x"}', b'{"credential": {"id": 5, "response": []}}'],
)
def test_malformed_answers_are_refused_not_errors(cast, body):
    authenticator = with_key(cast.clerk)
    client = password_only(cast.clerk)
    post_json(client, AUTH_OPTIONS)
    assert client.post(AUTHENTICATE, body, content_type="application/json").status_code == 400
    registering = verified(cast.clerk)
    post_json(registering, REGISTER_OPTIONS)
    response = registering.post(REGISTER, body, content_type="application/json")
    assert response.status_code == 400
    assert WebAuthnCredential.objects.get().credential_id == authenticator.id
