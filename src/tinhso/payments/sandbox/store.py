"""Sandbox transactions as JSON files: created once (atomically), updated under a file lock.

One file per (TmnCode, TxnRef) plays the role of VNPay's "TxnRef is unique" rule; the files are
safe to share between threads and processes of one machine (``fcntl`` locks), which is all a
demo gateway needs.
"""

import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

from tinhso import lockedfiles

_SAFE = re.compile(r"[A-Za-z0-9._-]{1,100}")
FIRST_TRANSACTION_NO = 14_000_000


class AlreadyExists(Exception):
    """A transaction with this TxnRef was already processed by the gateway."""


@dataclasses.dataclass
class SandboxTransaction:
    tmn_code: str
    txn_ref: str
    transaction_no: str
    amount: int  # đồng
    order_info: str
    return_url: str
    create_date: str  # vnp_CreateDate of the payment request
    pay_date: str
    response_code: str
    transaction_status: str
    bank_code: str = "NCB"
    card_type: str = "ATM"
    locale: str = "vn"
    refunded_amount: int = 0
    refunds: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    deliveries: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def paid(self) -> bool:
        return self.response_code == "00" and self.transaction_status == "00"


def root() -> Path:
    path = Path(settings.TINHSO_VNPAY_SANDBOX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _name(*parts: str) -> str:
    for part in parts:
        if not _SAFE.fullmatch(part):
            raise ValueError(f"unsafe sandbox key {part!r}")
    return "__".join(parts)


def _path(tmn_code: str, txn_ref: str) -> Path:
    return root() / f"txn__{_name(tmn_code, txn_ref)}.json"


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` with ``text`` unless it exists; readers never see a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".new-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(tmp, path)  # atomic, fails when the name is taken
    except FileExistsError:
        raise AlreadyExists(path.name) from None
    finally:
        os.unlink(tmp)


_replace = lockedfiles.replace


def _locked(name: str) -> AbstractContextManager[None]:
    return lockedfiles.locked(root(), name)


def next_transaction_no() -> str:
    """VNPay's transaction numbers are numeric; the sandbox counts up from 14000000."""
    counter = root() / "transaction_no"
    with _locked("transaction_no"):
        last = int(counter.read_text()) if counter.exists() else FIRST_TRANSACTION_NO
        _replace(counter, str(last + 1))
    return str(last + 1)


def create(txn: SandboxTransaction) -> None:
    _write_new(_path(txn.tmn_code, txn.txn_ref), json.dumps(dataclasses.asdict(txn)))


def load(tmn_code: str, txn_ref: str) -> SandboxTransaction | None:
    try:
        path = _path(tmn_code, txn_ref)
    except ValueError:
        return None
    if not path.exists():
        return None
    return SandboxTransaction(**json.loads(path.read_text(encoding="utf-8")))


@contextmanager
def update(tmn_code: str, txn_ref: str) -> Iterator[SandboxTransaction]:
    """Lock, load, let the caller change, then save (only when the block ends without error)."""
    with _locked(_name(tmn_code, txn_ref)):
        txn = load(tmn_code, txn_ref)
        if txn is None:
            raise KeyError(txn_ref)
        yield txn
        _replace(_path(tmn_code, txn_ref), json.dumps(dataclasses.asdict(txn)))


def claim_request_id(tmn_code: str, request_id: str) -> bool:
    """True the first time a ``vnp_RequestId`` is seen for this terminal (API duplicates → 94)."""
    path = root() / f"req__{_name(tmn_code, request_id)}"
    try:
        _write_new(path, "")
    except AlreadyExists:
        return False
    return True
