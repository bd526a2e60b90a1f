"""The platform's confirm callback (``POST /payments/paygov/callback``, anonymous, CSRF-exempt).

Checks in order: JSON object (``08``), ``MaXacThuc`` in constant time (``07``, refused, audited and
logged as a security event — R-NAT-061), the attempt exists (``01``), the amount (``02``); then a
paid notice confirms through ``services.confirm_payment`` (exactly once, R-NAT-063). A failure
notice never closes an attempt by itself (notices may come out of order, ``OUT_OF_ORDER``, and a
failed attempt could no longer be confirmed): it is logged (payment event ``failure_notice``) and
QUERY decides (expiry sweep, reconciliation). A failure notice for an attempt already paid — or a
paid notice after a failure notice — keeps it paid and raises the contradiction alert. Always HTTP 200 with ``{MaLoi, MoTaLoi, MaDoiTac, ThoiGianGD, MaXacThuc}``;
only ``MaLoi`` "00" is in the spec, the other codes are ours (docs/paygov.md).
"""

import json
import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse

from tinhso.audit.services import log_event as audit_event
from tinhso.integrations.paygov import protocol
from tinhso.integrations.paygov.provider import (
    APPLIED,
    alert_contradiction,
    find_payment,
    log_inbound,
    outcome_json,
    paygov_config,
    record_applied,
)
from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.providers import ProviderError

logger = logging.getLogger(__name__)
SOURCE = "paygov_callback"
FAILURE_NOTICE = "failure_notice"


def confirm(request: HttpRequest) -> JsonResponse:
    try:
        message: Any = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        message = None
    if not isinstance(message, dict):
        return outcome_json(
            protocol.callback_answer(protocol.ANSWER_BAD_INPUT, "Du lieu khong hop le", "", {})
        )
    try:
        config = paygov_config()
    except ProviderError:
        logger.error("PayGov callback received but the provider is not configured")
        return outcome_json(
            protocol.callback_answer(protocol.ANSWER_ERROR, "Chua cau hinh", "", message)
        )
    try:
        code, text = handle(message, config.secret)
    except Exception:
        logger.exception("PayGov callback failed for %r", message.get("MaThamChieu"))
        code, text = protocol.ANSWER_ERROR, "Loi he thong"
    log_inbound("CONFIRM", str(message.get("MaThamChieu", "")), request.body, code)
    return outcome_json(protocol.callback_answer(code, text, config.partner_code, message))


def handle(message: dict[str, Any], secret: str) -> tuple[str, str]:
    """Check and apply one confirm callback; returns (MaLoi, MoTaLoi) of our answer."""
    note = protocol.parse_confirmation(message, secret)
    if not note.verified:
        logger.warning("PayGov callback with a wrong MaXacThuc for %r", note.reference)
        audit_event(
            action="payments.paygov_bad_signature",
            actor=None,
            target=note.reference[:200],
            details={"MaThamChieu": note.reference[:100], "MaLoi": note.error_code[:8]},
            outcome="failure",
        )
        return protocol.ANSWER_BAD_SIGNATURE, "Sai ma xac thuc"
    payment = find_payment(note.reference)
    if payment is None:
        return protocol.ANSWER_NOT_FOUND, "Khong tim thay giao dich"
    if note.amount != payment.amount:
        logger.warning(
            "PayGov callback amount %r ≠ %s for %s", note.amount, payment.amount, note.reference
        )
        return protocol.ANSWER_BAD_AMOUNT, "So tien khong khop"
    data = note.audit_data()
    if not note.paid:
        if payment.status in APPLIED:
            alert_contradiction(payment, SOURCE, data)
            return protocol.ANSWER_OK, "Giao dich da duoc ghi nhan thanh toan"
        # A failure notice alone never closes an attempt: notices may come out of order and a
        # failed attempt can no longer be confirmed, so QUERY (expiry sweep, reconciliation)
        # decides. The notice is kept in the payment's log.
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            services.log_event(locked, FAILURE_NOTICE, {"source": SOURCE} | data)
        return protocol.ANSWER_OK, "Da ghi nhan"
    with transaction.atomic():
        confirmed, applied = services.confirm_payment(
            reference=payment.reference,
            amount=payment.amount,
            provider_txn=note.transaction_id,
            source=SOURCE,
            data=data,
        )
        if applied:
            record_applied(confirmed)
    if applied and confirmed.events.filter(kind=FAILURE_NOTICE).exists():
        alert_contradiction(confirmed, SOURCE, data | {"order": "failure_before_success"})
    if confirmed.status == PaymentStatus.CANCELLED:
        logger.warning("PayGov payment %s superseded; refund it", payment.reference)
    return protocol.ANSWER_OK, "Da ghi nhan"
