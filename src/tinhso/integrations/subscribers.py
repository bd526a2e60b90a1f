"""The national portal is owed a sync for every change of a filed dossier (R-NAT-020..034).

A batch subscriber of the dossier-changed event (``tinhso.dossiers.events``, ADR 0009), named
``integrations``: the event rows are written in the dossier's own transaction and delivered here
at least once, after the commit; each becomes one outbox item for system ``dvcqg``, operation
``sync``, keyed by the dossier's code. The item's unique (system, operation, source event) makes a
second delivery of the same event a no-op. Nothing is sent from here: the outbox's worker does
that (``tinhso national sync``), and since the portal's messages carry the dossier's whole state,
the items of one dossier are merged at send time (the system's ``coalesce``).

Not enqueued: drafts (never synchronised, R-ST-1), the saving of a draft, and the deadline
alerts (internal reminders that change nothing the portal holds).
"""

from django.conf import settings

from tinhso.dossiers import events
from tinhso.dossiers.models import Dossier, DossierEvent, Status
from tinhso.integrations import outbox

SUBSCRIBER = "integrations"
SYSTEM = "dvcqg"
OPERATION = "sync"
SKIPPED_KINDS = frozenset({DossierEvent.Kind.DRAFT_SAVED, DossierEvent.Kind.DEADLINE_ALERT})


def handle(batch: list[DossierEvent]) -> None:
    if not settings.TINHSO_NATIONAL_SYNC:  # the province is not connected to the portal (yet)
        return
    wanted = [event for event in batch if event.kind not in SKIPPED_KINDS]
    if not wanted:
        return
    filed = (
        Dossier.objects.filter(pk__in={event.dossier_id for event in wanted})
        .exclude(status=Status.DRAFT)
        .values_list("pk", "code")
    )
    codes = {pk: code for pk, code in filed if code}
    outbox.enqueue_many(
        outbox.NewItem(
            system=SYSTEM,
            operation=OPERATION,
            key=codes[event.dossier_id],
            dossier_id=event.dossier_id,
            source_event_id=event.pk,
        )
        for event in wanted
        if event.dossier_id in codes
    )


def catch_up() -> int:
    """Deliver the pending dossier events to this subscriber now (tests, the command)."""
    return events.deliver(SUBSCRIBER)


def connect() -> None:
    events.register_batch(SUBSCRIBER, handle)


def disconnect() -> None:
    events.unregister(SUBSCRIBER)
