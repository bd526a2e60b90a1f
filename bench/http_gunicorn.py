"""HTTP under gunicorn: public lookup, filing and a bare view on the production topology.

Usage: ``make bench-http`` or ``.venv/bin/python bench/http_gunicorn.py [options]``. (Not named
``http.py``: every ``python bench/<script>.py`` puts ``bench/`` first on ``sys.path``, and such a
file would hide the standard library's ``http`` package from all of them.)

1. **Database**: PostgreSQL database ``--db`` (default ``tinhso_bench_http``) on 127.0.0.1, created
   if missing, migrated, the demo province loaded, and ``tinhso generate --dossiers N --years Y``
   run unless that many synthetic dossiers are already there (an interrupted generation is
   resumed with ``--resume``). The database is kept for the next run (``--drop`` drops it at the
   end). ``--lookup-codes`` generated dossiers (2,000) get an applicant phone and the public
   history their status implies (as ``bench/seed.py`` gives its lookup targets): generated
   dossiers have neither, and a lookup needs the phone's last four digits.
2. **Server**: the ``web:`` line of the ``Procfile`` (the documented production command, also
   what ``make serve`` runs), with ``DJANGO_SETTINGS_MODULE=bench.settings`` (debug off, plain
   HTTP, per-address API rate limits off: every request comes from 127.0.0.1), the cache in Redis
   (``TINHSO_CACHE_URL``, as production needs with several workers) and a Redis broker
   (``CELERY_BROKER_URL``) with **no Celery worker**: what a request queues is queued and dropped
   at the end, so the figures are the web tier's own cost (a worker on the same two cores would
   take its share of the CPU).
3. **Load**: ``wrk`` (Debian package ``wrk``; ``make bench-http`` installs it) with a Lua script
   per scenario, 1, 4 and 16 concurrent keep-alive connections, ``--warmup`` seconds unmeasured
   then ``--duration`` seconds measured, for: ``GET /bench/bare`` (a bare view behind the whole
   middleware stack: the floor), ``GET /api/v1/lookup/{code}?phone_last4=`` over random prepared
   codes (each asked once before the first phase, so every phase measures kept answers), and ``POST /api/v1/dossiers`` (procedure 3.000347, driving-licence renewal, whose
   documents may follow the filing) with citizen ``citizen1``'s bearer token. Each phase also
   records the server's CPU time per request (gunicorn master and workers, from ``/proc``),
   PostgreSQL's CPU share and the load average.
4. **Sizing**: the lookup (with keep-alive, and with ``Connection: close`` as from a proxy that
   opens a connection per request: gunicorn's sync workers close every connection anyway) and the
   filing at 16 clients again under sync workers 2, 3 and 4 and gthread 2 × 4 (``--sizing``), one
   server each, ``--rounds`` (2) times interleaved.

Prints Markdown tables and writes ``bench/results/http-<UTC timestamp>.json``.
"""

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script (python bench/http_gunicorn.py)

from bench.run import (  # noqa: E402
    call,
    cpu_seconds,
    free_port,
    load_average,
    machine_facts,
    postgres_pids,
    psql,
    tinhso_command,
)

RESULTS = ROOT / "bench" / "results"
PROCEDURE = "3.000347"  # Đổi giấy phép lái xe: provincial, documents may follow the filing
FORM_DATA = {
    "so_gplx": "790123456789",
    "hang_gplx": "B",
    "ho_ten": "Nguyễn Văn An",
    "ngay_sinh": "1990-05-12",
    "so_dinh_danh": "083090001234",
    "hinh_thuc_nhan": "Trực tiếp",
}
CITIZEN = ("citizen1", "tinhso-demo")  # demo account (README)
SCENARIOS = {
    "bare": "bare view",
    "lookup": "public lookup",
    "filing": "file dossier",
    "lookup_close": "public lookup, `Connection: close`",  # as a proxy without upstream keep-alive
}
MAIN = ("bare", "lookup", "filing")

# wrk: one Lua script for every scenario. Paths (lookup) come from a file, one per line; every
# thread picks among them at random. done() prints one JSON line that the driver reads.
LUA = r"""
local paths = {}
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local file = os.getenv("BENCH_PATHS")
local statuses = {}
if file then for line in io.lines(file) do paths[#paths + 1] = line end end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  wrk.method = method
  if body then wrk.body = body; wrk.headers["Content-Type"] = "application/json" end
  if token then wrk.headers["Authorization"] = "Bearer " .. token end
  if os.getenv("BENCH_CLOSE") then wrk.headers["Connection"] = "close" end
end
function request()
  if #paths > 0 then return wrk.format(nil, paths[math.random(#paths)]) end
  return wrk.format()
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "mean_us": %.1f, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status,
    e.timeout))
end
"""


