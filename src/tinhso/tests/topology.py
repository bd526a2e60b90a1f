"""The production topology in a temporary directory, for fault tests (a test helper).

``Topology`` starts, each on a free port and apart from the shared services of the test suite:
PostgreSQL 15 (as the ``postgres`` OS user when we run as root: PostgreSQL refuses root), Redis
without persistence, Mosquitto with persistence; then migrates the new database, seeds what the
scenarios need (the test cast of ``tinhso.testing``, bearer tokens, the salinity stations) and
runs the Procfile's processes as subprocesses: gunicorn (2 workers), a Celery worker
(concurrency 2), Celery beat (short catch-up intervals) and ``tinhso sensors_ingest``, with
DEBUG off, a generated secret key and e-mail written to files (one per message) so every message
sent can be counted. ``close()`` kills every process group it started, even after a failure.

Used by ``test_faults_topology.py`` and ``bench/faults.py``.
"""

from __future__ import annotations

import contextlib
import datetime
import email
import email.policy
import getpass
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

PG_BIN = Path(os.environ.get("TINHSO_TOPOLOGY_PG_BIN", "/usr/lib/postgresql/15/bin"))
BIN = Path(sys.executable).parent
PROCEDURE = "2.000001"  # the cast's province procedure, received by the one-stop centre's clerk
CLERK = "ttpvhcc.clerk"
CITIZENS = ("citizen1", "citizen2")
STATION = "my-hoa"
FORM_DATA = {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1995-03-02", "so_ban": 1}
SUBJECT_CODE = re.compile(r"(\S+-\d{6}-\d{4})")


class TopologyUnavailable(RuntimeError):
    """A binary or the ``postgres`` OS user is missing: the caller skips with this reason."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return True
        time.sleep(step)
    return False


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def seed() -> dict[str, Any]:
    """Run inside the topology's settings (``python -c``): the cast, tokens, the stations.

    The test cast (``tinhso.testing.make_cast``) is the cheapest world with citizens (with an
    e-mail address and a phone each), a procedure filed online and the clerk who receives it;
    ``tinhso load_demo`` would take far longer and refuses to run with DEBUG off. Tokens are
    stored as the API stores them (SHA-256 only), so no sign-in (and no TOTP) is needed.
    """
    import hashlib

    from tinhso.accounts.models import ApiToken, User
    from tinhso.procedures.models import RequiredDocument
    from tinhso.sensors.stations import ensure_network
    from tinhso.testing import make_cast

    cast = make_cast()
    # Filing then receiving is the load: no paper to upload before the clerk can receive.
    RequiredDocument.objects.filter(version=cast.province_procedure).update(required=False)
    tokens: dict[str, str] = {}
    for username in (*CITIZENS, CLERK):
        key = secrets.token_urlsafe(32)
        ApiToken.objects.create(
            user=User.objects.get(username=username),
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
        )
        tokens[username] = key
    datastream = ensure_network()[STATION]
    return {"tokens": tokens, "datastream": datastream.pk}


@dataclass
class Process:
    name: str
    args: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Topology:
    """See the module docstring. Use as a context manager, or call ``start`` and ``close``."""

    visibility_timeout: int = 8
    catchup_seconds: int = 2
    grace_seconds: int = 4
    lease_seconds: int = 8
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tinhso-topology-")))
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)  # by ``supervise``
    seeded: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    # --- life cycle --------------------------------------------------------------------------

    def __enter__(self) -> Topology:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self._check_binaries()
        for name in ("pg", "redis", "mqtt", "web"):
            self.ports[name] = free_port()
        self.mail_dir.mkdir(parents=True)
        began = time.monotonic()
        self.start_postgres(init=True)
        self.start_redis()
        self.start_mosquitto()
        self.timings["services"] = time.monotonic() - began
        began = time.monotonic()
        # One interpreter for both: Django's start-up is a few seconds each time.
        out = self.python(
            "import django, json; django.setup(); "
            "from django.core.management import call_command; "
            "call_command('migrate', interactive=False, verbosity=0); "
            "from tinhso.tests.topology import seed; print('SEED ' + json.dumps(seed()))",
            timeout=600,
        )
        line = next(x for x in out.splitlines() if x.startswith("SEED "))
        self.seeded = json.loads(line[5:])
        self.timings["migrate_and_seed"] = time.monotonic() - began
        began = time.monotonic()
        self.start_worker()
        self.start_beat()
        self._spawn_ingest()
        self.start_web()
        self.wait_worker_ready()
        self._wait_ingest(0)
        self.timings["processes"] = time.monotonic() - began

    def close(self) -> None:
        for process in reversed(list(self.processes.values())):
            self._kill_group(process)
        if (self.pg_dir / "data" / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._pg_ctl("stop", "-m", "immediate", timeout=30)
        with contextlib.suppress(Exception):
            pid = int((self.pg_dir / "data" / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        if not os.environ.get("TINHSO_TOPOLOGY_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def _check_binaries(self) -> None:
        for path in (PG_BIN / "initdb", PG_BIN / "pg_ctl"):
            if not path.exists():
                raise TopologyUnavailable(f"PostgreSQL 15 is not installed ({path} missing)")
        for name in ("redis-server", "mosquitto"):
            if shutil.which(name) is None and not Path(f"/usr/sbin/{name}").exists():
                raise TopologyUnavailable(f"{name} is not installed")
        if os.geteuid() == 0:
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise TopologyUnavailable(
                    "running as root and there is no postgres OS user to run PostgreSQL"
                ) from exc
            if shutil.which("runuser") is None:
                raise TopologyUnavailable("running as root and runuser is missing")

    # --- environment ---------------------------------------------------------------------------

    @property
    def mail_dir(self) -> Path:
        return self.root / "mail"

    @property
    def pg_dir(self) -> Path:
        return self.root / "pg"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports['pg']}/tinhso"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['web']}"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("TINHSO_", "DJANGO_"))}
        keep.pop("DATABASE_URL", None)
        keep.pop("CELERY_BROKER_URL", None)
        redis = f"redis://127.0.0.1:{self.ports['redis']}"
        return keep | {
            "DJANGO_SETTINGS_MODULE": "tinhso.settings",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": f"{redis}/0",
            "TINHSO_CACHE_URL": f"{redis}/1",
            "TINHSO_MQTT_HOST": "127.0.0.1",
            "TINHSO_MQTT_PORT": str(self.ports["mqtt"]),
            "TINHSO_DEBUG": "false",
            "TINHSO_SECRET_KEY": self.secret_key,
            "TINHSO_SSL_REDIRECT": "false",  # plain HTTP on 127.0.0.1, no TLS proxy in front
            "TINHSO_SECURE_COOKIES": "false",
            "TINHSO_VAR_DIR": str(self.root / "var"),
            "TINHSO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "TINHSO_EMAIL_FILE_PATH": str(self.mail_dir),
            "TINHSO_SMS_CHANNEL": "log",
            "TINHSO_LOG_LEVEL": "INFO",
            "TINHSO_CELERY_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
            "TINHSO_CELERY_RESTORE_INTERVAL": "1",
            "TINHSO_CELERY_RESTORE_THROTTLE": "1",
            "TINHSO_CATCHUP_SECONDS": str(self.catchup_seconds),
            "TINHSO_DELIVERY_SWEEP_SECONDS": str(self.catchup_seconds),
            "TINHSO_CATCHUP_GRACE_SECONDS": str(self.grace_seconds),
            "TINHSO_DELIVERY_LEASE_SECONDS": str(self.lease_seconds),
            "DB_CONN_MAX_AGE": "60",
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def secret_key(self) -> str:
        if not hasattr(self, "_secret_key"):
            self._secret_key = secrets.token_urlsafe(64)
        return self._secret_key

    def python(self, code: str, timeout: float = 300) -> str:
        return self._run([sys.executable, "-c", code], "python -c", timeout)

    def manage(self, *args: str, timeout: float = 300) -> str:
        return self._run(
            [sys.executable, "-m", "tinhso", *args], f"tinhso {' '.join(args)}", timeout
        )

    def _run(self, argv: list[str], label: str, timeout: float) -> str:
        done = subprocess.run(
            argv, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{label} failed: {done.stderr[-3000:]}")
        return done.stdout

    # --- processes -----------------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str]) -> Process:
        log = self.root / f"{name}.log"
        process = self.processes.get(name) or Process(name, args, log)
        handle = log.open("ab")
        # A session of its own: the process group is what we kill, children included.
        process.popen = subprocess.Popen(
            args,
            env=self.env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.root,
        )
        handle.close()
        self.processes[name] = process
        return process

    def _kill_group(self, process: Process, sig: int = signal.SIGKILL) -> None:
        if process.popen is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.popen.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.popen.wait(20)

    def log_text(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "tinhso.wsgi",
                "--bind",
                f"127.0.0.1:{self.ports['web']}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "60",
                "--no-control-socket",
            ],
        )
        if not wait_until(lambda: self._health(), 90, 0.2):
            raise RuntimeError("gunicorn did not answer: " + self.log_text("web")[-3000:])

    def _health(self) -> bool:
        import urllib.request

        with urllib.request.urlopen(f"{self.base_url}/api/v1/health", timeout=2) as answer:
            return bool(answer.status == 200)

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "tinhso",
                "worker",
                "--loglevel",
                "info",
                "--concurrency",
                "2",
                "--prefetch-multiplier",
                "1",
                "-O",
                "fair",
            ],
        )

    def wait_worker_ready(self, before: int = 0, timeout: float = 90) -> None:
        if not wait_until(lambda: self.log_text("worker").count(" ready.") > before, timeout, 0.2):
            raise RuntimeError("Celery worker not ready: " + self.log_text("worker")[-3000:])

    def kill_worker(self) -> None:
        """SIGKILL to the worker's whole process group: the main process and its children."""
        self._kill_group(self.processes["worker"], signal.SIGKILL)

    def supervise(self) -> None:
        """Start again the worker or beat if its process has exited (not a killed one the
        scenario is about to restart itself: only a process found dead here is counted)."""
        for name, start in (("worker", self.start_worker), ("beat", self.start_beat)):
            process = self.processes.get(name)
            if process is not None and process.popen is not None and not process.running():
                self.restarts[name] = self.restarts.get(name, 0) + 1
                start()

    def restart_worker(self) -> None:
        """What a supervisor does after the worker died: start it again, wait until ready."""
        before = self.log_text("worker").count(" ready.")
        self.start_worker()
        self.wait_worker_ready(before)

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "tinhso",
                "beat",
                "--loglevel",
                "info",
                "--schedule",
                str(self.root / "celerybeat-schedule"),
            ],
        )

    def start_ingest(self) -> None:
        before = self.log_text("sensors").count("subscribed to")
        self._spawn_ingest()
        self._wait_ingest(before)

    def _spawn_ingest(self) -> None:
        self._spawn(
            "sensors",
            [sys.executable, "-m", "tinhso", "sensors_ingest", "--batch-window", "0.05"],
        )

    def _wait_ingest(self, before: int) -> None:
        if not wait_until(lambda: self.log_text("sensors").count("subscribed to") > before, 90):
            raise RuntimeError("sensors_ingest did not subscribe: " + self.log_text("sensors"))

    # --- PostgreSQL ----------------------------------------------------------------------------

    def _as_postgres(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def _pg_ctl(self, *args: str, timeout: float = 60) -> None:
        options = (
            f"-p {self.ports['pg']} -k {self.pg_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.pg_dir / "data"), "-w", "-t", "60"]
        command += [*args, "-o", options, "-l", str(self.pg_dir / "postgres.log")]
        subprocess.run(self._as_postgres(command), check=True, timeout=timeout, capture_output=True)

    def start_postgres(self, *, init: bool = False) -> None:
        if init:
            self.pg_dir.mkdir()
            if os.geteuid() == 0:
                # The temp root is root's (0700): postgres must be able to reach its own dir.
                self.root.chmod(0o711)
                shutil.chown(self.pg_dir, "postgres", "postgres")
            subprocess.run(
                self._as_postgres(
                    [
                        str(PG_BIN / "initdb"),
                        "-D",
                        str(self.pg_dir / "data"),
                        "-U",
                        "postgres",
                        "-A",
                        "trust",
                        "-E",
                        "UTF8",
                        "--no-sync",
                    ]
                ),
                check=True,
                capture_output=True,
                timeout=120,
            )
        self._pg_ctl("start")
        if init:
            self.sql_admin("CREATE DATABASE tinhso")

    def restart_postgres(self) -> None:
        """``pg_ctl restart -m fast``: sessions are cut, the server is back when it returns."""
        self._pg_ctl("restart", "-m", "fast")

    def sql_admin(self, statement: str) -> None:
        import psycopg

        url = f"postgres://postgres@127.0.0.1:{self.ports['pg']}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    # --- Redis and Mosquitto ------------------------------------------------------------------

    def start_redis(self) -> None:
        (self.root / "redis").mkdir(exist_ok=True)
        self._spawn(
            "redis",
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.ports["redis"]),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root / "redis"),
            ],
        )
        if not wait_until(lambda: port_open(self.ports["redis"]), 30):
            raise RuntimeError("redis did not start: " + self.log_text("redis"))

    def stop_redis(self) -> None:
        """SIGTERM: Redis shuts down; with no persistence every queued message is gone."""
        self._kill_group(self.processes["redis"], signal.SIGTERM)

    def start_mosquitto(self) -> None:
        conf = self.root / "mosquitto.conf"
        (self.root / "mqtt").mkdir(exist_ok=True)
        conf.write_text(
            f"listener {self.ports['mqtt']} 127.0.0.1\n"
            "allow_anonymous true\n"
            # Sessions and queued QoS 1 messages survive a restart (saved at shutdown).
            "persistence true\n"
            f"persistence_location {self.root / 'mqtt'}/\n"
            f"user {getpass.getuser()}\n"
            "max_queued_messages 1000000\n"
            "max_queued_bytes 500000000\n"
        )
        self._spawn(
            "mosquitto", [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)]
        )
        if not wait_until(lambda: port_open(self.ports["mqtt"]), 30):
            raise RuntimeError("mosquitto did not start: " + self.log_text("mosquitto"))

    def restart_mosquitto(self, down_seconds: float = 1.0) -> float:
        """Stop the broker (SIGTERM: it saves its sessions) and start it again; returns the
        moment (monotonic) it listens again."""
        self._kill_group(self.processes["mosquitto"], signal.SIGTERM)
        time.sleep(down_seconds)
        self.start_mosquitto()
        return time.monotonic()

    # --- what happened -------------------------------------------------------------------------

    def emails(self) -> Counter[str]:
        """E-mails written by the file backend, counted per dossier code in the subject."""
        counts: Counter[str] = Counter()
        separator = b"\n" + b"-" * 79 + b"\n"
        for path in self.mail_dir.glob("*.log"):
            for raw in path.read_bytes().split(separator):
                if not raw.strip():
                    continue
                message = email.message_from_bytes(raw, policy=email.policy.default)
                found = SUBJECT_CODE.search(str(message.get("Subject", "")))
                counts[found.group(1) if found else "?"] += 1
        return counts

    def dossier_counts(self, codes: list[str]) -> dict[str, int]:
        rows = self.query(
            "SELECT code, count(*) FROM dossiers_dossier WHERE code = ANY(%s) GROUP BY code",
            (codes,),
        )
        return {code: count for code, count in rows}

    def receipt_slips(self) -> Counter[str]:
        rows = self.query(
            "SELECT d.code, count(*) FROM documents_issuedslip s "
            "JOIN dossiers_dossier d ON d.id = s.dossier_id WHERE s.kind = 'receipt' "
            "GROUP BY d.code"
        )
        return Counter({code: count for code, count in rows})

    def deliveries(self) -> dict[str, Counter[str]]:
        """Applicant deliveries by status, per channel."""
        rows = self.query(
            "SELECT channel, status, count(*) FROM notifications_delivery "
            "WHERE topic = 'applicant' GROUP BY channel, status"
        )
        out: dict[str, Counter[str]] = {}
        for channel, status, count in rows:
            out.setdefault(channel, Counter())[status] = count
        return out

    def received_codes(self) -> list[str]:
        return [
            code
            for (code,) in self.query(
                "SELECT code FROM dossiers_dossier WHERE received_at IS NOT NULL ORDER BY code"
            )
        ]

    def observations(self, datastream: int) -> set[datetime.datetime]:
        rows = self.query(
            "SELECT phenomenon_time FROM sensors_observation WHERE datastream_id = %s",
            (datastream,),
        )
        return {when for (when,) in rows}

    def effects_done(self, codes: list[str]) -> bool:
        """Every dossier has its receipt slip and its two applicant messages (e-mail, SMS) sent."""
        if not codes:
            return True
        [(slips, sent)] = self.query(
            "SELECT (SELECT count(*) FROM documents_issuedslip s JOIN dossiers_dossier d "
            "        ON d.id = s.dossier_id WHERE d.code = ANY(%s) AND s.kind = 'receipt'), "
            "       (SELECT count(*) FROM notifications_delivery n JOIN dossiers_dossier d "
            "        ON d.id = n.dossier_id WHERE d.code = ANY(%s) AND n.topic = 'applicant' "
            "        AND n.status = 'sent')",
            (codes, codes),
        )
        return bool(slips >= len(codes) and sent >= 2 * len(codes))


