"""Officials' inbox benchmark on PostgreSQL: the back-office page and ``GET /api/v1/inbox`` at
provincial scale, each beside its baseline measured in the same run.

Creates the database ``--db`` (default ``tinhso_inboxbench``; dropped first unless ``--reuse`` or
``--resume``; give two concurrent runs different names),
migrates it, loads the demo province and runs ``tinhso generate`` for ``--dossiers`` dossiers over
``--years`` years (most closed, a few thousand open, as in a real province). Then, in this process
through Django's test client (server time: routing, middleware, queries, template; no network),
for the busiest agency's specialist and the clerk with most new dossiers, ``--repeat`` times each:

* the inbox page, every tab, first page and a deep page (``trang=20``, where the tab has one);
* the same page with the scope the inbox had before (every dossier but drafts, counted in full):
  the baseline, on the same database in the same run;
* ``GET /api/v1/inbox`` for every tab, the first page and the page reached after 20 cursors.

Prints Markdown (median and p95 in ms, SQL statements per request) with the plan of the tab
counter query, and writes ``bench/results/inbox-<timestamp>.json``. Usage:
``.venv/bin/python bench/inbox.py --dossiers 1000000 --years 5``. At 10 M, keep the database
(``--keep``): generation commits batch by batch, and a run interrupted while generating is finished
by the same command with ``--keep --resume`` instead of starting again.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PSQL = ["psql", "-U", "postgres", "-h", "127.0.0.1", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
TABS = {
    "moi": "new",
    "dang-xu-ly": "processing",
    "sap-den-han": "due_soon",
    "qua-han": "overdue",
    "co-ket-qua": "result_ready",
}
DEEP = 20


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # a full log (maxlen) would make every count 0
    with CaptureQueriesContext(connection) as queries:
        fn()  # warm-up (plans, caches, the session), and the statement count
    statements = len(queries.captured_queries)  # now: the next request resets the log
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {**stats(samples), "statements": statements}


@contextmanager
def legacy_scope() -> Iterator[None]:
    """The inbox's scope before the change: every dossier but drafts (history included)."""
    from django.db.models import Q

    from tinhso.accounts.access import dossier_agency_ids, is_platform_admin
    from tinhso.backoffice import inbox
    from tinhso.dossiers import selectors
    from tinhso.dossiers.models import Status

    current = inbox.scope

    def scope(user: Any, filters: Any) -> Any:
        dossiers = selectors.visible_dossiers(user).exclude(status=Status.DRAFT)
        if not is_platform_admin(user):
            ids = dossier_agency_ids(user)
            dossiers = dossiers.filter(Q(agency_id__in=ids) | Q(receiving_agency_id__in=ids))
        return dossiers

    inbox.scope = scope  # type: ignore[assignment]
    try:
        yield
    finally:
        inbox.scope = current  # type: ignore[assignment]


