"""The sandbox's DVCQG identity provider (spec §4.2, §11.1 ``oidc/*``): protocol logic and state.

An OIDC authorization-code provider as the national portal's is described: a login page with
four personas, a code bound to the client, the redirect URI and the PKCE challenge (single use,
two minutes), a token endpoint taking ``client_id``/``client_secret`` in the form, an RS256
``id_token`` (key kept in ``sso_key.json`` of the state directory, published as a JWKS), a
``userinfo`` answering the §4.2 field names (``LoaiTaiKhoan``, ``HoVaTen``, ``SoDinhDanh``,
``MaSoThue``, ``TechID``, ``loAs`` …) and the OpenCPS ``validate`` endpoint (``{client_id, exp}``).
Codes and tokens live in ``sso_codes.json`` and ``sso_tokens.json``; ``reset`` removes all three
files (a new key is then made on the next use).

The assurance values (``VNEID_LEVEL_2`` …) are the sandbox's own: the real encoding of VNeID
levels in ``loAs``/``acr`` is UNCONFIRMED (R-NAT-057), which is why Tỉnh Số reads it from a setting.
"""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc import jwt
from joserfc.jwk import RSAKey

from tinhso.sandboxes.national import store

CODE_SECONDS = 120
TOKEN_SECONDS = 3600
KEY_FILE = "sso_key"
CODES = "sso_codes"
TOKENS = "sso_tokens"


@dataclass(frozen=True)
class Persona:
    """One account of the emulated portal; ``info`` is what ``userinfo`` answers (§4.2 names)."""

    key: str
    label: str
    description: Any  # a lazy translation
    acr: str
    info: dict[str, Any] = field(default_factory=dict)


def _citizen(tech_id: str, personal_id: str, name: str, phone: str, level: int) -> dict[str, Any]:
    return {
        "LoaiTaiKhoan": "1",
        "TechID": tech_id,
        "HoVaTen": name,
        "SoDinhDanh": personal_id,
        "SoCMND": "",
        "MaSoThue": "",
        "MaSoDoanhNghiep": "",
        "TenDoanhNghiep": "",
        "DiaChi": "",
        "SoDienThoai": phone,
        "ThuDienTu": f"{tech_id}-ttkm@dvcqg.gov.vn",  # OpenCPS's made-up address: never an identity
        "GioiTinh": "",
        "HoChieu": "",
        "loAs": [f"VNEID_LEVEL_{level}"],
    }


def _organisation(
    kind: str, tech_id: str, tax_code: str, name: str, representative: str
) -> dict[str, Any]:
    return {
        "LoaiTaiKhoan": kind,
        "TechID": tech_id,
        "HoVaTen": representative,
        "SoDinhDanh": "",
        "SoCMND": "",
        "MaSoThue": tax_code,
        "MaSoDoanhNghiep": tax_code,  # an enterprise's code is its tax code (Law on Enterprises)
        "TenDoanhNghiep": name,
        "DiaChi": "Phường Phú Khương, tỉnh Vĩnh Long",
        "SoDienThoai": "0275 3822 123",
        "ThuDienTu": f"{tech_id}-ttkm@dvcqg.gov.vn",
        "GioiTinh": "",
        "HoChieu": "",
        "loAs": ["VNEID_LEVEL_2"],
    }


PERSONAS: dict[str, Persona] = {
    persona.key: persona
    for persona in (
        Persona(
            "citizen-l2",
            "Nguyễn Văn An",
            gettext_lazy("Công dân — định danh điện tử VNeID mức 2 (083095001234)"),
            "VNEID_LEVEL_2",
            _citizen(
                "6f1c2a4e-0b7d-4c35-9a51-2d8e5f0a1001",
                "083095001234",
                "Nguyễn Văn An",
                "0912345678",
                2,
            ),
        ),
        Persona(
            "citizen-l1",
            "Lê Văn Cường",
            gettext_lazy("Công dân — định danh điện tử VNeID mức 1 (086088012345)"),
            "VNEID_LEVEL_1",
            _citizen(
                "6f1c2a4e-0b7d-4c35-9a51-2d8e5f0a1002",
                "086088012345",
                "Lê Văn Cường",
                "0987654321",
                1,
            ),
        ),
        Persona(
            "enterprise",
            "Công ty TNHH Thương mại Đồng Khởi",
            gettext_lazy("Doanh nghiệp — mã số thuế 0100109106"),
            "VNEID_LEVEL_2",
            _organisation(
                "2",
                "6f1c2a4e-0b7d-4c35-9a51-2d8e5f0a2001",
                "0100109106",
                "Công ty TNHH Thương mại Đồng Khởi",
                "Trần Văn Bình",
            ),
        ),
        Persona(
            "organisation",
            "Hợp tác xã Nông nghiệp Giao Long",
            gettext_lazy("Tổ chức — mã số thuế 0314409058"),
            "VNEID_LEVEL_2",
            _organisation(
                "3",
                "6f1c2a4e-0b7d-4c35-9a51-2d8e5f0a3001",
                "0314409058",
                "Hợp tác xã Nông nghiệp Giao Long",
                "Phạm Thị Hoa",
            ),
        ),
    )
}


