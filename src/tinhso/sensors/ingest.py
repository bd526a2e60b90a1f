"""The one ingest path for MQTT and HTTP: validate, deduplicate, store, roll up, alert.

:func:`ingest` takes parsed readings and the rejections found while parsing, and in one
transaction: refuses readings of unknown datastreams and values outside the observed property's
valid range, drops duplicates (within the batch and against what is stored), inserts the rest,
widens each datastream's phenomenon-time range and latest value, adds the new readings to the
hourly and daily rollups, runs the *present* readings through the alert states, and records
every rejection with its reason. Late readings (older than the datastream's latest) go into the
history and the rollups but never into the alert states.
"""

import datetime
import logging
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from tinhso.sensors import alerts, bulk
from tinhso.sensors.models import Datastream, RejectedReading
from tinhso.sensors.readings import Reading, Rejection
from tinhso.sensors.thresholds import SALINITY_CODE

logger = logging.getLogger("tinhso.sensors.ingest")
LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
Reason = RejectedReading.Reason


@dataclass
class IngestResult:
    stored: list[Reading] = field(default_factory=list)
    ids: dict[tuple[int, datetime.datetime], int] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    alerts: int = 0

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(str(r.reason) for r in self.rejected)
        return {"stored": len(self.stored), **found}


def ingest(
    readings: Sequence[Reading],
    rejections: Iterable[Rejection] = (),
    *,
    source: str,
    allowed_things: set[int] | None = None,
) -> IngestResult:
    """Store a batch atomically; ``allowed_things`` limits a device to its own datastreams."""
    result = IngestResult(rejected=list(rejections))
    with transaction.atomic():
        ids = sorted({r.datastream_id for r in readings})
        streams = {
            ds.pk: ds
            for ds in Datastream.objects.select_for_update()
            .select_related("observed_property")
            .filter(pk__in=ids)
            .order_by("pk")
        }
        accepted = _check(readings, streams, allowed_things, result.rejected)
        inserted = bulk.insert_new(accepted)
        new = [reading for _pk, reading in inserted]
        result.ids = {(r.datastream_id, r.phenomenon_time): pk for pk, r in inserted}
        if len(new) != len(accepted):
            new_keys = {(r.datastream_id, r.phenomenon_time) for r in new}
            result.rejected += [
                Rejection(
                    Reason.DUPLICATE,
                    f"already stored at {r.phenomenon_time.isoformat()}",
                    datastream_id=r.datastream_id,
                )
                for r in accepted
                if (r.datastream_id, r.phenomenon_time) not in new_keys
            ]
        result.stored = new
        by_stream: dict[int, list[Reading]] = defaultdict(list)
        for reading in new:
            by_stream[reading.datastream_id].append(reading)
        for ds_id, stream_readings in by_stream.items():
            result.alerts += _advance(streams[ds_id], stream_readings)
        bulk.upsert_rollups(_rollup_rows(new))
        _record(result.rejected, source)
    if result.rejected:
        logger.info("ingest %s: %s", source, result.counts)
    return result


def _check(
    readings: Sequence[Reading],
    streams: dict[int, Datastream],
    allowed_things: set[int] | None,
    rejected: list[Rejection],
) -> list[Reading]:
    seen: set[tuple[int, datetime.datetime]] = set()
    accepted: list[Reading] = []
    for r in readings:
        ds = streams.get(r.datastream_id)
        if ds is None:
            rejected.append(
                Rejection(Reason.UNKNOWN_DATASTREAM, "no such Datastream", "", "", r.datastream_id)
            )
            continue
        if allowed_things is not None and ds.thing_id not in allowed_things:
            rejected.append(
                Rejection(Reason.FORBIDDEN, "not this device's Datastream", "", "", ds.pk)
            )
            continue
        prop = ds.observed_property
        low, high = prop.min_valid, prop.max_valid
        if (low is not None and r.result < low) or (high is not None and r.result > high):
            rejected.append(
                Rejection(
                    Reason.OUT_OF_RANGE,
                    f"{r.result:g} outside [{low:g}, {high:g}] for {prop.code}"
                    if low is not None and high is not None
                    else f"{r.result:g} outside the valid range of {prop.code}",
                    datastream_id=ds.pk,
                )
            )
            continue
        key = (r.datastream_id, r.phenomenon_time)
        if key in seen:
            rejected.append(
                Rejection(Reason.DUPLICATE, "repeated in the same batch", datastream_id=ds.pk)
            )
            continue
        seen.add(key)
        accepted.append(r)
    return accepted


def _advance(ds: Datastream, readings: list[Reading]) -> int:
    """Widen the datastream's time ranges and latest value; alert on the present readings."""
    readings.sort(key=lambda r: r.phenomenon_time)
    first, last = readings[0], readings[-1]
    previous_end = ds.phenomenon_time_end
    result_times = [r.result_time for r in readings if r.result_time is not None]
    updates: dict[str, object] = {}
    if ds.phenomenon_time_start is None or first.phenomenon_time < ds.phenomenon_time_start:
        updates["phenomenon_time_start"] = first.phenomenon_time
    if previous_end is None or last.phenomenon_time > previous_end:
        updates["phenomenon_time_end"] = last.phenomenon_time
        updates["latest_result"] = last.result
    if result_times:
        low, high = min(result_times), max(result_times)
        if ds.result_time_start is None or low < ds.result_time_start:
            updates["result_time_start"] = low
        if ds.result_time_end is None or high > ds.result_time_end:
            updates["result_time_end"] = high
    if updates:
        Datastream.objects.filter(Q(pk=ds.pk)).update(**updates)
        for name, value in updates.items():
            setattr(ds, name, value)
    if ds.observed_property.code != SALINITY_CODE:
        return 0
    present = [r for r in readings if previous_end is None or r.phenomenon_time > previous_end]
    return len(alerts.evaluate(ds, present)) if present else 0


def bucket_starts(moment: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of the hour and of the Asia/Ho_Chi_Minh day holding ``moment``."""
    local = moment.astimezone(LOCAL)
    hour = local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return hour.astimezone(datetime.UTC), day.astimezone(datetime.UTC)


def _rollup_rows(
    readings: Iterable[Reading],
) -> list[tuple[int, str, datetime.datetime, int, float, float, float]]:
    acc: dict[tuple[int, str, datetime.datetime], list[float]] = {}
    for r in readings:
        hour, day = bucket_starts(r.phenomenon_time)
        for key in ((r.datastream_id, "hour", hour), (r.datastream_id, "day", day)):
            agg = acc.get(key)
            if agg is None:
                acc[key] = [1, r.result, r.result, r.result]
            else:
                agg[0] += 1
                agg[1] += r.result
                agg[2] = min(agg[2], r.result)
                agg[3] = max(agg[3], r.result)
    return [(ds, res, b, int(a[0]), a[1], a[2], a[3]) for (ds, res, b), a in acc.items()]


def _text(value: str, limit: int) -> str:
    """PostgreSQL text cannot hold NUL: a hostile payload must not make its rejection fail."""
    return value[:limit].replace("\x00", "\ufffd")


def _record(rejected: list[Rejection], source: str) -> None:
    if rejected:
        RejectedReading.objects.bulk_create(
            RejectedReading(
                source=source,
                topic=_text(r.topic, 200),
                datastream_id_claimed=r.datastream_id,
                reason=r.reason,
                detail=_text(r.detail, 300),
                payload=_text(r.payload, 500),
            )
            for r in rejected
        )