def officials() -> dict[str, Any]:
    from django.db.models import Count, Q

    from tinhso.accounts.models import User
    from tinhso.agencies.models import Agency
    from tinhso.backoffice.inbox import INBOX_STATUSES
    from tinhso.dossiers.models import Dossier, Status

    open_by_agency = (
        Dossier.objects.filter(status__in=INBOX_STATUSES)
        .values("agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    busiest = Agency.objects.get(pk=open_by_agency[0]["agency"])
    new_by_agency = (
        Agency.objects.annotate(
            n=Count("dossiers", filter=Q(dossiers__status=Status.SUBMITTED)),
        )
        .order_by("-n")
        .first()
    )
    assert new_by_agency is not None
    return {
        "specialist": User.objects.get(username=f"{busiest.slug}.specialist"),
        "clerk": User.objects.get(username=f"{new_by_agency.slug}.clerk"),
    }


def measure(repeat: int) -> dict[str, Any]:
    from django.core import signals
    from django.db import close_old_connections
    from django.test import Client

    from tinhso.backoffice import inbox

    # One connection kept across requests, as a server with persistent connections has it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    results: dict[str, Any] = {}
    for role, user in officials().items():
        page = Client()
        page.force_login(user)
        api = Client()
        api.force_login(user)
        for tab, api_tab in TABS.items():
            if role == "specialist" and tab == "moi":
                continue
            key = f"{role} · {api_tab}"
            row: dict[str, Any] = {"user": user.username}
            first = page.get("/backoffice/", {"tab": tab})
            assert first.status_code == 200, first.status_code
            counted = api.get("/api/v1/inbox", {"tab": api_tab}).json()
            row["count"] = f"{counted['count']}{'+' if counted['count_capped'] else ''}"
            first_page = partial(page.get, "/backoffice/", {"tab": tab})
            row["page 1"] = timed(first_page, repeat)
            with legacy_scope():
                row["page 1, before"] = timed(first_page, repeat)
            if counted["count"] > (DEEP - 1) * inbox.PAGE_SIZE:
                deep_page = partial(page.get, "/backoffice/", {"tab": tab, "trang": str(DEEP)})
                row[f"page {DEEP}"] = timed(deep_page, repeat)
                with legacy_scope():
                    row[f"page {DEEP}, before"] = timed(deep_page, repeat)
            row["api 1"] = timed(partial(api.get, "/api/v1/inbox", {"tab": api_tab}), repeat)
            cursor = None
            for _ in range(DEEP - 1):
                params = {"tab": api_tab, **({"cursor": cursor} if cursor else {})}
                cursor = api.get("/api/v1/inbox", params).json()["next"]
                if cursor is None:
                    break
            if cursor is not None:
                deep_params = {"tab": api_tab, "cursor": cursor}
                row[f"api {DEEP}"] = timed(partial(api.get, "/api/v1/inbox", deep_params), repeat)
            results[key] = row
            print(key, json.dumps(row, ensure_ascii=False), flush=True)
    return results


def counter_plan() -> list[str]:
    """EXPLAIN ANALYZE of the tab counter query for the busiest agency's specialist."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tinhso.backoffice import inbox
    from tinhso.calendars.worktime import get_calendar

    user = officials()["specialist"]
    conditions = inbox.tab_conditions(user, timezone.now(), get_calendar())
    with CaptureQueriesContext(connection) as queries:
        inbox.counters(inbox.scope(user, inbox.Filters(tab="dang-xu-ly")), conditions)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + queries.captured_queries[-1]["sql"]
        )
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", default="tinhso_inboxbench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish the interrupted generation of a database kept by --keep, then measure",
    )
    args = parser.parse_args()
    if not (args.reuse or args.resume):
        subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {args.db}"], check=True)
        subprocess.run([*PSQL, "-c", f"CREATE DATABASE {args.db}"], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    os.environ["TINHSO_DEBUG"] = "true"  # demo data and the test client's programmatic sign-in
    os.environ["TINHSO_TRUST_PROGRAMMATIC_LOGIN"] = "true"
    os.environ["TINHSO_API_RATE_USER"] = ""
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver"]
    results: dict[str, Any] = {
        "dossiers": args.dossiers,
        "years": args.years,
        "repeat": args.repeat,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "load_before": os.getloadavg(),
    }
    try:
        call_command("migrate", verbosity=0, skip_checks=True)
        if not args.reuse:
            from tinhso.ioc.generate import generate

            if not args.resume:
                call_command("load_demo", verbosity=0)
            started = time.perf_counter()
            generate(
                dossiers=args.dossiers,
                years=args.years,
                rebuild=False,
                resume=args.resume,
                progress=lambda batch, batches, total: print(
                    f"generate: batch {batch}/{batches}, {total:,} dossiers", flush=True
                ),
            )
            results["generate_s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE dossiers_dossier")
            cursor.execute("SHOW server_version")
            results["postgresql"] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE status IN ('submitted', 'received', "
                "'processing', 'supplement_requested', 'awaiting_payment', 'result_ready')) "
                "FROM dossiers_dossier"
            )
            results["rows"], results["open_rows"] = cursor.fetchone()
        settings.DEBUG = False  # no query log kept in memory while measuring
        results["measured"] = measure(args.repeat)
        results["counter_plan"] = counter_plan()
        results["load_after"] = os.getloadavg()
    finally:
        connection.close()
        if not args.keep:
            subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {args.db}"], check=False)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"inbox-{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print_markdown(results)
    print(f"\n{path}")


def print_markdown(results: dict[str, Any]) -> None:
    print(
        f"\n{results['rows']:,} dossiers ({results['open_rows']:,} open), PostgreSQL "
        f"{results['postgresql']}, {results['machine']}, load {results['load_before']} → "
        f"{results['load_after']}; median / p95 ms (statements) over {results['repeat']} runs\n"
    )
    columns = ["page 1", "page 1, before", f"page {DEEP}", f"page {DEEP}, before", "api 1"]
    columns.append(f"api {DEEP}")
    print("| who · tab | open in tab | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for key, row in results["measured"].items():
        cells = []
        for column in columns:
            value = row.get(column)
            cells.append(
                f"{value['median_ms']} / {value['p95_ms']} ({value['statements']})"
                if value
                else "—"
            )
        print(f"| {key} | {row['count']} | " + " | ".join(cells) + " |")
    print("\nTab counter plan (busiest agency's specialist):\n")
    print("```\n" + "\n".join(results["counter_plan"]) + "\n```")


if __name__ == "__main__":
    main()
