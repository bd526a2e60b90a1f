"""The browser's side of the national portal sign-in (R-NAT-056) with the provider's answers
stubbed: the authorize redirect (state, nonce, PKCE S256), the return-path allow-list, state
replay and unknown states (refused, audited, a Vietnamese message, never a 500), the id_token
checks (signature, nonce, audience, expiry), logout at the provider, and the national mapping's
``TaiKhoanDuocXacThucVoiVNeID``."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.contrib.messages import get_messages
from django.test import Client
from joserfc import jwt
from joserfc.jwk import RSAKey

from tinhso.accounts.models import User
from tinhso.audit.models import AuditEntry
from tinhso.integrations.sso import client as sso_client
from tinhso.integrations.sso import services, views
from tinhso.integrations.sso.config import SsoRefused, sso_config
from tinhso.integrations.sso.models import NationalAccount
from tinhso.testing import give_consent

pytestmark = pytest.mark.django_db

ISSUER = "http://testserver/sandbox/national/oidc"
INFO = {
    "LoaiTaiKhoan": "1",
    "TechID": "tech-1",
    "HoVaTen": "Nguyễn Văn An",
    "SoDinhDanh": "083095001234",
    "loAs": ["VNEID_LEVEL_2"],
}


@pytest.fixture(autouse=True)
def _sso(settings):
    settings.TINHSO_SITE_URL = "http://testserver"
    settings.TINHSO_DVCQG_SSO_ENABLED = True
    settings.TINHSO_DVCQG_SSO_URL = "{site_url}/sandbox/national/oidc"
    settings.TINHSO_DVCQG_SSO_ISSUER = ""
    settings.TINHSO_DVCQG_SSO_CLIENT_ID = "tinhso-test"
    settings.TINHSO_DVCQG_SSO_CLIENT_SECRET = "test-secret"
    settings.TINHSO_DVCQG_SSO_JWKS_PATH = "/jwks"
    settings.TINHSO_DVCQG_SSO_ACR_VALUES = "VNEID_LEVEL_2"


@pytest.fixture
def provider(monkeypatch):
    """The provider's back channel answering for whatever flow the test started."""
    seen: dict[str, str] = {}

    def exchange(config, *, code, redirect_uri, verifier):
        seen.update(code=code, redirect_uri=redirect_uri, verifier=verifier)
        return sso_client.Tokens(access_token="at", id_token="it")

    def verify(config, id_token, *, nonce):
        seen["nonce"] = nonce
        return {"sub": "tech-1", "acr": "VNEID_LEVEL_2"}

    monkeypatch.setattr(sso_client, "exchange_code", exchange)
    monkeypatch.setattr(sso_client, "verify_id_token", verify)
    monkeypatch.setattr(sso_client, "userinfo", lambda config, token: dict(INFO))
    return seen


def start(client: Client, nxt: str = "") -> dict[str, str]:
    response = client.post("/tai-khoan/dvcqg/", {"next": nxt} if nxt else {})
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_start_redirects_to_authorize_with_state_nonce_and_pkce():
    client = Client()
    response = client.post("/tai-khoan/dvcqg/")
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/authorize"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["response_type"] == "code" and params["client_id"] == "tinhso-test"
    assert params["redirect_uri"] == "http://testserver/tai-khoan/dvcqg/callback/"
    assert params["code_challenge_method"] == "S256" and params["acr_values"] == "VNEID_LEVEL_2"
    flow = client.session[views.FLOWS_KEY][params["state"]]
    assert flow["nonce"] == params["nonce"]
    assert create_s256_code_challenge(flow["verifier"]) == params["code_challenge"]


