from celery import shared_task

from tinhso.dossiers.deadlines import scan_deadlines as scan
from tinhso.dossiers.events import dispatch_events  # noqa: F401  (defined there; beat runs it)


@shared_task
def scan_deadlines() -> dict[str, int]:
    report = scan()
    return {"due_soon": report.due_soon, "overdue": report.overdue, "alerted": report.alerted}
