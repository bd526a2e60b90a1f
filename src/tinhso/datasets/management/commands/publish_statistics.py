from typing import Any

from django.core.management.base import BaseCommand

from tinhso.datasets import reports_open, statistics


class Command(BaseCommand):
    help = (
        "Publish the service-quality statistics per agency and month, and the citizen reports "
        "without personal data, as open datasets."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for module in (statistics, reports_open):
            dataset, changed = module.publish()
            rows = dataset.resources.get(name=module.RESOURCE_NAME).datastore.row_count
            state = "updated" if changed else "unchanged"
            self.stdout.write(f"{dataset.name}: {rows} rows ({state})")
