"""The national portal as an outside system of the outbox (spec §2, R-NAT-020..034).

One outbox item stands for "bring the portal up to date with this dossier": the whole current
dossier is sent (R-NAT-022, so the outbox may coalesce a dossier's items), then the progress
entries the portal has not accepted yet, in chunks of ten (R-NAT-020, R-NAT-026).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.dossiers.models import Dossier, Status
from tinhso.integrations.models import NationalSync
from tinhso.integrations.national import mapping
from tinhso.integrations.national.client import (
    PROGRESS,
    UPSERT,
    NationalClient,
    Reply,
)
from tinhso.integrations.national.statuses import NotSynchronised
from tinhso.integrations.systems import Outcome, OutsideSystem

if TYPE_CHECKING:
    from tinhso.integrations.models import OutboxItem

CHUNK = 10  # progress entries per call (R-NAT-026)
ALREADY_EXISTS = "đã tồn tại"
NOT_FOUND = "không tồn tại"
# R-NAT-021: the codes an "already exists" answer to an insert comes with.
ALREADY_EXISTS_CODES = frozenset({"0", "3", "-3"})
# UNCONFIRMED (spec §2.6, R-NAT-033 f): the error codes known to mean "the content was refused";
# any other code, and an answer we cannot read, is retried and refused only on the third try.
KNOWN_REJECTION_CODES = frozenset({"-1", "1", "3", "-3"})
UNCLEAR_TRIES = 3


class DvcqgSystem(OutsideSystem):
    """Cổng Dịch vụ công quốc gia through the province's gateway (``TINHSO_DVCQG_*``)."""

    name = "dvcqg"
    label = "Cổng Dịch vụ công quốc gia"
    coalesce = True

    def __init__(self, client_factory: Callable[[], NationalClient] | None = None) -> None:
        self.client_factory = client_factory or NationalClient

    def deliver(self, item: "OutboxItem") -> Outcome:
        """Upsert the dossier, then send its new progress; one ``Outcome`` for the whole item."""
        attempt = int(item.attempts) + 1
        try:
            dossier = mapping.load(int(item.dossier_id or 0))
        except Dossier.DoesNotExist:
            return Outcome.rejected(_("Không tìm thấy hồ sơ của mục đồng bộ."))
        if dossier.status == Status.DRAFT:
            return Outcome.delivered()  # a draft is never sent (and never enqueued)
        try:
            message = mapping.dossier_message(dossier)
            steps = mapping.progress_steps(dossier)
        except (mapping.InvalidDossierCode, NotSynchronised) as exc:
            return Outcome.rejected(str(exc))
        sync, _created = NationalSync.objects.get_or_create(dossier=dossier)
        client = self.client_factory()
        key = message["MaHoSo"]
        outcome = self._upsert(client, sync, message, item, key=key, attempt=attempt)
        if outcome is not None:
            return outcome
        return self._progress(client, sync, steps, key=key, attempt=attempt)

    # --- the dossier ----------------------------------------------------------------------------

    def _upsert(
        self,
        client: NationalClient,
        sync: NationalSync,
        message: dict[str, Any],
        item: "OutboxItem",
        *,
        key: str,
        attempt: int,
    ) -> Outcome | None:
        """Insert or update (R-NAT-021); after an unknown outcome never a blind insert
        (R-NAT-034). None when the portal holds the dossier now."""
        updating = (
            sync.state != NationalSync.State.NEVER or sync.insert_unknown or item.unknown_outcome
        )
        reply = _send(client, message, updating=updating, key=key, attempt=attempt)
        if not updating and _says(reply, ALREADY_EXISTS) and reply.code in ALREADY_EXISTS_CODES:
            updating = True  # it is there already: the same body as an update, at once
            reply = _send(client, message, updating=True, key=key, attempt=attempt)
        elif updating and sync.state == NationalSync.State.NEVER and _refused_unknown(reply):
            updating = False  # the insert that timed out never landed
            reply = _send(client, message, updating=False, key=key, attempt=attempt)
        if not reply.ok:
            if not updating and reply.unknown_outcome:
                sync.insert_unknown = True
                sync.save(update_fields=["insert_unknown"])
            return outcome_of(reply, attempt=attempt)
        sync.state = NationalSync.State.UPDATED if updating else NationalSync.State.INSERTED
        sync.insert_unknown = False
        sync.synced_at = timezone.now()
        sync.save(update_fields=["state", "insert_unknown", "synced_at"])
        return None

    # --- the progress ---------------------------------------------------------------------------

    def _progress(
        self,
        client: NationalClient,
        sync: NationalSync,
        steps: list[mapping.ProgressStep],
        *,
        key: str,
        attempt: int,
    ) -> Outcome:
        pending = [
            s
            for s in steps
            if (s.seq == 0 and not sync.receipt_sent) or s.seq > sync.progress_sent_upto
        ]
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start : start + CHUNK]
            reply = client.call(
                PROGRESS, {"data": [s.entry for s in chunk]}, key=key, attempt=attempt
            )
            if not reply.ok:
                return outcome_of(reply, attempt=attempt, progress=True)
            sync.progress_sent_upto = max([sync.progress_sent_upto, *(s.seq for s in chunk)])
            sync.receipt_sent = sync.receipt_sent or any(s.seq == 0 for s in chunk)
            sync.save(update_fields=["progress_sent_upto", "receipt_sent"])
        return Outcome.delivered()


