from celery import shared_task

from tinhso.datasets import reports_open, statistics


@shared_task
def publish_statistics() -> bool:
    """Refresh the platform statistics dataset and the open dataset of citizen reports (beat:
    nightly); True when a new version of either was stored."""
    _dataset, changed = statistics.publish()
    _reports, reports_changed = reports_open.publish()
    return changed or reports_changed
