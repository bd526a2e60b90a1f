"""Running the ingest worker against the real Mosquitto broker in tests (thread or process)."""

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from tinhso.sensors.mqtt_worker import IngestWorker, WorkerConfig

BROKER = ("127.0.0.1", 1883)


def unique() -> str:
    return uuid.uuid4().hex[:10]


def wait_for(check: Callable[[], bool], timeout: float = 20.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


class ThreadWorker:
    def __init__(self, prefix: str, client_id: str, **config: object) -> None:
        self.worker = IngestWorker(
            WorkerConfig(
                prefix=prefix, client_id=client_id, session_expiry=120, batch_window=0.05, **config
            )  # type: ignore[arg-type]
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> IngestWorker:
        self.thread.start()
        assert self.worker.subscribed.wait(60), "worker did not subscribe"
        return self.worker

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(15)
        assert not self.thread.is_alive()


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings.get("USER") or "postgres"
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{settings['NAME']}"


class ProcessWorker:
    """``tinhso sensors_ingest`` in a subprocess, on the test database; kill() is SIGKILL."""

    def __init__(self, prefix: str, client_id: str, log: Path) -> None:
        self.args = [
            sys.executable,
            "-m",
            "tinhso",
            "sensors_ingest",
            "--prefix",
            prefix,
            "--client-id",
            client_id,
            "--session-expiry",
            "120",
            "--batch-window",
            "0.05",
            "--batch-size",
            "50",
        ]
        self.env = {**os.environ, "DATABASE_URL": database_url(), "TINHSO_LOG_LEVEL": "INFO"}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        handle = self.log.open("ab")
        before = self.log.read_text().count("subscribed to")
        self.process = subprocess.Popen(self.args, env=self.env, stdout=handle, stderr=handle)
        ok = wait_for(lambda: self.log.read_text().count("subscribed to") > before, timeout=60)
        assert ok, self.log.read_text()[-2000:]

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
