"""The operations centre follows the dossier events, off the request path.

It subscribes to the dossier-changed event (``tinhso.dossiers.events``, ADR 0009) as a batch
subscriber named ``ioc``: after each commit, and every minute from beat, the dispatcher hands it
the events after its cursor, up to ``events.BATCH`` at a time, and ``handle`` refreshes the facts
of the dossiers they name in one transaction (``aggregates.refresh_many``). The dossier's own
transaction writes only its event row; nothing of the operations centre runs inside it (ADR 0013).

Each refresh recomputes a dossier's fact from what the dossier is now, so delivering an event
twice (delivery is at least once) changes nothing. Every write that changes what a fact reads
(the dossier, its attachments, its rating, its signed e-result) records an event in its
transaction; ``tinhso/tests/test_event_path.py`` fails on a ``QuerySet.update()`` of those
models outside the use cases that do.

How far behind the figures are is ``lag()``, shown on the operations pages.
"""

from tinhso.dossiers import events
from tinhso.dossiers.models import DossierEvent
from tinhso.ioc import aggregates

SUBSCRIBER = "ioc"


def handle(batch: list[DossierEvent]) -> None:
    aggregates.refresh_many(event.dossier_id for event in batch)


def catch_up() -> int:
    """Deliver the pending events to the operations centre now (tests, bulk loads, the
    ``tinhso dossier_events --dispatch`` delivers to every subscriber); returns how many it
    handled."""
    return events.deliver(SUBSCRIBER)


def lag() -> events.Lag:
    return events.subscriber_lag(SUBSCRIBER)


def freshness() -> dict[str, object]:
    """How current the figures are, for the operations pages and the API: the dossier changes
    not yet counted, how long the oldest has waited, and the time of the last one counted."""
    current = lag()
    return {
        "pending_changes": current.pending,
        "lag_seconds": round(current.seconds(), 1),
        "counted_up_to": current.handled_up_to,
    }


def connect() -> None:
    events.register_batch(SUBSCRIBER, handle)


def disconnect() -> None:
    """For benchmarks that measure the dossier path without its consumers."""
    events.unregister(SUBSCRIBER)