def log(message: str) -> None:
    print(
        f"[{datetime.datetime.now(datetime.UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True
    )


# --- the database ------------------------------------------------------------------------------


def server_env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    """The production-like environment: inherited TINHSO_*/DATABASE_URL/CELERY_* removed."""
    skip = ("TINHSO_", "DATABASE_URL", "DB_CONN_MAX_AGE", "CELERY_", "DJANGO_", "WEB_", "GUNICORN_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.db}",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src")]),
        PYTHONUNBUFFERED="1",
        TINHSO_VAR_DIR=str(var_dir),
    )
    if args.cache_url:
        env["TINHSO_CACHE_URL"] = args.cache_url
    if args.broker_url:
        env["CELERY_BROKER_URL"] = args.broker_url
    return env


def tinhso(env: dict[str, str], *arguments: str, timeout: float = 7200, show: bool = False) -> str:
    """Run a ``tinhso`` command with the development settings (demo data and generation need
    them); its output is returned, or shown as it comes with ``show``."""
    done = subprocess.run(
        [*tinhso_command(), *arguments],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "tinhso.settings", "TINHSO_DEBUG": "true"},
        check=True,
        stdout=sys.stderr if show else subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    return done.stdout or ""


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Create, migrate, fill the database (unless done before); returns what was done."""
    facts: dict[str, Any] = {}
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{args.db}'") != "1":
        psql(f"CREATE DATABASE {args.db}")
        facts["created"] = True
    started = time.perf_counter()
    tinhso(env, "migrate", "--noinput", "--verbosity", "0")
    if psql("SELECT count(*) FROM accounts_user WHERE username = 'citizen1'", args.db) == "0":
        log("loading the demo province…")
        tinhso(env, "load_demo", "--verbosity", "0")
    have = int(psql("SELECT count(*) FROM dossiers_dossier WHERE code LIKE 'GEN-%'", args.db))
    if have < args.dossiers:
        generation = ["generate", "--dossiers", str(args.dossiers), "--years", str(args.years)]
        if have:
            generation.append("--resume")
        log(f"{have:,} synthetic dossiers; running tinhso {' '.join(generation)}…")
        step = time.perf_counter()
        tinhso(env, *generation, show=True)
        facts["generate_s"] = round(time.perf_counter() - step, 1)
    facts["prepare_s"] = round(time.perf_counter() - started, 1)
    return facts


def lookup_targets(args: argparse.Namespace, env: dict[str, str]) -> list[str]:
    """``--lookup-codes`` generated dossiers with an applicant phone and a public history (given
    here to dossiers that have neither); returns their lookup paths."""
    script = f"""
import json, random
from django.db import connection, transaction
from tinhso.dossiers.models import Dossier, HistoryEntry
from bench.seed import PATHS

