"""Officials pass a TOTP code (or a recovery code) after their password before any page."""

import re
import time

import pytest
import time_machine
from django.test import Client

from tinhso.accounts import twofactor
from tinhso.accounts.demo import DEMO_TOTP_SECRET, enrol_demo_second_factor
from tinhso.accounts.models import RecoveryCode, SecondFactor, User
from tinhso.accounts.testing import enrol, fresh_code, token_request
from tinhso.accounts.twofactor import totp
from tinhso.agencies.models import Role, StaffAssignment
from tinhso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _password_login(client: Client, username: str, password: str = "pw", next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/dang-nhap/", data)


def test_official_after_password_is_sent_to_the_second_factor_and_nothing_else(cast):
    enrol(cast.clerk)
    client = Client()
    response = _password_login(client, cast.clerk.username)
    assert response.status_code == 302
    inbox = client.get("/backoffice/")
    assert inbox.status_code == 302
    assert inbox["Location"].startswith("/tai-khoan/xac-thuc-2-buoc/?next=")
    assert client.get("/admin/").status_code == 302
    # The API sees the half-signed-in session as anonymous.
    assert client.get("/api/v1/dossiers/X").status_code == 401


def test_valid_code_opens_the_back_office_and_the_same_code_cannot_be_replayed(cast):
    enrol(cast.clerk)
    client = Client()
    _password_login(client, cast.clerk.username)
    code = totp(DEMO_TOTP_SECRET).now()
    response = client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": code, "next": "/backoffice/"})
    assert response.status_code == 302 and response["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200

    other = Client()
    _password_login(other, cast.clerk.username)
    replay = other.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": code})
    assert replay.status_code == 400
    assert "đã được dùng" in replay.content.decode()
    assert other.get("/backoffice/").status_code == 302


def test_wrong_code_is_refused(cast):
    enrol(cast.clerk)
    client = Client()
    _password_login(client, cast.clerk.username)
    response = client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": "000000"})
    assert response.status_code == 400
    assert client.get("/backoffice/").status_code == 302


def test_code_of_the_next_step_is_accepted_for_clock_drift_but_not_two_steps_ahead(cast):
    factor = enrol(cast.clerk)
    generator = totp(factor.secret)
    assert twofactor.verify_code(user=cast.clerk, code=generator.at(time.time() + 30))
    assert not twofactor.verify_code(user=cast.clerk, code=generator.at(time.time() + 90))


def test_official_without_authenticator_enrols_with_qr_and_gets_recovery_codes(cast):
    client = Client()
    _password_login(client, cast.leader.username)
    verify = client.get("/tai-khoan/xac-thuc-2-buoc/")
    assert verify.status_code == 302 and "/dang-ky/" in verify["Location"]
    page = client.get("/tai-khoan/xac-thuc-2-buoc/dang-ky/")
    html = page.content.decode()
    assert 'src="data:image/png;base64,' in html
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    done = client.post("/tai-khoan/xac-thuc-2-buoc/dang-ky/", {"otp": totp(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", done.content.decode())
    assert len(codes) == 10
    assert SecondFactor.objects.get(user=cast.leader).secret == secret
    # Only hashes are stored.
    stored = set(RecoveryCode.objects.filter(user=cast.leader).values_list("code_hash", flat=True))
    assert not stored & set(codes)
    assert client.get("/backoffice/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.otp_enrolled").exists()


def test_recovery_code_works_once(cast):
    enrol(cast.clerk)
    codes = twofactor._new_recovery_codes(cast.clerk)
    client = Client()
    _password_login(client, cast.clerk.username)
    response = client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200
    again = Client()
    _password_login(again, cast.clerk.username)
    assert again.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": codes[0]}).status_code == 400
    event = AuditEntry.objects.get(action="auth.recovery_code_used")
    assert event.details["remaining"] == 9


def test_enrolment_cannot_replace_an_authenticator_without_passing_it(cast):
    enrol(cast.clerk)
    client = Client()
    _password_login(client, cast.clerk.username)
    response = client.get("/tai-khoan/xac-thuc-2-buoc/dang-ky/")
    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/xac-thuc-2-buoc/"


def test_replacing_the_authenticator_ends_the_other_sessions_and_keeps_this_one(cast):
    enrol(cast.clerk)
    laptop, phone = Client(), Client()
    for client in (laptop, phone):
        _password_login(client, cast.clerk.username)
        client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": fresh_code(cast.clerk)})
        assert client.get("/backoffice/").status_code == 200
    page = laptop.get("/tai-khoan/xac-thuc-2-buoc/dang-ky/").content.decode()
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = laptop.post("/tai-khoan/xac-thuc-2-buoc/dang-ky/", {"otp": totp(secret).now()})
    assert done.status_code == 200
    assert laptop.get("/backoffice/").status_code == 200
    assert phone.get("/backoffice/")["Location"].startswith("/dang-nhap/")


def test_citizen_is_never_asked_for_a_second_factor(cast):
    client = Client()
    _password_login(client, cast.citizen.username)
    assert client.get("/ho-so/").status_code == 200


def test_admin_site_login_also_requires_the_second_factor(cast):
    admin = User.objects.create_superuser("root", "root@example.vn", "pw", kind=User.Kind.ADMIN)
    enrol(admin)
    client = Client()
    client.post("/admin/login/", {"username": "root", "password": "pw"})
    assert client.get("/admin/").status_code == 302
    client.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": fresh_code(admin)})
    assert client.get("/admin/").status_code == 200


def test_force_login_in_tests_counts_as_verified_only_when_settings_trust_it(cast, settings):
    client = Client()
    client.force_login(cast.clerk)
    assert client.get("/backoffice/").status_code == 200
    settings.TINHSO_TRUST_PROGRAMMATIC_LOGIN = False
    strict = Client()
    strict.force_login(cast.clerk)
    assert strict.get("/backoffice/").status_code == 302


def test_idle_official_session_expires(cast, settings):
    settings.TINHSO_OFFICIAL_IDLE_MINUTES = 30
    with time_machine.travel("2025-09-01 09:00 +0700", tick=False) as clock:
        client = Client()
        client.force_login(cast.clerk)
        assert client.get("/backoffice/").status_code == 200
        clock.shift(29 * 60)
        assert client.get("/backoffice/").status_code == 200
        clock.shift(31 * 60)
        response = client.get("/backoffice/")
        assert response.status_code == 302
        assert response["Location"].startswith("/dang-nhap/")
        assert client.get("/backoffice/")["Location"].startswith("/dang-nhap/")


def _agency_admin(cast) -> User:
    admin = User.objects.create_user("stp.admin", password="pw", kind=User.Kind.OFFICIAL)
    StaffAssignment.objects.create(user=admin, agency=cast.dept, role=Role.AGENCY_ADMIN)
    return admin


def test_agency_admin_resets_an_official_of_their_agency_audited(cast):
    admin = _agency_admin(cast)
    enrol(cast.specialist)  # works at the department
    client = Client()
    client.force_login(admin)
    listing = client.get("/tai-khoan/xac-thuc-2-buoc/can-bo/")
    assert listing.status_code == 200 and cast.specialist.username in listing.content.decode()
    response = client.post(f"/tai-khoan/xac-thuc-2-buoc/can-bo/{cast.specialist.pk}/dat-lai/")
    assert response.status_code == 302
    assert not SecondFactor.objects.filter(user=cast.specialist).exists()
    event = AuditEntry.objects.get(action="auth.otp_reset")
    assert event.target == f"user:{cast.specialist.username}"


def test_reset_ends_the_officials_open_sessions_and_api_tokens_but_not_the_admins(cast):
    admin = _agency_admin(cast)
    enrol(cast.specialist)
    official = Client()
    _password_login(official, cast.specialist.username)
    official.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": fresh_code(cast.specialist)})
    assert official.get("/backoffice/").status_code == 200
    token = Client().post(
        "/api/v1/auth/token",
        token_request(cast.specialist.username),
        content_type="application/json",
    )
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['token']}"}
    # Signed in, an unknown dossier is 404; once the token is revoked the same request is 401.
    assert Client().get("/api/v1/dossiers/KHONG-CO", **bearer).status_code == 404

    enrol(admin)
    manager = Client()
    _password_login(manager, admin.username)
    manager.post("/tai-khoan/xac-thuc-2-buoc/", {"otp": fresh_code(admin)})
    manager.post(f"/tai-khoan/xac-thuc-2-buoc/can-bo/{cast.specialist.pk}/dat-lai/")

    # The phone thief's open session is gone: the next request goes to the login page.
    after = official.get("/backoffice/")
    assert after.status_code == 302 and after["Location"].startswith("/dang-nhap/")
    assert Client().get("/api/v1/dossiers/KHONG-CO", **bearer).status_code == 401
    assert manager.get("/tai-khoan/xac-thuc-2-buoc/can-bo/").status_code == 200
    event = AuditEntry.objects.get(action="auth.otp_reset")
    assert event.details["sessions_ended"] is True and event.details["api_access_revoked"] == 1
    # The password still works; the official enrols a new authenticator after it.
    again = Client()
    _password_login(again, cast.specialist.username)
    assert again.get("/tai-khoan/xac-thuc-2-buoc/")["Location"].startswith(
        "/tai-khoan/xac-thuc-2-buoc/dang-ky/"
    )


def test_agency_admin_cannot_reset_officials_of_another_agency(cast):
    admin = _agency_admin(cast)
    enrol(cast.other_specialist)
    client = Client()
    client.force_login(admin)
    listing = client.get("/tai-khoan/xac-thuc-2-buoc/can-bo/")
    assert cast.other_specialist.username not in listing.content.decode()
    response = client.post(f"/tai-khoan/xac-thuc-2-buoc/can-bo/{cast.other_specialist.pk}/dat-lai/")
    assert response.status_code == 403
    assert SecondFactor.objects.filter(user=cast.other_specialist).exists()


def test_plain_official_cannot_open_the_reset_page(cast):
    client = Client()
    client.force_login(cast.clerk)
    assert client.get("/tai-khoan/xac-thuc-2-buoc/can-bo/").status_code == 403


def test_demo_officials_share_the_demo_secret_and_it_is_refused_in_production(cast, settings):
    settings.TINHSO_ALLOW_DEMO = True  # what the demo loader's test fixture sets
    enrol_demo_second_factor()
    enrol_demo_second_factor()  # idempotent
    officials = User.objects.filter(kind=User.Kind.OFFICIAL)
    assert SecondFactor.objects.filter(secret=DEMO_TOTP_SECRET).count() == officials.count()
    settings.DEBUG = False
    settings.TINHSO_ALLOW_DEMO = False
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        enrol_demo_second_factor()


def test_agency_admin_cannot_reset_a_superuser_or_the_security_officer(cast):
    admin = cast.clerk
    StaffAssignment.objects.create(user=admin, agency=cast.centre, role=Role.AGENCY_ADMIN)
    root = User.objects.create_superuser("root", "root@example.vn", "pw")
    guard = User.objects.create_user("guard", password="pw", kind=User.Kind.OFFICIAL)
    for user, role in ((root, Role.CLERK), (guard, Role.SECURITY)):
        StaffAssignment.objects.create(user=user, agency=cast.centre, role=role)
        enrol(user)
        with pytest.raises(twofactor.SecondFactorError):
            twofactor.reset_second_factor(actor=admin, official=user)
        assert SecondFactor.objects.filter(user=user).exists()
