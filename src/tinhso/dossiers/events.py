"""The "dossier changed" event: recorded with the change, delivered to subscribers after commit.

Every use case of the dossier core calls :func:`record` after its own writes, inside its
transaction, so the event commits or rolls back with the change (ADR 0009). Apps that react to
dossiers (slips, notifications, e-results …) register a handler from their ``AppConfig.ready``::

    events.register("slips", issue_slips)

The dossier core imports none of them. After commit, :func:`record` queues
:func:`dispatch_events` once per transaction; it hands each subscriber the events after its
durable cursor, in order, and advances the cursor after each success. Delivery is at least once:
a handler may see an event again (a crash after the handler and before the cursor moved, or a
lease that expired), so handlers must be idempotent. A handler that raises stops its subscriber at
that event (the others go on); the periodic task (beat, every minute) retries it with a growing
delay and, after ``MAX_ATTEMPTS``, skips the event, keeping its id and error on the cursor and
logging at ERROR. A process that dies after the commit loses nothing: the next dispatch catches up.
"""

import datetime
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.dossiers.models import DossierEvent, EventSequence, SubscriberCursor

logger = logging.getLogger(__name__)

Kind = DossierEvent.Kind
Handler = Callable[[DossierEvent], None]
BatchHandler = Callable[[list[DossierEvent]], None]
HandlerT = TypeVar("HandlerT", bound=Handler)
BatchHandlerT = TypeVar("BatchHandlerT", bound=BatchHandler)

MAX_ATTEMPTS = 10  # then the event is skipped for that subscriber (logged at ERROR)
MAX_RETRY_DELAY = datetime.timedelta(hours=1)
LEASE = datetime.timedelta(minutes=5)  # a dispatcher that holds a subscriber longer loses it
BATCH = 200
MAX_ROUNDS = 20  # a handler's own events (e.g. "result signed") are delivered in the next round

_subscribers: dict[str, Handler] = {}
_batch_subscribers: dict[str, BatchHandler] = {}
_local = threading.local()


# --- recording ------------------------------------------------------------------------------


