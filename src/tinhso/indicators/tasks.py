from celery import shared_task

from tinhso.indicators import alerts


@shared_task
def evaluate_alerts() -> dict[str, int]:
    """Celery beat: evaluate the operations-centre alert rules (raise once, clear, e-mail)."""
    outcome = alerts.evaluate()
    return {"raised": len(outcome.raised), "cleared": len(outcome.cleared)}
