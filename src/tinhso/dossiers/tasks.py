from celery import shared_task

from tinhso.dossiers.deadlines import scan_deadlines as scan


@shared_task
def scan_deadlines() -> dict[str, int]:
    report = scan()
    return {"due_soon": report.due_soon, "overdue": report.overdue, "notified": report.notified}
