"""Background tasks of the documents app: thin, idempotent, by id."""

import datetime

from celery import shared_task
from django.conf import settings

from tinhso.documents import services
from tinhso.documents.models import IssuedSlip
from tinhso.dossiers import events

# How far back the slip sweep looks (events older than this are assumed handled), and how many
# slips one sweep queues at most.
SLIP_SWEEP_WINDOW = datetime.timedelta(hours=6)
SLIP_SWEEP_LIMIT = 10_000


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def issue_slip_task(dossier_id: int, kind: str, history_seq: int) -> int:
    """Issue slip ``kind`` for history entry ``history_seq``; returns the IssuedSlip id.

    Enqueued by the slips subscriber of the dossier-changed event (``documents.subscribers``).
    """
    return services.issue_slip(dossier_id=dossier_id, kind=kind, history_seq=history_seq).pk


@shared_task
def sweep_missing_slips() -> int:
    """Queue again the slips whose task was lost (Celery beat, every minute); returns how many.

    The slips subscriber hands each slip to ``issue_slip_task`` and its cursor moves on; a broker
    that loses the message (Redis restarted without persistence) would lose the slip. An event of
    the last hours that names a slip, older than ``TINHSO_CATCHUP_GRACE_SECONDS``, without its
    issued slip is queued again; ``issue_slip`` is idempotent, so a slip still waiting in a long
    queue is not issued twice.
    """
    grace = datetime.timedelta(seconds=settings.TINHSO_CATCHUP_GRACE_SECONDS)
    wanted = events.recent_effects("slip", within=SLIP_SWEEP_WINDOW, grace=grace)
    if not wanted:
        return 0
    issued = set(
        IssuedSlip.objects.filter(
            dossier_id__in={dossier_id for dossier_id, _seq, _kind in wanted}
        ).values_list("dossier_id", "history_seq", "kind")
    )
    missing = sorted(set(wanted) - issued)[:SLIP_SWEEP_LIMIT]
    for dossier_id, seq, kind in missing:
        issue_slip_task.delay(dossier_id, kind, seq)
    return len(missing)
