"""The pull adapter of dossiers filed on the national portal (spec §4.1-2): list → detail → import →
ack, against a small gateway over a real socket that answers as the contract says."""

import datetime
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection

from tinhso.dossiers.models import Dossier
from tinhso.integrations.models import InboundDossier, IntegrationLog
from tinhso.integrations.national import inbound
from tinhso.integrations.tests.test_inbound_import import NATIONAL_CODE, national_object
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db


@dataclass
class Portal:
    """The national side of the pull: what it holds, what was acknowledged, and its faults."""

    url: str = ""
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    acked: list[str] = field(default_factory=list)
    ack_fails: bool = False  # HTTP 500 to every acknowledgement
    list_fails: bool = False
    on_ack: Any = None  # called with the national code before an acknowledgement is applied

    def hold(self, obj: dict[str, Any]) -> str:
        remote_id = str(len(self.items) + 1)
        self.items[remote_id] = obj
        return remote_id


def _handler(portal: Portal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"null")

        def _send(self, status: int, body: Any, ctype: str = "application/json") -> None:
            data = json.dumps(body, ensure_ascii=False) if ctype == "application/json" else body
            encoded = data.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == "Bearer phien-1":
                return True
            self._send(401, {"error_code": "-2", "message": "Chưa xác thực"})
            return False

        def do_POST(self) -> None:
            self._body()
            self._send(200, {"error_code": 0, "session": "phien-1"})  # profile A's auth

        def do_GET(self) -> None:
            if not self._authorised():
                return
            path = self.path.split("?")[0].strip("/")
            if path.endswith("inbound/list"):
                if portal.list_fails:
                    return self._send(502, "<html>Bad gateway</html>", "text/html")
                rows = [
                    {"id": i, "maDonVi": o["MaCoQuan"], "maTTHC": o["MaTTHC"],
                     "maHoSo": o["MaHoSo"], "ngayTiepNhan": o["NgayNopHoSo"]}
                    for i, o in portal.items.items() if o["MaHoSo"] not in portal.acked
                ]  # fmt: skip
                return self._send(200, {"error_code": "0", "message": "", "result": rows})
            remote_id = path.rsplit("/", 1)[-1]
            if remote_id not in portal.items:
                return self._send(200, {"error_code": "-1", "message": "Không tìm thấy hồ sơ"})
            return self._send(
                200, {"error_code": "0", "message": "", "result": portal.items[remote_id]}
            )

        def do_PUT(self) -> None:
            if not self._authorised():
                return
            body = self._body()
            if portal.on_ack is not None:
                portal.on_ack(body["maHoSo"])
            if portal.ack_fails:
                return self._send(500, "<html>Internal error</html>", "text/html")
            assert body["daNhan"] is True
            portal.acked.append(body["maHoSo"])
            return self._send(200, {"error_code": "0", "message": ""})

    return Handler


@pytest.fixture
def portal(settings) -> Iterator[Portal]:
    state = Portal()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cache.clear()
    settings.TINHSO_DVCQG_PROFILE = "A"
    settings.TINHSO_DVCQG_URL = state.url
    settings.TINHSO_DVCQG_USERNAME = "tinhso"
    settings.TINHSO_DVCQG_PASSWORD = "pw"
    settings.TINHSO_DVCQG_READ_TIMEOUT = 5.0
    try:
        with time_machine.travel(datetime.datetime(2026, 12, 10, 3, 0, tzinfo=datetime.UTC)):
            yield state
    finally:
        server.shutdown()
        server.server_close()
        cache.clear()


@pytest.fixture
def cast():
    return make_cast()


def test_a_pull_imports_each_waiting_dossier_and_acknowledges_it(portal, cast):
    portal.hold(national_object())
    portal.hold(national_object("000.00.12.H61-261208-9002"))
    report = inbound.pull(limit=10)
    assert (report.listed, report.created, report.acked, report.failed) == (2, 2, 2, 0)
    assert sorted(portal.acked) == [NATIONAL_CODE, "000.00.12.H61-261208-9002"]
    assert Dossier.objects.filter(other_code_issuer="dvcqg").count() == 2
    rows = InboundDossier.objects.order_by("remote_id")
    assert [(r.channel, r.remote_id) for r in rows] == [("pull", "1"), ("pull", "2")]
    assert all(r.acked_at is not None for r in rows)
    assert "2 hồ sơ mới" in report.summary()
    assert inbound.pull(limit=10).listed == 0  # nothing waits any more


def test_a_lost_acknowledgement_is_repeated_and_creates_no_second_dossier(portal, cast):
    portal.hold(national_object())
    portal.ack_fails = True
    first = inbound.pull(limit=10)
    assert (first.created, first.acked, first.ack_failed) == (1, 0, 1)
    assert InboundDossier.objects.get().acked_at is None
    portal.ack_fails = False
    second = inbound.pull(limit=10)
    assert (second.created, second.duplicates, second.acked) == (0, 1, 1)
    assert Dossier.objects.count() == 1 and portal.acked == [NATIONAL_CODE]
    assert InboundDossier.objects.get().acked_at is not None


def test_a_pushed_dossier_listed_again_is_only_acknowledged(portal, cast, client, settings):
    settings.TINHSO_NATIONAL_INBOUND_SECRET = "s"
    response = client.post(
        "/national/inbound/dossiers", json.dumps(national_object()),
        content_type="application/json", HTTP_AUTHORIZATION="Bearer s",
    )  # fmt: skip
    assert response.json()["error_code"] == 0
    portal.hold(national_object())
    report = inbound.pull(limit=10)
    assert (report.created, report.duplicates, report.acked) == (0, 1, 1)
    assert Dossier.objects.count() == 1 and InboundDossier.objects.get().channel == "push"
    assert not IntegrationLog.objects.filter(service="inbound/detail").exists()


def test_a_refused_dossier_is_not_acknowledged(portal, cast):
    portal.hold(national_object(procedure="9.999999"))
    report = inbound.pull(limit=10)
    assert (report.refused, report.acked) == (1, 0) and portal.acked == []
    assert "9.999999" in report.summary()
    assert not Dossier.objects.exists()


def test_failures_of_the_portal_are_reported_not_raised(portal, cast):
    portal.list_fails = True
    report = inbound.pull(limit=10)
    assert report.failed == 1 and "inbound/list" in report.summary()
    log = IntegrationLog.objects.get(service="inbound/list")
    assert log.http_status == 502 and log.outcome == "server"


def test_the_limit_bounds_one_pull(portal, cast):
    for n in range(3):
        portal.hold(national_object(f"000.00.12.H61-261208-{9001 + n}"))
    assert inbound.pull(limit=2).created == 2
    assert inbound.pull(limit=2).created == 1


@pytest.mark.django_db(transaction=True)
def test_the_acknowledgement_comes_after_the_commit(portal):
    make_cast()
    seen: list[bool] = []

    def committed(code: str) -> None:  # runs in the portal's thread: its own connection
        seen.append(Dossier.objects.filter(other_code=code).exists())
        connection.close()

    portal.on_ack = committed
    portal.hold(national_object())
    assert inbound.pull(limit=10).acked == 1
    assert seen == [True]
