"""Test helpers for the upload checks: a clamd that speaks INSTREAM, and a reader that records
the size of every read the checks make (shared by the upload test modules)."""

import os
import socket
import struct
import tempfile
import threading
from pathlib import Path
from typing import Any

EICAR_NAME = "Eicar-Test-Signature"


class FakeClamd:
    """A tiny clamd speaking INSTREAM on a Unix socket: answers FOUND for the EICAR string and
    records each stream it was sent, whole (``received``) and as the chunks that came
    (``chunks``)."""

    def __init__(self) -> None:
        self.path = os.path.join(tempfile.mkdtemp(), "clamd.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen()
        self.received: list[bytes] = []
        self.chunks: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def _read(conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                if self._read(conn, 10) != b"zINSTREAM\0":
                    conn.sendall(b"UNKNOWN COMMAND\0")
                    continue
                body = b""
                while (length := struct.unpack(">I", self._read(conn, 4))[0]) != 0:
                    chunk = self._read(conn, length)
                    self.chunks.append(chunk)
                    body += chunk
                self.received.append(body)
                verdict = f"stream: {EICAR_NAME} FOUND" if b"EICAR" in body else "stream: OK"
                conn.sendall(verdict.encode() + b"\0")

    def close(self) -> None:
        self.server.close()
        Path(self.path).unlink(missing_ok=True)


def record_reads(upload: Any) -> list[int]:
    """Wrap ``upload.file`` so that the size asked by every ``read`` is appended to the list
    returned (the checks must read in bounded blocks, never the whole file)."""
    reads: list[int] = []
    real = upload.file

    class Recording:
        def read(self, size: int = -1) -> bytes:
            reads.append(size)
            return real.read(size)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    upload.file = Recording()
    return reads
