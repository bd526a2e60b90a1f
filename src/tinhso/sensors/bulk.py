"""Set-based SQL for the ingest path: insert observations skipping duplicates, upsert rollups.

Django's ``bulk_create(ignore_conflicts=True)`` cannot say which rows were new, and the ingest
needs exactly those (for rollups, datastream ranges and alerts).

PostgreSQL: :func:`store_postgresql` does a whole batch in **one statement**: the readings
arrive as arrays (``unnest … WITH ORDINALITY``), ``INSERT … ON CONFLICT DO NOTHING RETURNING``
keeps the new rows, and data-modifying CTEs fed by exactly those rows upsert the hourly and
daily rollups (``date_trunc(…, 'Asia/Ho_Chi_Minh')``) and widen every touched datastream's
time ranges and latest value. Only (position in the batch, new id) comes back to Python.

SQLite (3.35+): a multi-row ``VALUES`` with the same clauses, in chunks under its parameter
limit (:func:`insert_new`), rollups computed in Python (:func:`upsert_rollups`).
"""

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from tinhso.sensors.models import Datastream, Observation, Rollup
from tinhso.sensors.readings import Reading

SQLITE_CHUNK = 500
OBS = Observation._meta.db_table
ROLLUP = Rollup._meta.db_table
DATASTREAM = Datastream._meta.db_table
ZONE = "Asia/Ho_Chi_Minh"  # rollup hours and days; constant, so part of the SQL text
Key = tuple[int, datetime.datetime]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def insert_new(readings: Sequence[Reading]) -> list[tuple[int, Reading]]:
    """Insert the readings; return (id, reading) for those that were new (not already stored).

    The portable path (SQLite; plain SQL that PostgreSQL accepts too): PostgreSQL's ingest
    uses :func:`store_postgresql` instead.
    """
    if not readings:
        return []
    return _insert_sqlite(readings)


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


STORE_SQL = f"""
WITH u AS (
    SELECT * FROM unnest(string_to_array(%s, ',')::bigint[],
                         string_to_array(%s, ',')::timestamptz[],
                         string_to_array(%s, ',', '')::timestamptz[],
                         string_to_array(%s, ',')::float8[],
                         %s::jsonb[], %s::jsonb[]) WITH ORDINALITY
        AS u(datastream_id, phenomenon_time, result_time, result, parameters, result_quality, n)
), ins AS (
    INSERT INTO {OBS} (datastream_id, phenomenon_time, result_time, result, parameters,
                       result_quality)
    SELECT datastream_id, phenomenon_time, result_time, result, parameters, result_quality FROM u
    ON CONFLICT (datastream_id, phenomenon_time) DO NOTHING
    RETURNING id, datastream_id, phenomenon_time, result_time, result
), buckets AS (
    SELECT datastream_id, 'hour' AS resolution,
           date_trunc('hour', phenomenon_time, '{ZONE}') AS bucket, result FROM ins
    UNION ALL
    SELECT datastream_id, 'day', date_trunc('day', phenomenon_time, '{ZONE}'), result FROM ins
), rollups AS (
    INSERT INTO {ROLLUP} AS r (datastream_id, resolution, bucket, count, total, minimum, maximum)
    SELECT datastream_id, resolution, bucket, count(*), sum(result), min(result), max(result)
    FROM buckets GROUP BY datastream_id, resolution, bucket
    ON CONFLICT (datastream_id, resolution, bucket) DO UPDATE SET
        count = r.count + excluded.count, total = r.total + excluded.total,
        minimum = LEAST(r.minimum, excluded.minimum),
        maximum = GREATEST(r.maximum, excluded.maximum)
), spans AS (
    SELECT datastream_id, min(phenomenon_time) AS first, max(phenomenon_time) AS last,
           (array_agg(result ORDER BY phenomenon_time DESC))[1] AS latest,
           min(result_time) AS result_first, max(result_time) AS result_last
    FROM ins GROUP BY datastream_id
), ranges AS (
    UPDATE {DATASTREAM} AS d SET
        phenomenon_time_start = LEAST(d.phenomenon_time_start, s.first),
        phenomenon_time_end = GREATEST(d.phenomenon_time_end, s.last),
        latest_result = CASE WHEN d.phenomenon_time_end IS NULL OR s.last > d.phenomenon_time_end
                             THEN s.latest ELSE d.latest_result END,
        result_time_start = LEAST(d.result_time_start, s.result_first),
        result_time_end = GREATEST(d.result_time_end, s.result_last)
    FROM spans AS s WHERE d.id = s.datastream_id
)
SELECT u.n, ins.id FROM ins JOIN u USING (datastream_id, phenomenon_time)
"""  # noqa: S608 (table names and the zone are constants)


def store_postgresql(readings: Sequence[Reading]) -> list[tuple[int, int]]:
    """Insert, roll up and widen the datastreams in one statement (PostgreSQL).

    ``readings`` must hold no (datastream, phenomenonTime) twice. Returns (index in
    ``readings``, new id) of the readings that were new, in batch order. LEAST and GREATEST
    ignore NULLs in PostgreSQL, so a datastream's first readings set its ranges.

    Ids, times and results travel as one comma-separated text each (``string_to_array``):
    psycopg adapts a Python list element by element, which cost more than the statement.
    ISO 8601 with an offset and ``repr`` of a float are exact. The JSON columns are sent as
    lists only when a reading has them; ``unnest`` pads an empty array with NULLs.
    """
    if not readings:
        return []
    parameters = [_json(r.parameters) for r in readings if r.parameters is not None]
    quality = [_json(r.result_quality) for r in readings if r.result_quality is not None]
    params: list[Any] = [
        ",".join([str(r.datastream_id) for r in readings]),
        ",".join([r.phenomenon_time.isoformat() for r in readings]),
        ",".join([r.result_time.isoformat() if r.result_time else "" for r in readings]),
        ",".join([repr(r.result) for r in readings]),
        [_json(r.parameters) for r in readings] if parameters else [],
        [_json(r.result_quality) for r in readings] if quality else [],
    ]
    with connection.cursor() as cursor:
        cursor.execute(STORE_SQL, params)
        rows = cursor.fetchall()
    rows.sort()
    return [(n - 1, pk) for n, pk in rows]
