"""Background work of the integration layer: thin, idempotent (docs/integrations.md)."""

from celery import shared_task
from django.conf import settings

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


@shared_task
def pull_national_dossiers(limit: int = 200) -> str:
    """Fetch the dossiers filed on the national portal that wait for us (list → detail → ack,
    spec §4.1-2); idempotent by the national code (R-NAT-051)."""
    if not settings.TINHSO_NATIONAL_INBOUND_PULL:
        return "off"
    from tinhso.integrations.national import inbound

    return inbound.pull(limit=limit).summary()


@shared_task
def sync_national_catalogue() -> str:
    """Import and update the procedure catalogue from the national TTHC database (spec §3)."""
    from tinhso.integrations.national import catalogue

    return catalogue.sync().summary()
