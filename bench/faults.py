"""Fault scenarios on the production topology at a larger load; prints a Markdown table.

The same harness and scenarios as ``src/tinhso/tests/test_faults_topology.py``
(``tinhso.tests.topology``): its own PostgreSQL 15, Redis (no persistence) and Mosquitto on free
ports; gunicorn (2 workers), a Celery worker (concurrency 2), Celery beat and
``tinhso sensors_ingest``. Per scenario: HTTP clients file dossiers with an Idempotency-Key
(retried with the same key on a 5xx or a broken connection) and the clerk receives each one
(receipt slip, e-mail and SMS notice), while the fault happens:

0. ``no-fault`` — the same load alone (what the clients meet anyway);
1. ``postgresql-restart`` — ``pg_ctl restart -m fast`` mid-load;
2. ``redis-stop-start`` — Redis stopped (SIGTERM, its queues are lost) for ``--redis-down`` s;
3. ``worker-sigkill`` — the Celery worker's process group killed with SIGKILL while it issues
   slips and sends notices, restarted after 1 s as a supervisor would;
4. ``mqtt-broker-restart`` — Mosquitto stopped and started while readings are published with
   QoS 1 (the publisher sends again whatever got no PUBACK).

Usage: ``.venv/bin/python bench/faults.py [--filings 150] [--clients 6] [--readings 3000]
[--rate 300] [--json out.json]``. Not part of CI; needs root (PostgreSQL runs as the postgres
OS user) or a user that may run initdb.
"""

import argparse
import dataclasses
import json
import platform
import sys
import time

from tinhso.tests import topology as harness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=150, help="filings per scenario")
    parser.add_argument("--clients", type=int, default=6, help="concurrent HTTP clients")
    parser.add_argument("--readings", type=int, default=3000, help="MQTT readings")
    parser.add_argument("--rate", type=float, default=300.0, help="readings per second")
    parser.add_argument("--redis-down", type=float, default=5.0, help="seconds Redis is down")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    began = time.monotonic()
    rows: list[harness.Figures] = []
    with harness.Topology() as topo:
        startup = time.monotonic() - began
        common = {
            "filings": args.filings,
            "clients": args.clients,
            "settle_timeout": 300.0,
            "client_deadline": 900.0,
        }
        # The same load without a fault: what the clients meet anyway (baseline).
        rows.append(harness.filing_scenario(topo, "no-fault", lambda: None, **common))
        rows.append(
            harness.filing_scenario(topo, "postgresql-restart", topo.restart_postgres, **common)
        )
        rows.append(
            harness.filing_scenario(
                topo,
                "redis-stop-start",
                harness.redis_outage(topo, args.redis_down),
                **common,
            )
        )
        rows.append(
            harness.filing_scenario(
                topo,
                "worker-sigkill",
                harness.busy_worker_kill(topo),
                fault_after=0.5,
                **common,
            )
        )
        rows.append(harness.mqtt_scenario(topo, readings=args.readings, rate=args.rate))
        timings = dict(topo.timings)
    print(
        f"Python {platform.python_version()}, {platform.machine()}; "
        f"topology up in {startup:.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in timings.items())})"
    )
    print()
    print(
        "| scenario | filings acknowledged | lost / doubled dossiers | receipt slips "
        "(missing / doubled) | e-mails (missing / doubled) | readings published / acknowledged "
        "/ stored (lost) | client errors retried | first filing after the fault | slips and "
        "notices of the dossiers received until then done | all done after the last answer |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        readings = (
            f"{row.readings} / {row.readings_acknowledged} / {row.readings_stored} "
            f"({row.readings_lost})"
            if row.readings
            else "—"
        )
        filing = "—" if row.recovery_filing is None else f"{row.recovery_filing:.1f} s"
        effects = "—" if row.recovery_effects is None else f"{row.recovery_effects:.1f} s"
        drain = "—" if row.drain_seconds is None else f"{row.drain_seconds:.1f} s"
        print(
            f"| {row.scenario} | {row.acknowledged} of {row.filings} | "
            f"{row.lost_dossiers} / {row.duplicate_dossiers} | "
            f"{row.slips} ({row.missing_slips} / {row.duplicate_slips}) | "
            f"{row.emails} ({row.missing_emails} / {row.duplicate_emails}) | {readings} | "
            f"{row.client_errors} | {filing} | {effects} | {drain} |"
        )
    print()
    for row in rows:
        if row.notes:
            print(f"- {row.scenario}: load {row.load_seconds:.1f} s; " + "; ".join(row.notes))
    if args.json:
        with open(args.json, "w") as out:
            json.dump([dataclasses.asdict(row) for row in rows], out, indent=2)
    failed = any(
        r.lost_dossiers or r.duplicate_dossiers or r.missing_slips or r.missing_emails for r in rows
    ) or any(r.readings_lost for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
