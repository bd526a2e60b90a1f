"""The back-channel calls to the DVCQG identity provider (spec §4.2 steps 2–4).

Each call is written to the integration log (R-NAT-006) without what it carried: the code, the
tokens and the person's data never reach the log. ID tokens are verified with joserfc (never a
hand-written JWT check): RS256 signature against the provider's JWKS, then ``iss``, ``aud``,
``exp`` and ``nonce``. The JWKS is fetched for each sign-in: it is one small request, and a
provider that rotated its key (or a sandbox that was reset) is then followed at once.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tinhso.integrations import outbox
from tinhso.integrations.sso.config import SsoConfig, SsoRefused

logger = logging.getLogger(__name__)
SYSTEM = "dvcqg-sso"
ALGORITHMS = ["RS256"]
LEEWAY = 60  # seconds of clock difference tolerated on exp / iat


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str


def _unavailable() -> SsoRefused:
    return SsoRefused(
        _("Không kết nối được Cổng Dịch vụ công quốc gia. Vui lòng thử lại sau."), "unavailable"
    )


def _call(config: SsoConfig, service: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """One HTTP call answering a JSON object; anything else is "the provider is unavailable"."""
    started = time.monotonic()
    status: int | None = None
    try:
        response = requests.request(method, config.url(path), timeout=config.timeout, **kwargs)
        status = response.status_code
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
    except (requests.RequestException, ValueError) as exc:
        _log(service, started, status, f"{type(exc).__name__}", "error")
        logger.warning("DVCQG sign-in %s failed: %s", service, type(exc).__name__)
        raise _unavailable() from exc
    error = str(body.get("error", ""))[:64]
    _log(service, started, status, error, "ok" if status == 200 and not error else "refused")
    if status != 200 or error:
        raise SsoRefused(_("Cổng Dịch vụ công quốc gia từ chối yêu cầu đăng nhập."), "rejected")
    return body


def _log(service: str, started: float, status: int | None, message: str, outcome: str) -> None:
    outbox.log_call(
        system=SYSTEM,
        service=service,
        http_status=status,
        message=message,
        latency_ms=int((time.monotonic() - started) * 1000),
        outcome=outcome,
    )


def exchange_code(config: SsoConfig, *, code: str, redirect_uri: str, verifier: str) -> Tokens:
    """Step 2: form-encoded, the client's secret in the form, the PKCE verifier."""
    body = _call(
        config,
        "token",
        "POST",
        _path("TOKEN"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            "code_verifier": verifier,
        },
        headers={"Accept": "application/json"},
    )
    access_token = str(body.get("access_token") or "")
    if not access_token:
        raise SsoRefused(_("Cổng Dịch vụ công quốc gia không trả về mã truy cập."), "no_token")
    return Tokens(access_token=access_token, id_token=str(body.get("id_token") or ""))


def verify_id_token(config: SsoConfig, id_token: str, *, nonce: str) -> dict[str, Any]:
    """The id_token's claims once its signature, issuer, audience, expiry and nonce hold."""
    if not id_token:
        raise SsoRefused(_("Cổng Dịch vụ công quốc gia không trả về mã định danh."), "no_id_token")
    keys = _call(config, "jwks", "GET", _path("JWKS"))
    return check_id_token(config, id_token, keys, nonce=nonce)


def check_id_token(
    config: SsoConfig, id_token: str, keys: dict[str, Any], *, nonce: str
) -> dict[str, Any]:
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": config.issuer},
        aud={"essential": True, "value": config.client_id},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys), algorithms=ALGORITHMS)  # type: ignore[arg-type]
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        logger.warning("DVCQG id_token refused: %s", type(exc).__name__)
        raise SsoRefused(
            _("Mã định danh do Cổng Dịch vụ công quốc gia trả về không hợp lệ."),
            f"id_token:{type(exc).__name__}",
        ) from exc
    return dict(token.claims)


def validate_token(config: SsoConfig, access_token: str) -> dict[str, Any]:
    """Step 4 without JWKS: the provider says whom the token was issued to and until when."""
    body = _call(
        config,
        "validate",
        "POST",
        _path("VALIDATE"),
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )
    try:
        expires = float(body.get("exp"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        expires = 0.0
    if str(body.get("client_id", "")) != config.client_id or expires <= time.time():
        raise SsoRefused(
            _("Mã truy cập do Cổng Dịch vụ công quốc gia trả về không hợp lệ."), "token_invalid"
        )
    return body


def userinfo(config: SsoConfig, access_token: str) -> dict[str, Any]:
    """Step 3: the §4.2 fields (LoaiTaiKhoan, HoVaTen, SoDinhDanh, MaSoThue, TechID, loAs …)."""
    return _call(
        config,
        "userinfo",
        "GET",
        _path("USERINFO"),
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )


def _path(name: str) -> str:
    return str(getattr(settings, f"TINHSO_DVCQG_SSO_{name}_PATH"))


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8", "replace")).hexdigest()
