"""Personal data (Decree 13/2023/NĐ-CP): the consent page, withdrawing consent, and a citizen
downloading everything the platform holds about them as JSON (art. 9: the data subject's rights
to access and to obtain their data)."""

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tinhso.accounts import consent as gate
from tinhso.accounts.auditing import audit
from tinhso.accounts.models import Consent, User
from tinhso.accounts.views import next_url
from tinhso.dossiers.models import Attachment, Dossier, HistoryEntry
from tinhso.payments.models import Payment
from tinhso.stores.models import StoredDocument

FORMAT_VERSION = 1
# History comments written to the applicant; other comments are officials' internal notes.
APPLICANT_COMMENTS = {
    "request_supplement",
    "refuse",
    "stop",
    "apologize",
    "withdraw",
    "result_revoked",
}


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "kind": user.kind,
        "full_name": user.full_name,
        "personal_id": user.personal_id,
        "tax_code": user.tax_code,
        "phone": user.phone,
        "email": user.email,
        "address": user.address,
        "commune": user.commune.name if user.commune else None,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def _history(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "comment": entry.comment if entry.action in APPLICANT_COMMENTS else "",
    }


def _dossier(d: Dossier, history: list[HistoryEntry], files: list[Attachment]) -> dict[str, Any]:
    return {
        "code": d.code,
        "procedure": {"code": d.procedure_version.procedure.code, "name": d.procedure_version.name},
        "status": d.status,
        "applicant": {
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "address": d.applicant_address,
        },
        "form": d.data,
        "created_at": d.created_at,
        "submitted_at": d.submitted_at,
        "due_at": d.due_at,
        "completed_at": d.completed_at,
        "fee_amount": d.fee_amount,
        "paid_amount": d.paid_amount,
        "attachments": [
            {
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_at": a.uploaded_at,
            }
            for a in files
        ],
        "history": [_history(h) for h in history],
    }


def personal_data(user: User) -> dict[str, Any]:
    """Everything held about ``user``: profile, consents, own dossiers (form, history,
    attachments), payments and the personal document store."""
    owner = Q(applicant_id=user.pk) | Q(applicant__isnull=True, filed_by_id=user.pk)
    dossiers = list(
        Dossier.objects.filter(owner).select_related("procedure_version__procedure").order_by("pk")
    )
    ids = [d.pk for d in dossiers]
    history: dict[int, list[HistoryEntry]] = {pk: [] for pk in ids}
    for entry in HistoryEntry.objects.filter(dossier_id__in=ids).order_by("dossier_id", "seq"):
        history[entry.dossier_id].append(entry)
    files: dict[int, list[Attachment]] = {pk: [] for pk in ids}
    for attachment in Attachment.objects.filter(dossier_id__in=ids).order_by("pk"):
        files[attachment.dossier_id].append(attachment)
    payments = Payment.objects.filter(dossier_id__in=ids).select_related("dossier").order_by("pk")
    documents = StoredDocument.objects.filter(owner=user).order_by("pk")
    return {
        "format": "tinhso.personal-data",
        "version": FORMAT_VERSION,
        "generated_at": timezone.now(),
        "profile": _profile(user),
        "consents": [
            {
                "purpose": c.purpose,
                "notice_version": c.notice_version,
                "given": c.given,
                "method": c.method,
                "recorded_at": c.recorded_at,
            }
            for c in Consent.objects.filter(user=user).order_by("recorded_at", "pk")
        ],
        "dossiers": [_dossier(d, history[d.pk], files[d.pk]) for d in dossiers],
        "payments": [
            {
                "dossier": p.dossier.code,
                "reference": p.reference,
                "provider": p.provider,
                "amount": p.amount,
                "status": p.status,
                "refunded_amount": p.refunded_amount,
                "created_at": p.created_at,
                "paid_at": p.paid_at,
            }
            for p in payments
        ],
        "stored_documents": [
            {
                "title": doc.title,
                "kind": doc.kind,
                "document_number": doc.document_number,
                "content_type": doc.content_type,
                "size": doc.size,
                "issued_at": doc.issued_at,
                "created_at": doc.created_at,
                "revoked": doc.revoked,
            }
            for doc in documents
        ],
    }


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
    data = personal_data(user)
    audit(
        "account.data_export",
        actor=user,
        target=f"user:{user.username}",
        details={"dossiers": len(data["dossiers"]), "documents": len(data["stored_documents"])},
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
    """Withdraw consent (art. 12): recorded, and the portal asks again at the next visit.
    Dossiers already filed are still handled as the law requires (art. 17)."""
    user = request.user
    assert isinstance(user, User)
    if not gate.gated(user):
        return redirect("accounts:my_data")
    gate.record(user=user, given=False, method="withdrawal", request=request)
    return _sign_out_after_refusal(request)
