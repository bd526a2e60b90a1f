"""The results app's subscriber to the dossier-changed event (ADR 0009): signing e-results.

When the leader approves a dossier (``approve``) its e-result is numbered, rendered from the
specialist's draft and signed by ``sign_result_task``; when the clerk hands it over
(``issue_result``) the same task delivers it to the applicant's store and records a "result
signed" event, to which the notifications app reacts by telling the applicant. ``issue_result``
is idempotent, so an event delivered twice signs one result, and a dossier approved before
results were signed at approval is signed at its hand-over.
"""

from tinhso.dossiers.models import DossierEvent
from tinhso.results import tasks

SIGNING_ACTIONS = frozenset({"approve", "issue_result"})


def sign_results(event: DossierEvent) -> None:
    if event.kind == DossierEvent.Kind.ACTION and event.action in SIGNING_ACTIONS:
        tasks.sign_result_task.delay(event.dossier_id)
