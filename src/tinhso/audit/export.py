"""JSON lines for a SIEM (Wazuh, Elastic): one entry per line, ECS-style field names.

Streamed in id order, so a collector can resume with ``after_id`` (or ``--after-id``).
"""

import datetime
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest

from tinhso.accounts.models import User
from tinhso.audit.chain import canonical_json, canonical_time
from tinhso.audit.models import AuditEntry
from tinhso.audit.services import log_event

CHUNK = 2000


def as_record(entry: AuditEntry) -> dict[str, Any]:
    return {
        "@timestamp": canonical_time(entry.created_at),
        "event": {
            "id": entry.pk,
            "action": entry.action,
            "outcome": entry.outcome,
            "dataset": "tinhso.audit",
        },
        "user": {"id": entry.actor_id, "name": entry.actor_username} if entry.actor_id else None,
        "source": {"ip": entry.ip} if entry.ip else None,
        "user_agent": {"original": entry.user_agent} if entry.user_agent else None,
        "tinhso": {
            "target": entry.target,
            "details": entry.details,
            "stream": entry.stream,
            "seq": entry.seq,
            "hash": entry.hash,
            "prev_hash": entry.prev_hash,
        },
    }


def export_lines(
    *,
    entries: Any = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    after_id: int = 0,
) -> Iterator[str]:
    """Yield one JSON document per line, oldest first, reading in keyset chunks."""
    base = entries if entries is not None else AuditEntry.objects.all()
    if since:
        base = base.filter(created_at__gte=since)
    if until:
        base = base.filter(created_at__lt=until)
    last = after_id
    while True:
        chunk = list(base.filter(id__gt=last).order_by("id")[:CHUNK])
        if not chunk:
            return
        for entry in chunk:
            yield canonical_json(as_record(entry)) + "\n"
        last = chunk[-1].pk


def record_export(
    *, actor: User | None, request: HttpRequest | None, filters: dict[str, Any]
) -> AuditEntry:
    """The export is itself an audited event."""
    return log_event(
        action="export.download",
        actor=actor,
        target="audit:jsonl",
        details={"filters": {key: value for key, value in filters.items() if value}},
        request=request,
    )
