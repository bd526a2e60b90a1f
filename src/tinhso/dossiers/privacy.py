"""The dossiers of a person in their personal-data export (``tinhso.accounts.personal_data``): the
dossiers they own, each with its form, attachments (described, not the files) and the history
the applicant sees. Withdrawing consent leaves filed dossiers alone: the law requires them to be
handled and kept (Decree 13/2023/NĐ-CP, art. 17)."""

from typing import Any

from django.db.models import Q, QuerySet

from tinhso.accounts import personal_data
from tinhso.accounts.models import User
from tinhso.dossiers.models import Attachment, Dossier, HistoryEntry
from tinhso.dossiers.workflow import APPLICANT_COMMENTS


def owned_dossiers(user: User) -> QuerySet[Dossier]:
    """The dossiers of which ``user`` is the applicant, or which they filed for nobody with an
    account; drafts included."""
    return Dossier.objects.filter(
        Q(applicant_id=user.pk) | Q(applicant__isnull=True, filed_by_id=user.pk)
    )


def _history(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "comment": entry.comment if entry.action in APPLICANT_COMMENTS else "",
    }


def _dossier(d: Dossier, history: list[HistoryEntry], files: list[Attachment]) -> dict[str, Any]:
    return {
        "code": d.code,
        "procedure": {"code": d.procedure_version.procedure.code, "name": d.procedure_version.name},
        "status": d.status,
        "applicant": {
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "address": d.applicant_address,
        },
        "form": d.data,
        "created_at": d.created_at,
        "submitted_at": d.submitted_at,
        "due_at": d.due_at,
        "completed_at": d.completed_at,
        "fee_amount": d.fee_amount,
        "paid_amount": d.paid_amount,
        "attachments": [
            {
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_at": a.uploaded_at,
            }
            for a in files
        ],
        "history": [_history(h) for h in history],
    }


@personal_data.register
class DossierData(personal_data.PersonalData):
    id = "dossiers"
    order = 10

    def export(self, user: User) -> dict[str, Any]:
        dossiers = list(
            owned_dossiers(user).select_related("procedure_version__procedure").order_by("pk")
        )
        ids = [d.pk for d in dossiers]
        history: dict[int, list[HistoryEntry]] = {pk: [] for pk in ids}
        for entry in HistoryEntry.objects.filter(dossier_id__in=ids).order_by("dossier_id", "seq"):
            history[entry.dossier_id].append(entry)
        files: dict[int, list[Attachment]] = {pk: [] for pk in ids}
        for attachment in Attachment.objects.filter(dossier_id__in=ids).order_by("pk"):
            files[attachment.dossier_id].append(attachment)
        return {"dossiers": [_dossier(d, history[d.pk], files[d.pk]) for d in dossiers]}
