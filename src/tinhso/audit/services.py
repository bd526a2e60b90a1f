"""Writing to the audit log (``log_event``), anchoring it and acknowledging alerts."""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from tinhso.accounts.lockout import client_address
from tinhso.audit.chain import entry_hash
from tinhso.audit.models import GENESIS_HASH, AuditEntry, AuditStreamHead

if TYPE_CHECKING:
    from tinhso.accounts.models import User

# Keys whose values are personal data: kept only masked in the log (Decree 13/2023).
_PERSONAL_KEYS = re.compile(
    r"(personal_id|cccd|cmnd|id_number|phone|email|address|full_name|birth|dob|tax_code)",
    re.IGNORECASE,
)
_SECRET_KEYS = re.compile(r"(password|secret|token|otp|code_verifier)", re.IGNORECASE)


def stream_count() -> int:
    return int(getattr(settings, "TINHSO_AUDIT_STREAMS", 16))


def stream_for(actor_id: int | None, ip: str) -> str:
    """A stable stream per actor (or per address for anonymous events)."""
    key = f"user:{actor_id}" if actor_id is not None else f"ip:{ip}"
    number = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % stream_count()
    return f"s{number:02d}"


def mask(value: str) -> str:
    """Keep the last three characters: enough to tell two records apart, not to identify anyone."""
    text = str(value)
    if len(text) <= 3:
        return "*" * len(text)
    return "*" * (len(text) - 3) + text[-3:]


def clean_details(details: Any) -> Any:
    """JSON-safe copy with personal values masked and secrets dropped."""
    if isinstance(details, dict):
        cleaned: dict[str, Any] = {}
        for key, value in details.items():
            name = str(key)
            if _SECRET_KEYS.search(name):
                cleaned[name] = "[redacted]"
            elif _PERSONAL_KEYS.search(name) and isinstance(value, str | int):
                cleaned[name] = mask(str(value))
            else:
                cleaned[name] = clean_details(value)
        return cleaned
    if isinstance(details, list | tuple):
        return [clean_details(item) for item in details]
    if details is None or isinstance(details, bool | int | float | str):
        return details
    return json.loads(json.dumps(details, default=str))


def client_ip(request: HttpRequest | None) -> str:
    """The client's address as the lockout counts it (X-Forwarded-For behind trusted proxies)."""
    return client_address(request)[:45]


def log_event(
    *,
    action: str,
    actor: User | None,
    target: str = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    outcome: str = "success",
) -> AuditEntry:
    """Append one event to the audit log and return the entry.

    Written in the caller's transaction when there is one (no savepoint: if the outer
    transaction rolls back, the event is rolled back with what it described, and an error here
    fails the change it describes) and safe from concurrent requests: the stream's head row is
    created if missing and locked by one upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``
    locks the row until the commit on PostgreSQL; SQLite's IMMEDIATE transactions already
    serialise writers), so two writers of one stream never fork the chain while writers of
    different streams do not wait for each other. Three statements: the head, the entry, the head.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    ip = client_ip(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    actor_id = actor.pk if actor is not None else None
    stream = stream_for(actor_id, ip)
    cleaned = clean_details(details or {})
    with transaction.atomic(savepoint=False):
        head_seq, head_hash = _locked_head(stream)
        entry = AuditEntry(
            stream=stream,
            seq=head_seq + 1,
            created_at=timezone.now(),  # taken under the lock: time follows seq in a stream
            actor=actor,
            actor_username=actor.get_username() if actor is not None else "",
            action=action[:64],
            target=target[:200],
            outcome=outcome[:16],
            details=cleaned,
            ip=ip,
            user_agent=user_agent,
            prev_hash=head_hash or GENESIS_HASH,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditStreamHead.objects.filter(stream=stream).update(seq=entry.seq, hash=entry.hash)
    return entry


def _locked_head(stream: str) -> tuple[int, str]:
    """The (seq, hash) of the stream's head, its row created when missing and locked until the
    commit: one statement where ``bulk_create(ignore_conflicts)`` + ``select_for_update`` took two."""
    table = connection.ops.quote_name(AuditStreamHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (stream, seq, hash) VALUES (%s, 0, %s) "  # noqa: S608 (our table)
            f"ON CONFLICT (stream) DO UPDATE SET seq = {table}.seq RETURNING seq, hash",
            [stream, GENESIS_HASH],
        )
        seq, hash_ = cursor.fetchone()
    return int(seq), str(hash_)
