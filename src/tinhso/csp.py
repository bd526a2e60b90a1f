"""The outside origins a form of the site may lead to, added to the CSP's ``form-action``.

Chromium applies ``form-action`` to the redirects that follow a form submission, so with
``form-action 'self'`` alone two journeys break in production: signing in with VNeID (a POST to
``/tai-khoan/vneid/`` that redirects to the identity provider) and paying with VNPay (a POST
that redirects to the gateway). The origins come from the settings that name those services,
read at each response (so a changed setting takes effect without a restart), plus
``TINHSO_CSP_FORM_ACTION`` for a provider whose authorization endpoint lives on another host
than its issuer.

URLs on the site itself (the in-project sandboxes, ``{site_url}/…``) are resolved as the
payment code resolves them (``tinhso.payments.providers.vnpay.config.site_url``): in development
without ``TINHSO_SITE_URL`` they follow the request, so they are the response's own origin and
``'self'`` covers them; otherwise they are ``TINHSO_SITE_URL``, whose origin is added when the
site is being served under another one (e.g. ``http://localhost:8080`` while the setting says
``http://127.0.0.1:8080``) — the payer's redirect goes there, and must not be blocked.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def request_origin(request: HttpRequest | None) -> str:
    """The origin the browser sees for ``request`` ("" when its host is not allowed)."""
    if request is None:
        return ""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return ""


def _site_origin(request: HttpRequest | None) -> str:
    """Where ``{site_url}`` points for this response: nothing to add when it is the request's own."""
    own = request_origin(request)
    if own and settings.TINHSO_SITE_URL_FOLLOWS_REQUEST:
        return ""
    site = _origin(str(settings.TINHSO_SITE_URL).strip())
    return "" if site == own else site


def external_form_origins(request: HttpRequest | None = None) -> list[str]:
    urls = [
        settings.TINHSO_OIDC_ISSUER,
        settings.TINHSO_VNPAY_URL,
        # The national portal's sign-in: the button's and the sign-out's POSTs redirect there.
        settings.TINHSO_DVCQG_SSO_URL if settings.TINHSO_DVCQG_SSO_ENABLED else "",
        *settings.TINHSO_CSP_FORM_ACTION,
    ]
    origins = []
    for url in (str(url).strip() for url in urls):
        if not url:
            continue
        origins.append(_site_origin(request) if url.startswith("{site_url}") else _origin(url))
    return sorted({origin for origin in origins if origin})


class FormActionMiddleware:
    """Sits inside django-csp's middleware, which reads ``response._csp_update``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        origins = external_form_origins(request)
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update  # type: ignore[attr-defined]
        return response
