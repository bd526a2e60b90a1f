"""The sandbox's DVCQG identity provider (spec §4.2, §11.1 ``oidc/*``) through Django's test client:
the login page's checks, the code's single use and PKCE, the signed id_token, userinfo, validate,
logout, reset and the 404 when the sandbox is off."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet

from tinhso.sandboxes.national import sso

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/tai-khoan/dvcqg/callback/"
VERIFIER = "v" * 50


@pytest.fixture(autouse=True)
def _client_settings(settings):
    settings.TINHSO_SITE_URL = "http://testserver"
    settings.TINHSO_DVCQG_SSO_CLIENT_ID = "tinhso-test"
    settings.TINHSO_DVCQG_SSO_CLIENT_SECRET = "test-secret"
    settings.TINHSO_DVCQG_SSO_SANDBOX_CLIENT_ID = ""
    settings.TINHSO_DVCQG_SSO_SANDBOX_CLIENT_SECRET = ""
    settings.TINHSO_DVCQG_SSO_SANDBOX_REDIRECT_URIS = ["{site_url}/tai-khoan/dvcqg/callback/"]
    settings.TINHSO_DVCQG_SSO_SANDBOX_LOGOUT_URIS = ["{site_url}/"]


def challenge(verifier: str = VERIFIER) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": "tinhso-test",
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "state": "st-1",
        "nonce": "nonce-1",
        "code_challenge": challenge(),
        "code_challenge_method": "S256",
    }
    return params | overrides


def choose(client: Client, persona: str = "citizen-l2", **overrides: str) -> dict[str, list[str]]:
    response = client.post(
        "/sandbox/national/oidc/authorize", authorize_params(**overrides) | {"persona": persona}
    )
    assert response.status_code == 302, response.content
    return parse_qs(urlsplit(response["Location"]).query)


def token(client: Client, code: str, **overrides: str):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": "tinhso-test",
        "client_secret": "test-secret",
        "code_verifier": VERIFIER,
    } | overrides
    return client.post("/sandbox/national/oidc/token", form)


def test_login_page_lists_the_four_personas():
    response = Client().get("/sandbox/national/oidc/authorize", authorize_params())
    assert response.status_code == 200
    page = response.content.decode()
    for persona in sso.PERSONAS.values():
        assert f'value="{persona.key}"' in page
    assert "Nguyễn Văn An" in page and "mã số thuế 0100109106" in page


def test_unknown_client_or_redirect_uri_is_answered_on_the_page_not_redirected():
    client = Client()
    bad_client = client.get("/sandbox/national/oidc/authorize", authorize_params(client_id="x"))
    assert bad_client.status_code == 400 and "invalid_client" in bad_client.content.decode()
    evil = client.get(
        "/sandbox/national/oidc/authorize",
        authorize_params(redirect_uri="https://evil.example/cb"),
    )
    assert evil.status_code == 400 and "Location" not in evil


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
    ],
)
def test_bad_request_redirects_back_with_an_oauth_error(override, error):
    response = Client().get("/sandbox/national/oidc/authorize", authorize_params(**override))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["error"] == [error] and query["state"] == ["st-1"]


def test_code_gives_a_signed_id_token_with_the_nonce_and_userinfo_with_section_4_2_fields():
    client = Client()
    query = choose(client)
    assert query["state"] == ["st-1"]
    answer = token(client, query["code"][0])
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    body = answer.json()
    keys = client.get("/sandbox/national/oidc/jwks").json()
    claims = jwt.decode(body["id_token"], KeySet.import_key_set(keys), algorithms=["RS256"]).claims
    assert claims["nonce"] == "nonce-1" and claims["aud"] == "tinhso-test"
    assert claims["iss"] == "http://testserver/sandbox/national/oidc"
    info = client.get(
        "/sandbox/national/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}"
    ).json()
    assert info["SoDinhDanh"] == "083095001234" and info["LoaiTaiKhoan"] == "1"
    assert info["TechID"] == claims["sub"] and info["loAs"] == ["VNEID_LEVEL_2"]
    validated = client.post(
        "/sandbox/national/oidc/validate", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}"
    ).json()
    assert validated["client_id"] == "tinhso-test" and validated["exp"] > claims["iat"]


def test_a_code_is_single_use():
    client = Client()
    code = choose(client)["code"][0]
    assert token(client, code).status_code == 200
    again = token(client, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("override", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"code_verifier": "w" * 50}, 400, "invalid_grant"),
        ({"redirect_uri": "http://testserver/other/"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_refuses_bad_credentials_verifier_and_redirect_uri(override, status, error):
    client = Client()
    code = choose(client)["code"][0]
    answer = token(client, code, **override)
    assert answer.status_code == status and answer.json()["error"] == error


def test_an_expired_code_is_refused(monkeypatch):
    client = Client()
    code = choose(client)["code"][0]
    now = sso.time.time()
    monkeypatch.setattr(sso.time, "time", lambda: now + sso.CODE_SECONDS + 1)
    assert token(client, code).json()["error"] == "invalid_grant"


def test_userinfo_without_a_valid_token_is_401():
    response = Client().get("/sandbox/national/oidc/userinfo", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def test_logout_redirects_only_to_a_registered_address():
    client = Client()
    good = client.get(
        "/sandbox/national/oidc/logout",
        {"id_token_hint": "x", "post_logout_redirect_uri": "http://testserver/"},
    )
    assert good.status_code == 302 and good["Location"] == "http://testserver/"
    bad = client.get(
        "/sandbox/national/oidc/logout", {"post_logout_redirect_uri": "https://evil.example/"}
    )
    assert bad.status_code == 400


def test_reset_forgets_codes_and_the_key():
    client = Client()
    code = choose(client)["code"][0]
    kid = client.get("/sandbox/national/oidc/jwks").json()["keys"][0]["kid"]
    reset = client.post("/sandbox/national/reset", "{}", content_type="application/json")
    assert reset.status_code == 200
    assert token(client, code).json()["error"] == "invalid_grant"
    assert client.get("/sandbox/national/oidc/jwks").json()["keys"][0]["kid"] != kid


def test_undecodable_input_is_not_a_500():
    client = Client()
    response = client.get("/sandbox/national/oidc/authorize?client_id=%00%FF&redirect_uri=%C3%28")
    assert response.status_code == 400
    form = token(client, "\x00", code_verifier="\x00é")
    assert form.status_code == 400


def test_every_route_is_404_when_the_sandbox_is_off(settings):
    settings.TINHSO_NATIONAL_SANDBOX = False
    client = Client()
    assert client.get("/sandbox/national/oidc/authorize").status_code == 404
    assert client.get("/sandbox/national/oidc/jwks").status_code == 404
    assert client.post("/sandbox/national/oidc/token").status_code == 404
