"""Operations-centre benchmark on PostgreSQL: generation speed, dashboard queries from the
aggregates versus the naive GROUP BY over the dossier table, and the cost the live aggregates add
to filing a dossier.

Creates the database ``--db`` (default ``tinhso_iocbench``) on 127.0.0.1 (dropped first),
migrates it, loads the demo province, runs ``tinhso generate`` for ``--dossiers`` dossiers over
``--years`` years, times ``ioc rebuild``, then times each query ``--repeat`` times (median and
max, in ms): the dashboard selectors against the naive GROUP BY over the dossier table on the
same scopes (the province, the busiest agency, the busiest commune). The creation overhead is
measured in rolled-back transactions (so no Celery task runs and every repetition starts from
the same state): filing plus receipt with and without the operations centre subscribed (its work
is off the request path since ADR 0013), and the subscriber's own cost per dossier in a batch of
one and of 50 (``aggregates.refresh_many``); median and p95 over ``--filings`` repetitions.
Prints Markdown and writes ``bench/results/ioc-<timestamp>.json``. Usage:
``.venv/bin/python bench/ioc_dashboard.py --dossiers 1000000 --years 5``.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PSQL = ["psql", "-U", "postgres", "-h", "127.0.0.1", "-X", "-q", "-v", "ON_ERROR_STOP=1"]


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    fn()  # warm-up: plans and caches, as a dashboard in use has them
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return stats(samples)


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--filings", type=int, default=300)
    parser.add_argument("--db", default="tinhso_iocbench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="time the queries on a database kept by --keep"
    )
    args = parser.parse_args()
    db = args.db
    if not args.reuse:
        subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {db}"], check=True)
        subprocess.run([*PSQL, "-c", f"CREATE DATABASE {db}"], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0, skip_checks=True)
        if not args.reuse:
            call_command("load_demo", verbosity=0)
        results: dict[str, Any] = {
            "dossiers": args.dossiers,
            "years": args.years,
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}",
        }
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            results["postgresql"] = cursor.fetchone()[0]
        from tinhso.ioc.generate import generate

        results["generate_s"] = results["rebuild_s"] = None
        if not args.reuse:
            started = time.perf_counter()
            generate(dossiers=args.dossiers, years=args.years, rebuild=False)
            results["generate_s"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            call_command("ioc", "rebuild", verbosity=0)
            results["rebuild_s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            for table in (
                "dossiers_dossier",
                "ioc_dossierfact",
                "ioc_dailystat",
                "ioc_monthlystat",
                "ioc_rollupstat",
                "ioc_openstat",
            ):
                cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
                rows, size = cursor.fetchone()
                results[f"rows_{table}"] = rows
                results[f"mb_{table}"] = round(size / 2**20, 1)
        results["queries"], results["scopes"], results["plans"] = run_queries(args.repeat)
        results["filing"] = filing_cost(args.filings)
    finally:
        connection.close()
        if not args.keep:
            subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {db}"], check=False)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"ioc-{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print_markdown(results)
    print(f"\n{path}")


def busiest() -> tuple[int, str, str]:
    """The agency and the current commune with the most dossiers received (id, code, name)."""
    from django.db.models import Sum
    from django.utils import timezone

    from tinhso.agencies.models import Agency
    from tinhso.ioc.models import RollupStat
    from tinhso.units.models import AdministrativeUnit

    def top(dimension: str, keys: Any = None) -> list[int]:
        rows = RollupStat.objects.filter(dimension=dimension, grain="m")
        if keys is not None:
            rows = rows.filter(key__in=keys)
        ranked = rows.values("key").annotate(n=Sum("received")).order_by("-n")
        return [r["key"] for r in ranked]

    agency_id = top("a")[0]
    current = AdministrativeUnit.objects.valid_on(timezone.localdate()).filter(level="commune")
    unit = AdministrativeUnit.objects.get(
        pk=top("u", list(current.values_list("pk", flat=True)))[0]
    )
    return agency_id, unit.code, f"{Agency.objects.get(pk=agency_id).name}; {unit.name}"


def run_queries(repeat: int) -> tuple[dict[str, dict[str, float]], str, dict[str, str]]:
    from django.db import connection
    from django.utils import timezone

    from tinhso.accounts.models import User
    from tinhso.ioc import index766, selectors
    from tinhso.ioc.selectors import Scope, resolve

    today = timezone.localdate()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    periods = {
        "month": (month, month_end),
        "quarter": (month_end.replace(day=1) - datetime.timedelta(days=62), month_end),
        "year": (month_end - datetime.timedelta(days=364), month_end),
        "last 30 days": (today - datetime.timedelta(days=29), today),
    }
    agency_id, unit_code, names = busiest()
    scopes = {
        "province": Scope(),
        "agency": Scope(agency_id=agency_id),
        "unit": Scope(unit_code=unit_code),
    }
    out: dict[str, dict[str, float]] = {}
    for period, (start, end) in periods.items():
        for name, scope in scopes.items():
            where = resolve(scope, end)
            out[f"summary {name}, {period}"] = timed(
                partial(selectors.summary, scope=scope, start=start, end=end), repeat
            )
            out[f"naive {name}, {period}"] = timed(
                partial(naive, connection, start, end, where), repeat
            )
    start, end = periods["year"]
    for by in ("agency", "unit", "procedure"):
        out[f"breakdown by {by}, year"] = timed(
            partial(selectors.breakdown, scope=Scope(), start=start, end=end, by=by), repeat
        )
    out["naive breakdown by agency, year"] = timed(
        lambda: naive(connection, start, end, resolve(Scope(), end), "d.agency_id"), repeat
    )
    out["breakdown by unit in the busiest agency, year"] = timed(
        lambda: selectors.breakdown(scope=scopes["agency"], start=start, end=end, by="unit"),
        repeat,
    )
    out["trend by month, year (province)"] = timed(
        lambda: selectors.trend(scope=Scope(), start=start, end=end, grain="month"), repeat
    )
    out["naive trend by month, year (province)"] = timed(
        lambda: naive(
            connection,
            start,
            end,
            resolve(Scope(), end),
            "date_trunc('month', d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')",
        ),
        repeat,
    )
    out["trend by day, last 30 days (busiest agency)"] = timed(
        lambda: selectors.trend(
            scope=scopes["agency"], start=periods["last 30 days"][0], end=today, grain="day"
        ),
        repeat,
    )
    out["backlog, province"] = timed(lambda: selectors.backlog(scope=Scope()), repeat)
    admin = User.objects.get(username="admin")

    def behind(metric: str, scope: Scope, a: datetime.date, b: datetime.date) -> Any:
        """The first page of the dossiers behind a figure, as the page lists them."""
        qs = selectors.dossiers_behind(user=admin, metric=metric, scope=scope, start=a, end=b)
        return qs.count(), list(qs[:50].values_list("pk"))

    out["dossiers behind 'late', busiest agency, month (count + page)"] = timed(
        partial(behind, "late", scopes["agency"], month, month_end), repeat
    )
    out["dossiers behind 'received', province, month (count + page)"] = timed(
        partial(behind, "received", Scope(), month, month_end), repeat
    )
    for level in ("agency", "unit"):
        out[f"index766 by {level}, month"] = timed(
            partial(index766.compute, period=f"{month:%Y-%m}", level=level), repeat
        )
    return out, names, plans(connection, periods["year"], agency_id)


def plans(
    connection: Any, period: tuple[datetime.date, datetime.date], agency_id: int
) -> dict[str, str]:
    """EXPLAIN ANALYZE of the rollup read and of the naive query for the busiest agency, a year."""
    from django.db.models import Sum

    from tinhso.ioc.models import MEASURES, RollupStat
    from tinhso.ioc.selectors import Where

    start, end = period
    rollup = (
        RollupStat.objects.filter(
            dimension="a", grain="m", key=agency_id, period__range=(start.replace(day=1), end)
        )
        .values("dimension")
        .annotate(**{m: Sum(m) for m in MEASURES})
        .order_by()
    )
    out = {"rollup, busiest agency, year": rollup.explain(analyze=True, buffers=True)}
    with connection.cursor() as cursor:
        text, args = naive_sql(start, end, Where(agency_id=agency_id))
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {text}", args)
        out["naive, busiest agency, year"] = "\n".join(r[0] for r in cursor.fetchall())
    return out


def naive_sql(
    start: datetime.date, end: datetime.date, where: Any, group: str | None = None
) -> tuple[str, list[Any]]:
    """The headline figures of the dashboard straight from the dossier table: received, resolved,
    on time, on-line, paid on-line in the period, and open now among those received."""
    tz = datetime.timezone(datetime.timedelta(hours=7))
    first = datetime.datetime.combine(start, datetime.time(), tzinfo=tz)
    last = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    params: list[Any] = [first, last] * 6
    conditions = []
    if where.agency_id is not None:
        conditions.append("AND d.agency_id = %s")
        params.append(where.agency_id)
    if where.unit_ids is not None:
        conditions.append("AND d.applicant_unit_id = ANY(%s)")
        params.append(list(where.unit_ids))
    received = "d.received_at >= %s AND d.received_at < %s"
    resolved = "d.completed_at >= %s AND d.completed_at < %s"
    select = f"{group}, " if group else ""
    sql = (
        f"SELECT {select}count(*) FILTER (WHERE {received}), "
        f"count(*) FILTER (WHERE {resolved}), "
        f"count(*) FILTER (WHERE {resolved} AND d.timeliness IN ('early', 'on_time')), "
        f"count(*) FILTER (WHERE {received} AND d.channel = 2), "
        f"count(*) FILTER (WHERE {received} AND d.paid_online), "
        "count(*) FILTER (WHERE d.received_at >= %s AND d.received_at < %s "
        "AND d.completed_at IS NULL AND d.closed_at IS NULL) "
        f"FROM dossiers_dossier d WHERE d.status <> 'draft' {' '.join(conditions)}"
        + (f" GROUP BY {group}" if group else "")
    )
    return sql, params


def naive(
    connection: Any, start: datetime.date, end: datetime.date, where: Any, group: str | None = None
) -> Any:
    sql, params = naive_sql(start, end, where, group)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def filing_cost(count: int) -> dict[str, dict[str, float]]:
    """What the operations centre adds to a dossier change (ADR 0013: nothing in the change's
    transaction; its own work in the subscriber, per batch), in rolled-back transactions."""
    from django.db import transaction

    from tinhso.accounts.models import User
    from tinhso.dossiers import services
    from tinhso.ioc import aggregates, receivers
    from tinhso.procedures.models import ProcedureVersion
    from tinhso.testing import FORM_DATA, make_version, pdf_upload
    from tinhso.uploads import check_upload

    citizen = User.objects.get(username="citizen1")
    clerk = User.objects.get(username="phukhuong.clerk")
    version = ProcedureVersion.objects.filter(procedure__code="9.999999").first() or make_version(
        "9.999999", level="commune", agencies=[], days="3"
    )

    def file_and_receive() -> int:
        dossier, _ = services.file_dossier(
            user=clerk,
            version=version,
            data=FORM_DATA,
            applicant=services.Applicant.from_user(citizen),
            channel=1,
            files=[services.NewFile("TK", check_upload(pdf_upload()), digitised=True)],
        )
        services.perform_action(
            user=clerk, dossier=dossier, request=services.ActionRequest(action="receive")
        )
        return int(dossier.pk)

    file_and_receive()  # committed once: today's aggregate rows exist, as on a working day
    receivers.catch_up()

    def rolled_back(fn: Callable[[], float]) -> float:
        with transaction.atomic():
            elapsed = fn()
            transaction.set_rollback(True)
        return elapsed

    def whole() -> float:
        started = time.perf_counter()
        file_and_receive()
        return (time.perf_counter() - started) * 1000

    def refresh_batch(size: int) -> Callable[[], float]:
        def run() -> float:
            ids = [file_and_receive() for _ in range(size)]
            started = time.perf_counter()
            aggregates.refresh_many(ids)
            return (time.perf_counter() - started) * 1000 / size  # per dossier

        return run

    results: dict[str, dict[str, float]] = {}
    with_rows, without_rows, one_rows, batch_rows = [], [], [], []
    for i in range(count):  # interleaved, so load from other processes hits both alike
        with_rows.append(rolled_back(whole))
        receivers.disconnect()
        try:
            without_rows.append(rolled_back(whole))
            one_rows.append(rolled_back(refresh_batch(1)))
            if i % 30 == 0:  # a batch of 50 dossiers: 50 filings per sample
                batch_rows.append(rolled_back(refresh_batch(50)))
        finally:
            receivers.connect()
    results["file+receive, ioc subscribed (request path)"] = stats(with_rows)
    results["file+receive, ioc unsubscribed (request path)"] = stats(without_rows)
    results["ioc subscriber: batch of 1 dossier, ms per dossier"] = stats(one_rows)
    results["ioc subscriber: batch of 50 dossiers, ms per dossier"] = stats(batch_rows)
    return results


def print_markdown(results: dict[str, Any]) -> None:
    print(
        f"\n{results['dossiers']:,} dossiers over {results['years']} years; {results['machine']}; "
        f"PostgreSQL {results['postgresql']}"
    )
    print(f"\ngenerate: {results['generate_s']} s; ioc rebuild: {results['rebuild_s']} s")
    print(f"busiest agency; busiest commune: {results['scopes']}")
    for key, value in results.items():
        if key.startswith("rows_"):
            print(f"- {key[5:]}: {value:,} rows, {results['mb_' + key[5:]]} MB")
    print("\n| query | median ms | p95 ms | max ms |\n|---|---|---|---|")
    for name, t in {**results["queries"], **results["filing"]}.items():
        print(f"| {name} | {t['median_ms']} | {t['p95_ms']} | {t['max_ms']} |")
    for name, plan in results["plans"].items():
        print(f"\n{name}:\n{plan}")


if __name__ == "__main__":
    main()
