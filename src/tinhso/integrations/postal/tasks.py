"""The tracking poll (beat, ``TINHSO_POSTAL_POLL_SECONDS``): missed notifications."""

from celery import shared_task
from django.conf import settings


@shared_task
def poll_postal_shipments(limit: int = 200) -> int:
    if not settings.TINHSO_POSTAL_ENABLED:
        return 0
    from tinhso.integrations.postal import tracking

    return tracking.poll(limit=limit)
