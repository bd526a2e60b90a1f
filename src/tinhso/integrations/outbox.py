"""The transactional outbox: the one way Tỉnh Số reaches outside systems (R-NAT-005, R-NAT-032).

- ``enqueue`` writes an item in the caller's transaction, so the message exists exactly when the
  change it announces commits; an item derived from a dossier event is written once however often
  the event is delivered (unique on system, operation and event).
- ``drain`` is the worker's loop: it claims due items with a lease (a conditional update, so two
  workers never take the same item, on PostgreSQL and SQLite alike), one item at a time per
  (system, key) and in id order, calls the system's ``deliver`` outside any transaction, and
  records what came of it: sent; retried after 1, 2, 4 … minutes (at most 6 hours apart) or when
  the system said (``Retry-After``, which pauses the whole system); dead when rejected, or when it
  fails again after 7 days.
- ``requeue`` puts dead items back (integration operators, audited); ``status`` sums it up.
- ``log_call`` is how the systems' clients write the integration log (R-NAT-006).

Nothing here runs inside a web request except ``enqueue`` (a write in the caller's transaction),
``requeue`` and ``status``.
"""

import datetime
import hashlib
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.audit.services import log_event
from tinhso.integrations import systems
from tinhso.integrations.access import can_operate_integrations
from tinhso.integrations.models import MESSAGE_LIMIT, IntegrationLog, OutboxItem, SystemPause
from tinhso.integrations.systems import Outcome

logger = logging.getLogger(__name__)

Status = OutboxItem.Status

LEASE = datetime.timedelta(minutes=5)  # longer than a call's timeouts (10 s + 60 s) and a login
FIRST_RETRY = datetime.timedelta(minutes=1)
MAX_RETRY = datetime.timedelta(hours=6)
GIVE_UP_AFTER = datetime.timedelta(days=7)
ERROR_LIMIT = 2000


class UnknownSystem(LookupError):
    """No outside system is registered under that name."""


# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewItem:
    """One item to enqueue (``enqueue_many``)."""

    system: str
    operation: str
    key: str
    dossier_id: int | None = None
    source_event_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def enqueue(
    *,
    system: str,
    operation: str,
    key: str,
    dossier_id: int | None = None,
    source_event_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxItem:
    """Owe ``system`` one message; returns the item (the existing one when the same event was
    enqueued before). Call it inside the transaction of the change it announces."""
    new = NewItem(system, operation, key, dossier_id, source_event_id, payload or {})
    enqueue_many([new])
    if source_event_id is None:
        return OutboxItem.objects.filter(system=system, operation=operation, key=key).latest("id")
    return OutboxItem.objects.get(
        system=system, operation=operation, source_event_id=source_event_id
    )


def enqueue_many(items: Iterable[NewItem]) -> int:
    """Write the items in one statement; those of an event already enqueued for the same system
    and operation are skipped (``ON CONFLICT DO NOTHING``, which does not abort the caller's
    transaction on PostgreSQL as a caught ``IntegrityError`` would). Returns how many were given."""
    now = timezone.now()
    rows = [
        OutboxItem(
            system=item.system,
            operation=item.operation,
            key=item.key[:64],
            dossier_id=item.dossier_id,
            source_event_id=item.source_event_id,
            payload=item.payload,
            created_at=now,
            next_attempt_at=now,
        )
        for item in items
    ]
    OutboxItem.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def log_call(
    *,
    system: str,
    service: str,
    key: str = "",
    request_hash: str = "",
    http_status: int | None = None,
    error_code: str = "",
    message: str = "",
    latency_ms: int = 0,
    attempt: int = 1,
    outcome: str = "",
    direction: str = IntegrationLog.Direction.OUT,
    at: datetime.datetime | None = None,
) -> IntegrationLog:
    """Append one call to the integration log (R-NAT-006). The clients pass the hash of what they
    sent (``request_hash``), never the payload; the outside system's message is cut to 4 KB."""
    return IntegrationLog.objects.create(
        system=system,
        service=service[:64],
        key=key[:64],
        direction=direction,
        request_hash=request_hash[:64],
        http_status=http_status,
        error_code=str(error_code)[:64],
        message=message[:MESSAGE_LIMIT],
        latency_ms=max(0, int(latency_ms)),
        attempt=max(1, attempt),
        outcome=outcome[:32],
        at=at or timezone.now(),
    )


def request_hash(body: bytes | str) -> str:
    """The SHA-256 of a request body, for ``log_call``: lets two log rows be compared without
    keeping what they carried."""
    data = body.encode() if isinstance(body, str) else body
    return hashlib.sha256(data).hexdigest()


# --- delivering --------------------------------------------------------------------------------


@dataclass
class DrainReport:
    """What one ``drain`` did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    superseded: int = 0
    paused: list[str] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return self.sent + self.retried + self.dead


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def drain(
    system: str | None = None,
    *,
    now: datetime.datetime | None = None,
    limit: int = 100,
    worker: str = "",
) -> DrainReport:
    """Deliver up to ``limit`` due items of ``system`` (of every registered system when None).

    ``now`` fixes the clock (tests); otherwise each claim reads it afresh. Items retried here are
    due again a minute later at the earliest, so one drain never loops on a failing item.
    Raises ``UnknownSystem`` for a name nobody registered.
    """
    if system is not None:
        try:
            targets = [systems.get(system)]
        except KeyError:
            raise UnknownSystem(system) from None
    else:
        targets = systems.all_systems()
    worker = worker or default_worker()
    report = DrainReport()
    for target in targets:
        while report.attempts < limit:
            moment = now or timezone.now()
            if _paused(target.name, moment):
                report.paused.append(target.name)
                break
            item = claim(target, now=moment, worker=worker, report=report)
            if item is None:
                break
            outcome = _attempt(target, item)
            record(item, outcome, now=now or timezone.now(), worker=worker, report=report)
    return report


def _paused(system: str, now: datetime.datetime) -> bool:
    return SystemPause.objects.filter(system=system, until__gt=now).exists()


def claim(
    system: systems.OutsideSystem,
    *,
    now: datetime.datetime,
    worker: str,
    report: DrainReport | None = None,
) -> OutboxItem | None:
    """Take the lease of the next due item of ``system``, or None when none is free.

    Only the oldest queued item of a key may be claimed, and only when no one holds it: so one
    item per (system, key) is in flight and a key's items go in id order (R-NAT-032). The lease is
    a conditional update (free or expired lease, still queued); losing the race to another worker
    just moves on to the next candidate. An item whose earlier lease expired may have reached the
    outside system before its worker died: it is marked ``unknown_outcome`` (R-NAT-034).
    """
    queued = OutboxItem.objects.filter(system=system.name, status=Status.QUEUED)
    earlier = queued.filter(key=OuterRef("key"), id__lt=OuterRef("id"))
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    while True:
        candidates = list(
            queued.filter(free, next_attempt_at__lte=now)
            .exclude(Exists(earlier))
            .order_by("id")
            .values_list("id", "operation", "key", "claimed_until")[:20]
        )
        if not candidates:
            return None
        for pk, operation, key, previous_lease in candidates:
            taken = (
                OutboxItem.objects.filter(free, pk=pk, status=Status.QUEUED)
                .exclude(Exists(earlier))
                .update(
                    claimed_until=now + LEASE,
                    claimed_by=worker,
                    # taken again after an expired lease: its worker may have sent it
                    unknown_outcome=Case(
                        When(claimed_until__isnull=False, then=Value(True)),
                        default=F("unknown_outcome"),
                    ),
                )
            )
            if not taken:
                continue  # another worker was quicker
            if previous_lease is not None:
                logger.warning("Outbox item %s taken again after its lease expired", pk)
            if system.coalesce:
                pk = _coalesce(
                    system.name, pk, operation, key, now=now, worker=worker, report=report
                )
            return OutboxItem.objects.get(pk=pk)


def _coalesce(
    system: str,
    head: int,
    operation: str,
    key: str,
    *,
    now: datetime.datetime,
    worker: str,
    report: DrainReport | None,
) -> int:
    """Hand the lease of ``head`` on to the newest queued item of its (operation, key) and mark
    the ones before it superseded: for a full-state system, sending the newest says it all. An
    item of another operation of the key in between stops the merge (order is kept)."""
    queued = OutboxItem.objects.filter(system=system, key=key, status=Status.QUEUED)
    barrier = (
        queued.filter(id__gt=head)
        .exclude(operation=operation)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    same = queued.filter(operation=operation, id__gt=head)
    if barrier is not None:
        same = same.filter(id__lt=barrier)
    newest = same.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return head
    with transaction.atomic():
        older = OutboxItem.objects.filter(
            system=system,
            key=key,
            operation=operation,
            status=Status.QUEUED,
            id__gte=head,
            id__lt=newest,
        )
        # A merged item that may have reached the system passes that on (R-NAT-034).
        unknown = older.filter(unknown_outcome=True).exists()
        merged = older.update(
            status=Status.SUPERSEDED, claimed_until=None, claimed_by="", last_error=""
        )
        taken: dict[str, Any] = {"claimed_until": now + LEASE, "claimed_by": worker}
        if unknown:
            taken["unknown_outcome"] = True
        OutboxItem.objects.filter(pk=newest).update(**taken)
    if report is not None:
        report.superseded += merged
    return newest


def _attempt(system: systems.OutsideSystem, item: OutboxItem) -> Outcome:
    """Call ``deliver`` outside any transaction; an exception counts as a retry with its text."""
    # (a test case's own blocks do not count: there each use case is its own transaction)
    if any(not block._from_testcase for block in transaction.get_connection().atomic_blocks):
        raise RuntimeError("outside systems are never called inside a database transaction")
    try:
        return system.deliver(item)
    except Exception as exc:  # an outside failure the system did not classify: retried
        logger.warning("Outbox item %s: %s raised: %s", item.pk, system.name, exc, exc_info=exc)
        return Outcome.retry(f"{type(exc).__name__}: {exc}")


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1 min, 2, 4 … at most 6 h (R-NAT-005)."""
    if attempts >= 20:  # 2**19 minutes is far past the cap; avoid huge numbers
        return MAX_RETRY
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


def record(
    item: OutboxItem,
    outcome: Outcome,
    *,
    now: datetime.datetime,
    worker: str,
    report: DrainReport | None = None,
) -> str:
    """Write what came of one attempt, if ``worker`` still holds the item (a worker whose lease
    expired and was taken over records nothing: the other one's attempt counts). Returns the
    item's new status ("" when nothing was recorded)."""
    attempts = item.attempts + 1
    error = outcome.error[:ERROR_LIMIT]
    fields: dict[str, Any] = {"attempts": attempts, "claimed_until": None, "claimed_by": ""}
    if outcome.kind == "delivered":
        fields |= {"status": Status.SENT, "sent_at": now, "last_error": ""}
    elif outcome.kind == "rejected":
        fields |= {"status": Status.DEAD, "last_error": error}
    elif now - item.created_at >= GIVE_UP_AFTER:
        fields |= {
            "status": Status.DEAD,
            "last_error": error or _("Hết thời hạn gửi lại (7 ngày)."),
            "unknown_outcome": item.unknown_outcome or outcome.unknown_outcome,
        }
    else:
        wait = (
            datetime.timedelta(seconds=outcome.retry_after)
            if outcome.retry_after is not None and outcome.retry_after > 0
            else backoff(attempts)
        )
        fields |= {
            "next_attempt_at": now + wait,
            "last_error": error,
            "unknown_outcome": item.unknown_outcome or outcome.unknown_outcome,
        }
        if outcome.retry_after is not None and outcome.retry_after > 0:
            pause(item.system, until=now + wait, reason=error)
    changed = OutboxItem.objects.filter(pk=item.pk, status=Status.QUEUED, claimed_by=worker).update(
        **fields
    )
    if not changed:
        logger.warning("Outbox item %s: lease lost before its outcome was recorded", item.pk)
        return ""
    status = str(fields.get("status", Status.QUEUED))
    if report is not None:
        if status == Status.SENT:
            report.sent += 1
        elif status == Status.DEAD:
            report.dead += 1
        else:
            report.retried += 1
    if status == Status.DEAD:
        logger.error("Outbox item %s (%s %s) is dead: %s", item.pk, item.system, item.key, error)
    return status


def pause(system: str, *, until: datetime.datetime, reason: str = "") -> None:
    """Claim nothing of ``system`` before ``until`` (a pause only ever grows longer)."""
    updated = SystemPause.objects.filter(system=system, until__lt=until).update(
        until=until, reason=reason[:300]
    )
    if not updated:
        SystemPause.objects.bulk_create(
            [SystemPause(system=system, until=until, reason=reason[:300])], ignore_conflicts=True
        )


# --- operating ---------------------------------------------------------------------------------


def requeue(*, user: User, item_ids: Sequence[int], now: datetime.datetime | None = None) -> int:
    """Put dead items back in the queue, due now and with a fresh 7 days (an operator fixed the
    cause: a mapping, a catalogue code). Integration operators and the platform administrator
    only; atomic and audited. Returns how many were re-queued (items not dead are left alone)."""
    if not can_operate_integrations(user):
        raise PermissionDenied(_("Bạn không có quyền gửi lại thông điệp."))
    now = now or timezone.now()
    with transaction.atomic():
        dead = list(
            OutboxItem.objects.filter(pk__in=list(item_ids), status=Status.DEAD)
            .order_by("id")
            .values_list("id", "system", "key")
        )
        if not dead:
            return 0
        ids = [pk for pk, _system, _key in dead]
        count = OutboxItem.objects.filter(pk__in=ids, status=Status.DEAD).update(
            status=Status.QUEUED,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            claimed_until=None,
            claimed_by="",
        )
        log_event(
            action="integrations.requeue",
            actor=user,
            target=f"outbox:{ids[0]}" if len(ids) == 1 else "outbox",
            details={
                "ids": ids,
                "systems": sorted({system for _pk, system, _key in dead}),
                "keys": [key for _pk, _system, key in dead][:50],
            },
        )
    return count


@dataclass(frozen=True)
class SystemStatus:
    """One outside system's queue, for the operations page and the status API."""

    name: str
    label: str
    queued: int
    failed: int  # queued after at least one failed attempt
    dead: int
    sent_24h: int
    last_success: datetime.datetime | None
    p95_latency_ms: int | None
    paused_until: datetime.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "queued": self.queued,
            "failed": self.failed,
            "dead": self.dead,
            "sent_24h": self.sent_24h,
            "last_success": self.last_success,
            "p95_latency_ms": self.p95_latency_ms,
            "paused_until": self.paused_until,
        }


