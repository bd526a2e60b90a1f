"""Sign-in pages: the password (with its lockout and rate limit), the unlock code of a locked
account, the code step after it, second-factor enrolment, and resets by agency admins.

The password page is routed as ``portal:login`` (``/dang-nhap/``, Django's ``LOGIN_URL``) by the
portal's URLconf; where a user lands afterwards is ``tinhso.accounts.landing``."""

from collections import Counter
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tinhso.accounts import lockout, passwords, ratelimit, securitykeys, twofactor, unlock
from tinhso.accounts.auditing import audit
from tinhso.accounts.landing import home_url
from tinhso.accounts.middleware import is_verified, mark_verified
from tinhso.accounts.models import SecondFactor, User, WebAuthnCredential

PENDING_SECRET_KEY = "tinhso_2fa_pending_secret"
UNLOCK_USERNAME_KEY = "tinhso_unlock_username"


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
    """Django's sign-in form, saying clearly when an account or address is locked out; a
    locked account is offered an unlock code (``unlock_offered``)."""

    unlock_offered = False

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        try:
            return super().clean()
        except ValidationError:
            lock = lockout.current_lock(username, self.request)
            if lock is not None:
                # Offered for any locked username, existing or not: the lock itself is counted
                # for unknown usernames too, so neither tells whether an account exists.
                self.unlock_offered = lock.scope == "account"
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
        # The national portal's sign-in (integrations/sso, reached by URL name only).
        context["dvcqg_sso_enabled"] = bool(settings.TINHSO_DVCQG_SSO_ENABLED)
        return context

    def get_default_redirect_url(self) -> str:
        return home_url(self.request.user)


# --- unlock code of a locked account ---------------------------------------------------


class UnlockRequestForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Tên đăng nhập"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class UnlockForm(UnlockRequestForm):
    code = forms.CharField(
        label=gettext_lazy("Mã mở khóa"),
        max_length=16,
        help_text=gettext_lazy("6 chữ số trong thư điện tử hoặc tin nhắn vừa nhận."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=gettext_lazy("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _next_param(request: HttpRequest) -> str:
    """The page asked for before signing in, carried through the unlock pages (checked by
    ``next_url`` when used)."""
    return str(request.POST.get("next") or request.GET.get("next") or "")


def _signed_in_redirect(request: HttpRequest) -> HttpResponse | None:
    return redirect(next_url(request)) if request.user.is_authenticated else None


def unlock_request(request: HttpRequest) -> HttpResponse:
    """Ask for an unlock code. The answer is the same whatever the username (no enumeration);
    only an address over its budget is told so, which says nothing about any account."""
    if (done := _signed_in_redirect(request)) is not None:
        return done
    initial = {"username": request.session.get(UNLOCK_USERNAME_KEY, "")}
    form = UnlockRequestForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not unlock.address_may_request(request):
            form.add_error(
                None,
                _(
                    "Có quá nhiều yêu cầu mã mở khóa từ địa chỉ mạng này. "
                    "Vui lòng thử lại sau một giờ."
                ),
            )
            status = 429
        else:
            username = form.cleaned_data["username"].strip()
            unlock.request_code(username=username, request=request)
            request.session[UNLOCK_USERNAME_KEY] = username
            messages.info(
                request,
                _(
                    "Nếu tên đăng nhập đúng, tài khoản đang tạm khóa và có thư điện tử hoặc số "
                    "điện thoại đã đăng ký, chúng tôi vừa gửi đến đó một mã mở khóa gồm 6 chữ "
                    "số, có hiệu lực %(minutes)d phút."
                )
                % {"minutes": max(1, settings.TINHSO_UNLOCK_CODE_SECONDS // 60)},
            )
            target = reverse("accounts:unlock_verify")
            if next_page := _next_param(request):
                target += f"?{urlencode({'next': next_page})}"
            return redirect(target)
    elif form.errors:
        status = 400
    context = {"form": form, "next": _next_param(request)}
    return render(request, "accounts/unlock_request.html", context, status=status)


def unlock_verify(request: HttpRequest) -> HttpResponse:
    """Sign in to a locked account with the unlock code and the password (both checked by the
    authentication backend); an official then gives the second factor as after any sign-in."""
    if (done := _signed_in_redirect(request)) is not None:
        return done
    initial = {"username": request.session.get(UNLOCK_USERNAME_KEY, "")}
    form = UnlockForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        address = lockout.client_address(request)
        if ratelimit.over_limit(f"login:{address}", settings.TINHSO_LOGIN_RATE_PER_MINUTE, 60):
            form.add_error(
                None, _("Quá nhiều lần đăng nhập trong một phút. Vui lòng đợi rồi thử lại.")
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            user = authenticate(
                request,
                username=data["username"],
                password=data["password"],
                unlock_passcode=data["code"],
            )
            if user is not None:
                request.session.pop(UNLOCK_USERNAME_KEY, None)
                login(request, user)
                return redirect(next_url(request))
            lock = lockout.current_lock(data["username"], request)
            if lock is not None and lock.scope == "address":
                form.add_error(None, lockout.lock_message(lock))
            else:
                form.add_error(
                    None,
                    _(
                        "Mã mở khóa hoặc mật khẩu không đúng, hoặc mã đã hết hạn hay đã dùng "
                        "hết số lần nhập. Kiểm tra lại, hoặc yêu cầu mã mới."
                    ),
                )
            status = 400
        else:
            status = 400
    context = {
        "form": form,
        "next": _next_param(request),
        "code_minutes": max(1, settings.TINHSO_UNLOCK_CODE_SECONDS // 60),
    }
    return render(request, "accounts/unlock_verify.html", context, status=status)


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
        lock = lock or twofactor.record_failed_second_factor(user=user, step="otp", request=request)
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


# --- changing one's password ------------------------------------------------------------


def _password_change_form(user: User, data: Any) -> PasswordChangeForm:
    form = PasswordChangeForm(user, data)
    # The validators' rules as one plain sentence (Django's help text is an HTML list, which the
    # field template shows inside a paragraph).
    form.fields["new_password1"].help_text = " ".join(password_validators_help_texts())
    return form


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password: the current one and the new one twice (Django's
    ``PasswordChangeForm`` with the project's validators). The other sessions end and the API
    tokens are revoked (``passwords.change_password``); this session goes on."""
    user = _user(request)
    if not user.has_usable_password():  # signs in only through VNeID: no password to change
        return render(request, "accounts/password_change.html", {"form": None})
    form = _password_change_form(user, request.POST or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        if ratelimit.over_limit(
            f"password-change:{user.pk}", passwords.CHANGE_ATTEMPTS_PER_HOUR, 3600
        ):
            # Not even validated: the form would check the current password.
            context["form"] = _password_change_form(user, None)
            context["refused"] = _("Quá nhiều lần thử đổi mật khẩu. Vui lòng thử lại sau.")
            status = 429
        elif form.is_valid():
            passwords.change_password(
                user=user, new_password=form.cleaned_data["new_password1"], request=request
            )
            update_session_auth_hash(request, user)  # this session goes on; the others end
            messages.success(
                request,
                _(
                    "Đã đổi mật khẩu. Các phiên đăng nhập khác và mã truy cập API của tài khoản "
                    "đã bị đăng xuất."
                ),
            )
            return redirect("accounts:password_change")
        else:
            if "old_password" in form.errors:
                passwords.record_wrong_current_password(user=user, request=request)
            status = 400
    return render(request, "accounts/password_change.html", context, status=status)
