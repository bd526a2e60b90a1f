from typing import Any

from django.core.management.base import BaseCommand

from tinhso.datasets import statistics


class Command(BaseCommand):
    help = "Publish the service-quality statistics per agency and month as an open dataset."

    def handle(self, *args: Any, **options: Any) -> None:
        dataset, changed = statistics.publish()
        rows = dataset.resources.get(name=statistics.RESOURCE_NAME).datastore.row_count
        state = "updated" if changed else "unchanged"
        self.stdout.write(f"{dataset.name}: {rows} rows ({state})")
