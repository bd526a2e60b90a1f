"""Celery task of the PayGov provider (imported by ``connect`` so the worker registers it)."""

from celery import shared_task

from tinhso.integrations.paygov import reconcile


@shared_task
def reconcile_paygov_payments() -> dict[str, int]:
    """R-NAT-064 (beat ``paygov-reconcile``): ask the platform about pending attempts."""
    result = reconcile.reconcile()
    return dict(result.__dict__)