@contextlib.contextmanager
def topology(**options: Any) -> Iterator[Topology]:
    with Topology(**options) as running:
        yield running


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Load:
    """What the HTTP clients did: filings acknowledged, errors met, when each call succeeded."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> code
    received: set[str] = field(default_factory=set)
    errors: Counter[str] = field(default_factory=Counter)
    successes: list[float] = field(default_factory=list)  # monotonic time of each 2xx filing
    given_up: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _call(
    url: str, token: str, body: dict[str, Any], key: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status), json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        try:
            return int(exc.code), json.loads(payload or b"{}")
        except ValueError:
            return int(exc.code), {}


def _retrying(
    load: Load, label: str, deadline: float, attempt: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any]] | None:
    """Call until a 2xx or a 409 (a definite answer); 5xx and connection errors are retried."""
    delay = 0.05
    while time.monotonic() < deadline:
        try:
            status, body = attempt()
        except (OSError, ValueError) as exc:  # refused, reset, timed out, half a response
            with load.lock:
                load.errors[f"{label}: {type(exc).__name__}"] += 1
        else:
            if status < 500:
                return status, body
            with load.lock:
                load.errors[f"{label}: HTTP {status}"] += 1
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
    return None


def run_clients(
    topo: Topology,
    *,
    filings: int,
    clients: int,
    pace: float,
    deadline: float,
    load: Load | None = None,
) -> Load:
    """``clients`` threads file ``filings`` dossiers between them (with an Idempotency-Key each,
    retried with the same key) and have the clerk receive each one (slip and notices follow)."""
    load = load or Load()
    tokens = topo.seeded["tokens"]
    citizens = [tokens[name] for name in CITIZENS]
    clerk = tokens[CLERK]
    base = topo.base_url + "/api/v1/dossiers"
    counter = iter(range(filings))
    counter_lock = threading.Lock()

    def client(index: int) -> None:
        token = citizens[index % len(citizens)]
        while True:
            with counter_lock:
                if next(counter, None) is None:
                    return
            key = uuid.uuid4().hex
            body = {"procedure": PROCEDURE, "data": FORM_DATA}
            filed = _retrying(load, "file", deadline, partial(_call, base, token, body, key))
            if filed is None or filed[0] not in (200, 201):
                with load.lock:
                    load.given_up += 1
                    if filed is not None:
                        load.errors[f"file: HTTP {filed[0]}"] += 1
                continue
            code = str(filed[1]["code"])
            with load.lock:
                load.acknowledged[key] = code
                load.successes.append(time.monotonic())
            url = f"{base}/{code}/actions"
            receive = partial(_call, url, clerk, {"action": "receive"})
            done = _retrying(load, "receive", deadline, receive)
            # 409 after a retry: the first attempt committed (its answer was lost).
            if done is not None and done[0] in (200, 409):
                with load.lock:
                    load.received.add(code)
            else:
                with load.lock:
                    load.given_up += 1
            time.sleep(pace)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic() + 5))
    return load


# --- MQTT publisher ------------------------------------------------------------------------------


@dataclass
class Readings:
    published: dict[int, datetime.datetime] = field(default_factory=dict)  # index -> time
    acknowledged: set[int] = field(default_factory=set)
    republished: int = 0


def publish_readings(
    topo: Topology,
    *,
    count: int,
    rate: float,
    during: Callable[[], None] | None = None,
    at_fraction: float = 0.4,
    deadline: float = 60.0,
) -> Readings:
    """Publish ``count`` readings (QoS 1) at ``rate`` per second; call ``during`` part-way.

    PUBACKs are tracked per message; at the end every reading without one is published again
    (the ingest drops duplicates on (datastream, phenomenonTime)) until all are acknowledged.
    """
    import paho.mqtt.client as mqtt

    datastream = topo.seeded["datastream"]
    topic = f"v1.1/Datastreams({datastream})/Observations"
    start = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(
        minutes=50
    )
    result = Readings()
    mids: dict[int, int] = {}
    early: set[int] = set()  # PUBACKs that came before ``send`` recorded their packet id
    lock = threading.Lock()

    def on_publish(_c: Any, _u: Any, mid: int, _rc: Any, _p: Any) -> None:
        with lock:
            index = mids.pop(mid, None)
            if index is not None:
                result.acknowledged.add(index)
            else:
                early.add(mid)

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"fault-publisher-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )
    client.on_publish = on_publish
    client.reconnect_delay_set(0.1, 1)
    client.connect("127.0.0.1", topo.ports["mqtt"])
    client.loop_start()
    wait_until(client.is_connected, 10)

    def send(index: int) -> None:
        when = start + datetime.timedelta(seconds=index)
        payload = json.dumps({"phenomenonTime": when.isoformat(), "result": 0.1 + index % 7 / 100})
        # Published outside our lock: paho calls on_publish with its own lock held, and
        # on_publish takes ours, so holding ours across publish() deadlocks (seen in a bench run).
        info = client.publish(topic, payload, qos=1)
        with lock:
            result.published[index] = when
            if info.mid in early:
                early.discard(info.mid)
                result.acknowledged.add(index)
            else:
                mids[info.mid] = index

    try:
        for index in range(count):
            if during is not None and index == int(count * at_fraction):
                during()
            send(index)
            time.sleep(1 / rate)
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            time.sleep(1.0)
            with lock:
                missing = sorted(set(result.published) - result.acknowledged)
                # Forget the old packet ids of what is sent again: only the new PUBACK counts.
                for mid in [m for m, i in mids.items() if i in set(missing)]:
                    del mids[mid]
            if not missing:
                break
            if client.is_connected():
                for index in missing:
                    send(index)
                result.republished += len(missing)
    finally:
        client.loop_stop()
        client.disconnect()
    return result


# --- scenarios -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """One scenario's outcome (one row of the table in docs/operations.md)."""

    scenario: str
    filings: int = 0
    acknowledged: int = 0
    lost_dossiers: int = 0
    duplicate_dossiers: int = 0
    slips: int = 0
    missing_slips: int = 0
    duplicate_slips: int = 0
    emails: int = 0
    missing_emails: int = 0
    duplicate_emails: int = 0
    deliveries_not_sent: int = 0
    readings: int = 0
    readings_acknowledged: int = 0
    readings_stored: int = 0
    readings_lost: int = 0
    client_errors: int = 0
    given_up: int = 0
    recovery_filing: float | None = None  # s from the fault's end to the first 2xx filing
    recovery_effects: float | None = None  # s from the fault's end to all slips and notices
    # of the dossiers received by then (the fault's backlog)
    load_seconds: float = 0.0  # the clients' run, fault included
    drain_seconds: float | None = None  # s from the last answer to all slips and notices
    quiescent: bool = False
    notes: list[str] = field(default_factory=list)


