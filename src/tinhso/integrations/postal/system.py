"""Shipments of results by post through the outbox (issue 17, spec §9).

``handle`` is a batch subscriber of the dossier-changed event (ADR 0009), named ``postal``: the
event that brings a dossier to ``result_ready`` (the "issue result" action) of a dossier whose
applicant chose postal return becomes one outbox item for system ``buudien``, operation
``order``, keyed by the dossier code (the outbox's unique system/operation/event makes a second
delivery a no-op, and a rolled-back change has no event at all).

``PostalSystem.deliver`` runs in the worker: it builds the order from the dossier as it is then,
sends it (``client.PostalClient.create_order``, idempotent by OrderNumber = dossier code) and
records the ``Shipment``. The dossier itself is returned by post only when the post accepts the
parcel (``tracking``).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tinhso.dossiers import events
from tinhso.dossiers.models import Dossier, DossierEvent, Status
from tinhso.integrations import outbox
from tinhso.integrations.postal.client import SYSTEM, PostalClient, Reply, notification_url
from tinhso.integrations.postal.filing import receiver_phone
from tinhso.integrations.postal.models import Shipment
from tinhso.integrations.systems import Outcome, OutsideSystem

if TYPE_CHECKING:
    from tinhso.integrations.models import OutboxItem

SUBSCRIBER = "postal"
OPERATION = "order"
LABEL = "Bưu chính (VNPost)"


def order_message(dossier: Dossier) -> dict[str, Any]:
    """The order of ``dossier``'s result (docs/postal.md; the field names of Thanh Hóa's VNPost
    settings, spec §9)."""
    sender = dossier.receiving_agency or dossier.agency
    return {
        "OrderNumber": dossier.code,
        "SenderName": sender.name[:200],
        "SenderAddress": sender.address[:300],
        "SenderTel": sender.phone[:20],
        "ReceiverName": dossier.applicant_name[:200],
        "ReceiverAddress": (dossier.postal_address or dossier.applicant_address)[:300],
        "ReceiverProvince": str(settings.TINHSO_POSTAL_RECEIVER_PROVINCE),
        "ReceiverTel": receiver_phone(dossier),
        "ReceiverEmail": dossier.applicant_email[:254],
        "Content": (_("Kết quả giải quyết TTHC, hồ sơ %(code)s") % {"code": dossier.code})[:200],
        "NotificationUrl": notification_url(),
    }


class PostalSystem(OutsideSystem):
    """The post (``TINHSO_POSTAL_*``)."""

    name = SYSTEM
    label = LABEL

    def __init__(self, client_factory: Callable[[], PostalClient] | None = None) -> None:
        self.client_factory = client_factory or PostalClient

    def deliver(self, item: "OutboxItem") -> Outcome:
        dossier = (
            Dossier.objects.select_related("agency", "receiving_agency")
            .filter(pk=item.dossier_id or 0)
            .first()
        )
        if dossier is None:
            return Outcome.rejected(_("Không tìm thấy hồ sơ để gửi bưu chính."))
        if Shipment.objects.filter(dossier=dossier).exists():
            return Outcome.delivered()  # created by an earlier attempt
        if dossier.return_method != "postal" or dossier.status != Status.RESULT_READY:
            return Outcome.rejected(_("Hồ sơ không còn chờ trả kết quả qua bưu chính."))
        message = order_message(dossier)
        if not message["ReceiverAddress"].strip():
            return Outcome.rejected(_("Hồ sơ chưa có địa chỉ nhận kết quả qua bưu chính."))
        reply = self.client_factory().create_order(message, attempt=int(item.attempts) + 1)
        if not reply.ok:
            return _outcome(reply)
        item_code = reply.body.get("ItemCode") if isinstance(reply.body, dict) else None
        if not isinstance(item_code, str) or not item_code.strip():
            return Outcome.retry(_("Bưu điện không trả mã vận đơn (ItemCode)."))
        _record(dossier, item_code.strip()[:32], message)
        return Outcome.delivered()


def _record(dossier: Dossier, item_code: str, message: dict[str, Any]) -> None:
    try:
        with transaction.atomic():
            Shipment.objects.get_or_create(
                dossier=dossier,
                defaults={
                    "item_code": item_code,
                    "receiver_address": message["ReceiverAddress"],
                    "receiver_province": message["ReceiverProvince"],
                },
            )
    except IntegrityError:  # recorded concurrently (an expired lease): one shipment stands
        pass


def _outcome(reply: Reply) -> Outcome:
    error = reply.message or reply.kind
    if reply.kind == "rejected":
        return Outcome.rejected(error)
    return Outcome.retry(error, retry_after=reply.retry_after,
                         unknown_outcome=reply.unknown_outcome)  # fmt: skip


# --- the subscriber -----------------------------------------------------------------------------


def handle(batch: list[DossierEvent]) -> None:
    """Owe the post one order per dossier that reached ``result_ready`` for postal return."""
    if not settings.TINHSO_POSTAL_ENABLED:
        return
    ready = [
        e for e in batch if e.to_status == Status.RESULT_READY and e.from_status != e.to_status
    ]
    if not ready:
        return
    postal = dict(
        Dossier.objects.filter(pk__in={e.dossier_id for e in ready}, return_method="postal")
        .exclude(code__isnull=True)
        .exclude(code="")
        .values_list("pk", "code")
    )
    outbox.enqueue_many(
        outbox.NewItem(
            system=SYSTEM,
            operation=OPERATION,
            key=str(postal[event.dossier_id]),
            dossier_id=event.dossier_id,
            source_event_id=event.pk,
        )
        for event in ready
        if event.dossier_id in postal
    )


def catch_up() -> int:
    """Deliver the pending dossier events to this subscriber now (tests, the command)."""
    return events.deliver(SUBSCRIBER)
