"""Keeping the operations-centre aggregates: live deltas and the full rebuild.

Each dossier's ``Fact`` contributes +1 (or minutes, or a score) to measures on the day its event
happened (docs/ioc.md). The operations centre follows the dossier events (``receivers``):
for each batch of events, ``refresh_many`` recomputes the facts of the dossiers concerned,
subtracts the contributions of their previous facts and adds the new ones, with ``INSERT … ON
CONFLICT … DO UPDATE SET x = x + excluded.x`` so concurrent writers never lose an increment —
after the dossier's own transaction, off the request path. ``rebuild`` recomputes everything from the dossier tables in SQL.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from tinhso.ioc.facts import FACT_FIELDS, Fact, facts_for, facts_sql, fill_workdays
from tinhso.ioc.models import MEASURES, PAUSED_DAY, DossierFact

Key = tuple[datetime.date, int, int, int]  # day, agency, procedure, unit
RollupKey = tuple[str, str, int, datetime.date]  # dimension, grain, key, period
OpenKey = tuple[datetime.date, datetime.date, bool, int, int, int]
TABLES = (
    "ioc_dossierfact",
    "ioc_dailystat",
    "ioc_monthlystat",
    "ioc_rollupstat",
    "ioc_openstat",
)


def contributions(fact: Fact) -> dict[Key, dict[str, int]]:
    """What ``fact`` adds to the daily measures, by (day, agency, procedure, unit)."""
    out: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    dims = (fact.agency_id, fact.procedure_id, fact.unit_id)
    if fact.submitted_day is not None:
        out[(fact.submitted_day, *dims)]["submitted"] += 1
    if fact.received_day is not None:
        row = out[(fact.received_day, *dims)]
        row["received"] += 1
        row["online_received"] += int(fact.channel == 2)
        row["postal_received"] += int(fact.channel == 3)
        row["fee_due"] += int(fact.fee_due)
        row["paid_online"] += int(fact.fee_due and fact.paid_online)
        row["digitised"] += int(fact.digitised)
        row["reused"] += int(fact.reused)
        # The e-result condition of 3.3 and 4.2: not resolved without a valid e-result.
        eresult_kept = fact.resolved_day is None or fact.eresult
        row["online_eresult"] += int(fact.channel == 2 and eresult_kept)
        row["digitised_eresult"] += int(fact.digitised and eresult_kept)
    if fact.resolved_day is not None:
        row = out[(fact.resolved_day, *dims)]
        row["resolved"] += 1
        if fact.timeliness in ("early", "on_time", "late"):
            row[fact.timeliness] += 1
        row["processing_minutes"] += fact.processing_minutes
        row["eresult"] += int(fact.eresult)
        if fact.rating is not None:
            row["rated"] += 1
            row["rating_sum"] += fact.rating
            row["satisfied"] += int(fact.rating >= 4)
            row["dissatisfied"] += int(fact.rating <= 2)
    if fact.closed_day is not None and fact.closed_status:
        out[(fact.closed_day, *dims)][fact.closed_status] += 1
    return out


def open_key(fact: Fact) -> OpenKey | None:
    if not fact.is_open or fact.received_day is None:
        return None
    due = PAUSED_DAY if fact.open_paused or fact.due_day is None else fact.due_day
    return (
        fact.received_day,
        due,
        fact.open_paused,
        fact.agency_id,
        fact.procedure_id,
        fact.unit_id,
    )


def _delta(old: Fact | None, new: Fact | None) -> dict[Key, dict[str, int]]:
    result: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for fact, sign in ((old, -1), (new, 1)):
        if fact is None:
            continue
        for key, measures in contributions(fact).items():
            for name, value in measures.items():
                result[key][name] += sign * value
    return _nonzero(result)


def _upsert(table: str, keys: list[str], measures: tuple[str, ...], rows: list[list[Any]]) -> None:
    """Add ``rows`` (key values then measure values) to ``table`` in one multi-row
    ``INSERT … ON CONFLICT … DO UPDATE SET m = m + excluded.m`` (keys are distinct)."""
    if not rows:
        return
    columns = [*keys, *measures]
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in measures)
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * len(rows))} "  # noqa: S608 (identifiers from code, values as parameters)
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def _upsert_stats(table: str, date_column: str, rows: dict[Key, dict[str, int]]) -> None:
    params = [[*key, *(m.get(name, 0) for name in MEASURES)] for key, m in sorted(rows.items())]
    _upsert(table, [date_column, "agency_id", "procedure_id", "unit_id"], MEASURES, params)


def _upsert_open(changes: dict[OpenKey, int]) -> None:
    params = [[*k, v] for k, v in sorted(changes.items()) if v]
    keys = ["received_day", "due_day", "paused", "agency_id", "procedure_id", "unit_id"]
    _upsert("ioc_openstat", keys, ("count",), params)


def _upsert_rollup(rows: dict[RollupKey, dict[str, int]]) -> None:
    params = [[*key, *(m.get(name, 0) for name in MEASURES)] for key, m in sorted(rows.items())]
    _upsert("ioc_rollupstat", ["dimension", "grain", "key", "period"], MEASURES, params)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _nonzero(rows: dict[Any, dict[str, int]]) -> dict[Any, dict[str, int]]:
    return {
        key: {n: v for n, v in measures.items() if v}
        for key, measures in rows.items()
        if any(measures.values())
    }


def rollups(daily: dict[Key, dict[str, int]]) -> dict[RollupKey, dict[str, int]]:
    """The day and month rows per agency, unit and procedure that ``daily`` adds up to."""
    out: dict[RollupKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (day, agency_id, procedure_id, unit_id), measures in daily.items():
        for dimension, key in (("a", agency_id), ("u", unit_id), ("p", procedure_id)):
            for grain, period in (("d", day), ("m", month_of(day))):
                into = out[(dimension, grain, key, period)]
                for name, value in measures.items():
                    into[name] += value
    return _nonzero(out)


def apply(old: Fact | None, new: Fact | None) -> None:
    """Move the aggregates from ``old`` to ``new`` (either may be None)."""
    apply_many([(old, new)])


def apply_many(changes: Iterable[tuple[Fact | None, Fact | None]]) -> None:
    """Move the aggregates from each old fact to its new one, in one write per table (the
    deltas of the whole batch summed first). Rows are written in a fixed order (table, then
    key), so two writers never wait on each other in a cycle."""
    daily: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    opened: dict[OpenKey, int] = defaultdict(int)
    for old, new in changes:
        for key, measures in _delta(old, new).items():
            for name, value in measures.items():
                daily[key][name] += value
        for fact, sign in ((old, -1), (new, 1)):
            open_at = open_key(fact) if fact is not None else None
            if open_at is not None:
                opened[open_at] += sign
    daily = _nonzero(daily)
    monthly: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (day, *dims), measures in daily.items():
        for name, value in measures.items():
            monthly[(month_of(day), dims[0], dims[1], dims[2])][name] += value
    _upsert_stats("ioc_dailystat", "day", daily)
    _upsert_stats("ioc_monthlystat", "month", _nonzero(monthly))
    _upsert_rollup(rollups(daily))
    _upsert_open(opened)


def _fact_from_row(row: DossierFact) -> Fact:
    return Fact(**{name: getattr(row, name) for name in FACT_FIELDS})


def refresh(dossier_id: int) -> None:
    """Bring the fact of one dossier and the aggregates up to date."""
    refresh_many([dossier_id])


def refresh_many(dossier_ids: Iterable[int]) -> int:
    """Bring the facts of these dossiers and the aggregates up to date, in one transaction and
    a fixed number of statements (the operations centre's subscriber calls it once per batch of
    dossier events). Idempotent: each fact is recomputed from the dossier as it is now, so a
    batch handled twice changes nothing the second time. The fact rows are locked first (in key
    order), so two refreshes of one dossier are serialised. Returns the facts that changed."""
    ids = sorted(set(dossier_ids))
    if not ids:
        return 0
    with transaction.atomic():
        stored = {
            row.pk: _fact_from_row(row)
            for row in DossierFact.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        fresh = facts_for(ids)
        changes = [(stored.get(i), fresh[i]) for i in ids if stored.get(i) != fresh[i]]
        if not changes:
            return 0
        apply_many(changes)
        gone = [old.dossier_id for old, new in changes if new is None and old is not None]
        if gone:
            DossierFact.objects.filter(pk__in=gone).delete()
        _upsert_facts(
            [{name: getattr(new, name) for name in FACT_FIELDS} for _, new in changes if new]
        )
        return len(changes)


def _upsert_facts(rows: list[dict[str, Any]]) -> None:
    """Write these facts in one ``INSERT … ON CONFLICT (dossier_id) DO UPDATE``."""
    if not rows:
        return
    columns = list(FACT_FIELDS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "dossier_id")
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO ioc_dossierfact ({', '.join(columns)}) "  # noqa: S608 (identifiers from code, values as parameters)
            f"VALUES {', '.join([marks] * len(rows))} "
            f"ON CONFLICT (dossier_id) DO UPDATE SET {updates}",
            [row[c] for row in rows for c in columns],
        )


# --- rebuild ---------------------------------------------------------------------------------


def _cohorts() -> Iterable[tuple[str, dict[str, str]]]:
    """(day column of the fact, {measure: SQL expression}) for each event a fact contributes on."""
    t = "1" if connection.vendor == "sqlite" else "TRUE"
    yield (
        "submitted_day",
        {"submitted": "1"},
    )
    yield (
        "received_day",
        {
            "received": "1",
            "online_received": "CASE WHEN channel = 2 THEN 1 ELSE 0 END",
            "postal_received": "CASE WHEN channel = 3 THEN 1 ELSE 0 END",
            "fee_due": f"CASE WHEN fee_due = {t} THEN 1 ELSE 0 END",
            "paid_online": f"CASE WHEN fee_due = {t} AND paid_online = {t} THEN 1 ELSE 0 END",
            "digitised": f"CASE WHEN digitised = {t} THEN 1 ELSE 0 END",
            "reused": f"CASE WHEN reused = {t} THEN 1 ELSE 0 END",
            "online_eresult": "CASE WHEN channel = 2 AND "
            f"(resolved_day IS NULL OR eresult = {t}) THEN 1 ELSE 0 END",
            "digitised_eresult": f"CASE WHEN digitised = {t} AND "
            f"(resolved_day IS NULL OR eresult = {t}) THEN 1 ELSE 0 END",
        },
    )
    yield (
        "resolved_day",
        {
            "resolved": "1",
            "early": "CASE WHEN timeliness = 'early' THEN 1 ELSE 0 END",
            "on_time": "CASE WHEN timeliness = 'on_time' THEN 1 ELSE 0 END",
            "late": "CASE WHEN timeliness = 'late' THEN 1 ELSE 0 END",
            "processing_minutes": "processing_minutes",
            "eresult": f"CASE WHEN eresult = {t} THEN 1 ELSE 0 END",
            "rated": "CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END",
            "rating_sum": "COALESCE(rating, 0)",
            "satisfied": "CASE WHEN rating >= 4 THEN 1 ELSE 0 END",
            "dissatisfied": "CASE WHEN rating <= 2 THEN 1 ELSE 0 END",
        },
    )
    yield (
        "closed_day",
        {
            s: f"CASE WHEN closed_status = '{s}' THEN 1 ELSE 0 END"
            for s in ("withdrawn", "stopped", "refused")
        },
    )


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _empty(cursor: Any, tables: Iterable[str]) -> None:
    if connection.vendor == "postgresql":  # TRUNCATE: no dead rows left behind by a rebuild
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
    else:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (identifiers from code)


def rebuild_aggregates() -> None:
    """Recompute DailyStat, MonthlyStat, RollupStat and OpenStat from the fact table
    (set-based)."""
    with connection.cursor() as cursor:
        _empty(cursor, TABLES[1:])
        parts = []
        for day_column, measures in _cohorts():
            select = ", ".join(f"{measures.get(m, '0')} AS {m}" for m in MEASURES)
            parts.append(
                f"SELECT {day_column} AS day, agency_id, procedure_id, unit_id, {select} "  # noqa: S608 (identifiers from code, values as parameters)
                f"FROM ioc_dossierfact WHERE {day_column} IS NOT NULL"
            )
        union = " UNION ALL ".join(parts)
        sums = ", ".join(f"SUM({m})" for m in MEASURES)
        columns = ", ".join(MEASURES)
        cursor.execute(
            f"INSERT INTO ioc_dailystat (day, agency_id, procedure_id, unit_id, {columns}) "  # noqa: S608 (identifiers from code, values as parameters)
            f"SELECT day, agency_id, procedure_id, unit_id, {sums} FROM ({union}) c "
            "GROUP BY day, agency_id, procedure_id, unit_id"
        )
        cursor.execute(
            f"INSERT INTO ioc_monthlystat (month, agency_id, procedure_id, unit_id, {columns}) "  # noqa: S608 (identifiers from code, values as parameters)
            f"SELECT {_month_sql('day')}, agency_id, procedure_id, unit_id, {sums} "
            f"FROM ioc_dailystat GROUP BY {_month_sql('day')}, agency_id, procedure_id, unit_id"
        )
        for dimension, column in (("a", "agency_id"), ("u", "unit_id"), ("p", "procedure_id")):
            for grain, table, period in (
                ("d", "ioc_dailystat", "day"),
                ("m", "ioc_monthlystat", "month"),
            ):
                cursor.execute(
                    f"INSERT INTO ioc_rollupstat (dimension, grain, key, period, {columns}) "  # noqa: S608 (identifiers from code, values as parameters)
                    f"SELECT %s, %s, {column}, {period}, {sums} FROM {table} GROUP BY {column}, {period}",
                    [dimension, grain],
                )
        t = "1" if connection.vendor == "sqlite" else "TRUE"
        cursor.execute(
            "INSERT INTO ioc_openstat (received_day, due_day, paused, agency_id, procedure_id, unit_id, count) "  # noqa: S608 (identifiers from code, values as parameters)
            f"SELECT received_day, CASE WHEN open_paused = {t} OR due_day IS NULL THEN %s ELSE due_day END, "
            "open_paused, agency_id, procedure_id, unit_id, COUNT(*) FROM ioc_dossierfact "
            f"WHERE is_open = {t} AND received_day IS NOT NULL "
            f"GROUP BY received_day, CASE WHEN open_paused = {t} OR due_day IS NULL THEN %s ELSE due_day END, "
            "open_paused, agency_id, procedure_id, unit_id",
            [PAUSED_DAY, PAUSED_DAY],
        )


def rebuild_facts(where: str = "") -> None:
    """Replace the facts (all, or those of dossiers matching ``where`` on ``d``) from the dossiers."""
    with connection.cursor() as cursor:
        if where:
            cursor.execute(
                f"DELETE FROM ioc_dossierfact WHERE dossier_id IN (SELECT d.id FROM dossiers_dossier d WHERE {where})",  # noqa: S608 (identifiers from code, values as parameters)
                [],
            )
        else:
            _empty(cursor, TABLES[:1])
        fill_workdays()
        cursor.execute(
            f"INSERT INTO ioc_dossierfact ({', '.join(FACT_FIELDS)}) {facts_sql(where)}", []
        )


def rebuild() -> None:
    """Recompute every fact and aggregate from the dossier tables, in one transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE")
                cursor.execute("SET LOCAL work_mem = '256MB'")  # hash the GROUP BYs in memory
        rebuild_facts()
        rebuild_aggregates()
