"""Background tasks of the notifications app: thin wrappers taking ids."""

import datetime
from typing import Any

from celery import shared_task
from django.utils import timezone

from tinhso.notifications.channels import DeliveryError
from tinhso.notifications.models import Delivery
from tinhso.notifications.services import deliver, notify_applicant

# One retry policy for every delivery task: at most 3 retries, after about 30 s, 60 s, 120 s.
DELIVERY_RETRY: dict[str, Any] = {
    "autoretry_for": (DeliveryError,),
    "max_retries": 3,
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}
SWEEP_BATCH = 200  # deliveries per task, as the outbox queues them
SWEEP_LIMIT = 10_000  # per sweep: a long outage drains over a few minutes


@shared_task(**DELIVERY_RETRY)
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


@shared_task(**DELIVERY_RETRY)
def deliver_task(delivery_ids: list[int]) -> list[int]:
    """Send recorded deliveries (``services.deliver``); retry while one of them failed.

    Queued on commit by ``outbox.send_many``. Retries (at most 3, after about 30 s, 60 s,
    120 s) claim only the deliveries that failed: those sent are left alone. Returns the ids.
    """
    deliveries = deliver(delivery_ids)
    failed = [d for d in deliveries if d.status == Delivery.Status.FAILED]
    if failed:
        # Ids and media only: the error text may quote an address and stays on the row.
        raise DeliveryError(
            "failed deliveries: " + ", ".join(f"{d.pk} ({d.channel})" for d in failed)
        )
    return [d.pk for d in deliveries]


# A pending delivery older than this was recorded in a committed transaction whose on-commit
# task never reached a worker (the broker was down, the process died between commit and enqueue).
STALE_PENDING = datetime.timedelta(minutes=2)


@shared_task
def sweep_pending_deliveries() -> int:
    """Send again what was recorded but never queued (Celery beat, every minute): the outbox
    loses nothing when the broker or the process fails right after the commit. Returns how many
    deliveries were queued."""
    cutoff = timezone.now() - STALE_PENDING
    ids = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for start in range(0, len(ids), SWEEP_BATCH):
        deliver_task.delay(ids[start : start + SWEEP_BATCH])
    return len(ids)
