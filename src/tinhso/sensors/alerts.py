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

Each event (a :class:`SalinityAlert` row) gets one message per active subscription that follows
the station and the use, recorded in the ingest transaction as a notifications ``Delivery``
(topic ``salinity_alert``, key ``<alert id>:<subscription id>``) and sent after the commit, with
retries, by the notifications outbox.
"""

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.utils import translation

from tinhso.notifications.outbox import Outgoing, send_many
from tinhso.sensors.models import AlertState, Datastream, SalinityAlert, Subscription, Thing
from tinhso.sensors.readings import Reading
from tinhso.sensors.services import alert_text
from tinhso.sensors.thresholds import uses

TOPIC = "salinity_alert"  # the notifications topic of the messages to subscribers


def clear_after() -> datetime.timedelta:
    return datetime.timedelta(
        hours=float(getattr(settings, "TINHSO_SALINITY_CLEAR_AFTER_HOURS", 25))
    )


def evaluate(datastream: Datastream, readings: Sequence[Reading]) -> list[SalinityAlert]:
    """Run the readings (oldest first, all newer than the stored latest) through the states."""
    return evaluate_many({datastream: list(readings)})


def evaluate_many(batch: dict[Datastream, list[Reading]]) -> list[SalinityAlert]:
    """Run each datastream's present readings through its states; writes are set-based.

    One query loads the raised states of every datastream in the batch (a missing row means
    level 0, the same as a stored row at level 0); a datastream whose readings all lie where no
    state can move (:func:`_idle`) is skipped without looking at each reading. Changed states
    are upserted, events inserted and deliveries queued once for the whole batch.
    """
    states: dict[int, dict[str, AlertState]] = {ds.pk: {} for ds in batch}
    raised = AlertState.objects.filter(datastream__in=list(states), level__gt=0)
    for state in raised:
        states[state.datastream_id][state.use] = state
    dwell = clear_after()
    events: list[SalinityAlert] = []
    changed: list[AlertState] = []
    for ds, readings in batch.items():
        if not readings or _idle(states[ds.pk], readings, dwell):
            continue
        readings = sorted(readings, key=lambda r: r.phenomenon_time)
        _run(ds, states[ds.pk], readings, dwell, events, changed)
    if changed:  # one upsert: a row may exist (raised, or at level 0 and not loaded) or not
        fields = ["level", "since", "last_value", "last_time", "below_since"]
        rows = [
            AlertState(
                datastream_id=s.datastream_id, use=s.use, **{f: getattr(s, f) for f in fields}
            )
            for s in changed
        ]
        AlertState.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["datastream", "use"], update_fields=fields
        )
    if not events:
        return []
    created = SalinityAlert.objects.bulk_create(events)
    if any(e.pk is None for e in created):  # backends without RETURNING on bulk insert
        created = list(SalinityAlert.objects.order_by("-id")[: len(events)])[::-1]
    _queue_deliveries(created)
    return created


def _idle(
    states: dict[str, AlertState], readings: Sequence[Reading], dwell: datetime.timedelta
) -> bool:
    """True when none of ``readings`` (in any order) can change a state or raise an event.

    Per use: quiet (level 0) stays quiet below the limit; raised at level n with no wait running
    stays put from the clearing line up to the next level; raised with a wait running stays put
    below the clearing line until the wait is over.
    """
    values = [r.result for r in readings]
    low, high = min(values), max(values)
    last = max(r.phenomenon_time for r in readings)
    for use in uses().values():
        state = states.get(use.code)
        if state is None or state.level == 0:
            if high >= use.threshold:
                return False
        elif state.below_since is None:
            if low < use.clear_below or use.level(high) > state.level:
                return False
        elif high >= use.clear_below or last - state.below_since >= dwell:
            return False
    return True


def _run(
    datastream: Datastream,
    states: dict[str, AlertState],
    readings: Sequence[Reading],
    dwell: datetime.timedelta,
    events: list[SalinityAlert],
    changed: list[AlertState],
) -> None:
    """Move the states reading by reading (oldest first); append events and changed states."""
    all_uses = uses()
    lowest_clear = min(u.clear_below for u in all_uses.values())
    quiet = all(s.level == 0 for s in states.values())
    touched: dict[str, AlertState] = {}
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
                kind = SalinityAlert.Kind.RAISED
            elif state.level > 0 and level > state.level:
                kind = SalinityAlert.Kind.ESCALATED
            elif state.level > 0 and reading.result < use.clear_below:
                if state.below_since is None:
                    state.below_since = reading.phenomenon_time
                    touched[use.code] = state
                if reading.phenomenon_time - state.below_since >= dwell:
                    kind, level = SalinityAlert.Kind.CLEARED, 0
            elif state.level > 0 and state.below_since is not None:
                state.below_since = None  # back above the clearing line: the wait restarts
                touched[use.code] = state
            if kind is None:
                continue
            state.below_since = None
            state.level = level
            state.since = reading.phenomenon_time
            state.last_value = reading.result
            state.last_time = reading.phenomenon_time
            touched[use.code] = state
            events.append(
                SalinityAlert(
                    datastream=datastream,
                    use=use.code,
                    kind=kind,
                    level=level,
                    value=reading.result,
                    phenomenon_time=reading.phenomenon_time,
                )
            )
        quiet = all(s.level == 0 for s in states.values())
    changed += touched.values()


def _queue_deliveries(events: list[SalinityAlert]) -> None:
    """Record one message per event and following subscription; sent after the commit."""
    thing_ids = {event.datastream.thing_id for event in events}
    followers: dict[int, list[Subscription]] = {}
    links = Subscription.stations.through.objects.filter(
        thing_id__in=thing_ids,
        subscription__confirmed_at__isnull=False,
        subscription__cancelled_at__isnull=True,
    ).select_related("subscription")
    for link in links:
        followers.setdefault(link.thing_id, []).append(link.subscription)
    pairs = [
        (event, sub)
        for event in events
        for sub in followers.get(event.datastream.thing_id, ())
        if event.use in sub.uses
    ]
    if not pairs:
        return
    things = Thing.objects.in_bulk(thing_ids)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for event, sub in pairs:
            event.datastream.thing = things[event.datastream.thing_id]
            subject, body = alert_text(event, event.datastream, sub.token)
            messages.append(
                Outgoing(
                    key=f"{event.pk}:{sub.pk}",
                    medium=sub.medium,
                    recipient=sub.contact,
                    subject=subject,
                    body=body,
                )
            )
    send_many(topic=TOPIC, messages=messages)
