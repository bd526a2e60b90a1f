"""The national portal's outbox on the production topology (issue 16): throughput, lag, and what
it costs a filing.

Starts the fault tests' topology (``tinhso.tests.topology``: its own PostgreSQL 15, Redis,
gunicorn with 2 workers, a Celery worker and beat), with the national portal pointed at the
in-project sandbox that gunicorn serves, and the beat's ``drain-outbox`` every ``--drain``
seconds. Then:

1. **Filing cost**: ``--clients`` HTTP clients file and receive ``--filings`` dossiers, first on
   a topology with the national sync off (``TINHSO_NATIONAL_SYNC=false``: no outbox rows), then on
   a fresh one with it on and the outbox delivering; the filing rates are compared in the same
   run.
2. **Throughput and lag**: for every item the second phase sent, the time from its dossier
   event's recording (inside the dossier's transaction) to ``sent_at``; and how long after the
   last filing the queue was empty.

Prints Markdown. Not part of CI. Usage:
``.venv/bin/python bench/outbox.py [--filings 200] [--clients 4] [--drain 1]``.
"""

import argparse
import os
import platform
import statistics
import time
from typing import Any

from tinhso.tests import topology as harness

NATIONAL_CODE = "2.000635"  # a code the sandbox's catalogue knows (check S-2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class OutboxTopology(harness.Topology):
    """The fault tests' topology, with the national portal at the sandbox gunicorn serves."""

    drain_seconds: int = 1
    outbox: bool = True

    def env(self) -> dict[str, str]:
        env = super().env()
        env |= {
            "TINHSO_SITE_URL": self.base_url,
            "TINHSO_OUTBOX_DRAIN_SECONDS": str(self.drain_seconds),
        }
        if not self.outbox:
            env["TINHSO_NATIONAL_SYNC"] = "false"  # no outbox rows: the baseline
        return env


def run_phase(*, outbox: bool, filings: int, clients: int, drain: int) -> dict[str, Any]:
    topo = OutboxTopology()
    topo.drain_seconds = drain
    topo.outbox = outbox
    with topo:
        topo.python(
            "import django; django.setup()\n"
            "from tinhso.procedures.models import Procedure\n"
            f"Procedure.objects.filter(code='{harness.PROCEDURE}').update(code='{NATIONAL_CODE}')\n"
        )
        harness_procedure = harness.PROCEDURE
        harness.PROCEDURE = NATIONAL_CODE
        try:
            began = time.monotonic()
            load = harness.run_clients(
                topo, filings=filings, clients=clients, pace=0.0, deadline=time.monotonic() + 900
            )
            elapsed = time.monotonic() - began
        finally:
            harness.PROCEDURE = harness_procedure
        result: dict[str, Any] = {
            "outbox": outbox,
            "dossiers": len(load.acknowledged),
            "seconds": elapsed,
            "rate": len(load.acknowledged) / elapsed if elapsed else 0.0,
        }
        if not outbox:
            result["queued"] = topo.query("SELECT count(*) FROM integrations_outboxitem")[0][0]
            return result
        stop = time.monotonic() + 300
        while time.monotonic() < stop:
            left = topo.query(
                "SELECT count(*) FROM integrations_outboxitem WHERE status = 'queued'"
            )[0][0]
            if not left:
                break
            time.sleep(0.5)
        drained_at = time.monotonic()
        rows = topo.query(
            "SELECT EXTRACT(EPOCH FROM (o.sent_at - e.at)) FROM integrations_outboxitem o "
            "JOIN dossiers_dossierevent e ON e.id = o.source_event_id WHERE o.status = 'sent'"
        )
        lags = [float(seconds) for (seconds,) in rows]
        statuses = dict(
            topo.query("SELECT status, count(*) FROM integrations_outboxitem GROUP BY status")
        )
        held = topo.query("SELECT count(*) FROM integrations_nationalsync WHERE state <> 'never'")[
            0
        ][0]
        result |= {
            "lags": lags,
            "statuses": statuses,
            "synced_dossiers": held,
            "drain_seconds_after_filing": drained_at - began - elapsed,
        }
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--drain", type=int, default=1, help="seconds between beat drains")
    args = parser.parse_args()
    without = run_phase(outbox=False, filings=args.filings, clients=args.clients, drain=args.drain)
    with_outbox = run_phase(
        outbox=True, filings=args.filings, clients=args.clients, drain=args.drain
    )
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average at the end {os.getloadavg()[0]:.2f}"
    )
    print("\n| phase | dossiers filed + received | seconds | dossiers/s |\n|---|---|---|---|")
    for phase in (without, with_outbox):
        label = "national sync on, outbox delivering" if phase["outbox"] else "national sync off"
        print(f"| {label} | {phase['dossiers']} | {phase['seconds']:.1f} | {phase['rate']:.1f} |")
    lags = with_outbox["lags"]
    print(
        f"\nOutbox items: {with_outbox['statuses']}; dossiers held by the sandbox: "
        f"{with_outbox['synced_dossiers']}; queue empty "
        f"{with_outbox['drain_seconds_after_filing']:.1f} s after the last filing."
    )
    if lags:
        print(
            "\n| sent items | lag median ms | p95 ms | max ms |\n|---|---|---|---|\n"
            f"| {len(lags)} | {statistics.median(lags) * 1000:.0f} | "
            f"{percentile(lags, 0.95) * 1000:.0f} | {max(lags) * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
