"""How far the operations centre trails the dossiers on the production topology (ADR 0013).

Starts the fault tests' topology (``tinhso.tests.topology``: its own PostgreSQL 15, Redis,
gunicorn with 2 workers, a Celery worker and beat), then ``--clients`` HTTP clients file
``--filings`` dossiers and have the clerk receive each one. Meanwhile a poller reads, every
``--poll`` seconds, the ``ioc`` subscriber's cursor and the events it has passed: an event's lag
is the time from its recording (inside the dossier's transaction, so a little before the commit)
to the first poll that finds the cursor past it. Prints the lag's median, p95 and maximum, the
number of events and the filing rate, as Markdown. Not part of CI.

Usage: ``.venv/bin/python bench/ioc_lag.py [--filings 300] [--clients 4] [--poll 0.02]``.
"""

import argparse
import datetime
import os
import platform
import statistics
import threading
import time

from tinhso.tests import topology as harness


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--poll", type=float, default=0.02, help="seconds between polls")
    args = parser.parse_args()

    lags: list[float] = []
    done = threading.Event()
    with harness.Topology() as topo:

        def poll() -> None:
            seen = 0
            while True:
                finished = done.is_set()
                rows = topo.query(
                    "SELECT position FROM dossiers_subscribercursor WHERE name = 'ioc'"
                )
                position = int(rows[0][0]) if rows else 0
                if position > seen:
                    now = datetime.datetime.now(datetime.UTC)
                    passed = topo.query(
                        "SELECT at FROM dossiers_dossierevent WHERE position > %s "
                        "AND position <= %s",
                        (seen, position),
                    )
                    lags.extend((now - at).total_seconds() for (at,) in passed)
                    seen = position
                if finished:
                    pending = topo.query(
                        "SELECT count(*) FROM dossiers_dossierevent WHERE position IS NULL "
                        "OR position > %s",
                        (seen,),
                    )
                    if not pending[0][0]:
                        return
                time.sleep(args.poll)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        began = time.monotonic()
        load = harness.run_clients(
            topo,
            filings=args.filings,
            clients=args.clients,
            pace=0.0,
            deadline=time.monotonic() + 900,
        )
        elapsed = time.monotonic() - began
        done.set()
        poller.join(300)
        facts = topo.query("SELECT count(*) FROM ioc_dossierfact")[0][0]
        received = topo.query("SELECT count(*) FROM ioc_dossierfact WHERE received_day IS NOT NULL")
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average at the end {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{len(load.acknowledged)} filings + receipts in {elapsed:.1f} s "
        f"({len(load.acknowledged) / elapsed:.1f} dossiers/s, {args.clients} clients); "
        f"facts {facts}, received {received[0][0]}"
    )
    print("\n| events | lag median ms | p95 ms | max ms |\n|---|---|---|---|")
    if lags:
        print(
            f"| {len(lags)} | {statistics.median(lags) * 1000:.0f} | "
            f"{percentile(lags, 0.95) * 1000:.0f} | {max(lags) * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
