"""Background tasks of the notifications app: thin wrappers taking ids."""

from celery import shared_task

from tinhso.notifications.channels import DeliveryError
from tinhso.notifications.models import Delivery
from tinhso.notifications.services import notify_applicant


@shared_task(
    autoretry_for=(DeliveryError,),
    max_retries=3,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
)
def notify_applicant_task(dossier_id: int, event: str, history_seq: int) -> list[int]:
    """Notify the applicant (``services.notify_applicant``); retry while a delivery failed.

    Retries (at most 3, after about 30 s, 60 s, 120 s) send only the deliveries that failed:
    those already sent are skipped by the idempotency of the service. Returns the delivery ids.
    """
    deliveries = notify_applicant(dossier_id=dossier_id, event=event, history_seq=history_seq)
    failed = [d for d in deliveries if d.status == Delivery.Status.FAILED]
    if failed:
        raise DeliveryError("; ".join(f"delivery {d.pk} ({d.channel}): {d.error}" for d in failed))
    return [d.pk for d in deliveries]
