"""The browser's side of the national portal sign-in (R-NAT-056): start, callback, logout.

Start (POST) keeps the ``state``, ``nonce``, PKCE verifier and the return path in the session
and sends the browser to the provider. The callback accepts a ``state`` only if this session
started it (and consumes it there), and only once anywhere (``UsedSignInState``): a replayed or
unknown state is refused, audited, and explained on the login page. Then the code is exchanged,
the id_token verified with the JWKS (or the token checked at the validate endpoint), userinfo
read and the account found or created (``services.sign_in``). A first sign-in goes to the consent
page, as the VNeID sign-in does.
"""

import secrets
import time
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tinhso.accounts import consent
from tinhso.integrations.sso import client, services
from tinhso.integrations.sso.config import SsoConfig, SsoRefused, sso_config
from tinhso.payments.providers.vnpay.config import site_url

BACKEND = "tinhso.accounts.backends.LockoutModelBackend"
FLOWS_KEY = "tinhso_dvcqg_flows"  # state → {nonce, verifier, next, started}
ID_TOKEN_KEY = "tinhso_dvcqg_id_token"  # for the provider's logout (id_token_hint)
MAX_FLOWS = 3  # sign-ins started in other tabs of the same browser


def safe_next(value: str) -> str:
    """The return path if it is a same-site relative path (never another host, R-NAT-056)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ch in value for ch in "\\\r\n\t\x00")
        or not url_has_allowed_host_and_scheme(value, allowed_hosts=set())
        or value.startswith(reverse("sso:start"))
    ):
        return ""
    return value


def _callback_uri(request: HttpRequest) -> str:
    """Absolute, on the origin the browser uses (``TINHSO_SITE_URL`` in production)."""
    return site_url(request) + reverse("sso:callback")


def _fail(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("portal:login")


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the provider's authorization endpoint (R-NAT-056)."""
    try:
        config = sso_config(request)
    except SsoRefused as exc:
        return _fail(request, exc.message)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    flows: dict[str, Any] = dict(request.session.get(FLOWS_KEY) or {})
    for old in sorted(flows, key=lambda key: flows[key]["started"])[: -MAX_FLOWS + 1]:
        del flows[old]
    flows[state] = {
        "nonce": nonce,
        "verifier": verifier,
        "next": safe_next(request.POST.get("next", "")),
        "started": time.time(),
    }
    request.session[FLOWS_KEY] = flows
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": _callback_uri(request),
        "scope": config.scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if config.acr_values:
        params["acr_values"] = config.acr_values
    authorize = config.url(settings.TINHSO_DVCQG_SSO_AUTHORIZE_PATH, browser=True)
    glue = "&" if "?" in authorize else "?"
    return HttpResponseRedirect(f"{authorize}{glue}{urlencode(params)}")


def _take_flow(request: HttpRequest, state: str) -> dict[str, Any]:
    """The flow this session started for ``state``, removed from the session and marked used
    server-side; a state this session did not start, or one already used, is refused."""
    flows: dict[str, Any] = dict(request.session.get(FLOWS_KEY) or {})
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS_KEY] = flows
    if flow is None:
        used = bool(state) and services.state_was_used(state)
        raise SsoRefused(services.replay_message(), "state_replayed" if used else "state_unknown")
    services.consume_state(state)
    if time.time() - float(flow["started"]) > settings.TINHSO_DVCQG_SSO_STATE_SECONDS:
        raise SsoRefused(services.replay_message(), "state_expired")
    return dict(flow)


def _identity(
    request: HttpRequest, config: SsoConfig, flow: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Exchange the code; verify the id_token (JWKS) or the token (validate); read userinfo."""
    code = request.GET.get("code", "")
    if not code:
        raise SsoRefused(_("Cổng Dịch vụ công quốc gia không trả về mã ủy quyền."), "no_code")
    tokens = client.exchange_code(
        config, code=code, redirect_uri=_callback_uri(request), verifier=flow["verifier"]
    )
    claims: dict[str, Any] = {}
    if config.jwks_mode:
        claims = client.verify_id_token(config, tokens.id_token, nonce=flow["nonce"])
    else:
        client.validate_token(config, tokens.access_token)
    info = client.userinfo(config, tokens.access_token)
    if claims.get("sub") and info.get("TechID") and str(claims["sub"]) != str(info["TechID"]):
        raise SsoRefused(_("Thông tin tài khoản không khớp với mã định danh."), "sub_mismatch")
    return info, claims, tokens.id_token


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code (or an error) and the state."""
    try:
        flow = _take_flow(request, request.GET.get("state", "")[:512])
        if request.GET.get("error"):
            raise SsoRefused(
                _("Đăng nhập qua Cổng Dịch vụ công quốc gia đã bị hủy hoặc không thành công."),
                "provider:" + request.GET["error"][:40],
            )
        config = sso_config(request)
        info, claims, id_token = _identity(request, config, flow)
        result = services.sign_in(info=info, claims=claims, request=request)
    except SsoRefused as exc:
        if not exc.audited:
            services.refused(exc.reason, request=request)
        return _fail(request, exc.message)
    nxt = flow["next"] or reverse("portal:my_dossiers")
    login(request, result.user, backend=BACKEND)
    request.session[ID_TOKEN_KEY] = id_token
    if consent.needs_consent(result.user):  # a first sign-in: the person decides first
        return redirect(f"{reverse('accounts:consent')}?{urlencode({'next': nxt})}")
    return redirect(nxt)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out here, then at the provider when this session came from it (id_token_hint)."""
    id_token = str(request.session.get(ID_TOKEN_KEY) or "")
    home = resolve_url(settings.LOGOUT_REDIRECT_URL or "/")
    logout(request)
    if not id_token:
        return redirect(home)
    try:
        config = sso_config(request)
    except SsoRefused:
        return redirect(home)
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": site_url(request) + home}
    target = config.url(settings.TINHSO_DVCQG_SSO_LOGOUT_PATH, browser=True)
    glue = "&" if "?" in target else "?"
    return HttpResponseRedirect(f"{target}{glue}{urlencode(params)}")
