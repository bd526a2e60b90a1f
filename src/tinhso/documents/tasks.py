"""Background tasks of the documents app: thin, idempotent, by id."""

from celery import shared_task

from tinhso.documents import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def issue_slip_task(dossier_id: int, kind: str, history_seq: int) -> int:
    """Issue slip ``kind`` for history entry ``history_seq``; returns the IssuedSlip id.

    Enqueued by the slips subscriber of the dossier-changed event (``documents.subscribers``).
    """
    return services.issue_slip(dossier_id=dossier_id, kind=kind, history_seq=history_seq).pk
