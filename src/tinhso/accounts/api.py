"""Token authentication for the REST API."""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from tinhso.accounts import consent, lockout, twofactor
from tinhso.accounts.models import ApiToken, SecondFactor, User
from tinhso.accounts.throttling import TokenEndpointThrottle
from tinhso.apierrors import ApiError, ErrorOut


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = ApiToken.objects.select_related("user").filter(key_hash=_hash(token)).first()
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class BrowserSession(APIKeyCookie):
    """The browser's Django session, for the site's own pages calling the API.

    django-ninja marks every API view ``csrf_exempt``, so Django's CSRF middleware never checks
    them; ninja's ``APIKeyCookie`` (``csrf=True``) runs that check itself. A signed-in session
    calling with POST, PUT, PATCH or DELETE must therefore send the CSRF token (header
    ``X-CSRFToken`` or form field ``csrfmiddlewaretoken``) and pass Django's Origin/Referer
    checks, or gets 403 in the API's JSON error shape. Bearer tokens are not cookies and stay
    exempt; a request without a signed-in session is not checked (it gets 401 if it needs one).
    """

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = (
        "The session cookie of the site's own pages. POST, PUT, PATCH and DELETE also need the "
        "CSRF token in the X-CSRFToken header; scripts use BearerToken instead."
    )

    def _get_key(self, request: HttpRequest) -> str | None:
        if _signed_in_user(request) is None:
            return None
        try:
            return super()._get_key(request)  # Django's CSRF check for unsafe methods
        except HttpError as exc:
            raise ApiError(
                403,
                _(
                    "Thiếu mã chống giả mạo yêu cầu (CSRF) hoặc mã không hợp lệ: gửi mã trong "
                    "tiêu đề X-CSRFToken, hoặc dùng mã API (Authorization: Bearer <token>)."
                ),
                "csrf",
            ) from exc

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _signed_in_user(request) if key is not None else None


def _signed_in_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    # The pages send a session without consent to the consent page; the API treats it as
    # signed out.
    return user if consent.session_consented(request) else None


session_user = BrowserSession()
bearer = BearerToken()
router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = Field(
        None,
        description="Second factor (6-digit TOTP code or a recovery code); required for officials.",
    )


class TokenOut(Schema):
    token: str


def _locked(lock: lockout.Lock, field: str) -> ApiError:
    """429 with the lock's wording; a locked account is pointed to the web page where its
    owner unlocks it with a code (the API takes no unlock code: that page also carries the
    second-factor step and the neutral answers that keep accounts from being enumerated)."""
    detail = lockout.lock_message(lock)
    if lock.scope == "account":
        page = str(settings.TINHSO_SITE_URL).rstrip("/") + reverse("accounts:unlock_request")
        detail += " " + _("Mở khóa bằng mã trên trang web: %(url)s") % {"url": page}
    return ApiError(429, detail, field)


def _check_otp(request: HttpRequest, user: User, code: str) -> None:
    if not SecondFactor.objects.filter(user=user).exists():
        raise ApiError(
            403,
            _(
                "Tài khoản cán bộ chưa đăng ký xác thực hai bước: đăng nhập trên trang web "
                "để đăng ký trước khi dùng API."
            ),
            "otp",
        )
    if not code:
        raise ApiError(401, _("Cần mã xác thực hai bước (trường otp)."), "otp")
    if not twofactor.check_second_factor(user=user, code=code, request=request):
        lock = twofactor.record_failed_second_factor(user=user, step="otp", request=request)
        if lock is not None:
            raise _locked(lock, "otp")
        raise ApiError(401, _("Mã xác thực hai bước không đúng hoặc đã được dùng."), "otp")
    lockout.clear_account(user.username)


@router.post(
    "/auth/token",
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    auth=None,
    throttle=[TokenEndpointThrottle()],
    summary="Obtain an API token",
    description=(
        "Officials and administrators must also send `otp`: the current code of their "
        "authenticator app (or a recovery code). A citizen account that has not agreed to the "
        "current personal-data notice gets 403 until it agrees on the portal."
    ),
)
def obtain_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        lock = lockout.current_lock(payload.username, request)
        if lock is not None:
            raise _locked(lock, "username")
        raise ApiError(401, _("Tên đăng nhập hoặc mật khẩu không đúng."), "password")
    assert isinstance(user, User)
    if twofactor.needs_second_factor(user):
        _check_otp(request, user, payload.otp or "")
    if consent.needs_consent(user):
        raise ApiError(
            403,
            _(
                "Tài khoản chưa đồng ý cho xử lý dữ liệu cá nhân theo thông báo hiện hành; "
                "hãy đăng nhập Cổng dịch vụ công để đồng ý trước."
            ),
            "username",
        )
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(key))
    return {"token": key}
