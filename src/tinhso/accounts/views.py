"""Sign-in pages: the password (with its lockout and rate limit), the code step after it,
second-factor enrolment, and resets by agency admins.

The password page is routed as ``portal:login`` (``/dang-nhap/``, Django's ``LOGIN_URL``) by the
portal's URLconf; where a user lands afterwards is ``tinhso.accounts.landing``."""

from collections import Counter
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tinhso.accounts import lockout, ratelimit, securitykeys, twofactor
from tinhso.accounts.auditing import audit
from tinhso.accounts.landing import home_url
from tinhso.accounts.middleware import is_verified, mark_verified
from tinhso.accounts.models import SecondFactor, User, WebAuthnCredential

PENDING_SECRET_KEY = "tinhso_2fa_pending_secret"


class CodeForm(forms.Form):
    otp = forms.CharField(
        label=gettext_lazy("Mã xác thực"),
        max_length=16,
        help_text=gettext_lazy(
            "6 chữ số trong ứng dụng xác thực, hoặc một mã khôi phục (dạng xxxxx-xxxxx)."
        ),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def next_url(request: HttpRequest, candidate: object = None) -> str:
    """Where to go after the second factor: ``candidate`` (a JSON body's ``next``) or the form's
    or query's ``next`` when it is a page of this site, else the user's home page."""
    if not isinstance(candidate, str):
        candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return home_url(request.user)


# --- password --------------------------------------------------------------------------


class LoginForm(AuthenticationForm):
    """Django's sign-in form, saying clearly when an account or address is locked out."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        try:
            return super().clean()
        except ValidationError:
            lock = lockout.current_lock(username, self.request)
            if lock is not None:
                raise ValidationError(lockout.lock_message(lock), code="locked") from None
            raise


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = lockout.client_address(request)
        if ratelimit.over_limit(f"login:{address}", settings.TINHSO_LOGIN_RATE_PER_MINUTE, 60):
            form = self.get_form()
            form.add_error(
                None, _("Quá nhiều lần đăng nhập trong một phút. Vui lòng đợi rồi thử lại.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_label"] = settings.TINHSO_OIDC_LABEL if settings.TINHSO_OIDC_ISSUER else ""
        return context

    def get_default_redirect_url(self) -> str:
        return home_url(self.request.user)


# --- second factor ---------------------------------------------------------------------


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not twofactor.needs_second_factor(user) or is_verified(request):
        return redirect(next_url(request))
    if not SecondFactor.objects.filter(user=user).exists():
        return redirect(f"{reverse('accounts:otp_enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lock = lockout.current_lock(user.username, request)
        if lock is None and twofactor.check_second_factor(
            user=user, code=form.cleaned_data["otp"], request=request
        ):
            lockout.clear_account(user.username)
            mark_verified(request)
            return redirect(next_url(request))
        lock = lock or lockout.record_failure(user.username, request)
        if lock is not None:
            audit(
                "auth.lockout",
                actor=user,
                target=f"user:{user.username}",
                details={"scope": lock.scope, "seconds": lock.seconds, "step": "otp"},
                request=request,
                outcome="failure",
            )
            logout(request)
            messages.error(request, lockout.lock_message(lock))
            return redirect("portal:login")
        form.add_error("otp", _("Mã xác thực không đúng hoặc đã được dùng."))
    context = {
        "form": form,
        "next": next_url(request),
        "webauthn": securitykeys.available(request) and securitykeys.has_credentials(user),
    }
    return render(request, "accounts/otp_verify.html", context, status=400 if form.errors else 200)


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator. Replacing one needs a session that passed it."""
    user = _user(request)
    if SecondFactor.objects.filter(user=user).exists() and not is_verified(request):
        return redirect("accounts:otp_verify")
    secret = request.session.get(PENDING_SECRET_KEY) or twofactor.new_secret()
    request.session[PENDING_SECRET_KEY] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_enrolment(
                user=user, secret=secret, code=form.cleaned_data["otp"], request=request
            )
        except twofactor.SecondFactorError:
            form.add_error("otp", _("Mã xác thực không đúng. Kiểm tra giờ trên điện thoại."))
        else:
            del request.session[PENDING_SECRET_KEY]
            update_session_auth_hash(request, user)  # this session goes on; the others end
            mark_verified(request)
            done = {"codes": codes, "next": next_url(request)}
            return render(request, "accounts/recovery_codes.html", done)
    uri = twofactor.provisioning_uri(user, secret)
    context: dict[str, Any] = {
        "form": form,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr": segno.make(uri, error="m").png_data_uri(scale=5, border=2),
        "next": next_url(request),
    }
    return render(request, "accounts/otp_enrol.html", context, status=400 if form.errors else 200)


def _passed_second_factor(request: HttpRequest) -> bool:
    """These pages sit under the second-factor prefix, which the middleware lets half-signed-in
    sessions reach: an agency admin who gave only the password must not reset anyone."""
    return not twofactor.needs_second_factor(request.user) or is_verified(request)


@login_required
def staff_second_factors(request: HttpRequest) -> HttpResponse:
    """Agency admins: the second-factor status of their staff, with a reset button each."""
    actor = _user(request)
    if not _passed_second_factor(request):
        return redirect("accounts:otp_verify")
    if not actor.is_superuser and not twofactor.agencies_administered_by(actor):
        return render(request, "accounts/not_agency_admin.html", status=403)
    staff = twofactor.staff_resettable_by(actor)
    enrolled = set(SecondFactor.objects.filter(user__in=staff).values_list("user_id", flat=True))
    keys = Counter(
        WebAuthnCredential.objects.filter(user__in=staff).values_list("user_id", flat=True)
    )
    rows = [{"user": u, "enrolled": u.pk in enrolled, "keys": keys[u.pk]} for u in staff]
    return render(request, "accounts/staff_second_factors.html", {"rows": rows})


@login_required
@require_POST
def reset_staff_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _user(request)
    if not _passed_second_factor(request):
        return redirect("accounts:otp_verify")
    official = get_object_or_404(User, pk=pk)
    try:
        twofactor.reset_second_factor(actor=actor, official=official, request=request)
    except twofactor.SecondFactorError:
        return render(request, "accounts/not_agency_admin.html", status=403)
    messages.success(
        request,
        _("Đã đặt lại xác thực hai bước của %(name)s; lần đăng nhập tới người này sẽ đăng ký lại.")
        % {"name": official.display_name},
    )
    return redirect("accounts:otp_staff")
