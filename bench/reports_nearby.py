"""Nearby-duplicate query at provincial scale on PostgreSQL (issue 18).

Measures ``tinhso.reports.duplicates.nearby`` — the real function, 250 m, same category, the
query a citizen's pin triggers before sending a report — on ``--reports`` reports (default
1,000,000), beside two baselines measured in the same run, interleaved point by point so that
the machine's drift touches all three alike:

* **bbox scan**: ``SELECT id, lat, lon FROM reports_report WHERE category_id = %s AND lat
  BETWEEN … AND lon BETWEEN … LIMIT 5`` through a raw cursor: the same ``reports_cat_lat_lon``
  index range and the same five-row limit, without the distance, the status/privacy/age
  filters, the sort or the ORM. The floor for a query that must walk that index range;
* **pk lookup**: ``Report.objects.select_related("category").get(pk=…)`` through the ORM: the
  floor for any one-row ORM query (connection round trip, SQL compilation, model building).

The database ``--db`` (default ``tinhso_bench_reports``) is created on 127.0.0.1 as
``postgres``, migrated, seeded in SQL (``generate_series``, not the ORM: ten categories, about
40 % open, received over the last two years, 10 % private; 60 % of the pins around the
province's seats — where people live and report — and 40 % uniform over the province's box),
and dropped at the end, even on failure. The secondary indexes of ``reports_report`` are
dropped during the bulk insert and recreated from their own definitions afterwards (faster than
maintaining them row by row; the schema measured is the migrated one).

Points: ``--points`` (default 300) uniform in the box and as many near a seat (the dense case).
Prints Markdown with ``EXPLAIN (ANALYZE, BUFFERS)`` of one nearby query in each kind of place,
and writes ``bench/results/reports-nearby-<timestamp>.json``. Not part of CI or the test suite.

Usage: ``.venv/bin/python bench/reports_nearby.py [--reports 1000000] [--quick]``.
"""

