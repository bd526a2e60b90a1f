"""Background tasks of the notifications app: thin wrappers taking ids."""

import datetime
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from tinhso.dossiers import events
from tinhso.dossiers.models import Dossier
from tinhso.notifications.channels import DeliveryError
from tinhso.notifications.models import APPLICANT_TOPIC, Delivery
from tinhso.notifications.services import applicant_key, deliver, notify_applicant

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


# The grace period as configured at start-up (kept for callers that date rows against it).
STALE_PENDING = datetime.timedelta(seconds=settings.TINHSO_CATCHUP_GRACE_SECONDS)


def _grace() -> datetime.timedelta:
    """A pending delivery (or a missing notice) older than this was recorded in a committed
    transaction whose task never reached a worker: the broker was down or lost it, the process
    died between commit and enqueue (``TINHSO_CATCHUP_GRACE_SECONDS``, 2 minutes)."""
    return datetime.timedelta(seconds=settings.TINHSO_CATCHUP_GRACE_SECONDS)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.TINHSO_DELIVERY_LEASE_SECONDS)


@shared_task
def sweep_pending_deliveries() -> int:
    """Send again what was recorded but never queued, and what a dead worker had claimed
    (Celery beat, every minute): the outbox loses nothing when the broker or the process fails
    right after the commit, or a worker dies while sending. Returns how many deliveries were
    queued."""
    now = timezone.now()
    stale = Q(status=Delivery.Status.PENDING, created_at__lt=now - _grace())
    abandoned = Q(status=Delivery.Status.QUEUED, claimed_at__lt=now - _lease())
    ids = list(
        Delivery.objects.filter(stale | abandoned)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for start in range(0, len(ids), SWEEP_BATCH):
        deliver_task.delay(ids[start : start + SWEEP_BATCH])
    return len(ids)


# How far back the notice sweep looks: events older than this are assumed handled (an old notice
# is not sent by surprise hours later, and the sweep stays cheap).
NOTICE_SWEEP_WINDOW = datetime.timedelta(hours=6)


@shared_task
def sweep_missing_notices() -> int:
    """Queue again the applicant notices whose task was lost (Celery beat, every minute).

    The notifications subscriber hands each notice to ``notify_applicant_task`` and its cursor
    moves on; a broker that loses the message (Redis restarted without persistence) would lose
    the notice. An event of the last hours that names a notice, older than the grace period,
    with no delivery recorded for an applicant who can be reached, is queued again; the task is
    idempotent, so a notice still waiting in a long queue is not sent twice. Returns how many
    were queued.
    """
    wanted = {
        applicant_key(dossier_id, notice, seq): (dossier_id, notice, seq)
        for dossier_id, seq, notice in events.recent_effects(
            "notify", within=NOTICE_SWEEP_WINDOW, grace=_grace()
        )
    }
    if not wanted:
        return 0
    reachable = set(
        Dossier.objects.filter(pk__in={dossier_id for dossier_id, _n, _s in wanted.values()})
        .exclude(applicant_email="", applicant_phone="")
        .values_list("pk", flat=True)
    )
    recorded = set(
        Delivery.objects.filter(topic=APPLICANT_TOPIC, key__in=list(wanted)).values_list(
            "key", flat=True
        )
    )
    missing = [
        wanted[key] for key in sorted(set(wanted) - recorded) if wanted[key][0] in reachable
    ][:SWEEP_LIMIT]
    for dossier_id, notice, seq in missing:
        notify_applicant_task.delay(dossier_id, notice, seq)
    return len(missing)
