"""Signed anchors: the last (seq, hash) of every stream, signed with the platform's audit key.

The key is an Ed25519 key in ``TINHSO_AUDIT_ANCHOR_KEY`` (PKCS#8 PEM encrypted with the PKI
passphrase, see ``tinhso.keys.passphrase``); it is created on first use when missing.
Each anchor is stored twice: a row in ``AuditAnchor`` and a line appended to
``TINHSO_AUDIT_ANCHOR_DIR/anchors-YYYY-MM.jsonl`` — a directory meant to live apart from the
database (another disk, a WORM bucket, a syslog forwarder), so that rewriting the database
cannot rewrite the anchors.
"""

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tinhso.audit.chain import canonical_json, canonical_time
from tinhso.audit.models import AuditAnchor, AuditEntry
from tinhso.keys import passphrase

ALGORITHM = "ed25519"


def key_path() -> Path:
    configured = getattr(settings, "TINHSO_AUDIT_ANCHOR_KEY", "")
    if configured:
        return Path(configured)
    return Path(settings.TINHSO_PKI_DIR) / "audit-anchor.key"


def anchor_dir() -> Path:
    configured = getattr(settings, "TINHSO_AUDIT_ANCHOR_DIR", "")
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "audit-anchors"


@contextlib.contextmanager
def _file_lock(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def signing_key() -> Ed25519PrivateKey:
    """The platform's audit anchor key, created (mode 0600) when it does not exist yet."""
    path = key_path()
    with _file_lock(path.parent):
        if not path.exists():
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(passphrase()),
            )
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
        loaded = serialization.load_pem_private_key(path.read_bytes(), passphrase())
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def trusted_fingerprints() -> set[str]:
    """The current key's fingerprint plus any listed in TINHSO_AUDIT_ANCHOR_TRUSTED_KEYS (rotation)."""
    extra = getattr(settings, "TINHSO_AUDIT_ANCHOR_TRUSTED_KEYS", [])
    trusted = {str(value).lower() for value in extra}
    if key_path().exists():
        trusted.add(key_fingerprint(signing_key().public_key()))
    return trusted


def signed_payload(created_at_text: str, heads: dict[str, Any]) -> bytes:
    return canonical_json({"v": 1, "time": created_at_text, "heads": heads}).encode()


def stream_names() -> list[str]:
    """Every stream that has entries, from the (stream, seq) index: one short index probe per
    stream (a "loose index scan"), not a pass over the table."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE streams(name) AS (
                SELECT MIN(stream) FROM {table}
                UNION ALL
                SELECT (SELECT MIN(e.stream) FROM {table} e WHERE e.stream > streams.name)
                FROM streams WHERE streams.name IS NOT NULL
            )
            SELECT name FROM streams WHERE name IS NOT NULL
            """  # noqa: S608 - the table name is the model's, not input
        )
        return [row[0] for row in cursor.fetchall()]


def current_heads() -> dict[str, list[Any]]:
    """The last entry of each stream as stored now: {stream: [seq, hash]}."""
    heads: dict[str, list[Any]] = {}
    for stream in stream_names():
        last = AuditEntry.objects.filter(stream=stream).order_by("-seq").values("seq", "hash")[:1]
        for row in last:
            heads[stream] = [row["seq"], row["hash"]]
    return heads


@dataclass(frozen=True)
class AnchorRecord:
    """One anchor as read back from the database or from the anchor files."""

    source: str
    created_at: str
    heads: dict[str, list[Any]]
    key_fingerprint: str
    public_key: str
    signature: str

    def signature_valid(self) -> bool:
        key = serialization.load_pem_public_key(self.public_key.encode())
        if not isinstance(key, Ed25519PublicKey) or key_fingerprint(key) != self.key_fingerprint:
            return False
        try:
            key.verify(
                base64.b64decode(self.signature), signed_payload(self.created_at, self.heads)
            )
        except (InvalidSignature, ValueError):
            return False
        return True


def write_anchor(heads: dict[str, list[Any]] | None = None) -> AuditAnchor:
    """Sign ``heads`` ({stream: [seq, hash]}: the positions just verified; the current heads
    when None) and store the anchor in the database and in the anchor directory."""
    key = signing_key()
    created_at = timezone.now()
    created_text = canonical_time(created_at)
    if heads is None:
        heads = current_heads()
    signature = base64.b64encode(key.sign(signed_payload(created_text, heads))).decode()
    public = key.public_key()
    anchor = AuditAnchor.objects.create(
        created_at=created_at,
        heads=heads,
        algorithm=ALGORITHM,
        key_fingerprint=key_fingerprint(public),
        public_key=public_pem(public),
        signature=signature,
    )
    line = canonical_json(
        {
            "time": created_text,
            "heads": heads,
            "algorithm": ALGORITHM,
            "key_fingerprint": anchor.key_fingerprint,
            "public_key": anchor.public_key,
            "signature": signature,
        }
    )
    directory = anchor_dir()
    with _file_lock(directory):
        path = directory / f"anchors-{created_at.astimezone():%Y-%m}.jsonl"
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    return anchor


def _record(anchor: AuditAnchor) -> AnchorRecord:
    return AnchorRecord(
        source=f"db#{anchor.pk}",
        created_at=canonical_time(anchor.created_at),
        heads=anchor.heads,
        key_fingerprint=anchor.key_fingerprint,
        public_key=anchor.public_key,
        signature=anchor.signature,
    )


def database_anchors() -> list[AnchorRecord]:
    return [_record(anchor) for anchor in AuditAnchor.objects.order_by("id")]


def latest_database_anchor() -> AnchorRecord | None:
    anchor = AuditAnchor.objects.order_by("-id").first()
    return _record(anchor) if anchor is not None else None


def file_anchors() -> list[AnchorRecord]:
    directory = anchor_dir()
    records: list[AnchorRecord] = []
    if not directory.is_dir():
        return records
    for path in sorted(directory.glob("anchors-*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            data = json.loads(line)
            records.append(
                AnchorRecord(
                    source=f"{path.name}:{number}",
                    created_at=data["time"],
                    heads=data["heads"],
                    key_fingerprint=data["key_fingerprint"],
                    public_key=data["public_key"],
                    signature=data["signature"],
                )
            )
    return records
