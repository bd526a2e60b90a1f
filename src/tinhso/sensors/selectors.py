"""Read side of the salinity network: public data, so no permission checks beyond "exists".

``salinity_overview()`` is the one call the pages and the operations centre's agriculture panel
use for the network's state: stations with their latest reading, map level and trend.
"""

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max
from django.http import Http404

from tinhso.sensors.models import Datastream, Rollup
from tinhso.sensors.thresholds import SALINITY_CODE, Use, map_level, uses

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
TREND_TOLERANCE = 0.05  # ±5 % between the last two 24-hour maxima counts as steady


@dataclass(frozen=True)
class StationState:
    code: str
    name: str
    river: str
    province: str
    lat: float | None
    lon: float | None
    coords_confirmed: bool
    datastream_id: int
    latest_value: float | None
    latest_time: datetime.datetime | None
    level: int | None
    trend: str  # "up", "down", "steady" or "" (not enough data)
    max_24h: float | None
    synthetic: bool = False


def _salinity_streams() -> list[Datastream]:
    return list(
        Datastream.objects.filter(observed_property__code=SALINITY_CODE)
        .select_related("thing")
        .prefetch_related("thing__locations")
        .order_by("thing__id")
    )


def _trend(current: float | None, before: float | None) -> str:
    if current is None or before is None:
        return ""
    if current > before * (1 + TREND_TOLERANCE):
        return "up"
    if current < before * (1 - TREND_TOLERANCE):
        return "down"
    return "steady"


def _daily_maxima(streams: list[Datastream]) -> dict[int, tuple[float | None, float | None]]:
    """Per datastream: max of the 24 hours up to its latest reading, and of the 24 before."""
    ends = {ds.pk: ds.phenomenon_time_end for ds in streams if ds.phenomenon_time_end}
    if not ends:
        return {}
    oldest = min(ends.values()) - datetime.timedelta(hours=49)
    found: dict[int, list[float | None]] = defaultdict(lambda: [None, None])
    rows = Rollup.objects.filter(
        datastream_id__in=list(ends), resolution="hour", bucket__gte=oldest
    ).values_list("datastream_id", "bucket", "maximum")
    for ds_id, bucket, maximum in rows:
        age = ends[ds_id] - bucket
        slot = 0 if age < datetime.timedelta(hours=24) else 1
        if age >= datetime.timedelta(hours=48):
            continue
        current = found[ds_id][slot]
        found[ds_id][slot] = maximum if current is None else max(current, maximum)
    return {k: (v[0], v[1]) for k, v in found.items()}


def _state(ds: Datastream, maxima: tuple[float | None, float | None]) -> StationState:
    props = ds.thing.properties
    locations = list(ds.thing.locations.all())
    point = locations[0].lat_lon if locations else None
    return StationState(
        code=ds.thing.code,
        name=ds.thing.name,
        river=str(props.get("river", "")),
        province=str(props.get("province_pre2025", "")),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        coords_confirmed=bool(props.get("coords_confirmed", True)),
        datastream_id=ds.pk,
        latest_value=ds.latest_result,
        latest_time=ds.phenomenon_time_end,
        level=map_level(ds.latest_result),
        trend=_trend(*maxima),
        max_24h=maxima[0],
        synthetic=bool(props.get("synthetic_data", False)),
    )


def salinity_overview() -> list[StationState]:
    """Every salinity station: latest reading, map level (0–4) and 24-hour trend."""
    streams = _salinity_streams()
    maxima = _daily_maxima(streams)
    return [_state(ds, maxima.get(ds.pk, (None, None))) for ds in streams]


def station(code: str) -> StationState:
    """One station by code; 404 when there is none."""
    for ds in _salinity_streams():
        if ds.thing.code == code:
            return _state(ds, _daily_maxima([ds]).get(ds.pk, (None, None)))
    raise Http404


@dataclass(frozen=True)
class UseSummary:
    use: Use
    days_above: int
    first: datetime.date | None
    last: datetime.date | None


