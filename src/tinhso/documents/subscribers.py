"""The documents app's subscriber to the dossier-changed event (ADR 0009): slips.

A transition that calls for a slip names it in its event's payload (``"slip": "receipt"`` …);
the slip is issued for that event's history entry. ``issue_slip`` is idempotent per
(dossier, kind, history entry), so an event delivered twice issues one slip.
"""

from tinhso.documents.tasks import issue_slip_task
from tinhso.dossiers.models import DossierEvent


def issue_slips(event: DossierEvent) -> None:
    kind = event.payload.get("slip")
    if kind and event.history_seq is not None:
        issue_slip_task.delay(event.dossier_id, kind, event.history_seq)
