"""``tinhso sensors_device_token <station code>``: print a new bearer token for a station's
logger (HTTP ingest). The token is shown once; only its hash is stored."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tinhso.sensors.models import Thing
from tinhso.sensors.services import create_device_token


class Command(BaseCommand):
    help = "Create a bearer token with which one station's logger may post its observations."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("station", help="station code, e.g. my-hoa")
        parser.add_argument("--label", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        thing = Thing.objects.filter(code=options["station"]).first()
        if thing is None:
            raise CommandError(f"no station {options['station']!r}")
        self.stdout.write(create_device_token(thing=thing, label=options["label"]))
