"""The merchant's VNPay settings (``TINHSO_VNPAY_*``, docs/payments-vnpay.md), read at call time."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.payments.providers import ProviderError

if TYPE_CHECKING:
    from django.http import HttpRequest

#: The provider's id (URLs, API, payment rows).
PROVIDER_ID = "vnpay"
#: The demo secret of settings.py; refused with any gateway other than the in-project sandbox.
DEMO_HASH_SECRET = "DEMO-ONLY-SECRET-NOT-FOR-PRODUCTION"


@dataclass(frozen=True)
class VNPayConfig:
    tmn_code: str
    hash_secret: str
    pay_url: str
    api_url: str
    return_url: str
    server_ip: str
    timeout: int


def site_url(request: "HttpRequest | None" = None) -> str:
    """The site's own URL for a link made now.

    ``TINHSO_SITE_URL``, except in development while it is not given
    (``TINHSO_SITE_URL_FOLLOWS_REQUEST``): a link made while serving ``request`` then uses that
    request's scheme, host and port, so the payer who opened http://localhost:8080 is sent to
    the sandbox and back on that same origin (the CSP's ``form-action 'self'`` allows it).
    The host is the one Django validated against ``ALLOWED_HOSTS``.
    """
    if request is not None and settings.TINHSO_SITE_URL_FOLLOWS_REQUEST:
        return f"{request.scheme}://{request.get_host()}"
    return str(settings.TINHSO_SITE_URL).rstrip("/")


def resolve_url(template: str, request: "HttpRequest | None" = None) -> str:
    """Settings may say ``{site_url}/...``; the site URL is filled in when the value is used."""
    return template.replace("{site_url}", site_url(request))


def vnpay_config(request: "HttpRequest | None" = None) -> VNPayConfig:
    """The merchant's VNPay settings, read at call time (tests and deployments override them);
    ``{site_url}`` follows ``request`` when there is one (``site_url``)."""
    config = VNPayConfig(
        tmn_code=settings.TINHSO_VNPAY_TMN_CODE,
        hash_secret=settings.TINHSO_VNPAY_HASH_SECRET,
        pay_url=resolve_url(settings.TINHSO_VNPAY_URL, request),
        api_url=resolve_url(settings.TINHSO_VNPAY_API_URL),
        return_url=resolve_url(settings.TINHSO_VNPAY_RETURN_URL, request),
        server_ip=settings.TINHSO_VNPAY_SERVER_IP,
        timeout=settings.TINHSO_VNPAY_API_TIMEOUT,
    )
    if not config.tmn_code or not config.hash_secret:
        raise ProviderError(_("Chưa cấu hình mã website và khóa bí mật VNPay."))
    if config.hash_secret == DEMO_HASH_SECRET and not config.pay_url.startswith(site_url(request)):
        raise ProviderError(_("Khóa bí mật VNPay mẫu chỉ dùng với cổng thử nghiệm trong dự án."))
    return config