def _settle(topo: Topology, codes: list[str], timeout: float) -> float | None:
    """Wait until every dossier's effects are done; the monotonic time they were, or None.

    Meanwhile a Celery worker or beat that has exited is started again, as the supervisor of a
    production installation (systemd ``Restart=always``) would; each restart is counted in
    ``topo.restarts`` and shows in the scenario's notes."""

    def done() -> bool:
        topo.supervise()
        return topo.effects_done(codes)

    if wait_until(done, timeout, 0.25):
        return time.monotonic()
    return None


def _dossier_figures(
    topo: Topology, figures: Figures, load: Load, citizens_before: int, emails_before: Counter[str]
) -> None:
    codes = sorted(set(load.acknowledged.values()))
    figures.acknowledged = len(load.acknowledged)
    stored = topo.dossier_counts(codes)
    figures.lost_dossiers = sum(1 for code in codes if stored.get(code, 0) == 0)
    # Every logical filing carries its own Idempotency-Key: more dossiers than filings answered
    # (or attempted) means a retry made a second one.
    [(now_filed,)] = topo.query(
        "SELECT count(*) FROM dossiers_dossier WHERE code IS NOT NULL AND code <> ''"
    )
    figures.duplicate_dossiers = max(0, now_filed - citizens_before - figures.filings)
    figures.duplicate_dossiers += figures.acknowledged - len(codes)  # two keys, one code: never
    slips = topo.receipt_slips()
    received = sorted(load.received)
    figures.slips = sum(slips.get(code, 0) for code in received)
    figures.missing_slips = sum(1 for code in received if slips.get(code, 0) == 0)
    figures.duplicate_slips = sum(max(0, slips.get(code, 0) - 1) for code in received)
    mails = topo.emails() - emails_before
    figures.emails = sum(mails.get(code, 0) for code in received)
    figures.missing_emails = sum(1 for code in received if mails.get(code, 0) == 0)
    figures.duplicate_emails = sum(max(0, mails.get(code, 0) - 1) for code in received)
    [(not_sent,)] = topo.query(
        "SELECT count(*) FROM notifications_delivery n JOIN dossiers_dossier d "
        "ON d.id = n.dossier_id WHERE d.code = ANY(%s) AND n.status <> 'sent'",
        (received,),
    )
    figures.deliveries_not_sent = not_sent
    figures.client_errors = sum(load.errors.values())
    figures.given_up = load.given_up
    if load.errors:
        figures.notes.append(", ".join(f"{k} x{v}" for k, v in load.errors.most_common()))


