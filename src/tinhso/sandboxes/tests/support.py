"""Builders of what Tỉnh Số sends, and calls to the sandbox over Django's test client."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE = "/sandbox/national/"
CODE = "000.00.01.H61-251201-0001"
HEADERS = {"dstcode": "DVCQG"}


def dossier(**changes: Any) -> dict[str, Any]:
    """A whole dossier (R-NAT-023's union of fields) received on 1/12/2025, processing."""
    data: dict[str, Any] = {
        "MaHoSo": CODE,
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "TenLinhVuc": "Hộ tịch",
        "KenhThucHien": "1",
        "SoBienNhan": "",
        "ChuHoSo": "Nguyễn Văn An",
        "SoGiayToChuHoSo": "086090000001",
        "LoaiDoiTuong": "1",
        "MaDoiTuong": None,
        "TrichYeuHoSo": "Đăng ký khai sinh cho con",
        "NgayNopHoSo": "20251201080000",
        "NgayTiepNhan": "20251201083000",
        "NgayHenTra": "20251205170000",
        "TrangThaiHoSo": "4",
        "NgayTuChoi": "",
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "HinhThuc": "0",
        "DonViXuLy": "UBND xã Mỹ Hòa",
        "TaiLieuNop": [],
        "DanhSachGiayToKetQua": [],
        "DanhSachHoSoBoSung": [],
    }
    data.update(changes)
    return data


def step(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "MaHoSo": CODE,
        "NguoiXuLy": "Trần Thị Bình",
        "ChucDanh": "Công chức tư pháp - hộ tịch",
        "ThoiDiemXuLy": "20251201083000",
        "PhongBanXuLy": "Bộ phận một cửa",
        "NoiDungXuLy": "Tiếp nhận hồ sơ",
        "TrangThai": "2",
        "NgayBatDau": "20251201083000",
        "NgayKetThucTheoQuyDinh": "20251201170000",
    }
    data.update(changes)
    return data


def post(client, path: str, body: Any, **extra: Any):
    return client.post(BASE + path, json.dumps(body), content_type="application/json", **extra)


def login(client) -> str:
    answer = post(
        client, "auth", {"username": "tinhso-demo", "password": "demo-password"}, headers=HEADERS
    ).json()
    assert str(answer["error_code"]) in ("0", "00"), answer
    return answer["session"]


def call(client, session: str, service: str, path: str = "integration", **fields: Any):
    body = {"session": session, "madonvi": "000.00.01.H61", "service": service, **fields}
    return post(client, path, body, headers=HEADERS)


def upsert(client, session: str, *items: dict[str, Any], updating: bool = False):
    return call(
        client, session, "DongBoHoSoMC", isUpdating=str(updating), data=list(items or [dossier()])
    )


def insert_b(client, *items: dict[str, Any]):
    return post(client, "hoso/themmoi", list(items or [dossier()]))


def state(client, code: str = CODE):
    return client.get(BASE + "state", {"MaHoSo": code})


def faults(client, **knobs: Any):
    response = post(client, "faults", knobs)
    assert response.status_code == 200, response.content
    return response


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def seed(client, **body: Any):
    """``inbound/seed`` with ``body`` (defaults: procedure 1.001193, no push)."""
    return post(client, "inbound/seed", {"procedure": "1.001193", **body})


class Receiver:
    """A local HTTP server standing in for Tỉnh Số: it records every request (method, path,
    headers, JSON body) and answers from ``answers`` in turn (the last one repeats); ``GET`` and
    ``HEAD`` of ``/ok/…`` answer a small PDF, so it can serve file links too."""

    PDF = b"%PDF-1.4 result"

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, Any]] = [(200, {"error_code": 0, "message": "ok"})]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                receiver.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(raw.decode("utf-8")),
                    }
                )
                index = min(len(receiver.requests), len(receiver.answers)) - 1
                status, body = receiver.answers[index]
                content = (
                    body.encode() if isinstance(body, str) else json.dumps(body).encode("utf-8")
                )
                self.send_response(status)
                kind = "text/html" if isinstance(body, str) else "application/json"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def _file(self, body: bool) -> None:
                if not self.path.startswith("/ok/"):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(Receiver.PDF)))
                self.end_headers()
                if body:
                    self.wfile.write(Receiver.PDF)

            def do_HEAD(self) -> None:
                self._file(body=False)

            def do_GET(self) -> None:
                self._file(body=True)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
