"""Set-based SQL for the ingest path: insert observations skipping duplicates, upsert rollups.

Django's ``bulk_create(ignore_conflicts=True)`` cannot say which rows were new, and the ingest
needs exactly those (for rollups, datastream ranges and alerts). PostgreSQL gets one
``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING`` per batch; SQLite
(3.35+) a multi-row ``VALUES`` with the same clauses, in chunks under its parameter limit.
"""

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from tinhso.sensors.models import Observation, Rollup
from tinhso.sensors.readings import Reading

SQLITE_CHUNK = 500
OBS = Observation._meta.db_table
ROLLUP = Rollup._meta.db_table
Key = tuple[int, datetime.datetime]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def insert_new(readings: Sequence[Reading]) -> list[tuple[int, Reading]]:
    """Insert the readings; return (id, reading) for those that were new (not already stored)."""
    if not readings:
        return []
    if connection.vendor == "postgresql":
        return _insert_postgresql(readings)
    return _insert_sqlite(readings)


def _insert_postgresql(readings: Sequence[Reading]) -> list[tuple[int, Reading]]:
    sql = (
        f"INSERT INTO {OBS} (datastream_id, phenomenon_time, result_time, result,"  # noqa: S608
        " parameters, result_quality)"
        " SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[],"
        " %s::float8[], %s::jsonb[], %s::jsonb[])"
        " ON CONFLICT (datastream_id, phenomenon_time) DO NOTHING"
        " RETURNING id, datastream_id, phenomenon_time"
    )
    params: list[Any] = [
        [r.datastream_id for r in readings],
        [r.phenomenon_time for r in readings],
        [r.result_time for r in readings],
        [r.result for r in readings],
        [_json(r.parameters) for r in readings],
        [_json(r.result_quality) for r in readings],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        new = {(ds, t): pk for pk, ds, t in cursor.fetchall()}
    by_key = {(r.datastream_id, r.phenomenon_time): r for r in readings}
    return [(pk, by_key[key]) for key, pk in new.items()]


def _insert_sqlite(readings: Sequence[Reading]) -> list[tuple[int, Reading]]:
    adapt = connection.ops.adapt_datetimefield_value
    by_key: dict[Key, Reading] = {}
    new: list[tuple[int, Reading]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(readings), SQLITE_CHUNK):
            chunk = readings[start : start + SQLITE_CHUNK]
            rows: list[Any] = []
            for r in chunk:
                by_key[(r.datastream_id, r.phenomenon_time)] = r
                rows += [
                    r.datastream_id,
                    adapt(r.phenomenon_time),
                    adapt(r.result_time) if r.result_time else None,
                    r.result,
                    _json(r.parameters),
                    _json(r.result_quality),
                ]
            values = ",".join(["(%s,%s,%s,%s,%s,%s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {OBS} (datastream_id, phenomenon_time, result_time, result,"  # noqa: S608
                f" parameters, result_quality) VALUES {values}"
                " ON CONFLICT (datastream_id, phenomenon_time) DO NOTHING"
                " RETURNING id, datastream_id, phenomenon_time",
                rows,
            )
            new += [(pk, by_key[(ds, _utc(stamp))]) for pk, ds, stamp in cursor.fetchall()]
    return new


def _utc(value: datetime.datetime | str) -> datetime.datetime:
    """SQLite returns naive UTC datetimes (or their text when no converter applies)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def upsert_rollups(
    rows: Iterable[tuple[int, str, datetime.datetime, int, float, float, float]],
) -> None:
    """Add (datastream, resolution, bucket, count, total, min, max) into the stored rollups."""
    rows = list(rows)
    if not rows:
        return
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), SQLITE_CHUNK):
            chunk = rows[start : start + SQLITE_CHUNK]
            params: list[Any] = []
            for ds, resolution, bucket, count, total, low, high in chunk:
                params += [ds, resolution, adapt(bucket), count, total, low, high]
            values = ",".join(["(%s,%s,%s,%s,%s,%s,%s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {ROLLUP} AS r (datastream_id, resolution, bucket, count, total,"  # noqa: S608
                f" minimum, maximum) VALUES {values}"
                " ON CONFLICT (datastream_id, resolution, bucket) DO UPDATE SET"
                " count = r.count + excluded.count, total = r.total + excluded.total,"
                f" minimum = {least}(r.minimum, excluded.minimum),"
                f" maximum = {greatest}(r.maximum, excluded.maximum)",
                params,
            )
