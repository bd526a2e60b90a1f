"""Tỉnh Số benchmarks: dossier filing and public lookup through the real HTTP API.

For each database (SQLite file under a temporary directory, then PostgreSQL database
``tinhso_bench`` on 127.0.0.1) this script migrates a fresh database, seeds it with the test cast
and 100,000 dossiers (``bench/seed.py``), then, once per ``DB_CONN_MAX_AGE`` value (0, a new
connection per request, and 60, the project default), starts ``tinhso runserver --noreload``
with ``bench.settings`` and measures, with 1 and 4 client threads on keep-alive ``http.client``
connections to 127.0.0.1:

* ``GET /bench/bare``: a bare Django view (server, middleware and routing only), the floor;
* ``POST /api/v1/dossiers`` with a Bearer token from ``POST /api/v1/auth/token``;
* ``GET /api/v1/lookup/{code}?phone_last4=`` for random existing codes.

Every phase has a fixed request count and a per-request timeout. The server is stopped and the
PostgreSQL database dropped at the end, also on failure. Prints Markdown tables and writes
``bench/results/<timestamp>.json``. Usage: ``make bench`` or
``.venv/bin/python bench/run.py [--databases sqlite,postgres] [--requests 500] ...``.
"""

import argparse
import datetime
import http.client
import importlib.metadata
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import timeit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = ["psql", "-U", "postgres", "-h", "127.0.0.1", "-v", "ON_ERROR_STOP=1", "-X", "-q"]
PG_DB = "tinhso_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
REQUEST_TIMEOUT = 30.0


# --- HTTP load ---------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    requests: int
    threads: int
    seconds: float
    latencies: list[float]
    errors: list[str]
    reconnects: int
    bodies: list[bytes]
    not_sent: int = 0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "requests": self.requests,
            "completed": len(ordered),
            "threads": self.threads,
            "seconds": round(self.seconds, 3),
            "rps": round(len(ordered) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": percentile_ms(ordered, 50),
            "p95_ms": percentile_ms(ordered, 95),
            "p99_ms": percentile_ms(ordered, 99),
            "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
            "errors": len(self.errors) + self.not_sent,
            "not_sent": self.not_sent,
            "first_errors": self.errors[:3],
            "reconnects": self.reconnects,
        }


