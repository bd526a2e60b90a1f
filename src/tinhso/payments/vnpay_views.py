"""VNPay's two calls back to us: the IPN (server to server, the only one that changes anything)
and the Return URL (the payer's browser, which only shows the outcome)."""

import logging
from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from tinhso.payments import services
from tinhso.payments import vnpay_protocol as protocol
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.providers.vnpay import VNPayProvider, vnpay_config
from tinhso.payments.vnpay_protocol import IpnAnswer

logger = logging.getLogger(__name__)

APPLIED = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
# How often the Return page reloads itself while the IPN has not arrived (seconds).
RETURN_REFRESH_SECONDS = 3


def handle_ipn(params: Mapping[str, str]) -> tuple[str, str]:
    """Check an IPN call in VNPay's order and apply it; return (RspCode, Message).

    checksum (97) → order exists (01) → amount (04) → still pending (02) → update (00). Paid only
    when vnp_ResponseCode and vnp_TransactionStatus are both "00"; otherwise the payment fails.
    Safe to call any number of times, in any order, concurrently: only a pending payment moves,
    under a row lock, so a late "failed" notice cannot undo a success.
    """
    if not any(key.startswith("vnp_") for key in params):
        return IpnAnswer.INPUT_REQUIRED
    if not protocol.verify(params, vnpay_config().hash_secret):
        logger.warning("VNPay IPN with a wrong checksum for %r", params.get("vnp_TxnRef"))
        return IpnAnswer.INVALID_SIGNATURE
    note = protocol.parse_notification(params)
    payment = Payment.objects.filter(reference=note.txn_ref, provider=VNPayProvider.id).first()
    if payment is None:
        return IpnAnswer.ORDER_NOT_FOUND
    if note.amount != payment.amount:
        logger.warning("VNPay IPN amount %r ≠ %s for %s", note.amount, payment.amount, note.txn_ref)
        return IpnAnswer.INVALID_AMOUNT
    if payment.status != PaymentStatus.PENDING:
        return IpnAnswer.ALREADY_CONFIRMED
    source, data = "vnpay_ipn", note.audit_data()
    if not note.paid:
        _failed, changed = services.fail_payment(reference=note.txn_ref, source=source, data=data)
        return IpnAnswer.CONFIRMED if changed else IpnAnswer.ALREADY_CONFIRMED
    try:
        confirmed, applied = services.confirm_payment(
            reference=note.txn_ref,
            amount=payment.amount,
            provider_txn=note.transaction_no,
            source=source,
            data=data,
        )
    except services.PaymentError as exc:
        if exc.field == "amount":
            return IpnAnswer.INVALID_AMOUNT
        if exc.status == 404:
            return IpnAnswer.ORDER_NOT_FOUND
        raise  # e.g. another payment of the dossier won a race: 99, VNPay calls again
    if applied:
        return IpnAnswer.CONFIRMED
    if confirmed.status == PaymentStatus.CANCELLED:
        # Paid although another payment of the dossier already succeeded: kept as cancelled,
        # to be refunded by an official (the event log says "superseded").
        logger.warning("VNPay payment %s superseded; refund it", note.txn_ref)
        return IpnAnswer.CONFIRMED
    return IpnAnswer.ALREADY_CONFIRMED


@csrf_exempt
@never_cache
def ipn(request: HttpRequest) -> JsonResponse:
    """``GET /payments/vnpay/ipn``: always HTTP 200 with ``{"RspCode", "Message"}``."""
    try:
        code, message = handle_ipn(protocol.single_values(request.GET))
    except Exception:
        logger.exception("VNPay IPN failed for %r", request.GET.get("vnp_TxnRef"))
        code, message = IpnAnswer.UNKNOWN_ERROR
    return JsonResponse({"RspCode": code, "Message": message})


@never_cache
def vnpay_return(request: HttpRequest) -> HttpResponse:
    """``GET /payments/vnpay/return``: show the outcome to the payer; never changes anything.

    The IPN may come before or after the payer: while the payment is still pending after a
    successful gateway answer, the page says so and reloads itself.
    """
    params = protocol.single_values(request.GET)
    if not protocol.verify(params, vnpay_config().hash_secret):
        return _invalid(request, _("Dữ liệu trả về không hợp lệ (sai chữ ký)."), 400)
    note = protocol.parse_notification(params)
    payment = (
        Payment.objects.filter(reference=note.txn_ref, provider=VNPayProvider.id)
        .select_related("dossier")
        .first()
    )
    if payment is None:
        return _invalid(request, _("Không tìm thấy khoản thanh toán."), 404)
    state = return_state(payment, note)
    context: dict[str, object] = {
        "state": state,
        "payment": payment,
        "reason": note.reason,
        "dossier_url": reverse("portal:dossier", args=[payment.dossier.code]),
        "refresh": RETURN_REFRESH_SECONDS if state == "waiting" else None,
    }
    return render(request, "payments/vnpay_return.html", context)


def _invalid(request: HttpRequest, message: str, status: int) -> HttpResponse:
    context = {"state": "invalid", "message": message}
    return render(request, "payments/vnpay_return.html", context, status=status)


def return_state(payment: Payment, note: protocol.Notification) -> str:
    """paid | waiting (gateway said paid, IPN not in yet) | failed | duplicate (paid twice)."""
    if payment.status in APPLIED:
        return "paid"
    if payment.status == PaymentStatus.PENDING:
        return "waiting" if note.paid else "failed"
    if payment.status == PaymentStatus.CANCELLED and note.paid:
        return "duplicate"
    return "failed"
