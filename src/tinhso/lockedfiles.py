"""Small file-based state shared by the threads and processes of one machine: an exclusive
``fcntl`` lock per name and a replace that readers never see half-written. Used by the in-project
sandboxes of outside systems (VNPay, the national portal), which keep their state in files rather
than in our database, as an outside system would."""

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def locked(directory: Path, name: str) -> Iterator[None]:
    """An exclusive lock ``<directory>/.<name>.lock``, held for the ``with`` block."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f".{name}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upd-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
