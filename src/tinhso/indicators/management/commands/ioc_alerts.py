from typing import Any

from django.core.management.base import BaseCommand

from tinhso.indicators import alerts


class Command(BaseCommand):
    help = "Evaluate the operations-centre alert rules: raise new alerts once, clear old ones, e-mail subscribers."

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = alerts.evaluate()
        for alert in outcome.raised:
            self.stdout.write(f"+ {alert.message}")
        for alert in outcome.cleared:
            self.stdout.write(f"- {alert.message}")
        self.stdout.write(f"raised={len(outcome.raised)} cleared={len(outcome.cleared)}")
