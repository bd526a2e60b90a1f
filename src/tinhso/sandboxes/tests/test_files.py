"""S-6: the sandbox downloads every file link (HEAD then GET) and records what it could not."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tinhso.sandboxes.national import files
from tinhso.sandboxes.tests.support import dossier, insert_b, post, state

PDF = b"%PDF-1.7 result"


class _Files(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def _answer(self, body: bool) -> None:
        self.seen.append((self.command, self.path))
        if self.path.startswith("/ok/"):
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            if body:
                self.wfile.write(PDF)
        else:
            self.send_error(404)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def file_server():
    _Files.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_links_are_fetched_head_then_get_and_results_recorded(client, file_server):
    ok = f"{file_server}/ok/to-khai.pdf"
    missing = f"{file_server}/gone/ket-qua.pdf"
    dead = f"http://127.0.0.1:{closed_port()}/x.pdf"
    sent = dossier(
        TaiLieuNop=[{"TepDinhKemId": "1", "DuongDanTaiTepTin": ok}, {"DuongDanTaiTepTin": dead}],
        DanhSachGiayToKetQua=[{"GiayToId": "9", "DuongDanTepTinKetQua": missing}],
    )
    assert insert_b(client, sent).json()["error_code"] == "0"
    held = state(client).json()["files"]
    assert held[ok]["status"] == "ok"
    assert (held[ok]["head"], held[ok]["get"], held[ok]["bytes"]) == (200, 200, len(PDF))
    assert held[missing]["status"] == "unreachable"
    assert held[missing]["head"] == 404
    assert held[dead]["status"] == "unreachable"
    assert "error" in held[dead]
    assert _Files.seen[:2] == [("HEAD", "/ok/to-khai.pdf"), ("GET", "/ok/to-khai.pdf")]


def test_fetched_link_is_not_fetched_again_on_update(client, file_server):
    ok = f"{file_server}/ok/a.pdf"
    insert_b(client, dossier(TaiLieuNop=[{"DuongDanTaiTepTin": ok}]))
    later = f"{file_server}/ok/b.pdf"
    post(
        client,
        "hoso/capnhat",
        [
            dossier(
                TaiLieuNop=[{"DuongDanTaiTepTin": ok}],
                DanhSachGiayToKetQua=[{"DuongDanTepTinKetQua": later}],
            )
        ],
    )
    assert [path for _, path in _Files.seen] == ["/ok/a.pdf", "/ok/a.pdf", "/ok/b.pdf", "/ok/b.pdf"]
    assert set(state(client).json()["files"]) == {ok, later}


def test_supplement_documents_are_fetched_too(client, file_server):
    link = f"{file_server}/ok/bo-sung.pdf"
    round_ = {"HoSoBoSungId": 1, "DanhSachGiayToBoSung": [{"DuongDanTaiTepTin": link}]}
    insert_b(client, dossier(DanhSachHoSoBoSung=[round_]))
    assert state(client).json()["files"][link]["status"] == "ok"


def test_link_that_is_not_http_is_unreachable_without_fetching():
    result = files.fetch("file:///etc/passwd")
    assert result["status"] == "unreachable"
    assert "head" not in result


def test_slow_link_is_unreachable_after_the_deadline(monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts the connection, never answers
    monkeypatch.setattr(files, "FETCH_SECONDS", 0.3)
    try:
        result = files.fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/slow.pdf")
    finally:
        listener.close()
    assert result["status"] == "unreachable"
    assert "timed out" in result["error"].lower()
