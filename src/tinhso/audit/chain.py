"""The canonical serialisation and hash of an audit entry, shared by writer and verifier."""

import datetime
import hashlib
import json
from typing import Any

from tinhso.audit.models import AuditEntry

HASH_VERSION = "v1"


def canonical_time(value: datetime.datetime) -> str:
    """UTC, microseconds, fixed format: the same text whichever database returned the value."""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    return {
        "v": HASH_VERSION,
        "stream": entry.stream,
        "seq": entry.seq,
        "time": canonical_time(entry.created_at),
        "actor_id": entry.actor_id,
        "actor": entry.actor_username,
        "action": entry.action,
        "target": entry.target,
        "outcome": entry.outcome,
        "details": entry.details,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "prev_hash": entry.prev_hash,
    }


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the canonical JSON of every field, the previous hash included."""
    return hashlib.sha256(canonical_json(entry_payload(entry)).encode()).hexdigest()
