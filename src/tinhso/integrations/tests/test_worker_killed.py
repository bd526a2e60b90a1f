"""A worker killed with SIGKILL between sending an upsert and recording its answer loses nothing
and inserts nothing twice (issue 16, R-NAT-034).

The worker is a real process (``tinhso national sync``) on the test's PostgreSQL database; the
portal is the in-project sandbox on a live server, told to store the insert and then hold its
answer (``TIMEOUT_AFTER_COMMIT``). Once the sandbox holds the dossier, the process is killed: the
insert reached the portal, our side recorded nothing (no log row, no sync state), and the item
keeps its lease. When the lease runs out the next drain takes the item again, knows the earlier
attempt may have landed (``unknown_outcome``), and sends an update: the portal still holds one
dossier, and the item is delivered.

PostgreSQL only: a second process cannot open SQLite's in-memory test database.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tinhso.integrations.models import IntegrationLog, NationalSync, OutboxItem
from tinhso.integrations.tests.conftest import held
from tinhso.integrations.tests.test_pipeline_e2e import act, filed_at_counter, sync
from tinhso.testing import make_cast

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a second process needs a shared database"
    ),
]
HOLD_SECONDS = 15.0  # how long the sandbox holds its answer: the kill comes well before


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _worker(sandbox: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": _database_url(),
        "TINHSO_DVCQG_URL": sandbox,
        "TINHSO_SITE_URL": settings.TINHSO_SITE_URL,
        "TINHSO_NATIONAL_SANDBOX_DIR": str(settings.TINHSO_NATIONAL_SANDBOX_DIR),
        "TINHSO_DVCQG_READ_TIMEOUT": str(HOLD_SECONDS * 4),  # it waits; it does not time out
    }
    tinhso = Path(sys.executable).with_name("tinhso")
    return subprocess.Popen(
        [str(tinhso), "national", "sync"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_insert(sandbox: str, code: str, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert worker.poll() is None, worker.communicate()
        response = requests.get(f"{sandbox}/state", params={"MaHoSo": code}, timeout=5)
        if response.status_code == 200 and response.json()["inserts"] == 1:
            return
        time.sleep(0.05)
    raise AssertionError("the sandbox never stored the insert")


def test_a_worker_killed_after_sending_loses_nothing_and_inserts_once(sandbox):
    cast = make_cast()
    dossier = act(cast.clerk, filed_at_counter(cast), "receive")
    code = dossier.code
    assert OutboxItem.objects.filter(system="dvcqg", key=code, status="queued").exists()
    knobs = {
        "service": "DongBoHoSoMC",
        "TIMEOUT_RATE": 1,
        "TIMEOUT_AFTER_COMMIT": True,
        "TIMEOUT_SECONDS": HOLD_SECONDS,
    }
    assert requests.post(f"{sandbox}/faults", json=knobs, timeout=5).ok

    worker = _worker(sandbox)
    try:
        _wait_for_insert(sandbox, code, worker)
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()

    # The portal holds the insert; our side recorded nothing of the answer it never read.
    assert not IntegrationLog.objects.filter(service="DongBoHoSoMC", key=code).exists()
    assert not NationalSync.objects.filter(dossier=dossier, state__in=["inserted", "updated"])
    item = OutboxItem.objects.get(system="dvcqg", key=code, status="queued")
    assert item.claimed_until is not None and item.claimed_until > timezone.now()

    # A fresh drain does not touch the item while the dead worker's lease runs.
    assert "Đã gửi 0" in sync()
    # The lease runs out (the outbox's LEASE, five minutes, without waiting for it here).
    OutboxItem.objects.filter(pk=item.pk).update(claimed_until=timezone.now())
    assert requests.post(
        f"{sandbox}/faults", json={"service": "DongBoHoSoMC", "TIMEOUT_RATE": 0}, timeout=5
    ).ok
    assert "Đã gửi 1" in sync()

    item.refresh_from_db()
    assert item.status == "sent" and item.unknown_outcome
    state = held(sandbox, code)
    assert state["inserts"] == 1  # no second dossier on the portal
    assert state["dossier"]["TrangThaiHoSo"] == "2"
    assert NationalSync.objects.get(dossier=dossier).state in ("inserted", "updated")
    assert [e["TrangThai"] for e in state["progress"]][-1] == "2"
