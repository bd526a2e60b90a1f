"""Alert state per datastream × use: raise on crossing the limit, clear with hysteresis.

Called inside the ingest transaction with the *new present* readings of salinity datastreams
(late readings never reach here). For each use the state moves:

* level 0 → n ≥ 1 when a reading reaches the limit: event ``raised``;
* level n → m > n while raised: event ``escalated`` (only a higher level re-alerts; going down
  and up again within an episode says nothing new);
* raised → 0 when the readings have stayed below the limit minus the hysteresis for
  ``clear_after()`` (default 25 hours, a full tidal day, ``TINHSO_SALINITY_CLEAR_AFTER_HOURS``):
  event ``cleared``. Salinity in the estuaries rises and falls with each tide, twice a day; without
  the wait a farmer would get "raised" and "cleared" every twelve hours of the dry season.

Each event gets one :class:`AlertDelivery` per active subscription that follows the station
and the use; sending happens after the commit (``tasks.deliver_alert``).
"""

import datetime
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.db import transaction

from tinhso.sensors.models import AlertDelivery, AlertEvent, AlertState, Datastream, Subscription
from tinhso.sensors.readings import Reading
from tinhso.sensors.thresholds import uses


def clear_after() -> datetime.timedelta:
    return datetime.timedelta(
        hours=float(getattr(settings, "TINHSO_SALINITY_CLEAR_AFTER_HOURS", 25))
    )


def evaluate(datastream: Datastream, readings: Sequence[Reading]) -> list[AlertEvent]:
    """Run the readings (oldest first, all newer than the stored latest) through the states."""
    all_uses = uses()
    states = {s.use: s for s in AlertState.objects.filter(datastream=datastream)}
    lowest_clear = min(u.clear_below for u in all_uses.values())
    quiet = all(s.level == 0 for s in states.values())
    dwell = clear_after()
    events: list[AlertEvent] = []
    changed: dict[str, AlertState] = {}
    for reading in readings:
        if quiet and reading.result < lowest_clear:
            continue  # fast path: nothing raised and nothing near any limit
        for use in all_uses.values():
            state = states.get(use.code)
            if state is None:
                state = states[use.code] = AlertState(datastream=datastream, use=use.code)
            level = use.level(reading.result)
            kind = None
            if state.level == 0 and level > 0:
                kind = AlertEvent.Kind.RAISED
            elif state.level > 0 and level > state.level:
                kind = AlertEvent.Kind.ESCALATED
            elif state.level > 0 and reading.result < use.clear_below:
                if state.below_since is None:
                    state.below_since = reading.phenomenon_time
                    changed[use.code] = state
                if reading.phenomenon_time - state.below_since >= dwell:
                    kind, level = AlertEvent.Kind.CLEARED, 0
            elif state.level > 0 and state.below_since is not None:
                state.below_since = None  # back above the clearing line: the wait restarts
                changed[use.code] = state
            if kind is None:
                continue
            state.below_since = None
            state.level = level
            state.since = reading.phenomenon_time
            state.last_value = reading.result
            state.last_time = reading.phenomenon_time
            changed[use.code] = state
            events.append(
                AlertEvent(
                    datastream=datastream,
                    use=use.code,
                    kind=kind,
                    level=level,
                    value=reading.result,
                    phenomenon_time=reading.phenomenon_time,
                )
            )
        quiet = all(s.level == 0 for s in states.values())
    for state in changed.values():
        state.save()
    if not events:
        return []
    created = AlertEvent.objects.bulk_create(events)
    if any(e.pk is None for e in created):  # backends without RETURNING on bulk insert
        created = list(
            AlertEvent.objects.filter(datastream=datastream).order_by("-id")[: len(events)]
        )[::-1]
    _queue_deliveries(datastream, created)
    return created


def _queue_deliveries(datastream: Datastream, events: list[AlertEvent]) -> None:
    subscriptions = list(
        Subscription.objects.filter(
            stations=datastream.thing_id, confirmed_at__isnull=False, cancelled_at__isnull=True
        )
    )
    rows = [
        AlertDelivery(event=event, subscription=sub)
        for event in events
        for sub in subscriptions
        if event.use in sub.uses
    ]
    AlertDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        from tinhso.sensors.tasks import deliver_alert

        for event_id in sorted({row.event.pk for row in rows}):
            transaction.on_commit(partial(deliver_alert.delay, event_id))
