"""Operations-centre benchmark on PostgreSQL: generation speed, dashboard queries from the
aggregates versus the naive GROUP BY over the dossier table, and the cost the live aggregates add
to filing a dossier.

Creates the database ``tinhso_iocbench`` on 127.0.0.1 (dropped first), migrates it, loads the
demo province, runs ``tinhso generate`` for ``--dossiers`` dossiers over ``--years`` years, then
times each query ``--repeat`` times (median and max, in ms). Prints Markdown and writes
``bench/results/ioc-<timestamp>.json``. Usage:
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB = "tinhso_iocbench"
PSQL = ["psql", "-U", "postgres", "-h", "127.0.0.1", "-X", "-q", "-v", "ON_ERROR_STOP=1"]


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--filings", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {DB}"], check=True)
    subprocess.run([*PSQL, "-c", f"CREATE DATABASE {DB}"], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0, skip_checks=True)
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

        started = time.perf_counter()
        generate(dossiers=args.dossiers, years=args.years)
        results["generate_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        call_command("ioc", "rebuild", verbosity=0)
        results["rebuild_s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            for table in ("dossiers_dossier", "ioc_dailystat", "ioc_monthlystat", "ioc_openstat"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                results[f"rows_{table}"] = cursor.fetchone()[0]
        results["queries"] = run_queries(args.repeat)
        results["filing"] = filing_cost(args.filings)
    finally:
        connection.close()
        if not args.keep:
            subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {DB}"], check=False)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"ioc-{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print_markdown(results)
    print(f"\n{path}")


def run_queries(repeat: int) -> dict[str, dict[str, float]]:
    from django.db import connection
    from django.utils import timezone

    from tinhso.agencies.models import Agency
    from tinhso.ioc import index766, selectors
    from tinhso.ioc.selectors import Scope

    today = timezone.localdate()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    periods = {
        "month": (month, month_end),
        "quarter": (month_end.replace(day=1) - datetime.timedelta(days=62), month_end),
        "year": (month_end - datetime.timedelta(days=364), month_end),
    }
    agency = Agency.objects.get(slug="stp")
    scopes = {
        "province": Scope(),
        "agency": Scope(agency_id=agency.pk),
        "unit": Scope(unit_code="28756"),
    }
    out: dict[str, dict[str, float]] = {}
    for period, (start, end) in periods.items():
        for name, scope in scopes.items():
            out[f"summary {name} {period}"] = timed(
                lambda s=scope, a=start, b=end: selectors.summary(scope=s, start=a, end=b), repeat
            )
        out[f"naive GROUP BY province {period}"] = timed(
            lambda a=start, b=end: naive(connection, a, b, None), repeat
        )
        out[f"naive GROUP BY agency {period}"] = timed(
            lambda a=start, b=end: naive(connection, a, b, agency.pk), repeat
        )
    start, end = periods["year"]
    out["breakdown by agency, year"] = timed(
        lambda: selectors.breakdown(scope=Scope(), start=start, end=end, by="agency"), repeat
    )
    out["trend by month, year"] = timed(
        lambda: selectors.trend(scope=Scope(), start=start, end=end, grain="month"), repeat
    )
    out["index766 agency, month"] = timed(
        lambda: index766.compute(period=f"{month:%Y-%m}", level="agency"), repeat
    )
    return out


def naive(connection: Any, start: datetime.date, end: datetime.date, agency: int | None) -> Any:
    """The same headline figures straight from the dossier table."""
    tz = datetime.timezone(datetime.timedelta(hours=7))
    first = datetime.datetime.combine(start, datetime.time(), tzinfo=tz)
    last = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    where = "AND agency_id = %s" if agency else ""
    params: list[Any] = [first, last, first, last, first, last] + ([agency] if agency else [])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT agency_id, "
            "count(*) FILTER (WHERE received_at >= %s AND received_at < %s), "
            "count(*) FILTER (WHERE completed_at >= %s AND completed_at < %s), "
            "count(*) FILTER (WHERE completed_at IS NOT NULL AND timeliness IN ('early', 'on_time')), "
            "count(*) FILTER (WHERE channel = 2), count(*) FILTER (WHERE paid_online) "
            "FROM dossiers_dossier WHERE ((received_at >= %s AND received_at < %s) "
            f"OR completed_at IS NOT NULL) {where} GROUP BY agency_id",
            params,
        )
        return cursor.fetchall()


def filing_cost(count: int) -> dict[str, float]:
    """Median time of ``file_dossier`` plus ``receive`` with and without the live aggregates."""
    from tinhso.accounts.models import User
    from tinhso.dossiers import services
    from tinhso.dossiers.uploads import check_upload
    from tinhso.ioc import receivers
    from tinhso.testing import FORM_DATA, make_version, pdf_upload

    citizen = User.objects.get(username="citizen1")
    clerk = User.objects.get(username="phukhuong.clerk")
    version = make_version("9.999999", level="commune", agencies=[], days="3")

    def one() -> None:
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

    results = {}
    one()  # warm-up (caches, first-of-day counter row)
    receivers.disconnect()
    try:
        results["file+receive without aggregates"] = timed(one, count)
    finally:
        receivers.connect()
    results["file+receive with aggregates"] = timed(one, count)
    return results


def print_markdown(results: dict[str, Any]) -> None:
    print(
        f"\n{results['dossiers']:,} dossiers over {results['years']} years; {results['machine']}; "
        f"PostgreSQL {results['postgresql']}"
    )
    print(f"\ngenerate: {results['generate_s']} s; ioc rebuild: {results['rebuild_s']} s")
    for key, value in results.items():
        if key.startswith("rows_"):
            print(f"- {key[5:]}: {value:,} rows")
    print("\n| query | median ms | max ms |\n|---|---|---|")
    for name, t in {**results["queries"], **results["filing"]}.items():
        if isinstance(t, dict):
            print(f"| {name} | {t['median_ms']} | {t['max_ms']} |")


if __name__ == "__main__":
    main()
