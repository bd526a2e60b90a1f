"""``TINHSO_DVCQG_SSO_*`` read at call time (tests and a changed environment take effect at once).

Two base URLs: the browser is sent to the provider (authorize, logout) on the request's own
origin in development (``site_url(request)``, so http://localhost:8080 works); the server's own
calls (token, userinfo, validate, JWKS) use ``TINHSO_SITE_URL``, as every server-to-server call.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tinhso.payments.providers.vnpay.config import site_url


class SsoRefused(Exception):
    """A sign-in refused for a reason the person may read (Vietnamese, already translated)."""

    def __init__(self, message: str, reason: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # for the audit record
        self.audited = False


@dataclass(frozen=True)
class SsoConfig:
    base: str  # server-to-server
    browser_base: str  # where the browser goes
    issuer: str
    client_id: str
    client_secret: str
    scope: str
    acr_values: str
    timeout: tuple[float, float]

    def url(self, path: str, *, browser: bool = False) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return (self.browser_base if browser else self.base).rstrip("/") + "/" + path.lstrip("/")

    @property
    def jwks_mode(self) -> bool:
        return bool(settings.TINHSO_DVCQG_SSO_JWKS_PATH)


def enabled() -> bool:
    return bool(settings.TINHSO_DVCQG_SSO_ENABLED)


def sso_config(request: HttpRequest | None = None) -> SsoConfig:
    if not enabled():
        raise SsoRefused(_("Đăng nhập qua Cổng Dịch vụ công quốc gia chưa được bật."), "disabled")
    if not settings.TINHSO_DVCQG_SSO_CLIENT_ID or not settings.TINHSO_DVCQG_SSO_CLIENT_SECRET:
        raise SsoRefused(
            _("Chưa cấu hình tài khoản kết nối với Cổng Dịch vụ công quốc gia."), "unconfigured"
        )
    template = str(settings.TINHSO_DVCQG_SSO_URL)
    base = template.replace("{site_url}", site_url())
    return SsoConfig(
        base=base,
        browser_base=template.replace("{site_url}", site_url(request)),
        issuer=str(settings.TINHSO_DVCQG_SSO_ISSUER or base).rstrip("/"),
        client_id=settings.TINHSO_DVCQG_SSO_CLIENT_ID,
        client_secret=settings.TINHSO_DVCQG_SSO_CLIENT_SECRET,
        scope=settings.TINHSO_DVCQG_SSO_SCOPE,
        acr_values=settings.TINHSO_DVCQG_SSO_ACR_VALUES,
        timeout=(settings.TINHSO_DVCQG_SSO_CONNECT_TIMEOUT, settings.TINHSO_DVCQG_SSO_READ_TIMEOUT),
    )