import argparse
import datetime
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PSQL = ["psql", "-U", "postgres", "-h", "127.0.0.1", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
RADIUS_M = 250.0
CATEGORIES = 10
SEAT_SIGMA_M = 3000.0  # spread of the pins around a seat (a town and its outskirts)
SEAT_SHARE = 0.6
OPEN_SHARE = 0.4
PRIVATE_SHARE = 0.1
DAYS = 730
WARMUP = 30
BASELINE_SQL = (
    "SELECT id, lat, lon FROM reports_report WHERE category_id = %s"
    " AND lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s LIMIT 5"
)


def psql(sql: str) -> str:
    return subprocess.run(
        [*PSQL, "-At", "-c", sql], check=True, capture_output=True, text=True
    ).stdout


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "max_ms": round(ordered[-1], 3),
        "n": len(ordered),
    }


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "mem_total_kb": mem_kb,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": psql("SHOW server_version").strip(),
        "shared_buffers": psql("SHOW shared_buffers").strip(),
        "load_average_before": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="tinhso_bench_reports")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=300, help="per kind of place")
    parser.add_argument("--seed", type=int, default=20261208)
    parser.add_argument("--quick", action="store_true", help="50,000 reports, 100 points")
    args = parser.parse_args()
    if args.quick:
        args.reports, args.points = 50_000, 100

    db = args.db
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(f"CREATE DATABASE {db}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.settings"
    sys.path.insert(0, str(ROOT / "src"))
    results: dict[str, Any] = {
        "machine": machine(),
        "args": vars(args),
        "command": " ".join([".venv/bin/python", "bench/reports_nearby.py", *sys.argv[1:]]),
        "started_utc": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
    }
    began = time.perf_counter()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        t0 = time.perf_counter()
        call_command("migrate", verbosity=0, skip_checks=True)
        results["migrate_s"] = round(time.perf_counter() - t0, 1)
        box = province_box()
        results["box"] = box
        results["seed"] = seed(args.reports, box, args.seed)
        print(json.dumps(results["seed"]), file=sys.stderr, flush=True)
        results["measure"] = measure(box, args.points, args.seed)
        results["explain"] = explain(box, args.seed)
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    results["machine"]["load_average_after"] = os.getloadavg()
    results["total_seconds"] = round(time.perf_counter() - began, 1)
    report(results)


# --- data --------------------------------------------------------------------------------------


def province_box() -> dict[str, float]:
    """The bounding box of the configured province boundary (the demo default: the seats with a
    margin), where reports may be filed."""
    from tinhso.reports.geo import province_boundary

    points = [p for ring in province_boundary().polygons for p in ring]
    return {
        "min_lon": min(p[0] for p in points),
        "min_lat": min(p[1] for p in points),
        "max_lon": max(p[0] for p in points),
        "max_lat": max(p[1] for p in points),
    }


def seat_points() -> list[tuple[float, float]]:
    from tinhso.units.selectors import seats

    return [(s.lat, s.lon) for s in seats().values()]


SEED_SQL = """
INSERT INTO reports_report (
    public_id, category_id, description, search_text, lat, lon, address,
    commune_approximate, reporter_name, reporter_phone, private, status,
    received_at, classify_due_at, due_at, answered_at, closed_at, answer,
    citizen_rating, reopened, reopen_count, national_ref, source, client,
    created_at, updated_at
)
SELECT
    'PB-' || lpad(upper(to_hex(x.g)), 10, '0'),
    (%(categories)s::int[])[1 + x.g %% %(ncat)s],
    'Phản ánh thử số ' || x.g, 'phan anh thu so ' || x.g,
    round(CASE WHEN x.near THEN (%(seat_lat)s::float8[])[x.k] + x.z1 * %(sigma_lat)s
               ELSE %(min_lat)s + x.u1 * (%(max_lat)s - %(min_lat)s) END::numeric, 6),
    round(CASE WHEN x.near THEN (%(seat_lon)s::float8[])[x.k] + x.z2 * %(sigma_lon)s
               ELSE %(min_lon)s + x.u2 * (%(max_lon)s - %(min_lon)s) END::numeric, 6),
    '', false, '', '', x.p < %(private)s,
    CASE WHEN x.s < %(open)s THEN (ARRAY['received', 'acknowledged', 'assigned',
                                          'in_progress'])[1 + floor(x.s / %(open)s * 4)::int]
         WHEN x.s < 0.95 THEN 'closed' WHEN x.s < 0.98 THEN 'answered'
         WHEN x.s < 0.99 THEN 'merged' ELSE 'rejected' END,
    x.t, x.t + interval '5 days', x.t + interval '14 days',
    CASE WHEN x.s >= %(open)s THEN x.t + interval '10 days' END,
    CASE WHEN x.s >= 0.98 OR (x.s >= %(open)s AND x.s < 0.95) THEN x.t + interval '12 days' END,
    CASE WHEN x.s >= %(open)s THEN 'Đã xử lý.' ELSE '' END,
    'none', false, 0, '', 'portal', '', x.t, x.t
FROM (
    SELECT g, random() < %(seat_share)s AS near,
           1 + floor(random() * %(nseats)s)::int AS k,
           sqrt(-2 * ln(1 - r1)) * cos(2 * pi() * r2) AS z1,
           sqrt(-2 * ln(1 - r1)) * sin(2 * pi() * r2) AS z2,
           random() AS u1, random() AS u2, random() AS p, random() AS s,
           now() - random() * %(days)s * interval '1 day' AS t
    FROM (SELECT g, random() AS r1, random() AS r2
          FROM generate_series(%(first)s, %(last)s) g OFFSET 0) AS raw
    OFFSET 0
) AS x
"""


def seed(count: int, box: dict[str, float], seed_value: int) -> dict[str, Any]:
    """Ten categories through the ORM, then ``count`` reports in SQL, 200,000 per statement."""
    from django.db import connection, transaction

    from tinhso.reports.models import Category

    began = time.perf_counter()
    categories = [
        Category.objects.create(code=f"bench-{n}", name=f"Loại thử {n}", order=n).pk
        for n in range(CATEGORIES)
    ]
    points = seat_points()
    mid_lat = (box["min_lat"] + box["max_lat"]) / 2
    params: dict[str, Any] = {
        **box,
        "categories": categories,
        "ncat": CATEGORIES,
        "seat_lat": [p[0] for p in points],
        "seat_lon": [p[1] for p in points],
        "nseats": len(points),
        "sigma_lat": SEAT_SIGMA_M / 111_320.0,
        "sigma_lon": SEAT_SIGMA_M / (111_320.0 * math.cos(math.radians(mid_lat))),
        "seat_share": SEAT_SHARE,
        "private": PRIVATE_SHARE,
        "open": OPEN_SHARE,
        "days": DAYS,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed_value % 1000) / 1000])
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = "
            "'reports_report' AND i.indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'reports_report'::regclass)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    t_insert = time.perf_counter()
    step = 200_000
    for first in range(1, count + 1, step):
        with transaction.atomic(), connection.cursor() as cursor:
            last = min(count, first + step - 1)
            cursor.execute(SEED_SQL, {**params, "first": first, "last": last})
        print(f"seeded {last:,}", file=sys.stderr, flush=True)
    insert_s = time.perf_counter() - t_insert
    t_index = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
    index_s = time.perf_counter() - t_index
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_report")
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('received', 'acknowledged', "
            "'assigned', 'in_progress')), count(*) FILTER (WHERE status IN ('received', "
            "'acknowledged', 'assigned', 'in_progress') AND NOT private AND received_at >= "
            "now() - interval '90 days'), pg_total_relation_size('reports_report'), "
            "pg_relation_size('reports_cat_lat_lon') FROM reports_report"
        )
        total, opened, candidates, size, index_size = cursor.fetchone()
    return {
        "reports": total,
        "open": opened,
        "open_public_last_90_days": candidates,
        "insert_s": round(insert_s, 1),
        "indexes_recreated": [name for name, _ in indexes],
        "index_s": round(index_s, 1),
        "seconds": round(time.perf_counter() - began, 1),
        "table_with_indexes_mib": round(size / 2**20, 1),
        "reports_cat_lat_lon_mib": round(index_size / 2**20, 1),
    }


