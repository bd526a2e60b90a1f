"""The result panel of the back-office dossier page (issue 15): the specialist fills the fields of
the procedure's result paper and/or uploads the paper another system produced; the leader reads
the draft rendered as it will be signed before approving; afterwards the officials open the signed
result and its public verification page. The views are in ``views.py``; the rules live in
``tinhso.results.services`` (the same use cases as ``POST /api/v1/dossiers/{code}/result`` and
``…/result/file``).
"""

from dataclasses import dataclass
from typing import Any

from tinhso.accounts.models import User
from tinhso.dossiers.models import Dossier
from tinhso.procedures.forms import SchemaForm
from tinhso.results import selectors, services
from tinhso.results.models import ResultDocument, ResultDraft

FILE_FIELD = "ket_qua_pdf"


@dataclass
class ResultPanel:
    paper: dict[str, Any]
    draft: ResultDraft | None
    document: ResultDocument | None
    form: SchemaForm | None  # for the specialist while the result may be prepared
    file_error: str
    refusal: str  # why the approval would be refused now ("" when it would not)
    can_read_draft: bool


def panel(
    user: User,
    dossier: Dossier,
    *,
    form: SchemaForm | None = None,
    file_error: str = "",
) -> ResultPanel | None:
    """What the dossier page shows about the result, or None when there is nothing to show (no
    result paper declared and no signed result)."""
    version = dossier.procedure_version
    paper = version.main_result_paper
    document = ResultDocument.objects.filter(dossier=dossier, signed_at__isnull=False).first()
    if not paper and document is None:
        return None
    draft = selectors.draft_of(dossier)
    may_read = selectors.is_agency_official(user, dossier)
    preparing = (
        document is None and services.can_prepare(user, dossier) and services.is_preparable(dossier)
    )
    if preparing and form is None:
        form = SchemaForm(version.result_schema, initial=draft.fields if draft else {})
    return ResultPanel(
        paper=paper,
        draft=draft,
        document=document,
        form=form if preparing else None,
        file_error=file_error,
        refusal=services.draft_refusal(version, draft) if document is None else "",
        can_read_draft=may_read and draft is not None and document is None,
    )