def _send(
    client: NationalClient, message: dict[str, Any], *, updating: bool, key: str, attempt: int
) -> Reply:
    payload = {"isUpdating": mapping.true_false(updating), "data": [message]}
    return client.call(UPSERT, payload, key=key, attempt=attempt)


def _says(reply: Reply, phrase: str) -> bool:
    return phrase in reply.message.casefold()


def _refused_unknown(reply: Reply) -> bool:
    return not reply.ok and reply.kind == "rejected" and _says(reply, NOT_FOUND)


def outcome_of(reply: Reply, *, attempt: int, progress: bool = False) -> Outcome:
    """A failed reply as the outbox's ``Outcome`` (R-NAT-033): content refused → no retry;
    auth, timeout, 5xx, connection → back-off; 429 → at ``Retry-After``; an answer we cannot
    read, or an unknown error code → retried, refused on the third try (f)."""
    what = _("tiến trình") if progress else _("hồ sơ")
    if reply.kind == "rejected":
        text = _("Cổng DVCQG từ chối %(what)s (mã %(code)s): %(message)s") % {
            "what": what,
            "code": reply.code or reply.http_status,
            "message": reply.message[:500],
        }
        if reply.code in KNOWN_REJECTION_CODES or reply.http_status not in (None, 200):
            return Outcome.rejected(text)
        return Outcome.rejected(text) if attempt >= UNCLEAR_TRIES else Outcome.retry(text)
    if reply.kind == "garbage":
        text = _("Cổng DVCQG trả lời không đọc được (HTTP %(status)s): %(message)s") % {
            "status": reply.http_status,
            "message": reply.message[:200],
        }
        return Outcome.rejected(text) if attempt >= UNCLEAR_TRIES else Outcome.retry(text)
    if reply.kind == "rate_limited":
        return Outcome.retry(
            _("Cổng DVCQG yêu cầu gửi chậm lại (HTTP 429)."), retry_after=reply.retry_after
        )
    if reply.kind == "auth":
        return Outcome.retry(
            _("Không xác thực được với Cổng DVCQG: %(message)s") % {"message": reply.message[:300]}
        )
    if reply.kind == "server":
        return Outcome.retry(_("Cổng DVCQG lỗi máy chủ (HTTP %(s)s).") % {"s": reply.http_status})
    if reply.kind == "timeout":
        return Outcome.retry(
            _("Cổng DVCQG không trả lời kịp thời gian chờ."),
            unknown_outcome=reply.unknown_outcome and not progress,
        )
    return Outcome.retry(
        _("Không kết nối được Cổng DVCQG: %(m)s") % {"m": reply.message[:300]},
        unknown_outcome=reply.unknown_outcome and not progress,
    )
