"""Demo data: the salinity network and a SYNTHETIC history (no real measurements).

``load()`` is idempotent: it creates the stations (``stations.ensure_network``) and, for each
station without observations yet, synthetic readings for the last dry season (December–May,
2-hourly, shaped like the 2016 event, see ``simulation.py``) and for the three weeks up to now
(hourly). Each demo Thing is marked ``"synthetic_data": true`` and its pages say so.
"""

import datetime

from django.utils import timezone

from tinhso.sensors.ingest import ingest
from tinhso.sensors.models import Observation, Thing
from tinhso.sensors.readings import Reading
from tinhso.sensors.simulation import StationSeries
from tinhso.sensors.stations import ensure_network, stations

STEP = datetime.timedelta(hours=1)
SEASON_STEP = datetime.timedelta(hours=2)
RECENT = datetime.timedelta(days=21)
CHUNK = 5000  # readings per ingest call (all stations, in time order)


def _last_dry_season(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    year = today.year if today.month >= 6 else today.year - 1  # the season that ended in May
    start = datetime.datetime(year - 1, 12, 1, tzinfo=datetime.UTC)
    return start, datetime.datetime(year, 6, 1, tzinfo=datetime.UTC)


Span = tuple[datetime.datetime, datetime.datetime]


def _spans(now: datetime.datetime) -> tuple[Span, Span | None]:
    """The last dry season (2-hourly readings) and the three weeks up to now (hourly)."""
    season_start, season_end = _last_dry_season(now.date())
    recent_start = (now - RECENT).replace(minute=0, second=0, microsecond=0)
    if recent_start <= season_end:
        return (season_start, now), None
    return (season_start, season_end), (recent_start, now)


def _readings(
    ds_id: int,
    index: int,
    code: str,
    start: datetime.datetime,
    end: datetime.datetime,
    step: datetime.timedelta,
) -> list[Reading]:
    station = {s.code: s for s in stations()}[code]
    series = StationSeries(
        peak=station.synthetic_peak,
        start=start,
        step=step,
        lag_hours=float(station.facts.get("km_from_mouth") or 0) / 12,
        seed=2016 + index,
    )
    found = []
    for moment, value in series:
        if moment > end:
            break
        if value is not None:
            found.append(Reading(ds_id, moment, round(value, 3)))
    return found


def load() -> None:
    streams = ensure_network()
    now = timezone.now()
    todo = [
        (index, code, ds)
        for index, (code, ds) in enumerate(streams.items())
        if not Observation.objects.filter(datastream=ds).exists()
    ]
    if not todo:
        return
    for _index, _code, ds in todo:
        thing = Thing.objects.get(pk=ds.thing_id)
        thing.properties = {**thing.properties, "synthetic_data": True}
        thing.save(update_fields=["properties"])
    season, recent = _spans(now)
    readings: list[Reading] = []
    for index, code, ds in todo:
        readings += _readings(ds.pk, index, code, *season, SEASON_STEP)
        if recent is not None:
            readings += _readings(ds.pk, index, code, *recent, STEP)
    readings.sort(key=lambda r: r.phenomenon_time)
    for begin in range(0, len(readings), CHUNK):
        ingest(readings[begin : begin + CHUNK], source="demo")
