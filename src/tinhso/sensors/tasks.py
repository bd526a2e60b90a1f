"""Background tasks of the sensors app: thin wrappers taking ids."""

from celery import shared_task

from tinhso.sensors.models import AlertDelivery
from tinhso.sensors.services import deliver_alert as deliver_alert_service


@shared_task(autoretry_for=(RuntimeError,), max_retries=3, retry_backoff=30, retry_jitter=True)
def deliver_alert(event_id: int) -> list[int]:
    """Send the queued deliveries of one alert event; retry (3 times) while some failed."""
    sent = deliver_alert_service(event_id=event_id)
    failed = AlertDelivery.objects.filter(event_id=event_id, status=AlertDelivery.Status.FAILED)
    if failed.exists():
        raise RuntimeError(f"{failed.count()} alert deliveries of event {event_id} failed")
    return [d.pk for d in sent]
