"""Pending payments past their time: ask the gateway, then confirm or expire (Celery beat task
``tinhso.payments.tasks.expire_pending_payments``, every ``TINHSO_PAYMENT_EXPIRY_SWEEP_SECONDS``).

Each attempt gets ``expires_at`` when it starts (``PaymentProvider.expires_after``: VNPay's own
``vnp_ExpireDate``, ``TINHSO_VNPAY_EXPIRE_MINUTES``; a VietQR reference
``TINHSO_VIETQR_EXPIRE_MINUTES``). Past it, for a provider that can be asked (``query``: VNPay's
querydr) the sweep asks first: an attempt the gateway vouches was paid is confirmed
(``services.confirm_payment``, source ``expiry_query``) — its IPN was lost —, one it does not
report as paid is expired (``services.expire_payment``, event ``expired`` with the gateway's
answer). When the gateway cannot be reached the attempt stays pending and is asked again at
the next run: nothing is expired on a guess. A provider without a query interface (VietQR) is
expired at once; a transfer that still arrives for it goes to the officials' reconciliation
(``statements``, problem ``expired``).
"""

import datetime
import logging
from dataclasses import dataclass

from django.utils import timezone

from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.providers import ProviderError, get_provider

logger = logging.getLogger(__name__)

#: Attempts handled per run (the next run takes the rest).
BATCH = 500


@dataclass
class SweepResult:
    expired: int = 0
    confirmed: int = 0
    unanswered: int = 0  # the gateway could not be asked: left pending for the next run

    @property
    def total(self) -> int:
        return self.expired + self.confirmed + self.unanswered


def settle_expired(payment_id: int) -> str:
    """One pending attempt past its time: "confirmed", "expired", "unanswered" or "" (it moved
    meanwhile, e.g. its IPN came)."""
    payment = Payment.objects.select_related("dossier").get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING:
        return ""
    provider = get_provider(payment.provider)
    gateway: dict[str, object] = {"source": "worker"}
    if provider.can_query:
        try:
            answer = provider.query(payment)
        except ProviderError as exc:
            logger.warning("Payment %s past its time; gateway not answering: %s", payment, exc)
            return "unanswered"
        if answer.paid and answer.amount is not None:
            try:
                _payment, applied = services.confirm_payment(
                    reference=payment.reference,
                    amount=answer.amount,
                    provider_txn=answer.provider_txn,
                    source="expiry_query",
                )
            except services.PaymentError as exc:  # e.g. another amount: an official looks
                logger.error("Payment %s reported paid but not confirmed: %s", payment, exc)
                return "unanswered"
            return "confirmed" if applied else ""
        gateway |= {
            "gateway_known": answer.known,
            "gateway_message": str(answer.message),
            "gateway_status": answer.raw.get("vnp_TransactionStatus", "")
            or answer.raw.get("vnp_ResponseCode", ""),
        }
    _payment, changed = services.expire_payment(payment_id=payment.pk, data=gateway)
    return "expired" if changed else ""


def expire_pending_payments(now: datetime.datetime | None = None) -> SweepResult:
    """Settle every pending attempt whose ``expires_at`` has passed (oldest first, ``BATCH``)."""
    moment = now or timezone.now()
    due = list(
        Payment.objects.filter(status=PaymentStatus.PENDING, expires_at__lte=moment)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    result = SweepResult()
    for payment_id in due:
        outcome = settle_expired(payment_id)
        if outcome == "expired":
            result.expired += 1
        elif outcome == "confirmed":
            result.confirmed += 1
        elif outcome == "unanswered":
            result.unanswered += 1
    return result