class OAuthRefused(Exception):
    """An OAuth error answer: ``error`` is the RFC 6749 code, ``description`` ours."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


# --- configuration ----------------------------------------------------------------------------


def client_id() -> str:
    return str(settings.TINHSO_DVCQG_SSO_SANDBOX_CLIENT_ID or settings.TINHSO_DVCQG_SSO_CLIENT_ID)


def client_secret() -> str:
    return str(
        settings.TINHSO_DVCQG_SSO_SANDBOX_CLIENT_SECRET or settings.TINHSO_DVCQG_SSO_CLIENT_SECRET
    )


def issuer() -> str:
    """The ``iss`` of our tokens: the provider's base URL as the site's settings name it."""
    site = str(settings.TINHSO_SITE_URL).rstrip("/")
    return f"{site}/sandbox/national/oidc"


def _registered(request: HttpRequest, templates: list[str], uri: str) -> bool:
    """``uri`` equals a registered one, ``{site_url}`` being the site's URL or this request's own
    origin (the sandbox is served by the same site, perhaps as http://localhost:8080)."""
    sites = {str(settings.TINHSO_SITE_URL).rstrip("/"), f"{request.scheme}://{request.get_host()}"}
    allowed = {template.replace("{site_url}", site) for template in templates for site in sites}
    return uri in allowed


def redirect_allowed(request: HttpRequest, uri: str) -> bool:
    return _registered(request, list(settings.TINHSO_DVCQG_SSO_SANDBOX_REDIRECT_URIS), uri)


def logout_allowed(request: HttpRequest, uri: str) -> bool:
    return _registered(request, list(settings.TINHSO_DVCQG_SSO_SANDBOX_LOGOUT_URIS), uri)


# --- signing key ------------------------------------------------------------------------------


def signing_key() -> RSAKey:
    """The provider's RSA key, made on first use and kept in the state directory."""
    with store.document(KEY_FILE, {}) as data:
        if not data.get("private"):
            key = RSAKey.generate_key(2048, private=True)
            kid = secrets.token_hex(8)
            data["private"] = {**key.as_dict(private=True), "kid": kid}
        private = dict(data["private"])
    return RSAKey.import_key(private, {"kid": private["kid"], "use": "sig", "alg": "RS256"})


def jwks() -> dict[str, Any]:
    public = signing_key().as_dict(private=False)
    return {"keys": [{**public, "use": "sig", "alg": "RS256"}]}


# --- authorize --------------------------------------------------------------------------------


def check_authorize(request: HttpRequest, params: dict[str, str]) -> None:
    """The checks of an authorization request before the login page is shown.

    A bad ``client_id`` or ``redirect_uri`` is answered on the page itself (never redirected to an
    unregistered address, RFC 6749 §4.1.2.1); the caller turns the rest into a redirect error.
    """
    if not params.get("client_id") or params["client_id"] != client_id():
        raise OAuthRefused("invalid_client", _("Ứng dụng (client_id) chưa được đăng ký."))
    if not redirect_allowed(request, params.get("redirect_uri", "")):
        raise OAuthRefused("invalid_request", _("Địa chỉ chuyển về (redirect_uri) không hợp lệ."))


def check_request(params: dict[str, str]) -> None:
    """Checks answered by redirecting back with ``error`` (the redirect URI is known good)."""
    if params.get("response_type") != "code":
        raise OAuthRefused("unsupported_response_type", _("Chỉ hỗ trợ response_type=code."))
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        raise OAuthRefused("invalid_request", _("Cần PKCE với code_challenge_method=S256."))
    if not params.get("state"):
        raise OAuthRefused("invalid_request", _("Thiếu tham số state."))


def issue_code(params: dict[str, str], persona_key: str) -> str:
    """The persona chose to sign in: a single-use code bound to this request."""
    if persona_key not in PERSONAS:
        raise OAuthRefused("access_denied", _("Tài khoản thử nghiệm không tồn tại."))
    code = secrets.token_urlsafe(24)
    now = time.time()
    with store.document(CODES, {}) as codes:
        for old in [k for k, v in codes.items() if v["expires"] < now - 3600]:
            del codes[old]
        codes[code] = {
            "persona": persona_key,
            "client_id": params["client_id"],
            "redirect_uri": params["redirect_uri"],
            "code_challenge": params["code_challenge"],
            "nonce": params.get("nonce", ""),
            "expires": now + CODE_SECONDS,
            "used": False,
        }
    return code


# --- token ------------------------------------------------------------------------------------


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _check_client(form: dict[str, str]) -> None:
    good_id = secrets.compare_digest(form.get("client_id", ""), client_id())
    good_secret = secrets.compare_digest(form.get("client_secret", ""), client_secret())
    if not (good_id and good_secret and client_secret()):
        raise OAuthRefused("invalid_client", _("Sai thông tin ứng dụng."), status=401)


def _redeem(form: dict[str, str]) -> dict[str, Any]:
    """Mark the code used (whatever follows) and return what it was issued for."""
    with store.document(CODES, {}) as codes:
        grant = codes.get(form.get("code", ""))
        if grant is None or grant["used"]:
            raise OAuthRefused("invalid_grant", _("Mã ủy quyền không hợp lệ hoặc đã dùng."))
        grant["used"] = True
    if grant["expires"] < time.time():
        raise OAuthRefused("invalid_grant", _("Mã ủy quyền đã hết hạn."))
    if grant["client_id"] != form.get("client_id") or grant["redirect_uri"] != form.get(
        "redirect_uri"
    ):
        raise OAuthRefused("invalid_grant", _("redirect_uri hoặc client_id không khớp."))
    if _s256(form.get("code_verifier", "")) != grant["code_challenge"]:
        raise OAuthRefused("invalid_grant", _("code_verifier không khớp (PKCE)."))
    return dict(grant)


def exchange(form: dict[str, str]) -> dict[str, Any]:
    """``POST token``: client credentials, then the code (single use, unexpired, same redirect
    URI, PKCE verifier); answers an access token and a signed ``id_token``."""
    if form.get("grant_type") != "authorization_code":
        raise OAuthRefused("unsupported_grant_type", _("Chỉ hỗ trợ authorization_code."))
    _check_client(form)
    grant = _redeem(form)
    persona = PERSONAS[grant["persona"]]
    now = int(time.time())
    access_token = secrets.token_urlsafe(32)
    with store.document(TOKENS, {}) as tokens:
        for old in [k for k, v in tokens.items() if v["exp"] < now - 3600]:
            del tokens[old]
        tokens[access_token] = {
            "persona": persona.key,
            "client_id": grant["client_id"],
            "exp": now + TOKEN_SECONDS,
        }
    key = signing_key()
    claims = {
        "iss": issuer(),
        "sub": persona.info["TechID"],
        "aud": grant["client_id"],
        "iat": now,
        "exp": now + TOKEN_SECONDS,
        "acr": persona.acr,
        "nonce": grant["nonce"],
    }
    id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_SECONDS,
        "id_token": id_token,
        "scope": "openid",
    }


# --- userinfo, validate -----------------------------------------------------------------------


def bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _token(access_token: str) -> dict[str, Any]:
    record = store.read(TOKENS, {}).get(access_token) if access_token else None
    if record is None or record["exp"] < time.time():
        raise OAuthRefused("invalid_token", _("Mã truy cập không hợp lệ."), status=401)
    return dict(record)


def userinfo(access_token: str) -> dict[str, Any]:
    return dict(PERSONAS[_token(access_token)["persona"]].info)


def validate(access_token: str) -> dict[str, Any]:
    """OpenCPS's ``validatetoken_endpoint``: whom the token was issued to and until when."""
    record = _token(access_token)
    return {"client_id": record["client_id"], "exp": record["exp"], "active": True}