# --- measurement -------------------------------------------------------------------------------


def random_points(
    box: dict[str, float], count: int, rng: random.Random
) -> dict[str, list[tuple[float, float]]]:
    """``count`` points uniform in the box and ``count`` near a seat (the seeded spread)."""
    seats = seat_points()
    uniform = [
        (rng.uniform(box["min_lat"], box["max_lat"]), rng.uniform(box["min_lon"], box["max_lon"]))
        for _ in range(count)
    ]
    near = []
    for _ in range(count):
        lat, lon = rng.choice(seats)
        near.append(
            (
                lat + rng.gauss(0, SEAT_SIGMA_M / 111_320.0),
                lon + rng.gauss(0, SEAT_SIGMA_M / (111_320.0 * math.cos(math.radians(lat)))),
            )
        )
    return {"uniform": uniform, "near_seat": near}


def measure(box: dict[str, float], count: int, seed_value: int) -> dict[str, Any]:
    """For every point: nearby, the bbox scan and a pk lookup, one after the other."""
    from django.db import connection
    from django.utils import timezone

    from tinhso.reports.duplicates import nearby
    from tinhso.reports.geo import bounding_box
    from tinhso.reports.models import Category, Report

    rng = random.Random(seed_value)
    categories = list(Category.objects.filter(code__startswith="bench-"))
    pk_range = Report.objects.order_by("pk").values_list("pk", flat=True)
    first_pk, last_pk = pk_range.first(), pk_range.last()
    assert first_pk is not None and last_pk is not None
    now = timezone.now()
    out: dict[str, Any] = {}
    for kind, points in random_points(box, count, rng).items():
        timings: dict[str, list[float]] = {"nearby": [], "bbox_scan": [], "pk_lookup": []}
        found: list[int] = []
        scanned: list[int] = []
        for i, (lat, lon) in enumerate([*points[:WARMUP], *points]):
            category = rng.choice(categories)
            min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, RADIUS_M)
            t0 = time.perf_counter()
            suggestions = nearby(lat, lon, category, RADIUS_M, now=now)
            t1 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_SQL, [category.pk, min_lat, max_lat, min_lon, max_lon])
                rows = cursor.fetchall()
            t2 = time.perf_counter()
            Report.objects.select_related("category").get(pk=rng.randint(first_pk, last_pk))
            t3 = time.perf_counter()
            if i < WARMUP:
                continue
            timings["nearby"].append((t1 - t0) * 1000)
            timings["bbox_scan"].append((t2 - t1) * 1000)
            timings["pk_lookup"].append((t3 - t2) * 1000)
            found.append(len(suggestions))
            scanned.append(len(rows))
        out[kind] = {
            **{name: stats(values) for name, values in timings.items()},
            "points_with_a_suggestion": sum(1 for n in found if n),
            "suggestions_mean": round(statistics.mean(found), 2),
            "bbox_rows_mean": round(statistics.mean(scanned), 2),
        }
        print(json.dumps({kind: out[kind]}), file=sys.stderr, flush=True)
    return out