def percentile_ms(ordered: list[float], pct: int) -> float | None:
    """Nearest-rank percentile of sorted seconds, in milliseconds."""
    if not ordered:
        return None
    rank = max(1, -(-pct * len(ordered) // 100))
    return round(ordered[rank - 1] * 1000, 2)


def run_load(
    port: int,
    requests: list[Request],
    threads: int,
    expect: int,
    keep_bodies: bool = False,
    phase_timeout: float = 120.0,
) -> LoadResult:
    """Send ``requests`` split over ``threads`` keep-alive connections; time each request.

    Each thread stops sending after ``phase_timeout`` seconds; what it did not send counts as an error.
    """
    chunks = [requests[i::threads] for i in range(threads)]
    latencies: list[float] = []
    errors: list[str] = []
    bodies: list[bytes] = []
    reconnects = [0]
    not_sent = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def worker(chunk: list[Request]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        mine: list[float] = []
        failed: list[str] = []
        kept: list[bytes] = []
        again = skipped = 0
        barrier.wait()
        deadline = time.monotonic() + phase_timeout
        for index, req in enumerate(chunk):
            if time.monotonic() > deadline:
                skipped = len(chunk) - index  # reported as "not_sent", counted as errors
                break
            started = time.perf_counter()
            try:
                conn.request(req.method, req.path, body=req.body, headers=req.headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                failed.append(f"{req.method} {req.path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
                again += 1
                continue
            mine.append(time.perf_counter() - started)
            if response.status != expect:
                failed.append(f"{req.method} {req.path}: HTTP {response.status} {body[:200]!r}")
            elif keep_bodies:
                kept.append(body)
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
                again += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)
            bodies.extend(kept)
            reconnects[0] += again
            not_sent[0] += skipped

    workers = [threading.Thread(target=worker, args=(chunk,), daemon=True) for chunk in chunks]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    return LoadResult(
        len(requests), threads, elapsed, latencies, errors, reconnects[0], bodies, not_sent[0]
    )


def call(
    port: int, method: str, path: str, payload: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        body = json.dumps(payload).encode() if payload is not None else None
        all_headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=all_headers | (headers or {}))
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw.decode(errors="replace")


# --- databases and the server --------------------------------------------------------------


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        [*PG_ADMIN, "-d", database, "-tA", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def base_env(database: str, var_dir: Path) -> dict[str, str]:
    """The embedded default configuration: inherited TINHSO_*, DATABASE_URL and the like removed."""
    skip = ("TINHSO_", "DATABASE_URL", "DB_CONN_MAX_AGE", "CELERY_", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH")])
    )
    env["TINHSO_VAR_DIR"] = str(var_dir)
    env["PYTHONUNBUFFERED"] = "1"
    if database == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def tinhso_command() -> list[str]:
    script = Path(sys.executable).parent / "tinhso"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tinhso"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm_hwm_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int, children: bool = False) -> float | None:
    """User + system CPU time the process has used so far; with ``children``, plus that of the
    children it has reaped (PostgreSQL's postmaster reaps the backends of closed sessions)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuSnapshot:
    """CPU seconds used so far: the whole machine (busy and capacity), and who used them."""

    busy: float
    capacity: float
    server: float
    client: float
    postgres: float

    @classmethod
    def take(cls, server_pid: int) -> "CpuSnapshot":
        tick = os.sysconf("SC_CLK_TCK")
        user, nice, system, idle, iowait, irq, softirq, steal = (
            int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
        )
        total = user + nice + system + idle + iowait + irq + softirq + steal
        own = os.times()
        return cls(
            busy=(total - idle - iowait) / tick,
            capacity=total / tick,
            server=cpu_seconds(server_pid) or 0.0,
            client=own.user + own.system,
            postgres=sum(cpu_seconds(pid, children=True) or 0.0 for pid in postgres_pids()),
        )

    def shares(self, before: "CpuSnapshot") -> dict[str, float]:
        """Percent of the machine's CPU capacity during the phase, per user; "other" is noise."""
        capacity = (self.capacity - before.capacity) or 1.0
        used = {
            "server": self.server - before.server,
            "client": self.client - before.client,
            "postgres": self.postgres - before.postgres,
        }
        used["other"] = max(0.0, self.busy - before.busy - sum(used.values()))
        return {name: round(100 * value / capacity, 1) for name, value in used.items()}


def postgres_pids() -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().split(" ", 2)[1] == "(postgres)":
                pids.append(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return pids


def pg_sessions(database: str) -> int | None:
    """Sessions opened on the benchmark database so far (PostgreSQL ≥ 14), or None on SQLite."""
    if database != "postgres":
        return None
    return int(psql(f"SELECT sessions FROM pg_stat_database WHERE datname = '{PG_DB}'") or 0)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def database_size(database: str, var_dir: Path) -> dict[str, int]:
    if database == "sqlite":
        path = var_dir / "tinhso.sqlite3"
        sizes = {"file_bytes": path.stat().st_size}
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            sizes["wal_bytes"] = wal.stat().st_size
        return sizes
    return {
        "database_bytes": int(psql(f"SELECT pg_database_size('{PG_DB}')")),
        "dossiers_table_bytes": int(
            psql("SELECT pg_total_relation_size('dossiers_dossier')", PG_DB)
        ),
    }


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [*tinhso_command(), "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.tail()}")
            try:
                status, _ = call(self.port, "GET", "/api/v1/health")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{self.tail()}")

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"server died with {self.process.returncode}:\n{self.tail()}")

    def tail(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log_file.close()


# --- one database ---------------------------------------------------------------------------


def bench_database(database: str, args: argparse.Namespace) -> dict[str, Any]:
    var_dir = Path(tempfile.mkdtemp(prefix=f"tinhso-bench-{database}-"))
    env = base_env(database, var_dir)
    created_pg = False
    result: dict[str, Any] = {"database": database}
    try:
        if database == "postgres":
            psql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            psql(f"CREATE DATABASE {PG_DB}")
            created_pg = True
        step = time.perf_counter()
        subprocess.run(
            [*tinhso_command(), "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        result["migrate_seconds"] = round(time.perf_counter() - step, 1)
        log(
            f"[{database}] migrated in {result['migrate_seconds']} s; seeding {args.dossiers} dossiers…"
        )
        seeded = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.seed",
                "--dossiers",
                str(args.dossiers),
                "--lookups",
                str(args.lookup_codes),
                "--seed",
                str(args.seed),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=900,
        )
        seed = json.loads(seeded.stdout)
        result["seed"] = {
            k: v for k, v in seed.items() if k not in ("lookups", "form_data", "password")
        }
        result["size_after_seed"] = database_size(database, var_dir)
        log(f"[{database}] seeded in {seed['total_seconds']} s")
        result["variants"] = []
        for max_age in args.conn_max_age:
            variant_env = env | {"DB_CONN_MAX_AGE": str(max_age)}
            log_path = var_dir / f"server-{max_age}.log"
            result["variants"].append(
                bench_server(database, max_age, variant_env, log_path, seed, args)
            )
        result["size_after_run"] = database_size(database, var_dir)
        return result
    finally:
        if created_pg:
            try:
                psql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            except (subprocess.SubprocessError, OSError) as exc:
                log(f"[{database}] could not drop {PG_DB}: {exc}")
        if args.keep:
            log(f"[{database}] kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


def bench_server(
    database: str,
    max_age: int,
    env: dict[str, str],
    log_path: Path,
    seed: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Start one server (one DB_CONN_MAX_AGE), run every phase against it, stop it."""
    clean = False
    server = Server(env, log_path)
    try:
        server.wait_ready()
        pid = server.process.pid
        result: dict[str, Any] = {"conn_max_age": max_age, "rss_after_start_kib": vm_hwm_kib(pid)}
        status, token = call(
            server.port,
            "POST",
            "/api/v1/auth/token",
            {"username": seed["username"], "password": seed["password"]},
        )
        if status != 200:
            raise RuntimeError(f"token request failed: HTTP {status} {token}")
        auth = {"Authorization": f"Bearer {token['token']}", "Content-Type": "application/json"}
        filing = json.dumps({"procedure": seed["procedure"], "data": seed["form_data"]}).encode()
        rng = random.Random(args.seed)
        targets = seed["lookups"]

        def bare(n: int) -> list[Request]:
            return [Request("GET", "/bench/bare") for _ in range(n)]

        def create(n: int) -> list[Request]:
            return [Request("POST", "/api/v1/dossiers", filing, auth) for _ in range(n)]

        def lookup(n: int) -> list[Request]:
            return [
                Request("GET", f"/api/v1/lookup/{code}?phone_last4={last4}")
                for code, last4 in (rng.choice(targets) for _ in range(n))
            ]

        status, sample = call(
            server.port, "GET", "/api/v1/lookup/{}?phone_last4={}".format(*targets[0])
        )
        if status != 200 or not sample.get("history"):
            raise RuntimeError(f"lookup sanity check failed: HTTP {status} {sample}")
        # Warm-up (not measured): imports, URL resolver, translations, first connections.
        for requests, expect in ((bare(30), 200), (create(30), 201), (lookup(30), 200)):
            warm = run_load(server.port, requests, 1, expect)
            if warm.errors:
                raise RuntimeError(
                    f"warm-up failed: {warm.errors[0][:300]}\nserver log:\n{server.tail()}"
                )

        phases: list[dict[str, Any]] = []
        codes: list[str] = []
        for threads in args.threads:
            for scenario, requests, expect in (
                ("bare", bare(args.requests), 200),
                ("create", create(args.requests), 201),
                ("lookup", lookup(args.lookups), 200),
            ):
                server.alive()
                load_before, sessions_before = load_average(), pg_sessions(database)
                cpu_before = CpuSnapshot.take(pid)
                load = run_load(
                    server.port,
                    requests,
                    threads,
                    expect,
                    keep_bodies=scenario == "create",
                    phase_timeout=args.phase_timeout,
                )
                cpu_after = CpuSnapshot.take(pid)
                server.alive()
                if sessions_before is not None:
                    time.sleep(1.0)  # the statistics collector reports closed sessions with a delay
                sessions_after = pg_sessions(database)
                summary = load.summary() | {
                    "scenario": scenario,
                    "server_cpu_ms_per_request": round(
                        (cpu_after.server - cpu_before.server) * 1000 / max(1, len(load.latencies)),
                        2,
                    ),
                    "cpu_share_percent": cpu_after.shares(cpu_before),
                    "loadavg_1m_before": load_before,
                    "pg_sessions_opened": sessions_after - sessions_before
                    if sessions_before is not None and sessions_after is not None
                    else None,
                    "server_vmhwm_kib": vm_hwm_kib(pid),
                }
                phases.append(summary)
                codes.extend(json.loads(b)["code"] for b in load.bodies)
                log(
                    f"[{database} max_age={max_age}] {scenario:6} ×{threads}: {summary['rps']} req/s, "
                    f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
                    f"cpu {summary['server_cpu_ms_per_request']} ms/req, errors {summary['errors']}, "
                    f"cpu shares {summary['cpu_share_percent']}, sessions {summary['pg_sessions_opened']}"
                )
        result["phases"] = phases
        result["created_codes"] = {
            "count": len(codes),
            "unique": len(set(codes)),
            "first": min(codes, default=None),
            "last": max(codes, default=None),
        }
        result["server_peak_rss_kib"] = vm_hwm_kib(pid)
        clean = not any(p["errors"] for p in phases)
        return result
    finally:
        server.stop()
        if not clean:  # keep the server's log (tracebacks) next to the results
            RESULTS.mkdir(parents=True, exist_ok=True)
            kept = RESULTS / f"{time.strftime('%Y%m%dT%H%M%S')}-{database}-{max_age}-server.log"
            shutil.copyfile(log_path, kept)
            log(f"[{database} max_age={max_age}] errors: server log kept in {kept}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- machine facts and the report -------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    try:
        pg = psql("SHOW server_version")
        pg_settings = {
            name: psql(f"SHOW {name}") for name in ("shared_buffers", "synchronous_commit", "fsync")
        }
    except (OSError, subprocess.SubprocessError):
        pg, pg_settings = "", {}
    return {
        "nproc": run(["nproc"]),
        "free_h": run(["free", "-h"]),
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_build": sysconfig.get_config_var("CONFIG_ARGS") or "",
        # A CPU yardstick to compare machines: best of 5 × 10,000 runs of sum(range(1000)).
        "yardstick_sum_range_1000_us": round(
            min(timeit.repeat("sum(range(1000))", number=10_000, repeat=5)) * 100, 2
        ),
        "django": importlib.metadata.version("django"),
        "django_ninja": importlib.metadata.version("django-ninja"),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "postgresql_settings": pg_settings,
    }


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| database | DB_CONN_MAX_AGE | scenario | clients | requests | errors | req/s | p50 ms "
        "| p95 ms | p99 ms | server CPU ms/req | CPU % server/client/PG/other |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    labels = {"bare": "bare view", "create": "file dossier", "lookup": "public lookup"}
    for result in results:
        if "error" in result:
            error = result["error"].splitlines()[0][:200].replace("|", "/")
            lines.append(f"| {result['database']} | | FAILED: {error} | | | | | | | | | |")
        for variant in result.get("variants", []):
            for p in variant["phases"]:
                share = p["cpu_share_percent"]
                shares = "/".join(
                    f"{share[k]:.0f}" for k in ("server", "client", "postgres", "other")
                )
                lines.append(
                    f"| {result['database']} | {variant['conn_max_age']} | {labels[p['scenario']]} "
                    f"| {p['threads']} | {p['requests']} | {p['errors']} | {p['rps']} | {p['p50_ms']} "
                    f"| {p['p95_ms']} | {p['p99_ms']} | {p['server_cpu_ms_per_request']} | {shares} |"
                )
    lines += [
        "",
        "| database | dossiers | history rows | seed s | size after seed | size after run | "
        "server peak RSS (VmHWM) per DB_CONN_MAX_AGE |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for result in results:
        if "seed" not in result:
            continue
        seed = result["seed"]
        peaks = ", ".join(
            f"{v['conn_max_age']}: {v['server_peak_rss_kib'] / 1024:.0f} MiB"
            for v in result.get("variants", [])
            if v.get("server_peak_rss_kib")
        )
        lines.append(
            f"| {result['database']} | {seed['dossiers']} | {seed['history_entries']} | {seed['total_seconds']} | "
            f"{human(result.get('size_after_seed', {}))} | {human(result.get('size_after_run', {}))} | {peaks} |"
        )
    return "\n".join(lines)


def human(sizes: dict[str, int]) -> str:
    return ", ".join(
        f"{name.removesuffix('_bytes')} {value / 2**20:.1f} MiB" for name, value in sizes.items()
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres"
    )
    parser.add_argument(
        "--dossiers", type=int, default=100_000, help="dossiers seeded before the server starts"
    )
    parser.add_argument(
        "--lookup-codes", type=int, default=2_000, help="seeded dossiers given a history"
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="requests per bare and filing phase"
    )
    parser.add_argument("--lookups", type=int, default=1_000, help="requests per lookup phase")
    parser.add_argument("--threads", default="1,4", help="client thread counts, comma-separated")
    parser.add_argument(
        "--conn-max-age",
        default="0,60",
        help="DB_CONN_MAX_AGE values, one server each; 60 is the project default",
    )
    parser.add_argument(
        "--phase-timeout",
        type=float,
        default=120.0,
        help="seconds after which a phase stops sending",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (SQLite file, server logs)",
    )
    parser.add_argument(
        "--seed", type=int, default=20261125, help="random seed for the data and the lookup order"
    )
    args = parser.parse_args()
    args.threads = [int(t) for t in args.threads.split(",")]
    args.conn_max_age = [int(t) for t in args.conn_max_age.split(",")]
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")

    started = datetime.datetime.now(datetime.UTC)
    if load_average() > 1.0:
        log(
            f"warning: load average is {load_average()} before the run; other work skews the figures"
        )
    report: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "config": {k: v for k, v in vars(args).items()},
        "machine": machine_facts(),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "results": [],
    }
    failed = False
    for database in databases:
        try:
            report["results"].append(bench_database(database, args))
        except Exception as exc:  # report the other database anyway
            failed = True
            report["results"].append({"database": database, "error": repr(exc)})
            log(f"[{database}] FAILED: {exc}")
    report["seconds"] = round((datetime.datetime.now(datetime.UTC) - started).total_seconds(), 1)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(markdown(report["results"]))
    print(f"\nTotal {report['seconds']} s; full results in {out.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
