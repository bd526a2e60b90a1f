"""The applicant's payment step: pay on-line (VNPay, VietQR transfer) and follow the payment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tinhso.accounts.models import User
from tinhso.dossiers import selectors
from tinhso.dossiers.models import TERMINAL, Dossier, Status
from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.providers import PaymentProvider, providers
from tinhso.payments.providers.vietqr import qr_data_uri


def online_providers() -> list[PaymentProvider]:
    return [p for p in providers().values() if p.online and not p.staff_only]


def payment_context(user: User, dossier: Dossier) -> dict[str, object]:
    """What the dossier page shows about fees: what is due, how to pay, and every payment so far."""
    payments = list(dossier.payments.order_by("created_at"))
    due = services.amount_due(dossier)
    can_pay = (
        due > 0
        and selectors.is_owner(user, dossier)
        and dossier.status not in TERMINAL
        and dossier.status != Status.DRAFT
    )
    pending_qr = next(
        (
            p
            for p in reversed(payments)
            if p.status == PaymentStatus.PENDING and p.details.get("qr_payload")
        ),
        None,
    )
    return {
        "payments": payments,
        "amount_due": due,
        "can_pay": can_pay,
        # A transfer QR already shown is the one to pay: no second VietQR payment for the same fee.
        "pay_providers": [p for p in online_providers() if not (pending_qr and p.id == "vietqr")]
        if can_pay
        else [],
        "pending_qr": pending_qr,
        "pending_qr_image": qr_data_uri(pending_qr.details["qr_payload"]) if pending_qr else "",
    }


@login_required
@require_POST
def pay(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        dossier = selectors.dossier_for_user(user, code)
    except selectors.DossierNotFound:
        raise Http404(_("Không tìm thấy hồ sơ.")) from None
    provider_id = request.POST.get("provider", "")
    if not selectors.is_owner(user, dossier) or provider_id not in {
        p.id for p in online_providers()
    }:
        messages.error(request, _("Hình thức thanh toán không hợp lệ."))
        return redirect("portal:dossier", code=code)
    try:
        payment, started = services.start_payment(
            user=user, dossier=dossier, provider_id=provider_id, request=request
        )
    except services.PaymentError as exc:
        messages.error(request, exc.message)
        return redirect("portal:dossier", code=code)
    if started.redirect_url:
        return redirect(started.redirect_url)
    if started.qr_payload:
        Payment.objects.filter(pk=payment.pk).update(
            details=payment.details | {"qr_payload": started.qr_payload}
        )
        messages.info(
            request,
            _("Quét mã QR bằng ứng dụng ngân hàng; giữ nguyên nội dung chuyển khoản %(ref)s.")
            % {"ref": payment.reference},
        )
    return redirect("portal:dossier", code=code)