def status(now: datetime.datetime | None = None) -> list[SystemStatus]:
    """Per registered system: items queued, failed, dead, sent in the last 24 hours, the last
    success and the 95th percentile of the logged calls' latency over the last 24 hours. A few
    grouped queries whatever the number of systems."""
    now = now or timezone.now()
    since = now - datetime.timedelta(hours=24)
    names = [s.name for s in systems.all_systems()]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        OutboxItem.objects.filter(system__in=names, status__in=[Status.QUEUED, Status.DEAD])
        .values("system", "status")
        .annotate(n=Count("id"), failed=Count("id", filter=Q(attempts__gt=0)))
    )
    for row in rows:
        counts[row["system"]][row["status"]] = row["n"]
        if row["status"] == Status.QUEUED:
            counts[row["system"]]["failed"] = row["failed"]
    sent = dict(
        OutboxItem.objects.filter(system__in=names, status=Status.SENT, sent_at__gte=since)
        .values("system")
        .annotate(n=Count("id"))
        .values_list("system", "n")
    )
    pauses = dict(
        SystemPause.objects.filter(system__in=names, until__gt=now).values_list("system", "until")
    )
    out = []
    for system in systems.all_systems():
        last = (
            OutboxItem.objects.filter(system=system.name, status=Status.SENT)
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        out.append(
            SystemStatus(
                name=system.name,
                label=str(system.label),
                queued=counts[system.name][Status.QUEUED],
                failed=counts[system.name]["failed"],
                dead=counts[system.name][Status.DEAD],
                sent_24h=sent.get(system.name, 0),
                last_success=last,
                p95_latency_ms=_p95_latency(system.name, since),
                paused_until=pauses.get(system.name),
            )
        )
    return out


def _p95_latency(system: str, since: datetime.datetime) -> int | None:
    """The 95th percentile (nearest rank) of the latency of the system's logged calls since
    ``since``: one indexed count and one row fetched at that rank."""
    calls = IntegrationLog.objects.filter(system=system, at__gte=since)
    total = calls.count()
    if not total:
        return None
    rank = max(0, -(-total * 95 // 100) - 1)  # ceil(0.95 n) - 1
    value = calls.order_by("latency_ms").values_list("latency_ms", flat=True)[rank]
    return int(value)


def dead_letters(*, system: str = "", text: str = "", limit: int = 200) -> list[OutboxItem]:
    """The dead items, newest first, filtered by system and by a text found in the key or the
    error (the operations page)."""
    items = OutboxItem.objects.filter(status=Status.DEAD)
    if system:
        items = items.filter(system=system)
    text = text.strip()
    if text:
        items = items.filter(Q(key__icontains=text) | Q(last_error__icontains=text))
    return list(items.order_by("-id")[:limit])


__all__ = [
    "DrainReport",
    "NewItem",
    "SystemStatus",
    "UnknownSystem",
    "backoff",
    "claim",
    "dead_letters",
    "drain",
    "enqueue",
    "enqueue_many",
    "log_call",
    "pause",
    "record",
    "request_hash",
    "requeue",
    "status",
]
