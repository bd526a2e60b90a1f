from celery import shared_task

from tinhso.datasets import statistics


@shared_task
def publish_statistics() -> bool:
    """Refresh the platform statistics dataset (beat: nightly); True when a new version was stored."""
    _dataset, changed = statistics.publish()
    return changed
