"""VNPay's two calls back to us: the IPN (server to server, the only one that changes anything)
and the Return URL (the payer's browser, which only shows the outcome). ``VNPayProvider`` serves
them as its ``handle_callback`` and ``handle_return`` (``/payments/vnpay/callback``, its alias
``/payments/vnpay/ipn``, and ``/payments/vnpay/return``)."""

import logging
from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.providers import payer_page
from tinhso.payments.providers.vnpay import protocol
from tinhso.payments.providers.vnpay.config import PROVIDER_ID, vnpay_config
from tinhso.payments.providers.vnpay.protocol import IpnAnswer

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
    payment = Payment.objects.filter(reference=note.txn_ref, provider=PROVIDER_ID).first()
    if payment is None:
        return IpnAnswer.ORDER_NOT_FOUND
    if note.amount != payment.amount:
        logger.warning("VNPay IPN amount %r ≠ %s for %s", note.amount, payment.amount, note.txn_ref)
        return IpnAnswer.INVALID_AMOUNT
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.EXPIRED):
        return IpnAnswer.ALREADY_CONFIRMED
    source, data = "vnpay_ipn", note.audit_data()
    if payment.status == PaymentStatus.EXPIRED and not note.paid:
        return IpnAnswer.ALREADY_CONFIRMED  # nothing to change: it already lapsed
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


def ipn(request: HttpRequest) -> JsonResponse:
    """The IPN: always HTTP 200 with ``{"RspCode", "Message"}`` (any method; VNPay sends GET)."""
    try:
        code, message = handle_ipn(protocol.single_values(request.GET))
    except Exception:
        logger.exception("VNPay IPN failed for %r", request.GET.get("vnp_TxnRef"))
        code, message = IpnAnswer.UNKNOWN_ERROR
    return JsonResponse({"RspCode": code, "Message": message})


def return_page(request: HttpRequest) -> HttpResponse:
    """The Return URL: show the outcome to the payer; never changes anything.

    The IPN may come before or after the payer: while the payment is still pending after a
    successful gateway answer, the page says so and reloads itself.
    """
    params = protocol.single_values(request.GET)
    if not protocol.verify(params, vnpay_config().hash_secret):
        return _invalid(request, _("Dữ liệu trả về không hợp lệ (sai chữ ký)."), 400)
    note = protocol.parse_notification(params)
    payment = (
        Payment.objects.filter(reference=note.txn_ref, provider=PROVIDER_ID)
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
        "dossier_url": payer_page(payment.dossier),
        "refresh": RETURN_REFRESH_SECONDS if state == "waiting" else None,
    }
    return render(request, "payments/vnpay/return.html", context)


def _invalid(request: HttpRequest, message: str, status: int) -> HttpResponse:
    context = {"state": "invalid", "message": message}
    return render(request, "payments/vnpay/return.html", context, status=status)


def return_state(payment: Payment, note: protocol.Notification) -> str:
    """paid | waiting (gateway said paid, IPN not in yet) | failed | duplicate (paid twice)."""
    if payment.status in APPLIED:
        return "paid"
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.EXPIRED):
        # An expired attempt the gateway says was paid: its IPN will still confirm it.
        return "waiting" if note.paid else "failed"
    if payment.status == PaymentStatus.CANCELLED and note.paid:
        return "duplicate"
    return "failed"
