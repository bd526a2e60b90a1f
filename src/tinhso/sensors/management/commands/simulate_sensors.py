"""``tinhso simulate-sensors`` (also ``simulate_sensors``): publish synthetic or replayed
salinity readings over MQTT to ``<prefix>v1.1/Datastreams(<id>)/Observations``.

Live mode (default) publishes one reading per station every ``--interval`` minutes of real
time. ``--start`` with ``--speed N`` fast-forwards simulated time N times faster than real time
(``--speed 0``: as fast as the broker takes them) up to now; readings in the future would be
refused by the worker. ``--replay file.csv`` publishes a CSV of ``station,time,value``
(``station`` is a station code or a Datastream id; ``time`` ISO 8601 with zone).
"""

import csv
import datetime
import heapq
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.sensors.models import Datastream
from tinhso.sensors.publisher import Publisher, observation
from tinhso.sensors.simulation import Faults, StationSeries
from tinhso.sensors.stations import ensure_network, stations

# Faulty payloads a broken logger sends: cut-off JSON, a text result, no time zone, not JSON.
MALFORMED = [
    b'{"result": 1.2, "phenomenonTime": "2026-02-1',
    b'{"result": "ERR", "phenomenonTime": "2026-02-10T00:00:00Z"}',
    b'{"result": 1.2, "phenomenonTime": "2026-02-10 07:00"}',
    b"\x00\x00\xff",
]


class Command(BaseCommand):
    help = "Publish synthetic (or replayed) salinity readings over MQTT."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=getattr(settings, "TINHSO_MQTT_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=getattr(settings, "TINHSO_MQTT_PORT", 1883))
        parser.add_argument("--prefix", default=getattr(settings, "TINHSO_MQTT_PREFIX", ""))
        parser.add_argument("--stations", help="comma-separated station codes (default: all)")
        parser.add_argument("--start", help="simulated start, ISO date or time (default: now)")
        parser.add_argument("--until", help="simulated end (default: now, or forever when live)")
        parser.add_argument("--interval", type=float, default=1.0, help="minutes between readings")
        parser.add_argument(
            "--speed", type=float, help="simulated ÷ real time; 0 = max (default 1, replay 0)"
        )
        parser.add_argument("--severity", type=float, default=1.0, help="1.0 = a 2016-like season")
        parser.add_argument("--spikes", type=float, default=0.0, help="probability per reading")
        parser.add_argument("--stuck", type=float, default=0.0)
        parser.add_argument("--dropouts", type=float, default=0.0)
        parser.add_argument("--malformed", type=float, default=0.0)
        parser.add_argument("--seed", type=int, default=2016)
        parser.add_argument("--limit", type=int, default=0, help="stop after this many messages")
        parser.add_argument("--replay", type=Path, help="CSV file with station,time,value")

    def handle(self, *args: Any, **options: Any) -> None:
        publisher = Publisher(options["host"], options["port"], options["prefix"])
        try:
            if options["replay"]:
                sent = self._replay(publisher, options)
            else:
                sent = self._simulate(publisher, options)
        except KeyboardInterrupt:
            sent = -1
        finally:
            publisher.close()
        self.stdout.write(f"published {sent} messages" if sent >= 0 else "interrupted")

    def _pace(
        self, first: datetime.datetime, moment: datetime.datetime, began: float, speed: float
    ) -> None:
        if speed <= 0:
            return
        due = began + (moment - first).total_seconds() / speed
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def _simulate(self, publisher: Publisher, options: dict[str, Any]) -> int:
        streams = ensure_network()
        chosen = options["stations"].split(",") if options["stations"] else list(streams)
        unknown = set(chosen) - set(streams)
        if unknown:
            raise CommandError(f"unknown stations: {', '.join(sorted(unknown))}")
        now = timezone.now()
        start = _when(options["start"]) if options["start"] else now
        live = not options["start"] and not options["until"]
        until = _when(options["until"]) if options["until"] else (None if live else now)
        step = datetime.timedelta(minutes=options["interval"])
        faults = Faults(
            options["spikes"], options["stuck"], options["dropouts"], options["malformed"]
        )
        facts = {s.code: s for s in stations()}
        series = {
            code: iter(
                StationSeries(
                    peak=facts[code].synthetic_peak,
                    start=start,
                    step=step,
                    lag_hours=float(facts[code].facts.get("km_from_mouth") or 0) / 12,
                    severity=options["severity"],
                    faults=faults,
                    seed=options["seed"] + index,
                )
            )
            for index, code in enumerate(chosen)
        }
        queue = [_next(series[code], code) for code in chosen]  # (time, code, value)
        heapq.heapify(queue)
        began, sent, speed = (
            time.monotonic(),
            0,
            options["speed"] if options["speed"] is not None else 1.0,
        )
        while queue:
            moment, code, value = heapq.heappop(queue)
            if until is not None and moment > until:
                continue  # this station is done
            self._pace(start, moment, began, speed)
            if value is None:
                publisher.send(streams[code].pk, MALFORMED[sent % len(MALFORMED)])
            else:
                publisher.send(streams[code].pk, observation(moment, value))
            sent += 1
            if options["limit"] and sent >= options["limit"]:
                break
            heapq.heappush(queue, _next(series[code], code))
        return sent

    def _replay(self, publisher: Publisher, options: dict[str, Any]) -> int:
        by_code = {ds.thing.code: ds.pk for ds in Datastream.objects.select_related("thing")}
        rows: list[tuple[datetime.datetime, int, float]] = []
        with options["replay"].open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    key = (row.get("station") or row.get("datastream") or "").strip()
                    ds = int(key) if key.isdigit() else by_code[key]
                    rows.append((_when(row["time"]), ds, float(row["value"])))
                except (KeyError, ValueError) as exc:
                    raise CommandError(f"line {number}: {exc!r}") from None
        rows.sort()
        began, sent = time.monotonic(), 0
        speed = options["speed"] or 0.0  # a replay runs as fast as possible unless --speed
        for moment, ds, value in rows:
            self._pace(rows[0][0], moment, began, speed)
            publisher.send(ds, observation(moment, value))
            sent += 1
            if options["limit"] and sent >= options["limit"]:
                break
        return sent


def _next(
    series: Iterator[tuple[datetime.datetime, float | None]], code: str
) -> tuple[datetime.datetime, str, float | None]:
    moment, value = next(series)
    return moment, code, value


def _when(text: str) -> datetime.datetime:
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC) if "T" in text else timezone.make_aware(value)
    return value