def test_first_sign_in_goes_to_consent_then_to_the_allowed_return_path(provider):
    client = Client()
    params = start(client, "/ho-so/")
    response = client.get("/tai-khoan/dvcqg/callback/", {"state": params["state"], "code": "c1"})
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/dong-y/?next=%2Fho-so%2F")
    assert provider["nonce"] == params["nonce"] and provider["code"] == "c1"
    assert create_s256_code_challenge(provider["verifier"]) == params["code_challenge"]
    user = User.objects.get(personal_id="083095001234")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.session[views.ID_TOKEN_KEY] == "it"


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_an_open_redirect_in_the_return_path_is_dropped(provider, evil):
    client = Client()
    User.objects.create_user("an", personal_id="083095001234")
    services.sign_in(info=dict(INFO), claims={})  # linked
    give_consent(User.objects.get(username="an"))
    params = start(client, evil)
    response = client.get("/tai-khoan/dvcqg/callback/", {"state": params["state"], "code": "c"})
    assert response["Location"] == "/ho-so/"


def test_a_replayed_state_is_refused_and_audited(provider):
    client = Client()
    params = start(client)
    query = {"state": params["state"], "code": "c1"}
    assert client.get("/tai-khoan/dvcqg/callback/", query)["Location"].startswith("/tai-khoan/")
    client.logout()
    again = client.get("/tai-khoan/dvcqg/callback/", query)
    assert again.status_code == 302 and again["Location"] == "/dang-nhap/"
    assert any("đã được dùng" in m for m in messages_of(again))
    entry = AuditEntry.objects.filter(action=services.AUDIT_ACTION).order_by("-pk").first()
    assert entry.outcome == "failure" and entry.details["reason"] == "state_replayed"
    assert "_auth_user_id" not in client.session


def test_a_used_state_carried_into_another_session_is_refused(provider):
    first = Client()
    params = start(first)
    first.get("/tai-khoan/dvcqg/callback/", {"state": params["state"], "code": "c1"})
    other = Client()
    start(other)
    session = other.session
    carried = {"nonce": "n", "verifier": "v", "next": "", "started": time.time()}
    session[views.FLOWS_KEY] = {params["state"]: carried}
    session.save()
    response = other.get("/tai-khoan/dvcqg/callback/", {"state": params["state"], "code": "c1"})
    assert response["Location"] == "/dang-nhap/" and "_auth_user_id" not in other.session
    assert AuditEntry.objects.filter(details__reason="state_replayed").exists()


@pytest.mark.parametrize("query", [{}, {"state": "made-up", "code": "x"}, {"state": "é" * 600}])
def test_an_unknown_state_is_refused_without_a_500(provider, query):
    response = Client().get("/tai-khoan/dvcqg/callback/", query)
    assert response.status_code == 302 and response["Location"] == "/dang-nhap/"
    assert AuditEntry.objects.filter(details__reason="state_unknown").exists()


def test_a_nul_byte_or_undecodable_query_is_not_a_500(provider):
    client = Client()
    for raw in ("state=%00&code=%00", "state=%FF%FE&code=x"):
        assert client.get(f"/tai-khoan/dvcqg/callback/?{raw}").status_code in (302, 400)
    assert client.post("/tai-khoan/dvcqg/", {"next": "/ho-so/\x00"}).status_code in (302, 400)


def test_the_provider_answering_an_error_is_refused(provider):
    client = Client()
    params = start(client)
    response = client.get(
        "/tai-khoan/dvcqg/callback/", {"state": params["state"], "error": "access_denied"}
    )
    assert response["Location"] == "/dang-nhap/"
    assert any("đã bị hủy" in m for m in messages_of(response))
    assert not User.objects.filter(username__startswith="dvcqg-").exists()


def test_disabled_sign_in_is_refused_with_a_message(settings):
    settings.TINHSO_DVCQG_SSO_ENABLED = False
    response = Client().post("/tai-khoan/dvcqg/")
    assert response["Location"] == "/dang-nhap/"
    assert any("chưa được bật" in m for m in messages_of(response))


def test_the_login_page_shows_the_button_only_when_enabled(settings):
    assert "Cổng Dịch vụ công quốc gia" in Client().get("/dang-nhap/").content.decode()
    settings.TINHSO_DVCQG_SSO_ENABLED = False
    assert (
        "Đăng nhập qua Cổng Dịch vụ công quốc gia"
        not in Client().get("/dang-nhap/").content.decode()
    )


