"""Sandbox state as JSON files under ``TINHSO_NATIONAL_SANDBOX_DIR``, changed under ``fcntl``
locks, so that several server processes (runserver, gunicorn workers, the test client) see one
national portal. Layout: ``dossiers/<MaHoSo>.json`` (one per dossier), ``knobs.json``,
``counters.json``, ``sessions.json`` and ``requests.json`` (rate-limit window)."""

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

from tinhso import lockedfiles

# R-NAT-103's outbound pattern; it is also what makes a code safe as a file name.
DOSSIER_CODE = re.compile(r"^[A-Z0-9.]+-\d{6}-\d{4,}$")


def root() -> Path:
    path = Path(settings.TINHSO_NATIONAL_SANDBOX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _replace(path: Path, data: Any) -> None:
    """Write ``data`` as JSON so that readers never see a half-written file."""
    lockedfiles.replace(path, json.dumps(data, ensure_ascii=False))


def _read(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def locked(name: str) -> AbstractContextManager[None]:
    """An exclusive lock shared by every process using the same state directory."""
    return lockedfiles.locked(root(), name)


@contextmanager
def document(name: str, default: Any) -> Iterator[Any]:
    """Lock, load ``<name>.json`` (or ``default``), let the caller change it in place, save."""
    path = root() / f"{name}.json"
    with locked(name):
        data = _read(path, default)
        yield data
        _replace(path, data)


def read(name: str, default: Any) -> Any:
    return _read(root() / f"{name}.json", default)


# --- Dossiers ---------------------------------------------------------------------------------


def empty_record() -> dict[str, Any]:
    return {"dossier": None, "progress": [], "inserts": 0, "updates": 0, "files": {}}


def _dossier_path(code: str) -> Path:
    if not DOSSIER_CODE.fullmatch(code):
        raise ValueError(f"unsafe dossier code {code!r}")
    return root() / "dossiers" / f"{code}.json"


def load_dossier(code: str) -> dict[str, Any] | None:
    """The record of one dossier, or None when the sandbox never accepted it."""
    try:
        path = _dossier_path(code)
    except ValueError:
        return None
    record: dict[str, Any] | None = _read(path, None)
    return record


@contextmanager
def dossiers_locked() -> Iterator[None]:
    """One lock for all dossiers: a batch is checked and written as a whole (a sandbox does not
    need finer locks)."""
    with locked("dossiers"):
        yield


def save_dossier(code: str, record: dict[str, Any]) -> None:
    """Call with ``dossiers_locked()`` held."""
    _replace(_dossier_path(code), record)


def dossier_codes() -> list[str]:
    folder = root() / "dossiers"
    return sorted(path.stem for path in folder.glob("*.json")) if folder.exists() else []


def reset() -> None:
    """Forget everything: dossiers, sessions, knobs, counters."""
    path = root()
    with locked("dossiers"):
        for child in path.iterdir():
            if child.name.endswith(".lock"):
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