def _filed_count(topo: Topology) -> int:
    [(count,)] = topo.query(
        "SELECT count(*) FROM dossiers_dossier WHERE code IS NOT NULL AND code <> ''"
    )
    return int(count)


def filing_scenario(
    topo: Topology,
    name: str,
    fault: Callable[[], None],
    *,
    filings: int,
    clients: int = 4,
    pace: float = 0.05,
    fault_after: float = 1.5,
    settle_timeout: float = 90.0,
    client_deadline: float = 120.0,
) -> Figures:
    """Clients file and the clerk receives while ``fault`` runs (``fault_after`` s in); then wait
    for every slip and notice and count. ``fault`` returns when the fault has ended."""
    figures = Figures(name, filings=filings)
    restarts_before = dict(topo.restarts)
    before = _filed_count(topo)
    emails_before = topo.emails()
    fault_end: list[float] = []
    backlog_done: list[float] = []
    load = Load()

    def inject() -> None:
        time.sleep(fault_after)
        fault()
        fault_end.append(time.monotonic())
        with load.lock:
            backlog = sorted(load.received)
        settled = _settle(topo, backlog, settle_timeout)
        if settled is not None:
            backlog_done.append(settled)

    injector = threading.Thread(target=inject, daemon=True)
    began = time.monotonic()
    injector.start()
    run_clients(
        topo,
        filings=filings,
        clients=clients,
        pace=pace,
        deadline=time.monotonic() + client_deadline,
        load=load,
    )
    load_end = time.monotonic()
    figures.load_seconds = round(load_end - began, 2)
    injector.join(client_deadline + settle_timeout)
    end = fault_end[0] if fault_end else time.monotonic()
    after = [t for t in load.successes if t >= end]
    figures.recovery_filing = round(after[0] - end, 2) if after else None
    settled = _settle(topo, sorted(load.received), settle_timeout)
    figures.quiescent = settled is not None and bool(backlog_done)
    figures.recovery_effects = round(backlog_done[0] - end, 2) if backlog_done else None
    figures.drain_seconds = round(settled - load_end, 2) if settled is not None else None
    _dossier_figures(topo, figures, load, before, emails_before)
    for process, count in topo.restarts.items():
        if count > restarts_before.get(process, 0):
            figures.notes.append(
                f"{process} exited and was started again x{count - restarts_before.get(process, 0)}"
            )
    return figures