def test_logout_sends_the_browser_to_the_provider_with_the_id_token_hint(provider):
    client = Client()
    params = start(client)
    client.get("/tai-khoan/dvcqg/callback/", {"state": params["state"], "code": "c1"})
    give_consent(User.objects.get(personal_id="083095001234"))  # see the report: consent gate
    response = client.post("/tai-khoan/dvcqg/dang-xuat/")
    location = urlsplit(response["Location"])
    assert location.path == "/sandbox/national/oidc/logout"
    query = parse_qs(location.query)
    assert query["id_token_hint"] == ["it"]
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert "_auth_user_id" not in client.session
    plain = Client().post("/tai-khoan/dvcqg/dang-xuat/")
    assert plain["Location"] == "/"


# --- id_token checks (joserfc) ----------------------------------------------------------------


@pytest.fixture
def key():
    return RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)


def signed(key, **overrides):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "tinhso-test",
        "sub": "tech-1",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
    } | overrides
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])


def keyset(key):
    return {"keys": [key.as_dict(private=False)]}


def test_a_good_id_token_passes(key):
    claims = sso_client.check_id_token(sso_config(), signed(key), keyset(key), nonce="n-1")
    assert claims["sub"] == "tech-1"


@pytest.mark.parametrize(
    "case",
    ["bad_signature", "wrong_nonce", "wrong_aud", "expired", "wrong_iss", "no_nonce", "garbage"],
)
def test_a_bad_id_token_is_refused(key, case):
    token = {
        "bad_signature": lambda: signed(RSAKey.generate_key(2048, parameters={"kid": "k1"})),
        "wrong_nonce": lambda: signed(key, nonce="other"),
        "wrong_aud": lambda: signed(key, aud="someone-else"),
        "expired": lambda: signed(key, exp=int(time.time()) - 3600),
        "wrong_iss": lambda: signed(key, iss="https://evil.example"),
        "no_nonce": lambda: signed(key, nonce=None),
        "garbage": lambda: "not.a.jwt",
    }[case]()
    with pytest.raises(SsoRefused) as refused:
        sso_client.check_id_token(sso_config(), token, keyset(key), nonce="n-1")
    assert refused.value.reason.startswith("id_token:")


def test_a_bad_id_token_in_the_flow_signs_nobody_in(monkeypatch, key):
    monkeypatch.setattr(
        sso_client,
        "exchange_code",
        lambda config, **kw: sso_client.Tokens("at", signed(key, nonce="stale")),
    )
    monkeypatch.setattr(
        sso_client, "_call", lambda config, service, method, path, **kw: keyset(key)
    )
    client = Client()
    params = start(client)
    response = client.get("/tai-khoan/dvcqg/callback/", {"state": params["state"], "code": "c"})
    assert response["Location"] == "/dang-nhap/" and "_auth_user_id" not in client.session
    assert any("không hợp lệ" in m for m in messages_of(response))
    assert not NationalAccount.objects.exists()


# --- R-NAT-057 in the national mapping ----------------------------------------------------------


def test_the_mapping_flag_follows_the_filing_accounts_vneid_level():
    from types import SimpleNamespace

    from tinhso.integrations.national import mapping

    level2 = services.sign_in(info=dict(INFO), claims={}).user
    level1 = services.sign_in(
        info=dict(INFO, TechID="tech-2", SoDinhDanh="086088012345", loAs=["VNEID_LEVEL_1"]),
        claims={},
    ).user
    assert mapping.vneid_verified_flag(SimpleNamespace(filed_by_id=level2.pk)) == "1"
    assert mapping.vneid_verified_flag(SimpleNamespace(filed_by_id=level1.pk)) == "0"
    password_user = User.objects.create_user("plain")
    assert mapping.vneid_verified_flag(SimpleNamespace(filed_by_id=password_user.pk)) == "0"
