"""Audit log benchmark on PostgreSQL: append throughput per stream count, verify, anchors.

Creates the database ``--db`` (default ``tinhso_auditbench``) on 127.0.0.1 as ``postgres``
(dropped first and at the end), migrates it and measures, in one run:

1. **append**: ``--writers`` (default 1, 4, 16) threads, each with its own connection, call
   ``tinhso.accounts.auditing.audit`` — the real service (head row lock, hash, insert) — for
   ``--seconds`` each, every thread for its own officials (``--actors`` distinct accounts,
   requests with an address and a user agent), with ``TINHSO_AUDIT_STREAMS=16`` (the design)
   and ``=1`` (one global chain: the baseline). Two shapes of call: *autocommit* (the event is
   its own transaction) and *in a transaction* (the event is written inside a transaction that
   goes on for ``--hold-ms`` after it, like a dossier transition that logs and then does more
   work: the stream's head row stays locked until the commit). Events/s, and the latency of each
   call (for the second shape, of the whole transaction) median/p95;
2. **verify**: the log is topped up to ``--entries`` entries (chained and hashed exactly as
   ``log_event`` does, inserted in bulk for speed), then ``verify_chain`` times the whole log:
   entries/s;
3. **anchor**: after a first anchor, ``--new`` events through the service, then the anchor
   (incremental: from the last anchor's heads) and ``anchor --full`` (the whole log), each
   timed, ``--rounds`` times; the entries each re-hashed are reported by ``verify`` itself.

Usage: ``.venv/bin/python bench/audit_log.py [--entries 200000] [--seconds 5]``. Not part of
CI. Prints Markdown and writes ``bench/results/audit-<timestamp>.json``.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PSQL = ["psql", "-U", "postgres", "-h", "127.0.0.1", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
# A plausible mix, in turn: mostly officials opening dossiers.
ACTIONS = (
    ["dossier.view"] * 6 + ["attachment.download"] * 2 + ["dossier.transition", "export.download"]
)


def psql(sql: str) -> str:
    return subprocess.run(
        [*PSQL, "-At", "-c", sql], check=True, capture_output=True, text=True
    ).stdout


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {}
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": psql("SHOW server_version").strip(),
        "load_average_before": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="tinhso_auditbench")
    parser.add_argument("--writers", default="1,4,16", help="thread counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="per append configuration")
    parser.add_argument("--hold-ms", type=float, default=5.0)
    parser.add_argument("--actors", type=int, default=64)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    db = args.db
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(f"CREATE DATABASE {db}")
    tmp = Path(tempfile.mkdtemp(prefix="tinhso-bench-audit-"))
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ["TINHSO_AUDIT_ANCHOR_DIR"] = str(tmp / "anchors")
    os.environ["TINHSO_AUDIT_ANCHOR_KEY"] = str(tmp / "keys" / "audit-anchor.key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    sys.path.insert(0, str(ROOT / "src"))
    results: dict[str, Any] = {"machine": machine(), "args": vars(args)}
    began = time.perf_counter()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, skip_checks=True)
        actors = make_actors(args.actors)
        results["append"] = []
        for shape in ("autocommit", "transaction"):
            for writers in (int(n) for n in args.writers.split(",")):
                for streams in (16, 1):  # side by side in time: the machine's load drifts
                    results["append"].append(
                        bench_append(actors, writers, streams, shape, args.seconds, args.hold_ms)
                    )
                    print(json.dumps(results["append"][-1]), file=sys.stderr, flush=True)
        results["fill"] = fill(args.entries, actors)
        results["verify"] = bench_verify()
        results["anchor"] = bench_anchor(actors, args.new, args.rounds)
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)
    results["machine"]["load_average_after"] = os.getloadavg()
    results["total_seconds"] = round(time.perf_counter() - began, 1)
    report(results)


def make_actors(count: int) -> list[Any]:
    """Officials created in bulk (no signals: their creation writes nothing to the log)."""
    from tinhso.accounts.models import User

    users = []
    for n in range(count):
        user = User(username=f"bench.official{n:03d}", kind=User.Kind.OFFICIAL)
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    return list(User.objects.filter(username__startswith="bench.official").order_by("pk"))


def one_event(actor: Any, n: int, request: Any) -> None:
    from tinhso.accounts.auditing import audit

    audit(
        ACTIONS[n % len(ACTIONS)],
        actor=actor,
        target=f"dossier:000.00.01.H61-251125-{n % 10000:04d}",
        details={"section": "ho-so", "n": n},
        request=request,
    )


def bench_append(
    actors: list[Any], writers: int, streams: int, shape: str, seconds: float, hold_ms: float
) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import RequestFactory

    settings.TINHSO_AUDIT_STREAMS = streams  # read at each call (services.stream_count)
    factory = RequestFactory()
    latencies: list[list[float]] = [[] for _ in range(writers)]
    counts = [0] * writers
    errors: list[BaseException] = []
    start = threading.Barrier(writers + 1)
    stop = threading.Event()

    def writer(k: int) -> None:
        mine = actors[k::writers] or [actors[k % len(actors)]]
        requests = [
            factory.get(
                "/backoffice/ho-so/",
                REMOTE_ADDR=f"10.1.{k}.{i % 250 + 1}",
                HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            )
            for i in range(len(mine))
        ]
        try:
            connection.ensure_connection()  # this thread's own connection, opened before timing
            start.wait()
            n = 0
            while not stop.is_set():
                i = n % len(mine)
                t0 = time.perf_counter()
                if shape == "autocommit":
                    one_event(mine[i], n, requests[i])
                else:
                    with transaction.atomic():
                        one_event(mine[i], n, requests[i])
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT pg_sleep(%s)", [hold_ms / 1000])
                latencies[k].append((time.perf_counter() - t0) * 1000)
                n += 1
            counts[k] = n
        except BaseException as exc:
            errors.append(exc)
            start.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for thread in threads:
        thread.start()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        stop.set()  # a writer failed before the start: its error is raised below
    t0 = time.perf_counter()
    if not stop.is_set():
        time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    from tinhso.audit.services import stream_for

    used = {stream_for(a.pk, "") for a in actors}
    events = sum(counts)
    return {
        "shape": shape,
        "streams": streams,
        "writers": writers,
        "streams_used_by_actors": len(used),
        "events": events,
        "seconds": round(elapsed, 2),
        "events_per_s": round(events / elapsed),
        "latency": stats([x for per in latencies for x in per]),
    }


def fill(total: int, actors: list[Any]) -> dict[str, Any]:
    """Top the log up to ``total`` entries, chained from each stream's head as ``log_event``
    would chain them (``chain.entry_hash``), inserted 5,000 at a time."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from tinhso.audit.chain import entry_hash
    from tinhso.audit.models import AuditEntry, AuditStreamHead
    from tinhso.audit.services import stream_for

    settings.TINHSO_AUDIT_STREAMS = 16
    missing = total - AuditEntry.objects.count()
    heads: dict[str, tuple[int, str]] = {
        h.stream: (h.seq, h.hash) for h in AuditStreamHead.objects.all()
    }
    began = time.perf_counter()
    moment = timezone.now()
    batch: list[Any] = []
    for n in range(max(0, missing)):
        actor = actors[n % len(actors)]
        stream = stream_for(actor.pk, "")
        seq, prev = heads.get(stream, (0, "0" * 64))
        entry = AuditEntry(
            stream=stream,
            seq=seq + 1,
            created_at=moment + datetime.timedelta(microseconds=n),
            actor=actor,
            actor_username=actor.username,
            action=ACTIONS[n % len(ACTIONS)],
            target=f"dossier:000.00.01.H61-251125-{n % 10000:04d}",
            outcome="success",
            details={"section": "ho-so", "n": n},
            ip=f"10.2.{n % 250}.{n % 199 + 1}",
            user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            prev_hash=prev,
        )
        entry.hash = entry_hash(entry)
        heads[stream] = (entry.seq, entry.hash)
        batch.append(entry)
        if len(batch) == 5000:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    with transaction.atomic():
        AuditEntry.objects.bulk_create(batch)
        for stream, (seq, digest) in heads.items():
            AuditStreamHead.objects.update_or_create(
                stream=stream, defaults={"seq": seq, "hash": digest}
            )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_auditentry")
        cursor.execute("SELECT pg_total_relation_size('audit_auditentry')")
        size = cursor.fetchone()[0]
    return {
        "inserted": max(0, missing),
        "seconds": round(time.perf_counter() - began, 1),
        "entries": AuditEntry.objects.count(),
        "table_mb": round(size / 2**20, 1),
    }


