"""Sessions of officials: second factor before anything else, and expiry after inactivity.

An official (or administrator) whose session has passed the password but not the second factor
reaches only the second-factor pages, the sign-out and static files; any other page redirects
to the second-factor step, and the REST API sees such a session as anonymous. A session idle
longer than ``TINHSO_OFFICIAL_IDLE_MINUTES`` is ended.
"""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tinhso.accounts.twofactor import needs_second_factor

VERIFIED_KEY = "tinhso_2fa_user"
LAST_SEEN_KEY = "tinhso_last_seen"
_LAST_SEEN_RESOLUTION = 30  # seconds: do not rewrite the session on every request


def is_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(VERIFIED_KEY) == request.user.pk)


def mark_verified(request: HttpRequest) -> None:
    """The session passed the second factor: a new session key (no fixation), marked."""
    request.session.cycle_key()
    request.session[VERIFIED_KEY] = request.user.pk
    request.session[LAST_SEEN_KEY] = int(time.time())


def _open_pages() -> set[str]:
    """Exact paths: ``otp_verify`` is a prefix of the agency admin's reset pages, so a prefix
    match would open those to a session that has not passed the second factor."""
    return {
        reverse("accounts:otp_verify"),
        reverse("accounts:otp_enrol"),
        reverse("accounts:webauthn_auth_options"),
        reverse("accounts:webauthn_authenticate"),
        reverse("portal:logout"),
    }


def _open_prefixes() -> tuple[str, ...]:
    return (settings.STATIC_URL, "/i18n/")


def _is_open(path: str) -> bool:
    return path in _open_pages() or path.startswith(_open_prefixes())


class OfficialSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_factor(request.user):
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        api = request.path.startswith("/api/")
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        idle = settings.TINHSO_OFFICIAL_IDLE_MINUTES * 60
        if idle and last_seen is not None and now - int(last_seen) > idle:
            logout(request)
            if api:
                return None
            messages.info(
                request,
                _(
                    "Phiên làm việc đã hết hạn sau %(minutes)d phút không thao tác. Vui lòng đăng nhập lại."
                )
                % {"minutes": settings.TINHSO_OFFICIAL_IDLE_MINUTES},
            )
            return _redirect(reverse("portal:login"), request)
        if last_seen is None or now - int(last_seen) >= _LAST_SEEN_RESOLUTION:
            request.session[LAST_SEEN_KEY] = now
        if is_verified(request) or _is_open(request.path):
            return None
        if api:
            request.user = AnonymousUser()
            return None
        return _redirect(reverse("accounts:otp_verify"), request)


def _redirect(url: str, request: HttpRequest) -> HttpResponse:
    target = request.get_full_path() if request.method == "GET" else ""
    if target and target != "/":
        url = f"{url}?{urlencode({'next': target})}"
    return HttpResponseRedirect(url)
