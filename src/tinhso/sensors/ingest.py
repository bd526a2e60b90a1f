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
import math
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
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
        if connection.vendor == "postgresql":
            new = _store_postgresql(accepted, result)
        else:
            new = _store_portable(accepted, streams, result)
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
        result.alerts = _alert(new, streams)
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
    # per datastream: the valid range when the device may write it (None: refuse, see _refuse)
    bounds: dict[int, tuple[float, float] | None] = {}
    for pk, ds in streams.items():
        prop = ds.observed_property
        allowed = allowed_things is None or ds.thing_id in allowed_things
        bounds[pk] = (
            (
                -math.inf if prop.min_valid is None else prop.min_valid,
                math.inf if prop.max_valid is None else prop.max_valid,
            )
            if allowed
            else None
        )
    seen: set[tuple[int, datetime.datetime]] = set()
    accepted: list[Reading] = []
    for r in readings:
        limits = bounds.get(r.datastream_id)
        if limits is None or not limits[0] <= r.result <= limits[1]:
            rejected.append(_refuse(r, streams.get(r.datastream_id), allowed_things))
            continue
        key = (r.datastream_id, r.phenomenon_time)
        if key in seen:
            rejected.append(
                Rejection(Reason.DUPLICATE, "repeated in the same batch", datastream_id=key[0])
            )
            continue
        seen.add(key)
        accepted.append(r)
    return accepted


def _refuse(r: Reading, ds: Datastream | None, allowed_things: set[int] | None) -> Rejection:
    """Why a reading failed the checks of :func:`_check`."""
    if ds is None:
        return Rejection(Reason.UNKNOWN_DATASTREAM, "no such Datastream", "", "", r.datastream_id)
    if allowed_things is not None and ds.thing_id not in allowed_things:
        return Rejection(Reason.FORBIDDEN, "not this device's Datastream", "", "", ds.pk)
    prop = ds.observed_property
    low, high = prop.min_valid, prop.max_valid
    return Rejection(
        Reason.OUT_OF_RANGE,
        f"{r.result:g} outside [{low:g}, {high:g}] for {prop.code}"
        if low is not None and high is not None
        else f"{r.result:g} outside the valid range of {prop.code}",
        datastream_id=ds.pk,
    )


def _store_postgresql(accepted: list[Reading], result: IngestResult) -> list[Reading]:
    """One statement: insert, rollups and datastream ranges (see ``bulk.STORE_SQL``)."""
    new: list[Reading] = []
    for index, pk in bulk.store_postgresql(accepted):
        reading = accepted[index]
        new.append(reading)
        result.ids[(reading.datastream_id, reading.phenomenon_time)] = pk
    return new


def _store_portable(
    accepted: list[Reading], streams: dict[int, Datastream], result: IngestResult
) -> list[Reading]:
    """Other databases (SQLite): insert, then ranges per datastream and rollups from Python."""
    inserted = bulk.insert_new(accepted)
    new = [reading for _pk, reading in inserted]
    result.ids = {(r.datastream_id, r.phenomenon_time): pk for pk, r in inserted}
    for ds_id, stream_readings in _by_stream(new).items():
        _widen(streams[ds_id], stream_readings)
    bulk.upsert_rollups(_rollup_rows(new))
    return new


def _by_stream(readings: Iterable[Reading]) -> dict[int, list[Reading]]:
    by_stream: dict[int, list[Reading]] = defaultdict(list)
    for reading in readings:
        by_stream[reading.datastream_id].append(reading)
    return by_stream


def _alert(new: list[Reading], streams: dict[int, Datastream]) -> int:
    """Run the present readings of salinity datastreams through the alert states.

    ``streams`` were loaded (and locked) before the insert, so ``phenomenon_time_end`` is the
    latest reading stored before this batch: anything not newer is late and never alerts.
    """
    present: dict[Datastream, list[Reading]] = {}
    for ds_id, stream_readings in _by_stream(new).items():
        ds = streams[ds_id]
        if ds.observed_property.code != SALINITY_CODE:
            continue
        end = ds.phenomenon_time_end
        if end is not None:
            stream_readings = [r for r in stream_readings if r.phenomenon_time > end]
        if stream_readings:
            present[ds] = stream_readings
    return len(alerts.evaluate_many(present)) if present else 0


def _widen(ds: Datastream, readings: list[Reading]) -> None:
    """Widen the datastream's time ranges and latest value (portable path).

    Only the stored row changes: ``ds`` keeps the values loaded before the batch, which
    :func:`_alert` needs to tell present readings from late ones.
    """
    first = min(readings, key=lambda r: r.phenomenon_time)
    last = max(readings, key=lambda r: r.phenomenon_time)
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
