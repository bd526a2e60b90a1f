"""Celery tasks of the payments app (imported by Celery's autodiscovery)."""

from celery import shared_task

from tinhso.payments import expiry
from tinhso.payments.receipts import issue_receipt_task, sweep_missing_receipts

__all__ = ["expire_pending_payments", "issue_receipt_task", "sweep_missing_receipts"]


@shared_task
def expire_pending_payments() -> dict[str, int]:
    """Pending payments past their time: ask the gateway, confirm or expire (``payments.expiry``)."""
    result = expiry.expire_pending_payments()
    return {
        "expired": result.expired,
        "confirmed": result.confirmed,
        "unanswered": result.unanswered,
    }
