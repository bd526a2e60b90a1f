"""Signal receivers that keep the aggregates live, in the transaction of each dossier change.

The dossier code is not touched: saving a Dossier, an Attachment, a Rating or a ResultDocument
refreshes the fact of the dossier concerned (``aggregates.refresh``). Saves that only touch
fields the operations centre does not read are skipped. Inside a use case of the dossier services
(``dossiers.batching.batch``) the saves are only noted and each dossier is refreshed once, at the
end of the use case, still in its transaction.
"""

from typing import Any

from django.db.models.signals import post_save

from tinhso.dossiers import batching
from tinhso.dossiers.models import Attachment, Dossier, Rating
from tinhso.ioc import aggregates
from tinhso.results.models import ResultDocument

DISPATCH_PREFIX = "ioc-aggregates"
# Dossier fields that never change a fact: a save touching only these is ignored.
IRRELEVANT_FIELDS = frozenset(
    {
        "history_seq",
        "updated_at",
        "search_text",
        "assignee",
        "deadline_alert",
        "step_position",
        "step_started_at",
        "postal_tracking",
        "postal_address",
        "return_method",
        "data",
    }
)


def dossier_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if update_fields is not None and set(update_fields) <= IRRELEVANT_FIELDS:
        return
    if not batching.note(instance.pk):
        aggregates.refresh(instance.pk)


def related_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if not batching.note(instance.dossier_id):
        aggregates.refresh(instance.dossier_id)


def batch_done(sender: Any, dossier_ids: frozenset[int], **kwargs: Any) -> None:
    for dossier_id in sorted(dossier_ids):  # a fixed order: concurrent batches lock alike
        aggregates.refresh(dossier_id)


def connect() -> None:
    post_save.connect(dossier_saved, sender=Dossier, dispatch_uid=f"{DISPATCH_PREFIX}-dossier")
    batching.dossiers_changed.connect(batch_done, dispatch_uid=f"{DISPATCH_PREFIX}-batch")
    for model in (Attachment, Rating, ResultDocument):
        post_save.connect(
            related_saved, sender=model, dispatch_uid=f"{DISPATCH_PREFIX}-{model.__name__}"
        )


def disconnect() -> None:
    """For benchmarks and bulk loads that build the aggregates afterwards in one pass."""
    post_save.disconnect(sender=Dossier, dispatch_uid=f"{DISPATCH_PREFIX}-dossier")
    batching.dossiers_changed.disconnect(dispatch_uid=f"{DISPATCH_PREFIX}-batch")
    for model in (Attachment, Rating, ResultDocument):
        post_save.disconnect(sender=model, dispatch_uid=f"{DISPATCH_PREFIX}-{model.__name__}")