def _when_worker_busy(topo: Topology) -> Callable[[], None]:
    """Wait until the worker issues this scenario's slips (and so holds unacknowledged tasks):
    the faults below hit it mid-work, not between two tasks."""
    baseline = topo.receipt_slips().total()

    def wait() -> None:
        wait_until(lambda: topo.receipt_slips().total() > baseline, 60, 0.05)

    return wait


def busy_worker_kill(topo: Topology, down_seconds: float = 1.0) -> Callable[[], None]:
    """The worker fault: SIGKILL once it is busy with slips and notices, then a restart."""
    busy = _when_worker_busy(topo)

    def fault() -> None:
        busy()
        topo.kill_worker()
        time.sleep(down_seconds)
        topo.restart_worker()

    return fault


def redis_outage(topo: Topology, down_seconds: float = 3.0) -> Callable[[], None]:
    """Redis stopped while the worker is busy (its unacknowledged tasks die with Redis's
    memory), started again empty after ``down_seconds``."""
    busy = _when_worker_busy(topo)

    def fault() -> None:
        busy()
        topo.stop_redis()
        time.sleep(down_seconds)
        topo.start_redis()

    return fault


def mqtt_scenario(
    topo: Topology, *, readings: int, rate: float, down_seconds: float = 1.0
) -> Figures:
    """Readings published over QoS 1 while the broker restarts; count published vs stored."""
    figures = Figures("mqtt-broker-restart", readings=readings)
    back: list[float] = []

    def fault() -> None:
        back.append(topo.restart_mosquitto(down_seconds))

    result = publish_readings(topo, count=readings, rate=rate, during=fault)
    datastream = topo.seeded["datastream"]
    wanted = {result.published[i] for i in result.acknowledged}
    wait_until(lambda: wanted <= topo.observations(datastream), 60, 0.25)
    stored = topo.observations(datastream)
    figures.readings_acknowledged = len(result.acknowledged)
    figures.readings_stored = len(set(result.published.values()) & stored)
    figures.readings_lost = len(wanted - stored)
    if back:
        # Recovery: from the broker listening again to the ingest subscribed again.
        reconnected = wait_until(
            lambda: topo.log_text("sensors").count("subscribed to") >= 2, 30, 0.05
        )
        figures.recovery_effects = round(time.monotonic() - back[0], 2) if reconnected else None
        figures.quiescent = figures.readings_lost == 0
    figures.notes.append(f"republished {result.republished}")
    return figures
