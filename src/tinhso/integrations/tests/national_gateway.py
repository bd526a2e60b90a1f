"""A tiny HTTP gateway for the national client's tests: it speaks profiles A, B and C over a real
socket (``http.server`` in a thread) with the answers real gateways give (spec §1), and switches
to a fault (session expiry, error-code style, wrapped message, 5xx, 429, garbage, slowness) when
a test says so. It records every request so tests can assert what went over the wire."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Gateway:
    url: str = ""
    style: Any = 0  # error_code of success: 0, "0" or "00"
    mode: str = "ok"  # ok | reject | exists | wrapped | 5xx | 429 | garbage | slow | text_unknown
    sessions: set[str] = field(default_factory=set)
    issued: int = 0
    seen: list[Seen] = field(default_factory=list)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: list[dict[str, Any]] = field(default_factory=list)
    slow_seconds: float = 1.0
    void_sessions: bool = False  # issue sessions that the integration route then refuses

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def expire_sessions(self) -> None:
        self.sessions.clear()


def _handler(gw: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/x-www-form"):
                body: Any = {k: v[0] for k, v in parse_qs(raw).items()}
            else:
                body = json.loads(raw) if raw else None
            path = self.path.lstrip("/")
            gw.seen.append(Seen(path, dict(self.headers.items()), body))
            self.route(path, body)

        def do_GET(self) -> None:
            path, _, query = self.path.lstrip("/").partition("?")
            params = {k: v[0] for k, v in parse_qs(query).items()}
            gw.seen.append(Seen(path, dict(self.headers.items()), params))
            self.rest(path, params)

        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            body = json.loads(raw) if raw else None
            path = self.path.lstrip("/")
            gw.seen.append(Seen(path, dict(self.headers.items()), body))
            self.rest(path, body)

        def rest(self, path: str, body: Any) -> None:
            """The gateway's REST routes (catalogue, inbound pull): a bearer session or token,
            answers wrapped in ``message`` (R-NAT-004)."""
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if bearer not in gw.sessions:
                return self.send(401, {"error_code": "-2", "message": "Chưa xác thực"})
            if self.fault():
                return None
            inner = json.dumps({"echo": body, "route": path}, ensure_ascii=False)
            return self.send(200, {"error_code": gw.style, "message": inner})

        def send(self, status: int, body: Any, ctype: str = "application/json", **h: str) -> None:
            data = json.dumps(body, ensure_ascii=False) if ctype == "application/json" else body
            encoded = data.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(encoded)))
            for name, value in h.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(encoded)

        def route(self, path: str, body: Any) -> None:
            if path == "auth":
                if self.headers.get("dstcode") != "DVCQG" or body.get("password") != "pw":
                    return self.send(200, {"error_code": -1, "message": "Sai tài khoản"})
                gw.issued += 1
                session = f"s{gw.issued}"
                if not gw.void_sessions:
                    gw.sessions.add(session)
                return self.send(200, {"error_code": gw.style, "session": session})
            if path == "token":
                gw.issued += 1
                token = f"t{gw.issued}"
                gw.sessions.add(token)
                inner = json.dumps({"access_token": token, "expires_in": 3600})
                return self.send(200, {"error_code": "0", "message": inner})
            if path == "integration" and body.get("session") not in gw.sessions:
                return self.send(
                    200, {"error_code": "-2", "message": "Phiên làm việc không hợp lệ"}
                )
            if path.startswith("lgsp/"):
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if bearer not in gw.sessions:
                    return self.send(401, {"error_code": "401", "message": "Unauthorized"})
                path = path.removeprefix("lgsp/")
            fault = self.fault()
            if fault:
                return None
            if path == "hoso/tientrinh":
                gw.progress.extend(body)
                text = "OK done" if gw.mode == "text_unknown" else "Cập nhật thành công"
                return self.send(200, text, "text/plain")
            if path in ("hoso/themmoi", "hoso/capnhat"):
                return self.upsert(body, updating=path == "hoso/capnhat")
            if body.get("service") == "DongBoHoSoMC":
                return self.upsert(body["data"], updating=body.get("isUpdating") == "True")
            if body.get("service") == "CapNhatTienDoHoSoMC":
                gw.progress.extend(body["data"])
                return self.send(200, {"error_code": gw.style, "message": "Thành công"})
            if gw.mode == "wrapped":
                inner = json.dumps({"result": [{"MaHoSo": body.get("mahoso")}]})
                return self.send(200, {"error_code": "0", "message": inner})
            return self.send(200, {"error_code": gw.style, "message": "OK", "result": []})

        def fault(self) -> bool:
            if gw.mode == "5xx":
                self.send(503, "<html><body>Service Unavailable</body></html>", "text/html")
            elif gw.mode == "429":
                self.send(429, {"message": "chậm lại"}, Retry_After="7")
            elif gw.mode == "garbage":
                self.send(200, "<html>Đang bảo trì</html>", "text/html")
            elif gw.mode == "reject":
                self.send(200, {"error_code": "-1", "message": "MaTTHC không hợp lệ"})
            elif gw.mode == "slow":
                time.sleep(gw.slow_seconds)
                self.send(200, {"error_code": "0", "message": "muộn"})
            else:
                return False
            return True

        def upsert(self, data: list[dict[str, Any]], *, updating: bool) -> None:
            code = data[0]["MaHoSo"]
            if not updating and code in gw.stored:
                return self.send(200, {"error_code": "-3", "message": "Hồ sơ đã tồn tại"})
            if updating and code not in gw.stored:
                return self.send(200, {"error_code": "-1", "message": "Hồ sơ không tồn tại"})
            gw.stored[code] = data[0]
            return self.send(200, {"error_code": gw.style, "message": "Đồng bộ thành công"})

    return Handler


@contextmanager
def running_gateway() -> Iterator[Gateway]:
    gw = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gw))
    server.daemon_threads = True
    gw.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gw
    finally:
        server.shutdown()
        server.server_close()
