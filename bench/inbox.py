"""Officials' inbox benchmark on PostgreSQL: the back-office page and ``GET /api/v1/inbox`` at
provincial scale, each beside its baseline measured in the same run.

Creates the database ``--db`` (default ``tinhso_inboxbench``; dropped first unless ``--reuse`` or
``--resume``; give two concurrent runs different names),
migrates it, loads the demo province and runs ``tinhso generate`` for ``--dossiers`` dossiers over
``--years`` years (most closed, a few thousand open, as in a real province). Then, in this process
through Django's test client (server time: routing, middleware, queries, template; no network),
for the busiest agency's specialist and the clerk with most new dossiers, ``--repeat`` times each:

* the inbox page, every tab, first page and a deep page (``trang=20``, where the tab has one);
* ``GET /api/v1/inbox`` for every tab, the first page and the page reached after 20 cursors;
* each of them again with the inbox's previous version swapped in (``previous_version``: one
  aggregate for the tab counters, one ``agency OR receiving agency`` query per page): the
  baseline, on the same database in the same run.

Prints Markdown (median and p95 in ms, SQL statements per request) with the plans of the
processing tab's queries, now and before, and writes ``bench/results/inbox-<timestamp>.json``. Usage:
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
def previous_version() -> Iterator[None]:
    """The inbox as it was before per-side pages (commit 443a9d0): one aggregate over every open
    dossier of the agency for the tab counters (exact), one ``agency OR receiving agency`` query
    sorted and sliced by offset for the page, and the API's cursor as an ``OR`` filter on that
    query. The baseline, swapped in for the same requests on the same database."""
    from django.db.models import Count, Q

    from tinhso.backoffice import inbox

    current_scope = inbox.scope

    def scope(user: Any, filters: Any) -> Any:  # open dossiers, then the tab's own status
        return current_scope(user, filters).filter(status__in=inbox.INBOX_STATUSES)

    def tab_rows(dossiers: Any, conditions: dict[str, Any], tab: str) -> Any:
        return (
            dossiers.filter(conditions[tab])
            .select_related("assignee", "procedure_version__procedure")
            .prefetch_related("procedure_version__steps")
            .order_by(*inbox.TAB_ORDER[tab])
        )

    def counters(dossiers: Any, conditions: dict[str, Any], sides: Any = None) -> dict[str, Any]:
        counted = dossiers.aggregate(
            **{slug: Count("pk", filter=cond) for slug, cond in conditions.items()}
        )
        return {slug: inbox.TabCount(n, False) for slug, n in counted.items()}

    def tab_count(rows: Any, sides: Any, tab: str) -> Any:
        return inbox.capped_count(rows)

    def page(rows: Any, sides: Any, tab: str, number: int, count: Any, size: Any = None) -> Any:
        size = size or inbox.PAGE_SIZE
        last = inbox.Page([], number, size, count, False).num_pages or 1
        number = max(1, min(number, last))
        ordered = list(rows.order_by(*inbox.TAB_ORDER[tab])[(number - 1) * size :][: size + 1])
        return inbox.Page(ordered[:size], number, size, count, len(ordered) > size)

    def keyset_page(rows: Any, sides: Any, tab: str, cursor: Any, size: Any = None) -> Any:
        size = size or inbox.PAGE_SIZE
        rows = rows.order_by(*inbox.TAB_ORDER[tab])
        if cursor:
            key = inbox._after(tab, cursor)
            field = inbox.TAB_SORT[tab]
            if key[0] == 1:
                rows = rows.filter(Q(**{f"{field}__isnull": True, "pk__gt": key[1]}))
            else:
                rows = rows.filter(
                    Q(**{f"{field}__gt": key[1]})
                    | Q(**{field: key[1], "pk__gt": key[2]})
                    | Q(**{f"{field}__isnull": True})
                )
        found = list(rows[: size + 1])
        found, more = found[:size], len(found) > size
        if not more:
            return found, None
        last = found[-1]
        return found, inbox._cursor(tab, inbox._key(getattr(last, inbox.TAB_SORT[tab]), last.pk))

    names = ["scope", "tab_rows", "counters", "tab_count", "page", "keyset_page"]
    saved = {name: getattr(inbox, name) for name in names}
    for name, replacement in zip(
        names, [scope, tab_rows, counters, tab_count, page, keyset_page], strict=True
    ):
        setattr(inbox, name, replacement)
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(inbox, name, original)


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
            with previous_version():
                row["page 1, before"] = timed(first_page, repeat)
            if counted["count"] > (DEEP - 1) * inbox.PAGE_SIZE:
                deep_page = partial(page.get, "/backoffice/", {"tab": tab, "trang": str(DEEP)})
                row[f"page {DEEP}"] = timed(deep_page, repeat)
                with previous_version():
                    row[f"page {DEEP}, before"] = timed(deep_page, repeat)
            first_api = partial(api.get, "/api/v1/inbox", {"tab": api_tab})
            row["api 1"] = timed(first_api, repeat)
            with previous_version():
                row["api 1, before"] = timed(first_api, repeat)
            cursor = None
            for _ in range(DEEP - 1):
                params = {"tab": api_tab, **({"cursor": cursor} if cursor else {})}
                cursor = api.get("/api/v1/inbox", params).json()["next"]
                if cursor is None:
                    break
            if cursor is not None:
                deep_params = {"tab": api_tab, "cursor": cursor}
                deep_api = partial(api.get, "/api/v1/inbox", deep_params)
                row[f"api {DEEP}"] = timed(deep_api, repeat)
                with previous_version():
                    row[f"api {DEEP}, before"] = timed(deep_api, repeat)
            results[key] = row
            print(key, json.dumps(row, ensure_ascii=False), flush=True)
    return results


def plans() -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of the busiest agency specialist's processing tab: its capped count, the
    ordered read of one side, and (the baseline) the previous version's tab counter and page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tinhso.backoffice import inbox
    from tinhso.calendars.worktime import get_calendar

    user = officials()["specialist"]
    filters = inbox.Filters(tab="dang-xu-ly")
    conditions = inbox.tab_conditions(user, timezone.now(), get_calendar())
    scoped = inbox.scope(user, filters)
    rows = inbox.tab_rows(scoped, conditions, "dang-xu-ly")
    captured: dict[str, str] = {}
    with CaptureQueriesContext(connection) as queries:
        count = inbox.capped_count(rows)
    captured["capped count"] = queries.captured_queries[-1]["sql"]
    with CaptureQueriesContext(connection) as queries:
        inbox.page(rows, inbox.sides(user, filters), "dang-xu-ly", 1, count)
    captured["one side, in order"] = next(
        q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"]
    )
    with previous_version():
        before = inbox.scope(user, filters)
        with CaptureQueriesContext(connection) as queries:
            inbox.counters(before, conditions)
        captured["before: tab counters"] = queries.captured_queries[-1]["sql"]
        with CaptureQueriesContext(connection) as queries:
            inbox.page(
                inbox.tab_rows(before, conditions, "dang-xu-ly"), None, "dang-xu-ly", 1, count
            )
        captured["before: page"] = queries.captured_queries[0]["sql"]
    found = {}
    with connection.cursor() as cursor:
        for name, sql in captured.items():
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            found[name] = [row[0] for row in cursor.fetchall()]
    return found


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
        results["plans"] = plans()
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
    columns = ["page 1", "page 1, before", f"page {DEEP}", f"page {DEEP}, before"]
    columns += ["api 1", "api 1, before", f"api {DEEP}", f"api {DEEP}, before"]
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
    for name, plan in results["plans"].items():
        print(f"\nPlan, {name} (busiest agency's specialist, processing):\n")
        print("```\n" + "\n".join(plan) + "\n```")


if __name__ == "__main__":
    main()