def bench_verify() -> dict[str, Any]:
    from tinhso.audit.verify import verify_chain

    t0 = time.perf_counter()
    report = verify_chain()
    seconds = time.perf_counter() - t0
    assert report.ok, [str(p) for p in report.problems]
    return {
        "entries": report.entries,
        "streams": report.streams,
        "seconds": round(seconds, 2),
        "entries_per_s": round(report.entries / seconds),
    }


def bench_anchor(actors: list[Any], new: int, rounds: int) -> dict[str, Any]:
    from django.test import RequestFactory

    from tinhso.audit.models import AuditEntry
    from tinhso.audit.tasks import anchor_audit_log

    def timed(full: bool) -> tuple[float, dict[str, Any]]:
        t0 = time.perf_counter()
        result = anchor_audit_log(full=full)
        seconds = time.perf_counter() - t0
        assert result["anchor_id"] is not None, result["problems"]
        return seconds * 1000, result

    request = RequestFactory().get("/", REMOTE_ADDR="10.3.0.1")
    first_ms, _ = timed(full=True)
    incremental, full, rehashed_incremental, rehashed_full = [], [], [], []
    for r in range(rounds):
        for n in range(new):
            one_event(actors[n % len(actors)], r * new + n, request)
        ms, result = timed(full=False)
        incremental.append(ms)
        rehashed_incremental.append(result["verified"])
        ms, result = timed(full=True)
        full.append(ms)
        rehashed_full.append(result["verified"])
    return {
        "entries": AuditEntry.objects.count(),
        "new_per_round": new,
        "first_anchor_ms": round(first_ms),
        "incremental": stats(incremental),
        "full": stats(full),
        "rehashed_incremental": rehashed_incremental,
        "rehashed_full": rehashed_full,
    }


