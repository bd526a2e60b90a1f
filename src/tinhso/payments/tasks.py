"""Celery tasks of the payments app (imported by Celery's autodiscovery)."""

from tinhso.payments.receipts import issue_receipt_task, sweep_missing_receipts

__all__ = ["issue_receipt_task", "sweep_missing_receipts"]
