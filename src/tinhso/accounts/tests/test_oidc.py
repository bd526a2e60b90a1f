"""Citizen sign-in with OpenID Connect against a local provider: the real redirect, code, token
and JWKS exchange over HTTP, with the ID token signature checked. Accounts match on the personal
ID number, never on e-mail."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client
from joserfc import jwk

from tinhso.accounts import oidc
from tinhso.accounts.models import Consent, User
from tinhso.accounts.tests.oidc_provider import Provider
from tinhso.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
PERSONAL_ID = "086201004321"


@pytest.fixture
def provider(settings):
    server = Provider()
    settings.TINHSO_OIDC_ISSUER = server.issuer
    settings.TINHSO_OIDC_CLIENT_ID = server.client_id
    settings.TINHSO_OIDC_CLIENT_SECRET = server.client_secret
    oidc._client.cache_clear()
    yield server
    server.close()
    oidc._client.cache_clear()


def _sign_in(client: Client, provider: Provider):
    start = client.post("/tai-khoan/vneid/", {"next": "/ho-so/"})
    assert start.status_code == 302
    location = start["Location"]
    assert location.startswith(f"{provider.issuer}/authorize?")
    query = parse_qs(urlparse(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    # The browser goes to the provider, which sends it back with a code.
    back = requests.get(location, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    assert callback.path == "/tai-khoan/vneid/callback/"
    return client.get(f"{callback.path}?{callback.query}")


def test_first_sign_in_creates_the_citizen_from_the_identity_claims(provider):
    provider.claims = {
        "personal_id": PERSONAL_ID,
        "name": "Lê Thị Hoa",
        "phone_number": "0901234567",
    }
    client = Client()
    response = _sign_in(client, provider)
    # A new account: the person is asked for consent first; nothing is recorded for them.
    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/dong-y/?next=%2Fho-so%2F"
    user = User.objects.get(personal_id=PERSONAL_ID)
    assert user.kind == User.Kind.CITIZEN and user.full_name == "Lê Thị Hoa"
    assert user.phone == "+84901234567" and not user.has_usable_password()
    assert not Consent.objects.filter(user=user).exists()
    assert client.get("/ho-so/")["Location"] == "/tai-khoan/dong-y/?next=%2Fho-so%2F"
    agreed = client.post("/tai-khoan/dong-y/", {"agree": "on", "next": "/ho-so/"})
    assert agreed.status_code == 302 and agreed["Location"] == "/ho-so/"
    assert Consent.objects.get(user=user).method == "consent_page"
    assert client.get("/ho-so/").status_code == 200
    # The next sign-in goes straight in.
    again = Client()
    assert _sign_in(again, provider)["Location"] == "/ho-so/"
    # PKCE: the verifier went to the token endpoint.
    assert provider.token_requests[0]["code_verifier"]
    events = AuditEntry.objects.filter(action="auth.oidc_login").order_by("pk")
    assert [e.details["created"] for e in events] == [True, False]


def test_existing_account_is_matched_by_personal_id(provider, cast):
    cast.citizen.personal_id = PERSONAL_ID
    cast.citizen.save()
    provider.claims = {"personal_id": PERSONAL_ID, "name": "Someone Else"}
    client = Client()
    _sign_in(client, provider)
    assert client.session["_auth_user_id"] == str(cast.citizen.pk)
    assert User.objects.filter(personal_id=PERSONAL_ID).count() == 1


def test_accounts_are_never_matched_by_email(provider, cast):
    provider.claims = {"personal_id": PERSONAL_ID, "email": cast.citizen.email}
    client = Client()
    _sign_in(client, provider)
    assert client.session["_auth_user_id"] != str(cast.citizen.pk)
    assert User.objects.get(pk=client.session["_auth_user_id"]).personal_id == PERSONAL_ID


def test_configurable_personal_id_claim(provider, settings):
    settings.TINHSO_OIDC_PERSONAL_ID_CLAIM = "cccd"
    provider.claims = {"cccd": PERSONAL_ID}
    client = Client()
    _sign_in(client, provider)
    assert User.objects.filter(personal_id=PERSONAL_ID).exists()


def test_id_token_signed_with_an_unpublished_key_is_refused(provider):
    provider.sign_with = jwk.RSAKey.generate_key(2048, parameters={"kid": "k1"})
    provider.claims = {"personal_id": PERSONAL_ID}
    client = Client()
    response = _sign_in(client, provider)
    assert response.status_code == 302 and response["Location"] == "/dang-nhap/"
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(personal_id=PERSONAL_ID).exists()
    assert AuditEntry.objects.filter(action="auth.oidc_login", outcome="failure").exists()


def test_id_token_for_another_client_is_refused(provider):
    provider.claims = {"personal_id": PERSONAL_ID, "aud": "another-app"}
    client = Client()
    _sign_in(client, provider)
    assert "_auth_user_id" not in client.session


def test_missing_or_invalid_personal_id_is_refused(provider):
    provider.claims = {"name": "Không có số định danh"}
    client = Client()
    _sign_in(client, provider)
    assert "_auth_user_id" not in client.session
    provider.claims = {"personal_id": "12345"}
    _sign_in(client, provider)
    assert "_auth_user_id" not in client.session


def test_officials_cannot_sign_in_through_oidc(provider, cast):
    cast.clerk.personal_id = PERSONAL_ID
    cast.clerk.save()
    provider.claims = {"personal_id": PERSONAL_ID}
    client = Client()
    _sign_in(client, provider)
    session_user = client.session.get("_auth_user_id")
    assert session_user != str(cast.clerk.pk)


def test_callback_with_a_forged_state_is_refused(provider):
    client = Client()
    response = client.get("/tai-khoan/vneid/callback/?code=abc&state=forged")
    assert response.status_code == 302 and response["Location"] == "/dang-nhap/"
    assert "_auth_user_id" not in client.session


def test_login_page_offers_oidc_only_when_configured(provider, settings):
    assert "vneid" in Client().get("/dang-nhap/").content.decode()
    settings.TINHSO_OIDC_ISSUER = ""
    assert "vneid" not in Client().get("/dang-nhap/").content.decode()
