"""Security-key pages and the JSON endpoints of the WebAuthn ceremonies (static/accounts/webauthn.js).

The page that lists an official's keys, adds and removes them needs a session that passed the
second factor; the two sign-in endpoints are reached half signed in, after the password, and
count a refused answer towards the lockout exactly like a wrong code.
"""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.accounts import lockout, securitykeys, twofactor
from tinhso.accounts.auditing import audit
from tinhso.accounts.middleware import is_verified, mark_verified
from tinhso.accounts.models import SecondFactor, User, WebAuthnCredential
from tinhso.accounts.securitykeys import SecurityKeyError
from tinhso.accounts.views import next_url

MAX_BODY = 64 * 1024


def _official(request: HttpRequest) -> User:
    """The signed-in official; others (citizens) have no security keys here."""
    user = request.user
    if not isinstance(user, User) or not twofactor.needs_second_factor(user):
        raise Http404
    return user


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY:
        return {}
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _message(reason: str) -> str:
    messages_by_reason = {
        "no_totp": _(
            "Hãy đăng ký ứng dụng xác thực (mã 6 chữ số) trước; khóa bảo mật được thêm sau."
        ),
        "too_many": _("Đã có quá nhiều khóa bảo mật; hãy xóa bớt khóa không dùng nữa."),
        "already_registered": _("Khóa bảo mật này đã được đăng ký."),
        "challenge_expired": _("Đã quá thời gian chờ khóa bảo mật. Vui lòng thử lại."),
        "no_credentials": _("Tài khoản chưa có khóa bảo mật nào; hãy nhập mã xác thực."),
        "not_verified": _("Hãy xác thực hai bước trước khi quản lý khóa bảo mật."),
    }
    return messages_by_reason.get(
        reason,
        _(
            "Khóa bảo mật không được chấp nhận. Hãy thử lại, hoặc nhập mã từ ứng dụng xác thực "
            "hay một mã khôi phục."
        ),
    )


def _error(reason: str, status: int = 400, **extra: str) -> JsonResponse:
    return JsonResponse({"error": _message(reason), **extra}, status=status)


def _verified_official(request: HttpRequest) -> User | None:
    """The official, when the session passed the second factor (the middleware already sends
    other officials' sessions to the code page; checked again here)."""
    user = _official(request)
    return user if is_verified(request) else None


# --- The official's keys (verified session) ---------------------------------------------------


@login_required
@require_GET
def keys(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    if not is_verified(request):
        return redirect("accounts:otp_verify")
    context = {
        "credentials": WebAuthnCredential.objects.filter(user=user),
        "has_totp": SecondFactor.objects.filter(user=user).exists(),
        "available": securitykeys.available(request),
        "recovery_codes_left": twofactor.remaining_recovery_codes(user),
    }
    return render(request, "accounts/webauthn_keys.html", context)


@login_required
@require_POST
def register_options(request: HttpRequest) -> JsonResponse:
    user = _verified_official(request)
    if user is None:
        return _error("not_verified", status=403)
    try:
        options = securitykeys.begin_registration(request=request, user=user)
    except SecurityKeyError as error:
        return _error(error.reason)
    return JsonResponse(options)


@login_required
@require_POST
def register(request: HttpRequest) -> JsonResponse:
    user = _verified_official(request)
    if user is None:
        return _error("not_verified", status=403)
    body = _body(request)
    try:
        key = securitykeys.finish_registration(
            request=request,
            user=user,
            name=str(body.get("name") or ""),
            credential=body.get("credential"),
        )
    except SecurityKeyError as error:
        return _error(error.reason)
    messages.success(request, _("Đã thêm khóa bảo mật “%(name)s”.") % {"name": key.name})
    return JsonResponse({"redirect": reverse("accounts:webauthn_keys")})


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _official(request)
    key = get_object_or_404(WebAuthnCredential, pk=pk, user=user)
    if not is_verified(request):
        return redirect("accounts:otp_verify")
    securitykeys.remove_credential(request=request, user=user, key=key)
    update_session_auth_hash(request, user)  # this session goes on; the others end
    messages.success(request, _("Đã xóa khóa bảo mật “%(name)s”.") % {"name": key.name})
    return redirect("accounts:webauthn_keys")


# --- Signing in with a key (after the password, before the session is verified) ---------------


def _locked(request: HttpRequest, user: User, lock: lockout.Lock) -> JsonResponse:
    audit(
        "auth.lockout",
        actor=user,
        target=f"user:{user.username}",
        details={"scope": lock.scope, "seconds": lock.seconds, "step": "webauthn"},
        request=request,
        outcome="failure",
    )
    logout(request)
    messages.error(request, lockout.lock_message(lock))
    return JsonResponse(
        {"error": lockout.lock_message(lock), "redirect": reverse("portal:login")}, status=403
    )


def _pending_official(request: HttpRequest) -> User | JsonResponse:
    """The official between password and second factor; a verified session has nothing to do."""
    user = _official(request)
    if is_verified(request):
        body = _body(request)
        return JsonResponse(
            {"error": "", "redirect": next_url(request, body.get("next"))}, status=409
        )
    return user


@login_required
@require_POST
def authentication_options(request: HttpRequest) -> JsonResponse:
    user = _pending_official(request)
    if isinstance(user, JsonResponse):
        return user
    lock = lockout.current_lock(user.username, request)
    if lock is not None:
        return _locked(request, user, lock)
    try:
        options = securitykeys.begin_authentication(request=request, user=user)
    except SecurityKeyError as error:
        return _error(error.reason)
    return JsonResponse(options)


@login_required
@require_POST
def authenticate(request: HttpRequest) -> JsonResponse:
    user = _pending_official(request)
    if isinstance(user, JsonResponse):
        return user
    body = _body(request)
    lock = lockout.current_lock(user.username, request)
    if lock is None:
        try:
            securitykeys.finish_authentication(
                request=request, user=user, credential=body.get("credential")
            )
        except SecurityKeyError as error:
            lock = twofactor.record_failed_second_factor(
                user=user, step="webauthn", request=request
            )
            if lock is None:
                return _error(error.reason)
        else:
            lockout.clear_account(user.username)
            mark_verified(request)
            return JsonResponse({"redirect": next_url(request, body.get("next"))})
    return _locked(request, user, lock)