wanted = {args.lookup_codes}
ready = Dossier.objects.filter(code__startswith="GEN-").exclude(applicant_phone="")
missing = wanted - ready.count()
if missing > 0:
    rng = random.Random(14)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, code, status, submitted_at, agency_id, filed_by_id FROM dossiers_dossier "
            "WHERE code LIKE 'GEN-%%' AND applicant_phone = '' AND status = ANY(%s) "
            "ORDER BY random() LIMIT %s",
            [list(PATHS), missing],
        )
        rows = cursor.fetchall()
    with transaction.atomic():
        entries, phones = [], []
        for pk, code, status, submitted, agency, filer in rows:
            previous = "draft"
            for seq, (action, to_status) in enumerate(PATHS[status], start=1):
                entries.append(HistoryEntry(
                    dossier_id=pk, seq=seq, action=action, from_status=previous,
                    to_status=to_status, actor_id=filer, actor_role="clerk", agency_id=agency,
                    at=submitted + __import__("datetime").timedelta(hours=seq), details={{}},
                ))
                previous = to_status
            phones.append((pk, f"+849{{rng.randint(0, 99_999_999):08d}}", len(PATHS[status])))
        HistoryEntry.objects.bulk_create(entries, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE dossiers_dossier SET applicant_phone = %s, history_seq = %s WHERE id = %s",
                [(phone, seq, pk) for pk, phone, seq in phones],
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
        cursor.execute("VACUUM ANALYZE dossiers_historyentry")
print(json.dumps([
    f"/api/v1/lookup/{{code}}?phone_last4={{phone[-4:]}}"
    for code, phone in ready.order_by("pk").values_list("code", "applicant_phone")[:wanted]
]))
"""
    out = tinhso(env, "shell", "--command", script, timeout=1800)
    return list(json.loads(out.strip().splitlines()[-1]))


def warm_lookups(port: int, paths: list[str]) -> float:
    """Ask every lookup once before measuring, so that each phase measures the lookup of an
    unchanged dossier (its answer kept in the cache), whatever ran before: without it the first
    phase after a new database or a cleared Redis measured mostly first lookups (two statements
    and a cache write each). Returns the seconds it took."""
    started = time.perf_counter()
    for path in paths:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
            answer.read()
    return round(time.perf_counter() - started, 1)


# --- the server ----------------------------------------------------------------------------------


def procfile_web(variables: dict[str, str]) -> list[str]:
    """The ``web:`` command of the Procfile with its ``${NAME:-default}`` expanded."""
    line = next(
        line.split(":", 1)[1].strip()
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )

    def expand(match: re.Match[str]) -> str:
        return variables.get(match.group(1)) or match.group(2)

    return shlex.split(re.sub(r"\$\{(\w+):-([^}]*)\}", expand, line))


@dataclass
class Gunicorn:
    workers: int
    threads: int
    env: dict[str, str]
    log_path: Path

    def __post_init__(self) -> None:
        self.port = free_port()
        command = procfile_web(
            {
                "PORT": str(self.port),
                "WEB_CONCURRENCY": str(self.workers),
                "GUNICORN_THREADS": str(self.threads),
            }
        )
        command[0] = str(Path(sys.executable).parent / command[0])
        self.command = command
        self._log = self.log_path.open("wb")
        env = self.env | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def label(self) -> str:
        kind = "sync" if self.threads == 1 else "gthread"
        return f"{kind} {self.workers}" + ("" if self.threads == 1 else f"×{self.threads}")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.tail()}")
            try:
                if call(self.port, "GET", "/api/v1/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s:\n{self.tail()}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        pids = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return pids

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) or 0.0 for pid in self.pids())

    def tail(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


# --- load --------------------------------------------------------------------------------------


def wrk(
    port: int, clients: int, seconds: float, lua: Path, scenario_env: dict[str, str], path: str
) -> dict[str, Any]:
    threads = min(clients, 2)  # two cores: more client threads only take CPU from the server
    done = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(lua),
            f"http://127.0.0.1:{port}{path}",
        ],
        env=os.environ | scenario_env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_JSON "))
    return dict(json.loads(line.removeprefix("WRK_JSON ")))


def phase(
    server: Gunicorn,
    scenario: str,
    clients: int,
    args: argparse.Namespace,
    lua: Path,
    scenario_env: dict[str, str],
    path: str,
) -> dict[str, Any]:
    if server.process.poll() is not None:
        raise RuntimeError(f"gunicorn died:\n{server.tail()}")
    if args.warmup:
        wrk(server.port, clients, args.warmup, lua, scenario_env, path)
    load_before = load_average()
    server_before, pg_before = server.cpu(), pg_cpu()
    wall_before = time.monotonic()
    result = wrk(server.port, clients, args.duration, lua, scenario_env, path)
    wall = time.monotonic() - wall_before
    server_cpu, pg = server.cpu() - server_before, pg_cpu() - pg_before
    requests = result["requests"]
    errors = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    row = {
        "scenario": scenario,
        "server": server.label,
        "clients": clients,
        "requests": requests,
        "errors": errors,
        "rps": round(requests / (result["duration_us"] / 1e6), 1),
        "p50_ms": round(result["p50_us"] / 1000, 2),
        "p95_ms": round(result["p95_us"] / 1000, 2),
        "p99_ms": round(result["p99_us"] / 1000, 2),
        "max_ms": round(result["max_us"] / 1000, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(requests, 1), 2),
        "server_cpu_percent": round(100 * server_cpu / wall / (os.cpu_count() or 1), 1),
        "postgres_cpu_percent": round(100 * pg / wall / (os.cpu_count() or 1), 1),
        "loadavg_1m_before": load_before,
        "loadavg_1m_after": load_average(),
        "wrk": result,
    }
    log(
        f"{server.label:12} {scenario:7} ×{clients:<2}: {row['rps']} req/s, p50 {row['p50_ms']} "
        f"p95 {row['p95_ms']} p99 {row['p99_ms']} ms, {row['server_cpu_ms_per_request']} ms CPU/req, "
        f"errors {errors}, load {load_before}"
    )
    if errors:
        log(f"  errors: {result}; server log tail:\n{server.tail()[-1500:]}")
    return row


def pg_cpu() -> float:
    return sum(cpu_seconds(pid, children=True) or 0.0 for pid in postgres_pids())


def scenarios(
    server: Gunicorn, work_dir: Path, lookups: list[str]
) -> dict[str, tuple[dict[str, str], str]]:
    """Per scenario: wrk's environment for the Lua script, and the URL path."""
    status, token = call(
        server.port, "POST", "/api/v1/auth/token", {"username": CITIZEN[0], "password": CITIZEN[1]}
    )
    if status != 200:
        raise RuntimeError(f"token for {CITIZEN[0]}: HTTP {status} {token}")
    body = json.dumps({"procedure": PROCEDURE, "data": FORM_DATA}, ensure_ascii=False)
    status, filed = call(
        server.port,
        "POST",
        "/api/v1/dossiers",
        json.loads(body),
        {"Authorization": f"Bearer {token['token']}"},
    )
    if status != 201:
        raise RuntimeError(f"filing check: HTTP {status} {filed}")
    status, found = call(server.port, "GET", lookups[0])
    if status != 200 or not found.get("history"):
        raise RuntimeError(f"lookup check: HTTP {status} {found}")
    paths = work_dir / "lookups.txt"
    paths.write_text("\n".join(lookups) + "\n")
    return {
        "bare": ({}, "/bench/bare"),
        "lookup": ({"BENCH_PATHS": str(paths)}, "/"),
        "lookup_close": ({"BENCH_PATHS": str(paths), "BENCH_CLOSE": "1"}, "/"),
        "filing": (
            {"BENCH_METHOD": "POST", "BENCH_BODY": body, "BENCH_TOKEN": token["token"]},
            "/api/v1/dossiers",
        ),
    }


def serve(
    workers: int, threads: int, env: dict[str, str], work_dir: Path
) -> tuple[Gunicorn, dict[str, Any]]:
    server = Gunicorn(workers, threads, env, work_dir / f"gunicorn-{workers}x{threads}.log")
    server.wait_ready()
    return server, {"command": " ".join(server.command)}


# --- report --------------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"{report['dossiers']:,} dossiers in `{report['db']}` (PostgreSQL {m['postgresql']}); "
        f"{m['nproc']} × {m['cpu_model']}, Python {m['python']}, Django {m['django']}; "
        f"wrk {report['duration']} s per phase after {report['warmup']} s of warm-up; "
        f"load average at start {report['loadavg_at_start']}; cache "
        f"`{report['cache_url'] or 'per process'}`, broker `{report['broker_url'] or 'none'}` "
        "(no worker).",
        "",
        f"Server: `{report['main_command']}`",
        "",
        "| scenario | clients | req/s | × bare | p50 ms | p95 ms | p99 ms | errors "
        "| server CPU ms/req | CPU % server / PG | load 1 min |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    bare = {r["clients"]: r["rps"] for r in report["main"] if r["scenario"] == "bare"}
    for r in report["main"]:
        ratio = f"{r['rps'] / bare[r['clients']]:.2f}" if bare.get(r["clients"]) else "—"
        lines.append(
            f"| {SCENARIOS[r['scenario']]} | {r['clients']} | {r['rps']} | {ratio} | {r['p50_ms']} "
            f"| {r['p95_ms']} | {r['p99_ms']} | {r['errors']} | {r['server_cpu_ms_per_request']} "
            f"| {r['server_cpu_percent']:.0f} / {r['postgres_cpu_percent']:.0f} "
            f"| {r['loadavg_1m_before']} |"
        )
    if report["sizing"]:
        lines += [
            "",
            "Sizing, 16 clients:",
            "",
            "| workers | scenario | round | req/s | p50 ms | p95 ms | p99 ms | errors "
            "| server CPU ms/req | CPU % server / PG | load 1 min |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
        ]
        order = {name: i for i, name in enumerate(SCENARIOS)}
        rows = sorted(report["sizing"], key=lambda r: (order[r["scenario"]], r["server"]))
        for r in rows:
            lines.append(
                f"| {r['server']} | {SCENARIOS[r['scenario']]} | {r['round']} | {r['rps']} "
                f"| {r['p50_ms']} "
                f"| {r['p95_ms']} | {r['p99_ms']} | {r['errors']} "
                f"| {r['server_cpu_ms_per_request']} "
                f"| {r['server_cpu_percent']:.0f} / {r['postgres_cpu_percent']:.0f} "
                f"| {r['loadavg_1m_before']} |"
            )
    return "\n".join(lines)


def parse_sizing(text: str) -> list[tuple[int, int]]:
    """``sync:2,gthread:2x4`` → [(2, 1), (2, 4)]."""
    out = []
    for item in filter(None, (x.strip() for x in text.split(","))):
        kind, _, size = item.partition(":")
        workers, _, threads = size.partition("x")
        out.append((int(workers), 1 if kind == "sync" else int(threads or 4)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="tinhso_bench_http", help="PostgreSQL database (kept)")
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--lookup-codes", type=int, default=2_000)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per phase")
    parser.add_argument("--warmup", type=int, default=3, help="seconds unmeasured before")
    parser.add_argument(
        "--workers", type=int, default=None, help="WEB_CONCURRENCY (default: the Procfile's)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="GUNICORN_THREADS (default: the Procfile's)"
    )
    parser.add_argument(
        "--sizing",
        default="sync:2,sync:3,sync:4,gthread:2x4",
        help="gunicorn sizes for the 16-client lookup and filing ('' to skip)",
    )
    parser.add_argument("--sizing-scenarios", default="lookup,lookup_close,filing")
    parser.add_argument(
        "--rounds", type=int, default=2, help="times the sizing set is measured, interleaved"
    )
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get install wrk (make bench-http does it)")
    clients = [int(c) for c in args.clients.split(",")]
    defaults = dict(re.findall(r"\$\{(\w+):-([^}]*)\}", (ROOT / "Procfile").read_text()))
    workers = args.workers or int(defaults["WEB_CONCURRENCY"])
    threads = args.threads or int(defaults["GUNICORN_THREADS"])
    started = datetime.datetime.now(datetime.UTC)
    work_dir = Path(tempfile.mkdtemp(prefix="tinhso-bench-http-"))
    env = server_env(args, work_dir)
    lua = work_dir / "bench.lua"
    lua.write_text(LUA)
    report: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join(["bench/http_gunicorn.py", *sys.argv[1:]]),
        "db": args.db,
        "dossiers": args.dossiers,
        "duration": args.duration,
        "warmup": args.warmup,
        "cache_url": args.cache_url,
        "broker_url": args.broker_url,
        "machine": machine_facts(),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "main": [],
        "sizing": [],
    }
    try:
        report["prepare"] = prepare(args, env)
        lookups = lookup_targets(args, env)
        report["lookup_codes"] = len(lookups)
        report["rows"] = int(psql("SELECT count(*) FROM dossiers_dossier", args.db))
        server, info = serve(workers, threads, env, work_dir)
        report["main_command"] = info["command"]
        try:
            report["lookups_warmed_s"] = warm_lookups(server.port, lookups)
            plan = scenarios(server, work_dir, lookups)
            for count in clients:
                for scenario in MAIN:
                    scenario_env, path = plan[scenario]
                    report["main"].append(
                        phase(server, scenario, count, args, lua, scenario_env, path)
                    )
        finally:
            server.stop()
        for round_ in range(1, args.rounds + 1):  # interleaved: noise hits every size alike
            for size in parse_sizing(args.sizing):
                server, info = serve(*size, env, work_dir)
                try:
                    plan = scenarios(server, work_dir, lookups)
                    for scenario in filter(None, args.sizing_scenarios.split(",")):
                        scenario_env, path = plan[scenario]
                        row = phase(server, scenario, 16, args, lua, scenario_env, path)
                        report["sizing"].append(row | {"round": round_, "command": info["command"]})
                finally:
                    server.stop()
    finally:
        if args.broker_url.startswith("redis://"):  # what the requests queued: no worker ran
            subprocess.run(["redis-cli", "-u", args.broker_url, "FLUSHDB"], capture_output=True)
        if args.drop:
            psql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
        shutil.rmtree(work_dir, ignore_errors=True)
    report["seconds"] = round((datetime.datetime.now(datetime.UTC) - started).total_seconds(), 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"http-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(markdown(report))
    print(f"\n{report['seconds']} s; full results in {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
