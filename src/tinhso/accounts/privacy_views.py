"""Personal data (Law 91/2025/QH15, Decree 356/2025/NĐ-CP): the consent page, withdrawing
consent, and a citizen downloading everything the platform holds about them as JSON (the data
subject's rights to access and to obtain their data). What goes into the file, app by app, is
``tinhso.accounts.personal_data``."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tinhso.accounts import consent as gate
from tinhso.accounts import personal_data
from tinhso.accounts.auditing import audit
from tinhso.accounts.models import Consent, User
from tinhso.accounts.views import next_url


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    consents = Consent.objects.filter(user=user)
    context = {"consents": consents, "can_withdraw": gate.has_current_consent(user)}
    return render(request, "accounts/my_data.html", context)


@login_required
@require_POST
def my_data_download(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    data = personal_data.export(user)
    audit(
        "account.data_export",
        actor=user,
        target=f"user:{user.username}",
        # The counts the log has always had: the sections of the dossiers and stores apps.
        details={
            "dossiers": len(data.get("dossiers", ())),
            "documents": len(data.get("stored_documents", ())),
        },
        request=request,
    )
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=gettext_lazy("Tôi đã đọc thông báo trên và đồng ý cho xử lý dữ liệu cá nhân của tôi"),
        required=False,
    )


def _sign_out_after_refusal(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(
        request,
        _(
            "Bạn chưa đồng ý cho xử lý dữ liệu cá nhân nên chưa thể dùng dịch vụ công trực tuyến. "
            "Bạn vẫn có thể nộp hồ sơ trực tiếp tại Bộ phận một cửa, hoặc đăng nhập lại để đồng ý."
        ),
    )
    return redirect("portal:home")


@login_required
def consent(request: HttpRequest) -> HttpResponse:
    """Agree to the current privacy notice (a ticked box and a button) or refuse and sign out."""
    user = request.user
    assert isinstance(user, User)
    if not gate.gated(user):
        return redirect(next_url(request))
    form = ConsentForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("decision") == "refuse":
            gate.record(user=user, given=False, method="consent_page", request=request)
            return _sign_out_after_refusal(request)
        if form.is_valid() and form.cleaned_data["agree"]:
            gate.record(user=user, given=True, method="consent_page", request=request)
            return redirect(next_url(request))
        form.add_error("agree", _("Hãy đánh dấu ô đồng ý, hoặc chọn “Không đồng ý”."))
    context = {
        "form": form,
        "next": next_url(request),
        "notice_version": gate.current_version(),
        "renewal": Consent.objects.filter(user=user, purpose=gate.PURPOSE).exists(),
    }
    return render(request, "accounts/consent.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def withdraw_consent(request: HttpRequest) -> HttpResponse:
    """Withdraw consent: recorded, and the portal asks again at the next visit. Dossiers already
    filed are still handled and kept as the law requires."""
    user = request.user
    assert isinstance(user, User)
    if not gate.gated(user):
        return redirect("accounts:my_data")
    gate.record(user=user, given=False, method="withdrawal", request=request)
    return _sign_out_after_refusal(request)
