"""Signed results into the citizen's data store on the national portal (spec §6.3, R-NAT-072).

``handle`` is a batch subscriber of the dossier-changed event (ADR 0009), named ``datastore``, as
``integrations/subscribers.py`` is for the national sync: the "result signed" event (recorded once,
when the clerk hands the result over and it is delivered to the citizen's Tỉnh Số store) becomes
one outbox item for system ``kho``, operation ``ketqua``, keyed by the dossier's code. A second
delivery of the same event is a no-op (the outbox's unique system/operation/event).

``DatastoreSystem.deliver`` is run by the outbox worker, never in a web request: it builds the
push message from the result as it is then (a result revoked meanwhile is not pushed), sends it
(``client.DatastoreClient.push``) and records what the store answered (``PushedResult``). The
store keeps one document per owner and ``SoKyHieu``, so a retry after a timeout stores nothing
twice (R-NAT-034).
"""

import base64
import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.dossiers import events
from tinhso.dossiers.models import Dossier, DossierEvent
from tinhso.integrations import outbox
from tinhso.integrations.datastore.client import SYSTEM, DatastoreClient, Reply
from tinhso.integrations.datastore.models import PushedResult
from tinhso.integrations.national.mapping import wire_time
from tinhso.integrations.systems import Outcome, OutsideSystem
from tinhso.results.models import ResultDocument

if TYPE_CHECKING:
    from tinhso.integrations.models import OutboxItem

SUBSCRIBER = "datastore"
OPERATION = "ketqua"
# A personal ID (CCCD, 12 digits) or a tax code (10 digits, or 10-3 for a branch): what the store
# keys a citizen's or an organisation's documents by (SoDinhDanhChuSoHuu, §6.2).
OWNER_NUMBER = re.compile(r"^(\d{12}|\d{10}(-\d{3})?)$")


def owner_number(dossier: Dossier) -> str:
    """Whose store the result goes to: the applicant's ID on the dossier, else the account's."""
    candidates = [dossier.applicant_id_number.strip()]
    if dossier.applicant is not None:
        candidates += [dossier.applicant.personal_id.strip(), dossier.applicant.tax_code.strip()]
    return next((c for c in candidates if OWNER_NUMBER.fullmatch(c)), "")


def result_code(dossier: Dossier) -> str:
    """MaKetQua: the procedure's main result paper's code, as the dossier sync's
    ``MaGiayToKetQua`` (R-NAT-025; UNCONFIRMED that it is the catalogue's MAKETQUA)."""
    papers = dossier.procedure_version.result_papers or []
    main = papers[0] if papers and isinstance(papers[0], dict) else {}
    return str(main.get("code", ""))


def push_message(result: ResultDocument, owner: str) -> dict[str, Any]:
    """The ``ketqua`` message of a signed result (our design, spec §6.3 [U])."""
    dossier = result.dossier
    with result.file.open("rb") as handle:
        content = handle.read()
    return {
        "SoDinhDanhChuSoHuu": owner,
        "MaHoSo": dossier.code,
        "MaKetQua": result_code(dossier),
        "TenGiayTo": (result.title or dossier.procedure_version.name)[:400],
        "SoKyHieu": result.number,
        "CoQuanChuQuan": result.agency.code,
        "NgayCap": wire_time(result.signed_at),
        "TepDinhKem": {
            "TenTep": f"{result.number.replace('/', '-')}.pdf",
            "DinhDang": "application/pdf",
            "NoiDung": base64.b64encode(content).decode(),
            "MaBam": hashlib.sha256(content).hexdigest(),
        },
    }


class DatastoreSystem(OutsideSystem):
    """Kho quản lý dữ liệu điện tử on the national portal (``TINHSO_DATASTORE_*``)."""

    name = SYSTEM
    label = "Kho quản lý dữ liệu điện tử (Cổng DVCQG)"

    def __init__(self, client_factory: Callable[[], DatastoreClient] | None = None) -> None:
        self.client_factory = client_factory or DatastoreClient

    def deliver(self, item: "OutboxItem") -> Outcome:
        result = (
            ResultDocument.objects.select_related(
                "agency", "dossier__applicant", "dossier__procedure_version"
            )
            .filter(pk=item.payload.get("result"))
            .first()
        )
        if result is None or not result.is_signed:
            return Outcome.rejected(_("Không tìm thấy kết quả đã ký để gửi vào kho dữ liệu."))
        if result.revoked:
            return Outcome.rejected(_("Kết quả đã bị thu hồi: không gửi vào kho dữ liệu."))
        owner = owner_number(result.dossier)
        if not owner:
            return Outcome.rejected(_("Chủ hồ sơ không có số định danh hoặc mã số thuế hợp lệ."))
        reply = self.client_factory().push(
            push_message(result, owner), key=item.key, attempt=int(item.attempts) + 1
        )
        if reply.ok:
            _record(result, owner, reply)
            return Outcome.delivered()
        return _outcome(reply)


def _record(result: ResultDocument, owner: str, reply: Reply) -> None:
    answer = reply.result if isinstance(reply.result, dict) else {}
    PushedResult.objects.update_or_create(
        result=result,
        defaults={
            "owner_number": owner,
            "national_id": str(answer.get("MaGiayTo", ""))[:64],
            "location": str(answer.get("DuongDan", ""))[:500],
            "pushed_at": timezone.now(),
        },
    )


def _outcome(reply: Reply) -> Outcome:
    error = reply.message or reply.kind
    if reply.kind == "rejected":
        return Outcome.rejected(error)
    return Outcome.retry(
        error, retry_after=reply.retry_after, unknown_outcome=reply.unknown_outcome
    )


# --- the subscriber -----------------------------------------------------------------------------


def handle(batch: list[DossierEvent]) -> None:
    """Owe the store one push per "result signed" event (the hand-over)."""
    if not settings.TINHSO_DATASTORE_ENABLED:
        return
    signed = [e for e in batch if e.kind == DossierEvent.Kind.RESULT_SIGNED]
    if not signed:
        return
    # A result whose owner has no personal ID or tax code has no store to go to: not owed.
    dossiers = Dossier.objects.filter(pk__in={e.dossier_id for e in signed}).select_related(
        "applicant"
    )
    codes = {d.pk: d.code for d in dossiers if d.code and owner_number(d)}
    outbox.enqueue_many(
        outbox.NewItem(
            system=SYSTEM,
            operation=OPERATION,
            key=codes[event.dossier_id],
            dossier_id=event.dossier_id,
            source_event_id=event.pk,
            payload={"result": event.payload.get("result")},
        )
        for event in signed
        if event.dossier_id in codes and event.payload.get("result")
    )


def catch_up() -> int:
    """Deliver the pending dossier events to this subscriber now (tests, the command)."""
    return events.deliver(SUBSCRIBER)