def record(
    *,
    dossier_id: int,
    kind: str,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    actor: User | None = None,
    at: datetime.datetime | None = None,
    history_seq: int | None = None,
    payload: dict[str, Any] | None = None,
) -> DossierEvent:
    """Write one event in the current transaction and have it dispatched after the commit.

    Must run inside ``transaction.atomic()``: an event outside the change it describes could
    announce a change that then rolls back, or miss one that commits.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("dossier events are recorded inside the transaction of the change")
    event = DossierEvent.objects.create(
        dossier_id=dossier_id,
        kind=Kind(kind),
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        at=at or timezone.now(),
        history_seq=history_seq,
        payload=payload or {},
    )
    _dispatch_after_commit()
    return event


def _dispatch_after_commit() -> None:
    """Queue one dispatch for the transaction, however many events it records.

    The callback is kept on the outermost atomic block of the change (a test case's own blocks
    do not count: there each use case is its own transaction). It is queued again if a rolled-back
    savepoint took it off the list.
    """
    connection = transaction.get_connection()
    outer = next((b for b in connection.atomic_blocks if not b._from_testcase), None)
    queued = getattr(outer, "_tinhso_dispatch", None)
    if queued is not None and any(cb is queued for _, cb, _ in connection.run_on_commit):
        return

    def enqueue() -> None:
        dispatch_events.delay()

    if outer is not None:
        outer._tinhso_dispatch = enqueue
    # robust: a broker that is down must not turn a committed change into an error page; the
    # periodic task delivers the events later.
    transaction.on_commit(enqueue, robust=True)


# --- subscribers ----------------------------------------------------------------------------


def register(name: str, handler: HandlerT) -> HandlerT:
    """Subscribe ``handler`` to every dossier event under ``name`` (its cursor's name).

    Call it from the subscribing app's ``AppConfig.ready``. A name is taken once: registering
    another handler under a name in use is refused, so two apps cannot share a cursor.
    """
    _check_free(name, handler)
    _subscribers[name] = handler
    return handler


def register_batch(name: str, handler: BatchHandlerT) -> BatchHandlerT:
    """Subscribe ``handler`` to the dossier events in batches (up to ``BATCH``, in order).

    For a subscriber whose work per event is cheaper done together (the operations centre folds
    a batch into one set of writes). The cursor moves past the whole batch when the handler
    returns. If it raises, the batch is handed over again one event at a time, so a failing
    event is retried and, in the end, skipped on its own, as for :func:`register`.
    """
    _check_free(name, handler)
    _batch_subscribers[name] = handler
    return handler


def _check_free(name: str, handler: object) -> None:
    existing = _subscribers.get(name) or _batch_subscribers.get(name)
    if existing is not None and existing is not handler:
        raise ValueError(f"dossier event subscriber {name!r} is already registered")


def unregister(name: str) -> None:
    """Remove a subscriber (tests); its cursor row stays."""
    _subscribers.pop(name, None)
    _batch_subscribers.pop(name, None)


def subscribers() -> dict[str, Handler]:
    """Every subscriber by name; a batch subscriber as a one-event handler."""
    out: dict[str, Handler] = {
        name: _one_at_a_time(handler) for name, handler in _batch_subscribers.items()
    }
    out.update(_subscribers)
    return out


def _one_at_a_time(handler: BatchHandler) -> Handler:
    def single(event: DossierEvent) -> None:
        handler([event])

    return single


# --- dispatching ----------------------------------------------------------------------------


@shared_task
def dispatch_events() -> dict[str, int]:
    """Deliver the pending events to every subscriber (after each commit, and every minute)."""
    return dispatch()


def dispatch(*, retry_now: bool = False) -> dict[str, int]:
    """Deliver pending events; returns the number each subscriber handled.

    Called again from inside a handler (an eager task whose use case records an event), it only
    asks the running dispatch for one more round: no recursion. ``retry_now`` retries failing
    subscribers without waiting for their delay (the management command's ``--retry``).
    """
    if getattr(_local, "active", False):
        _local.again = True
        return {}
    _local.active = True
    handled: Counter[str] = Counter()
    try:
        for _round in range(MAX_ROUNDS):
            _local.again = False
            stamp_positions()
            # batch subscribers first: they fold many events in a few statements, so they are
            # not kept waiting behind subscribers that do work per event
            for name, batch_handler in list(_batch_subscribers.items()):
                handled[name] += _deliver(
                    name, _one_at_a_time(batch_handler), batch_handler, retry_now=retry_now
                )
            for name, handler in list(_subscribers.items()):
                handled[name] += _deliver(name, handler, retry_now=retry_now)
            if not _local.again:  # no handler recorded an event of its own: all delivered
                break
    finally:
        _local.active = False
    return dict(handled)


def stamp_positions() -> int:
    """Give the committed events that have none the next delivery positions, in id order.

    Ids are allocated at insert time, so on PostgreSQL a later id can commit first; a cursor on
    the id could then pass over an event still in flight. The position is given only to rows
    already committed, under the sequence row's lock, so positions only ever grow.
    """
    stamped = 0
    while True:
        if not DossierEvent.objects.filter(position__isnull=True).exists():
            return stamped
        with transaction.atomic():
            EventSequence.objects.bulk_create([EventSequence(pk=1)], ignore_conflicts=True)
            sequence = EventSequence.objects.select_for_update().get(pk=1)
            count = _stamp(sequence.last)
            if count:
                sequence.last += count
                sequence.save(update_fields=["last"])
        stamped += count
        if count < BATCH:
            return stamped


def _stamp(last: int) -> int:
    """Number the next ``BATCH`` unstamped events ``last + 1 …`` in id order, in one statement
    (``UPDATE … FROM`` with ``row_number()``: PostgreSQL, and SQLite since 3.33)."""
    table = DossierEvent._meta.db_table
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET position = %s + numbered.n FROM ("  # noqa: S608 (identifiers from code, values as parameters)
            f"SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM (SELECT id FROM {table} "
            f"WHERE position IS NULL ORDER BY id LIMIT %s) AS picked) AS numbered "
            f"WHERE {table}.id = numbered.id",
            [last, BATCH],
        )
        return max(cursor.rowcount, 0)


def deliver(name: str, *, retry_now: bool = False) -> int:
    """Hand one registered subscriber its pending events now; returns how many it handled.

    For the subscriber's own catch-up (a management command, a test that reads what the
    subscriber keeps) without running the others.
    """
    stamp_positions()
    if name in _batch_subscribers:
        handler = _batch_subscribers[name]
        return _deliver(name, _one_at_a_time(handler), handler, retry_now=retry_now)
    return _deliver(name, _subscribers[name], retry_now=retry_now)


def _deliver(
    name: str, handler: Handler, batch_handler: BatchHandler | None = None, *, retry_now: bool
) -> int:
    """Hand one subscriber its pending events; returns how many it handled."""
    handled = 0
    while True:
        cursor = _claim(name, retry_now=retry_now)
        if cursor is None:
            return handled
        try:
            count, stuck = _run(cursor, handler, batch_handler)
        finally:
            SubscriberCursor.objects.filter(name=name, lease_token=cursor.lease_token).update(
                lease_token="", leased_until=None
            )
        handled += count
        # Another dispatcher may have found the lease taken while we were finishing: look once
        # more after releasing it, so its events do not wait for the periodic task. (Our cursor
        # is where we left it: nobody else moves it while we hold the lease.)
        if stuck or not DossierEvent.objects.filter(position__gt=cursor.position).exists():
            return handled


def _claim(name: str, *, retry_now: bool) -> SubscriberCursor | None:
    """Take the subscriber's lease (a conditional update, no lock held); None when it has
    nothing to do, another dispatcher holds it, or it waits before retrying a failed event."""
    position = SubscriberCursor.objects.filter(name=name).values_list("position", flat=True).first()
    if position is None:  # a new subscriber starts at the beginning
        SubscriberCursor.objects.bulk_create([SubscriberCursor(name=name)], ignore_conflicts=True)
        position = 0
    if not DossierEvent.objects.filter(position__gt=position).exists():
        return None
    now = timezone.now()
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    due = Q() if retry_now else Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    token = uuid.uuid4().hex
    taken = SubscriberCursor.objects.filter(free, due, name=name, position=position).update(
        lease_token=token, leased_until=now + LEASE, updated_at=now
    )
    if not taken:
        return None
    return SubscriberCursor.objects.get(name=name)


def _run(
    cursor: SubscriberCursor, handler: Handler, batch_handler: BatchHandler | None = None
) -> tuple[int, bool]:
    """Deliver events after the cursor in order; returns (handled, stuck on a failing event)."""
    handled = 0
    while True:
        batch = list(
            DossierEvent.objects.filter(position__gt=cursor.position).order_by("position")[:BATCH]
        )
        if not batch:
            return handled, False
        if batch_handler is not None and cursor.failing_event is None:
            try:
                batch_handler(batch)
            except Exception as exc:  # retried one event at a time below, to find the culprit
                logger.warning(
                    "Subscriber %s failed on a batch of %s events from %s; retrying one by one: %s",
                    cursor.name,
                    len(batch),
                    batch[0].pk,
                    exc,
                    exc_info=exc,
                )
            else:
                if not _advance(cursor, batch[-1]):
                    return handled, True
                handled += len(batch)
                if len(batch) < BATCH:
                    return handled, False
                continue
        for event in batch:
            try:
                handler(event)
            except Exception as exc:
                if not _give_up(cursor, event, exc):
                    return handled, True
            if not _advance(cursor, event):
                return handled, True  # lost the lease: the other dispatcher goes on
            handled += 1
        if len(batch) < BATCH:  # that was the last of them
            return handled, False


def _advance(cursor: SubscriberCursor, event: DossierEvent) -> bool:
    """Move the cursor past ``event`` if we still hold the lease and nobody moved it."""
    assert event.position is not None
    now = timezone.now()
    moved = SubscriberCursor.objects.filter(
        name=cursor.name, lease_token=cursor.lease_token, position=cursor.position
    ).update(
        position=event.position,
        leased_until=now + LEASE,
        failing_event=None,
        attempts=0,
        last_error="",
        retry_at=None,
        updated_at=now,
    )
    if moved:
        cursor.position = event.position
    return bool(moved)


def _give_up(cursor: SubscriberCursor, event: DossierEvent, exc: Exception) -> bool:
    """Note a failed attempt; True when this was the last one and the event is skipped."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    attempts = cursor.attempts + 1 if cursor.failing_event == event.pk else 1
    now = timezone.now()
    fields: dict[str, Any] = {"updated_at": now}
    if attempts >= MAX_ATTEMPTS:
        logger.error(
            "Dossier event %s skipped by subscriber %s after %s attempts: %s",
            event.pk,
            cursor.name,
            attempts,
            error,
            exc_info=exc,
        )
        fields |= {
            "skipped": cursor.skipped + 1,
            "last_skipped_event": event.pk,
            "last_skipped_error": error,
        }
        cursor.skipped += 1
    else:
        logger.warning(
            "Subscriber %s failed on dossier event %s (attempt %s): %s",
            cursor.name,
            event.pk,
            attempts,
            error,
            exc_info=exc,
        )
        delay = min(datetime.timedelta(minutes=2 ** (attempts - 1)), MAX_RETRY_DELAY)
        fields |= {
            "failing_event": event.pk,
            "attempts": attempts,
            "last_error": error,
            "retry_at": now + delay,
        }
        cursor.failing_event, cursor.attempts = event.pk, attempts
    SubscriberCursor.objects.filter(name=cursor.name, lease_token=cursor.lease_token).update(
        **fields
    )
    return attempts >= MAX_ATTEMPTS


# --- catch-up of the subscribers' own tasks --------------------------------------------------

RECENT_SPAN = 100_000  # the newest events looked at by recent_effects (a primary-key range)


def recent_effects(
    effect: str, *, within: datetime.timedelta, grace: datetime.timedelta
) -> list[tuple[int, int, str]]:
    """(dossier id, history seq, value) of the recent events whose payload names ``effect``
    (``"slip"``, ``"notify"``), recorded between ``within`` and ``grace`` ago.

    For the sweeps of subscribers that hand their work to a task (the broker may lose it after
    the cursor moved on). Only the newest ``RECENT_SPAN`` events are read, by primary key, so
    the sweep costs the same on a table of millions of rows.
    """
    newest = DossierEvent.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return []
    now = timezone.now()
    rows = DossierEvent.objects.filter(
        id__gt=newest - RECENT_SPAN,
        at__gte=now - within,
        at__lt=now - grace,
        history_seq__isnull=False,
        payload__has_key=effect,
    ).values_list("dossier_id", "history_seq", "payload")
    return [
        (dossier_id, seq, str(payload[effect]))
        for dossier_id, seq, payload in rows
        if seq is not None and payload.get(effect)
    ]


def lag() -> list[tuple[str, int, SubscriberCursor | None]]:
    """For each registered subscriber: its name, the events it has yet to handle, its cursor."""
    names = [*_subscribers, *_batch_subscribers]
    last = EventSequence.objects.filter(pk=1).values_list("last", flat=True).first() or 0
    unstamped = DossierEvent.objects.filter(position__isnull=True).count()
    cursors = {c.name: c for c in SubscriberCursor.objects.filter(name__in=names)}
    rows = []
    for name in names:
        cursor = cursors.get(name)
        rows.append((name, last - (cursor.position if cursor else 0) + unstamped, cursor))
    return rows


@dataclass(frozen=True)
class Lag:
    """How far one subscriber is behind: events not yet handled, the oldest one's time."""

    pending: int
    oldest_at: datetime.datetime | None  # when the oldest unhandled event was recorded
    handled_up_to: datetime.datetime | None  # when the last handled event was recorded

    def seconds(self, now: datetime.datetime | None = None) -> float:
        if self.oldest_at is None:
            return 0.0
        return max(0.0, ((now or timezone.now()) - self.oldest_at).total_seconds())


def subscriber_lag(name: str) -> Lag:
    """The lag of one subscriber, in a few index lookups (position is unique, id is the key).

    The count of pending events is exact up to ``BATCH`` × 50 and read from the sequence beyond.
    """
    position = SubscriberCursor.objects.filter(name=name).values_list("position", flat=True).first()
    position = position or 0
    pending = DossierEvent.objects.filter(Q(position__gt=position) | Q(position__isnull=True))
    oldest = (
        DossierEvent.objects.filter(position__gt=position)
        .order_by("position")
        .values_list("at", flat=True)
        .first()
    )
    unstamped = (
        DossierEvent.objects.filter(position__isnull=True)
        .order_by("id")
        .values_list("at", flat=True)
        .first()
    )
    oldest_at = min((t for t in (oldest, unstamped) if t is not None), default=None)
    handled = (
        DossierEvent.objects.filter(position=position).values_list("at", flat=True).first()
        if position
        else None
    )
    last = EventSequence.objects.filter(pk=1).values_list("last", flat=True).first() or 0
    cap = BATCH * 50
    count = pending[: cap + 1].count() if last - position <= cap else last - position
    return Lag(pending=count, oldest_at=oldest_at, handled_up_to=handled)
