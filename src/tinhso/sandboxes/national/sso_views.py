"""HTTP face of the sandbox's DVCQG identity provider (spec §4.2, §11.1): ``oidc/authorize`` (the
login page with four personas, a real form posting back), ``oidc/token``, ``oidc/userinfo``,
``oidc/validate``, ``oidc/jwks`` and ``oidc/logout``. Errors are answered as OAuth does: JSON
``{"error", "error_description"}`` from the back-channel endpoints, a redirect with ``error`` once
the redirect URI is known good, the page itself otherwise. Every route is 404 unless
``TINHSO_NATIONAL_SANDBOX``."""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.sandboxes.national import sso
from tinhso.sandboxes.national.views import _enabled

AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "acr_values",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def _oauth_error(exc: sso.OAuthRefused) -> JsonResponse:
    response = JsonResponse(
        {"error": exc.error, "error_description": exc.description},
        status=exc.status,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"
    if exc.status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return response


def _no_store(body: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _back(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    glue = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{glue}{urlencode(params)}")


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """GET: the login page; POST (a persona's button): back to the client with a code."""
    _enabled()
    source = request.POST if request.method == "POST" else request.GET
    params = {name: source.get(name, "") for name in AUTHORIZE_PARAMS}
    try:
        sso.check_authorize(request, params)
    except sso.OAuthRefused as exc:
        refused = {"error": exc.description, "code": exc.error}
        return render(request, "sandboxes/sso_login.html", refused, status=400)
    try:
        sso.check_request(params)
        if request.method == "POST":
            if request.POST.get("action") == "cancel":
                raise sso.OAuthRefused("access_denied", _("Người dùng đã hủy đăng nhập."))
            code = sso.issue_code(params, request.POST.get("persona", ""))
            return _back(params["redirect_uri"], code=code, state=params["state"])
    except sso.OAuthRefused as exc:
        answer = {"error": exc.error, "error_description": exc.description}
        if params["state"]:
            answer["state"] = params["state"]
        return _back(params["redirect_uri"], **answer)
    context: dict[str, Any] = {"params": params, "personas": list(sso.PERSONAS.values())}
    return render(request, "sandboxes/sso_login.html", context)


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint: form-encoded, client credentials in the form (client_secret_post)."""
    _enabled()
    form = {name: str(value) for name, value in request.POST.items()}
    try:
        return _no_store(sso.exchange(form))
    except sso.OAuthRefused as exc:
        return _oauth_error(exc)


@require_GET
def userinfo(request: HttpRequest) -> HttpResponse:
    _enabled()
    try:
        return _no_store(sso.userinfo(sso.bearer(request)))
    except sso.OAuthRefused as exc:
        return _oauth_error(exc)


@csrf_exempt
@require_POST
def validate(request: HttpRequest) -> HttpResponse:
    """``{client_id, exp}`` of the bearer token (also accepted as the form field ``token``)."""
    _enabled()
    try:
        return _no_store(sso.validate(sso.bearer(request) or request.POST.get("token", "")))
    except sso.OAuthRefused as exc:
        return _oauth_error(exc)


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    _enabled()
    return JsonResponse(sso.jwks())


@require_GET
def logout(request: HttpRequest) -> HttpResponse:
    """End the provider's session (it keeps none) and go back to a registered address."""
    _enabled()
    target = request.GET.get("post_logout_redirect_uri", "")
    if not sso.logout_allowed(request, target):
        context = {
            "error": _("Địa chỉ quay về sau đăng xuất không hợp lệ."),
            "code": "invalid_request",
        }
        return render(request, "sandboxes/sso_login.html", context, status=400)
    return HttpResponseRedirect(target)