@dataclass(frozen=True)
class SeasonSummary:
    label: str
    start: datetime.date
    end: datetime.date
    days_with_data: int
    maximum: float | None
    maximum_day: datetime.date | None
    per_use: list[UseSummary]


def dry_season_of(day: datetime.date) -> int:
    """The dry season (December to May) is named by the year of its May: Dec 2025 → 2026."""
    return day.year + 1 if day.month == 12 else day.year


def season_summary(datastream_id: int, season: int) -> SeasonSummary:
    """Max, and per use the days whose maximum reached the limit, first and last such day."""
    start = datetime.date(season - 1, 12, 1)
    end = datetime.date(season, 5, 31)
    lower = datetime.datetime.combine(start, datetime.time(), LOCAL)
    upper = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), LOCAL)
    days = [
        (bucket.astimezone(LOCAL).date(), maximum)
        for bucket, maximum in Rollup.objects.filter(
            datastream_id=datastream_id, resolution="day", bucket__gte=lower, bucket__lt=upper
        )
        .order_by("bucket")
        .values_list("bucket", "maximum")
    ]
    peak = max(days, key=lambda d: d[1]) if days else None
    per_use = []
    for use in uses().values():
        above = [day for day, maximum in days if maximum >= use.threshold]
        per_use.append(
            UseSummary(use, len(above), above[0] if above else None, above[-1] if above else None)
        )
    return SeasonSummary(
        label=f"12/{season - 1}–5/{season}",
        start=start,
        end=end,
        days_with_data=len(days),
        maximum=peak[1] if peak else None,
        maximum_day=peak[0] if peak else None,
        per_use=per_use,
    )


def seasons_with_data(datastream_id: int) -> list[int]:
    """Dry seasons (by the year of their May) for which the station has daily data, newest first."""
    latest = Rollup.objects.filter(datastream_id=datastream_id, resolution="day").aggregate(
        last=Max("bucket")
    )["last"]
    if latest is None:
        return []
    first = (
        Rollup.objects.filter(datastream_id=datastream_id, resolution="day")
        .order_by("bucket")
        .values_list("bucket", flat=True)
        .first()
    )
    assert first is not None
    newest = dry_season_of(latest.astimezone(LOCAL).date())
    oldest = dry_season_of(first.astimezone(LOCAL).date())
    return list(range(newest, oldest - 1, -1))


def chart_series(datastream_id: int, days: int = 30) -> dict[str, list[list[object]]]:
    """Hourly min/mean/max over the last ``days`` days up to the latest reading, for ECharts."""
    last = Rollup.objects.filter(datastream_id=datastream_id, resolution="hour").aggregate(
        last=Max("bucket")
    )["last"]
    if last is None:
        return {"min": [], "mean": [], "max": []}
    rows = Rollup.objects.filter(
        datastream_id=datastream_id,
        resolution="hour",
        bucket__gt=last - datetime.timedelta(days=days),
    ).order_by("bucket")
    out: dict[str, list[list[object]]] = {"min": [], "mean": [], "max": []}
    for row in rows:
        stamp = row.bucket.astimezone(LOCAL).isoformat()
        out["min"].append([stamp, round(row.minimum, 3)])
        out["mean"].append([stamp, round(row.mean, 3)])
        out["max"].append([stamp, round(row.maximum, 3)])
    return out


def daily_series(datastream_id: int, season: int) -> list[list[object]]:
    """Daily maxima of a dry season: [date, max, mean]."""
    start = datetime.datetime.combine(datetime.date(season - 1, 12, 1), datetime.time(), LOCAL)
    end = datetime.datetime.combine(datetime.date(season, 6, 1), datetime.time(), LOCAL)
    return [
        [row.bucket.astimezone(LOCAL).date().isoformat(), round(row.maximum, 3), round(row.mean, 3)]
        for row in Rollup.objects.filter(
            datastream_id=datastream_id, resolution="day", bucket__gte=start, bucket__lt=end
        ).order_by("bucket")
    ]
