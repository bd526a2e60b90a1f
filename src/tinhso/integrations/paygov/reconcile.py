"""Reconciliation of PayGov attempts (R-NAT-064; Celery beat ``paygov-reconcile``, every 15 min).

Every attempt still pending, older than ``TINHSO_PAYGOV_RECONCILE_MIN_MINUTES`` (30) and younger
than ``TINHSO_PAYGOV_RECONCILE_MAX_HOURS`` (72), is asked (QUERY): ``TrangThaiGD`` 1 → confirmed as
if the callback had come (source ``paygov_reconciliation``, marked ``auto_checked``), 4 → failed,
3 → left for the next run. An attempt older than the window and still pending is handed to
finance staff once (payment event ``handed_to_finance``).
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.integrations.paygov import protocol
from tinhso.integrations.paygov.provider import PROVIDER_ID, PaygovProvider, record_applied
from tinhso.payments import services
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.providers import ProviderError, get_provider

logger = logging.getLogger(__name__)
SOURCE = "paygov_reconciliation"
OPEN = (PaymentStatus.PENDING, PaymentStatus.EXPIRED)


@dataclass
class ReconcileResult:
    confirmed: int = 0
    failed: int = 0
    pending: int = 0
    unanswered: int = 0
    handed_over: int = 0


def reconcile(now: datetime.datetime | None = None) -> ReconcileResult:
    moment = now or timezone.now()
    youngest = moment - datetime.timedelta(minutes=settings.TINHSO_PAYGOV_RECONCILE_MIN_MINUTES)
    oldest = moment - datetime.timedelta(hours=settings.TINHSO_PAYGOV_RECONCILE_MAX_HOURS)
    provider = get_provider(PROVIDER_ID)
    assert isinstance(provider, PaygovProvider)
    result = ReconcileResult()
    # Expired attempts are asked too: the expiry sweep may have lapsed one the platform paid.
    due = Payment.objects.filter(
        provider=PROVIDER_ID, status__in=OPEN, created_at__lte=youngest, created_at__gte=oldest
    ).order_by("created_at")
    for payment in due:
        try:
            answer = provider.ask(payment)
        except ProviderError as exc:
            logger.warning("PayGov reconciliation: %s not answered: %s", payment.reference, exc)
            result.unanswered += 1
            continue
        if answer is None or answer.state == protocol.STATE_PENDING:
            result.pending += 1
        elif answer.paid:
            try:
                with transaction.atomic():
                    confirmed, applied = services.confirm_payment(
                        reference=payment.reference,
                        amount=answer.amount if answer.amount is not None else -1,
                        provider_txn=answer.transaction_id,
                        source=SOURCE,
                        data={"auto_checked": True} | answer.audit_data(),
                    )
                    if applied:
                        record_applied(confirmed)
                        result.confirmed += 1
            except services.PaymentError as exc:  # another amount: an official looks
                logger.error("PayGov reconciliation: %s paid but not confirmed: %s", payment, exc)
                result.unanswered += 1
        elif answer.state == protocol.STATE_FAILED and payment.status == PaymentStatus.PENDING:
            services.fail_payment(
                reference=payment.reference, source=SOURCE, data=answer.audit_data()
            )
            result.failed += 1
    for payment in Payment.objects.filter(
        provider=PROVIDER_ID, status=PaymentStatus.PENDING, created_at__lt=oldest
    ):
        if payment.details.get("handed_to_finance"):
            continue
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            locked.details = locked.details | {"handed_to_finance": moment.isoformat()}
            locked.save(update_fields=["details"])
            services.log_event(locked, "handed_to_finance", {"source": SOURCE})
        logger.error(
            "PayGov attempt %s still pending after the window: finance staff", payment.reference
        )
        result.handed_over += 1
    return result
