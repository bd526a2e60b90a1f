"""The results app's rule on the leader's approval (``tinhso.dossiers.guards``): a procedure that
declares its result paper is approved only with the result prepared — the approval numbers and
signs that draft, so there must be one to sign."""

from tinhso.accounts.models import User
from tinhso.dossiers.guards import ActionGuard, Refusal
from tinhso.dossiers.models import Dossier
from tinhso.results.models import ResultDraft
from tinhso.results.services import draft_refusal


class ApprovalNeedsDraft(ActionGuard):
    action = "approve"

    def check(self, *, user: User, dossier: Dossier) -> Refusal | None:
        draft = ResultDraft.objects.filter(dossier_id=dossier.pk).first()
        reason = draft_refusal(dossier.procedure_version, draft)
        return Refusal(reason, "result") if reason else None
