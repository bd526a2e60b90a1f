"""REST API rate limits (django-ninja throttles) whose rates are read from settings on each
request, so an operator (or a test) changes them without rebuilding the API object.

Wire them with ``NinjaAPI(..., throttle=api_throttles())``; an empty rate disables one.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle

from tinhso.accounts.lockout import client_address


class _SettingsRate:
    setting = ""

    def _configure(self) -> bool:
        rate = getattr(settings, self.setting, "")
        if not rate:
            return False
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)  # type: ignore[attr-defined]
        return True


class AnonymousApiThrottle(_SettingsRate, AnonRateThrottle):
    """Per client address, for calls without a token or session."""

    setting = "TINHSO_API_RATE_ANON"
    scope = "tinhso-anon"

    def __init__(self) -> None:
        BaseThrottle.__init__(self)

    def allow_request(self, request: HttpRequest) -> bool:
        return not self._configure() or super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str | None:
        return client_address(request) or super().get_ident(request)


class UserApiThrottle(_SettingsRate, SimpleRateThrottle):
    """Per signed-in user (token or session); anonymous calls are left to the other throttle."""

    setting = "TINHSO_API_RATE_USER"
    scope = "tinhso-user"

    def __init__(self) -> None:
        BaseThrottle.__init__(self)

    def allow_request(self, request: HttpRequest) -> bool:
        return not self._configure() or super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        ident = getattr(auth, "pk", None)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenEndpointThrottle(AnonymousApiThrottle):
    """Per client address on POST /api/v1/auth/token (password guessing through the API)."""

    setting = "TINHSO_API_RATE_TOKEN"
    scope = "tinhso-token"


def api_throttles() -> list[BaseThrottle]:
    return [AnonymousApiThrottle(), UserApiThrottle()]
