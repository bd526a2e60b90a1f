"""The README's own advice, literally (issue 15): ``make run PORT=8080`` on a fresh var directory
(SQLite, the demo province, the development server and its worker), opened as
``http://localhost:8080`` on a phone, and an on-line payment through the VNPay sandbox; the worker
then delivers the dossier to the national portal's sandbox (issue 16). Before the fix the payment redirect went
to ``127.0.0.1:8000``, which the page's CSP blocked, and QR codes carried the wrong host."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tinhso.tests.test_e2e_browser import PHONE, login, pay_with_vnpay_sandbox

pytestmark = [pytest.mark.browser]

REPO = Path(__file__).resolve().parents[3]
PORT = 8080
BASE = f"http://localhost:{PORT}"


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def make_run(tmp_path):
    """``make run PORT=8080`` with nothing but a PATH, a HOME and its own var directory: no
    database URL, broker or cache, as on a fresh machine."""
    if _answers(PORT):
        pytest.fail(f"port {PORT} is already in use: this test serves the demo there")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "TINHSO_VAR_DIR": str(tmp_path / "var"),
    }
    log = (tmp_path / "make-run.log").open("w")
    server = subprocess.Popen(
        ["make", "-C", str(REPO), "run", f"PORT={PORT}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the server's reloader child goes with the group
    )
    try:
        deadline = time.monotonic() + 300
        while not _answers(PORT):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("make run did not serve:\n" + (tmp_path / "make-run.log").read_text())
            time.sleep(1)
        yield tmp_path / "var"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def test_a_citizen_pays_through_the_vnpay_sandbox_on_make_run_port_8080(make_run, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    blocked: list[str] = []
    gateway: list[str] = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    login(page, BASE, "citizen1")
    page.goto(f"{BASE}/thu-tuc/2.000635/nop/")
    page.select_option("#f-loai_su_kien", "Khai sinh")
    page.fill("#f-ho_ten_nguoi_co_su_kien", "Nguyễn Văn An")
    page.fill("#f-ngay_sinh", "1995-03-02")
    page.fill("#f-noi_da_dang_ky", "UBND phường Phú Khương")
    page.fill("#f-so_ban_sao", "1")
    page.fill("#f-ho_ten_nguoi_yeu_cau", "Nguyễn Văn An")
    page.locator("button[value=submit]").click()
    page.wait_for_load_state()
    code = re.search(r"/ho-so/([^/]+)/", page.url).group(1)

    page.on("request", lambda r: gateway.append(r.url) if "/sandbox/vnpay/pay" in r.url else None)
    pay_with_vnpay_sandbox(page)
    assert gateway and all(url.startswith(f"{BASE}/") for url in gateway), gateway
    assert page.url.startswith(f"{BASE}/"), page.url  # back on the host and port served
    page.goto(f"{BASE}/ho-so/{code}/")
    assert "Đã thanh toán" in page.inner_text("main")
    assert not blocked, blocked
    context.close()
    with sqlite3.connect(make_run / "tinhso.sqlite3") as db:  # the database make run created
        rows = db.execute(
            "SELECT p.status, p.amount, d.paid_amount FROM payments_payment p "
            "JOIN dossiers_dossier d ON d.id = p.dossier_id WHERE d.code = ?",
            [code],
        ).fetchall()
    assert rows == [("succeeded", 8000, 8000)]

    # The worker `make run` starts beside the server delivered the dossier to the national
    # portal's sandbox (ADR 0016): nothing of it ran in the citizen's requests.
    held = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = requests.get(f"{BASE}/sandbox/national/state", params={"MaHoSo": code}, timeout=5)
        held = answer.json() if answer.status_code == 200 else None
        if held and held["dossier"].get("DuocThanhToanTrucTuyen") == "1":
            break
        time.sleep(1)
    assert held is not None, "the worker never delivered the dossier"
    assert held["dossier"]["TrangThaiHoSo"] == "1" and held["inserts"] == 1
    assert held["dossier"]["DuocThanhToanTrucTuyen"] == "1"
