"""The outside origins a form of the site may lead to, added to the CSP's ``form-action``.

Chromium applies ``form-action`` to the redirects that follow a form submission, so with
``form-action 'self'`` alone two journeys break in production: signing in with VNeID (a POST to
``/tai-khoan/vneid/`` that redirects to the identity provider) and paying with VNPay (a POST
that redirects to the gateway). The origins come from the settings that name those services,
read at each response (so a changed setting takes effect without a restart), plus
``TINHSO_CSP_FORM_ACTION`` for a provider whose authorization endpoint lives on another host
than its issuer. URLs on the site itself (the in-project sandboxes, ``{site_url}/…``) add nothing.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def _origin(url: str) -> str:
    if not url or url.startswith("{site_url}"):
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def external_form_origins() -> list[str]:
    urls = [
        settings.TINHSO_OIDC_ISSUER,
        settings.TINHSO_VNPAY_URL,
        *settings.TINHSO_CSP_FORM_ACTION,
    ]
    origins = [_origin(str(url).strip()) for url in urls]
    return sorted({origin for origin in origins if origin})


class FormActionMiddleware:
    """Sits inside django-csp's middleware, which reads ``response._csp_update``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        origins = external_form_origins()
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update  # type: ignore[attr-defined]
        return response