def report(results: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"audit-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    m = results["machine"]
    load = lambda values: " / ".join(f"{v:.1f}" for v in values)  # noqa: E731
    print(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; PostgreSQL "
        f"{m['postgresql']}; Python {m['python']}; load {load(m['load_average_before'])} before, "
        f"{load(m['load_average_after'])} after; {results['total_seconds']} s in all"
    )
    hold = results["args"]["hold_ms"]
    print(
        "\n| call | writers | 16 streams: events/s | median / p95 ms | "
        "1 stream: events/s | median / p95 ms |\n|---|---|---|---|---|---|"
    )
    rows: dict[tuple[str, int], dict[int, Any]] = {}
    for run in results["append"]:
        rows.setdefault((run["shape"], run["writers"]), {})[run["streams"]] = run
    for (shape, writers), by in rows.items():
        label = "autocommit" if shape == "autocommit" else f"in a transaction held {hold:g} ms"
        cells = []
        for streams in (16, 1):
            run = by.get(streams)
            if run is None:
                cells += ["—", "—"]
                continue
            lat = run["latency"]
            cells += [f"{run['events_per_s']:,}", f"{lat['median_ms']} / {lat['p95_ms']}"]
        print(f"| {label} | {writers} | " + " | ".join(cells) + " |")
    f, v, a = results["fill"], results["verify"], results["anchor"]
    print(
        f"\nLog for verify: {v['entries']:,} entries in {v['streams']} streams "
        f"({f['table_mb']} MB with indexes; {f['inserted']:,} bulk-inserted in {f['seconds']} s)."
    )
    print("\n| operation | entries re-hashed | time | rate |\n|---|---|---|---|")
    print(
        f"| `verify` (whole log) | {v['entries']:,} | {v['seconds']} s | "
        f"{v['entries_per_s']:,} entries/s |"
    )
    inc, full = a["incremental"], a["full"]
    print(
        f"| `anchor` after {a['new_per_round']:,} new events (incremental), median of "
        f"{inc['n']} | {a['rehashed_incremental'][-1]:,} | {inc['median_ms']:,} ms "
        f"(p95 {inc['p95_ms']:,}) | — |"
    )
    print(
        f"| `anchor --full` on the same log, median of {full['n']} | "
        f"{a['rehashed_full'][-1]:,} | {full['median_ms']:,} ms (p95 {full['p95_ms']:,}) | — |"
    )


if __name__ == "__main__":
    main()
