"""The results app's subscriber to the dossier-changed event (ADR 0009): signing e-results.

When a dossier gets its result (the ``issue_result`` action) the e-result is numbered, signed and
delivered by ``sign_result_task``; ``services.issue_result`` then records a "result signed" event,
to which the notifications app reacts by telling the applicant: signed first, told after.
``issue_result`` is idempotent, so an event delivered twice signs one result.
"""

from tinhso.dossiers.models import DossierEvent
from tinhso.results import tasks


def sign_results(event: DossierEvent) -> None:
    if event.kind == DossierEvent.Kind.ACTION and event.action == "issue_result":
        tasks.sign_result_task.delay(event.dossier_id)