def explain(box: dict[str, float], seed_value: int) -> dict[str, Any]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of the SQL ``nearby`` really sends, captured from a call, at
    the densest seat (most candidates) and at a uniform point."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.reports.duplicates import nearby
    from tinhso.reports.models import Category

    category = Category.objects.get(code="bench-0")
    rng = random.Random(seed_value + 1)
    seats = seat_points()
    places = {
        "seat": seats[0],
        "uniform": (
            rng.uniform(box["min_lat"], box["max_lat"]),
            rng.uniform(box["min_lon"], box["max_lon"]),
        ),
    }
    plans: dict[str, Any] = {}
    for name, (lat, lon) in places.items():
        with CaptureQueriesContext(connection) as captured:
            nearby(lat, lon, category, RADIUS_M)
        sql = captured.captured_queries[-1]["sql"]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
        plans[name] = {"point": [lat, lon], "sql": sql, "plan": lines}
    plans["uses_reports_cat_lat_lon"] = all(
        any("reports_cat_lat_lon" in line for line in p["plan"])
        for p in plans.values()
        if isinstance(p, dict)
    )
    return plans


# --- output ------------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"reports-nearby-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    m, s = results["machine"], results["seed"]
    load = lambda values: " / ".join(f"{v:.2f}" for v in values)  # noqa: E731
    print(
        f"Machine: {m['cpu']}, nproc {m['nproc']}, MemTotal {m['mem_total_kb']} kB; PostgreSQL "
        f"{m['postgresql']} (shared_buffers {m['shared_buffers']}); Python {m['python']}; load "
        f"{load(m['load_average_before'])} before, {load(m['load_average_after'])} after; "
        f"{results['total_seconds']} s in all. Command: `{results['command']}`. "
        f"Started {results['started_utc']}. Results: {path.relative_to(ROOT)}"
    )
    print(
        f"\nData: {s['reports']:,} reports ({s['open']:,} open; {s['open_public_last_90_days']:,}"
        f" open, public and received in the last 90 days: nearby's candidates), seeded in "
        f"{s['seconds']} s (insert {s['insert_s']} s, indexes {s['index_s']} s); table with "
        f"indexes {s['table_with_indexes_mib']} MiB, `reports_cat_lat_lon` "
        f"{s['reports_cat_lat_lon_mib']} MiB."
    )
    print("\n| points | query | n | p50 ms | p95 ms | max ms |\n|---|---|---:|---:|---:|---:|")
    for kind, figures in results["measure"].items():
        for query in ("nearby", "bbox_scan", "pk_lookup"):
            f = figures[query]
            print(
                f"| {kind} | {query} | {f['n']} | {f['p50_ms']} | {f['p95_ms']} | {f['max_ms']} |"
            )
    for kind, figures in results["measure"].items():
        print(
            f"\n{kind}: {figures['points_with_a_suggestion']} points with a suggestion, "
            f"{figures['suggestions_mean']} suggestions and {figures['bbox_rows_mean']} bbox-scan "
            "rows on average."
        )
    e = results["explain"]
    print(f"\nPlans (`reports_cat_lat_lon` used in both: {e['uses_reports_cat_lat_lon']}):")
    for name in ("seat", "uniform"):
        print(f"\n{name} {e[name]['point']}:\n```")
        print("\n".join(e[name]["plan"]))
        print("```")


if __name__ == "__main__":
    main()
