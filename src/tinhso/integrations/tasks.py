"""Background work of the integration layer: thin, idempotent (docs/integrations.md)."""

from celery import shared_task

from tinhso.integrations import outbox


@shared_task
def drain_outbox(limit: int = 500) -> dict[str, int]:
    """Deliver what is due to every registered outside system. Run by Celery beat in production
    and by ``tinhso worker`` beside the development server; the leases make two runs at once
    safe (an item is delivered by one of them)."""
    report = outbox.drain(limit=limit)
    return {
        "sent": report.sent,
        "retried": report.retried,
        "dead": report.dead,
        "superseded": report.superseded,
    }
