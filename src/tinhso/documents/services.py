"""Rendering and issuing the standard slips (spec §6; docs/slips.md).

``render_slip`` turns a dossier and the history entry that caused the slip into PDF bytes;
``issue_slip`` renders once, stores the PDF through Django storage and records an immutable
``IssuedSlip`` (R-FORM-2). The control slip grows with the dossier, so it is usually rendered on
demand with ``render_control_slip``.

``issue_slip`` runs after the transition has committed (``issue_slip_task``, enqueued by the
slips subscriber of the dossier-changed event): it must not be called inside a transaction that
may still roll back, or the stored PDF would outlive its row.
"""

import datetime
import hashlib
import logging
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.documents import numbering, pdf
from tinhso.documents.formatting import VN_TZ, dong, working_days
from tinhso.documents.models import IssuedSlip, SlipKind
from tinhso.dossiers.models import TERMINAL, Channel, Dossier, HistoryEntry, Status, Timeliness

logger = logging.getLogger(__name__)

# The history action each slip is issued for; None = any (the control slip is a snapshot).
SLIP_ACTIONS: dict[str, frozenset[str] | None] = {
    SlipKind.RECEIPT: frozenset({"receive"}),
    SlipKind.SUPPLEMENT: frozenset({"request_supplement"}),
    SlipKind.REFUSAL: frozenset({"refuse"}),
    SlipKind.APOLOGY: frozenset({"apologize"}),
    SlipKind.STOP: frozenset({"stop", "withdraw"}),
    SlipKind.CONTROL: None,
}
# Slips issued by the counter (receiving agency); the others by the competent agency.
COUNTER_SLIPS = frozenset(
    {SlipKind.RECEIPT, SlipKind.SUPPLEMENT, SlipKind.REFUSAL, SlipKind.STOP, SlipKind.CONTROL}
)
QR_SLIPS = frozenset({SlipKind.RECEIPT, SlipKind.CONTROL})
FINISHED = frozenset({Status.RESULT_READY, *TERMINAL})
COUNTER_ACTIONS = frozenset({"receive", "return_result"})
APPLICANT_ROLE = "applicant"  # HistoryEntry.actor_role of the dossier's owner
# History actions that are a hand-over, i.e. a row of the control slip (R-LC-5).
HANDOVER_ACTIONS = (
    "receive",
    "complete_step",
    "approve",
    "send_back",
    "issue_result",
    "return_result",
)


def _handover_notes() -> dict[str, str]:
    return {
        "receive": _("Đã tiếp nhận"),
        "complete_step": _("Đã xử lý"),
        "approve": _("Đã phê duyệt"),
        "send_back": _("Trả lại để xử lý lại"),
        "issue_result": _("Đã có kết quả"),
        "return_result": _("Đã trả kết quả"),
    }


def _return_methods() -> dict[str, str]:
    return {
        "counter": _("Nhận trực tiếp tại Bộ phận Một cửa"),
        "postal": _("Qua dịch vụ bưu chính công ích"),
        "online": _("Nhận trực tuyến"),
    }


# --- rendering ------------------------------------------------------------------------------


def render_slip(kind: str, *, dossier: Dossier, entry: HistoryEntry | None) -> bytes:
    """Render slip ``kind`` for ``dossier`` as PDF bytes.

    ``entry`` is the history entry that caused the slip (its actor signs it, its time dates it);
    it is required for every kind but the control slip, where it limits the rows to the
    history up to that entry (``None`` = the whole history so far).
    """
    return pdf.html_to_pdf(render_slip_html(kind, dossier=dossier, entry=entry))


def render_control_slip(dossier: Dossier) -> bytes:
    """The control slip (phiếu kiểm soát) with every hand-over so far, rendered on demand."""
    return render_slip(SlipKind.CONTROL, dossier=dossier, entry=None)


def render_slip_html(kind: str, *, dossier: Dossier, entry: HistoryEntry | None) -> str:
    """The HTML behind ``render_slip``: always Vietnamese, every user value autoescaped."""
    kind = SlipKind(kind)
    _check_entry(kind, dossier, entry)
    with translation.override("vi"):
        context = _base_context(kind, dossier, entry)
        context.update(_CONTEXT_BUILDERS[kind](dossier, entry))
        return render_to_string(f"documents/{kind}.html", context)


def _check_entry(kind: str, dossier: Dossier, entry: HistoryEntry | None) -> None:
    actions = SLIP_ACTIONS[kind]
    if entry is None:
        if actions is not None:
            raise ValueError(f"slip {kind!r} needs the history entry that caused it")
        return
    if entry.dossier_id != dossier.pk:
        raise ValueError("history entry belongs to another dossier")
    if actions is not None and entry.action not in actions:
        raise ValueError(f"slip {kind!r} is not issued for action {entry.action!r}")


def _base_context(kind: str, dossier: Dossier, entry: HistoryEntry | None) -> dict[str, Any]:
    issue_date = entry.at if entry is not None else timezone.now()
    instrument = numbering.instrument_at(issue_date)  # the circular in force at the slip's date
    signer = _signer(entry)
    return {
        "kind": kind,
        "instrument": instrument,
        "form_number": numbering.printed_form_number(kind, instrument),
        "title": numbering.form_title(kind, instrument),
        "agency": _issuer(kind, dossier, entry),
        "dossier": dossier,
        "entry": entry,
        "procedure_name": dossier.procedure_version.name,
        "officer": signer.display_name if signer is not None else "",
        "place": settings.TINHSO_PROVINCE_NAME,
        "issue_date": issue_date,
        "qr": pdf.qr_png_data_uri(dossier.code or "") if kind in QR_SLIPS else "",
    }


def _issuer(kind: str, dossier: Dossier, entry: HistoryEntry | None) -> Agency:
    """The counter issues its slips; the competent agency the apology and its own stop."""
    if kind == SlipKind.STOP and entry is not None and entry.action == "stop":
        return dossier.agency
    return dossier.receiving_agency if kind in COUNTER_SLIPS else dossier.agency


def _signer(entry: HistoryEntry | None) -> User | None:
    """The official who acted; an applicant's own action (e.g. withdrawing online) has none."""
    if entry is None or entry.actor_role == APPLICANT_ROLE:
        return None
    return entry.actor


def _receipt_context(dossier: Dossier, entry: HistoryEntry | None) -> dict[str, Any]:
    version = dossier.procedure_version
    uploaded = Counter(a.document_code for a in dossier.attachments.all())
    documents = []
    for document in version.documents.all():
        files = uploaded.get(document.code, 0)
        if not document.required and files == 0:
            continue
        if dossier.is_online:
            form, quantity = _("Bản điện tử"), files or document.quantity
        else:
            form = _("Bản chính") if document.original else _("Bản sao")
            quantity = document.quantity
        documents.append({"name": document.name, "form": form, "quantity": quantity})
    if version.same_day:
        processing_time = _("Trong ngày")
    else:
        processing_time = working_days(version.processing_days_for(dossier.is_online))
    return {
        "documents": documents,
        "processing_time": processing_time,
        "return_method": _return_method(dossier),
        "fee": dong(dossier.fee_amount) if dossier.fee_amount else "",
        "channel": Channel(dossier.channel).label,
    }


def _return_method(dossier: Dossier) -> str:
    method = dossier.return_method or ("online" if dossier.is_online else "counter")
    text = _return_methods().get(method, method)
    if dossier.postal_address:
        text = f"{text}: {dossier.postal_address}"
    return text


def _supplement_context(dossier: Dossier, entry: HistoryEntry | None) -> dict[str, Any]:
    assert entry is not None
    items = entry.details.get("items") or []
    in_processing = entry.from_status not in ("", Status.SUBMITTED)
    return {
        "items": [str(item) for item in items],
        "reason": entry.comment,
        "legal_basis": dossier.procedure_version.legal_basis,
        "requested_by": dossier.agency if in_processing else None,
    }


def _refusal_context(dossier: Dossier, entry: HistoryEntry | None) -> dict[str, Any]:
    assert entry is not None
    return {"reason": entry.comment}


def _apology_context(dossier: Dossier, entry: HistoryEntry | None) -> dict[str, Any]:
    assert entry is not None
    previous = _aware(entry.details.get("previous_due_at")) or dossier.original_due_at
    return {
        "previous_due_at": previous,
        "new_due_at": _aware(entry.details.get("new_due_at")) or dossier.due_at,
        "reason": entry.comment,
        "receiving_agency": dossier.receiving_agency,
    }


def _aware(value: object) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    moment = parse_datetime(value)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment


def _stop_context(dossier: Dossier, entry: HistoryEntry | None) -> dict[str, Any]:
    assert entry is not None
    channel = entry.details.get("channel")
    if channel is None:
        channel = Channel.ONLINE if entry.actor_role == APPLICANT_ROLE else Channel.COUNTER
    settlement = entry.details.get("financial_settlement")
    if not settlement:
        if dossier.fee_amount:
            settlement = _(
                "Phí, lệ phí của hồ sơ: %(fee)s; việc hoàn trả (nếu có) thực hiện theo quy định."
            ) % {"fee": dong(dossier.fee_amount)}
        else:
            settlement = _("Hồ sơ không phát sinh phí, lệ phí.")
    return {
        "requested_by_applicant": entry.action == "withdraw",
        "request_channel": Channel(channel).label if channel in Channel.values else "",
        "stage": _status_label(entry.from_status),
        "step_name": entry.step_name,
        "reason": entry.comment,
        "settlement": str(settlement),
    }


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else ""


def _control_context(dossier: Dossier, entry: HistoryEntry | None) -> dict[str, Any]:
    entries = list(
        dossier.history.filter(action__in=HANDOVER_ACTIONS)
        .filter(**({"seq__lte": entry.seq} if entry is not None else {}))
        .select_related("actor", "agency")
        .order_by("seq")
    )
    notes = _handover_notes()
    rows = []
    for position, current in enumerate(entries):
        following = entries[position + 1] if position + 1 < len(entries) else None
        if following is not None:
            to_unit = _unit_of(dossier, following).name
            receiver = following.actor.display_name if following.actor else ""
        elif current.action == "return_result":
            to_unit, receiver = _("Tổ chức, cá nhân"), dossier.applicant_name
        elif entry is None and dossier.status not in FINISHED:
            to_unit = dossier.agency.name
            receiver = dossier.assignee.display_name if dossier.assignee else ""
        else:
            to_unit, receiver = "", ""
        rows.append(
            {
                "from_unit": _unit_of(dossier, current).name,
                "to_unit": to_unit,
                "step_name": current.step_name,
                "at": current.at,
                "giver": current.actor.display_name if current.actor else "",
                "receiver": receiver,
                "outcome": Timeliness(current.step_outcome).label if current.step_outcome else "",
                "note": current.comment or notes[current.action],
            }
        )
    status = entry.to_status if entry is not None else dossier.status
    return {"rows": rows, "status_label": _status_label(status)}


def _unit_of(dossier: Dossier, entry: HistoryEntry) -> Agency:
    """Receipt and return happen at the counter; other steps at the unit recorded on the entry."""
    if entry.action in COUNTER_ACTIONS:
        return dossier.receiving_agency
    return entry.agency if entry.agency is not None else dossier.agency


_CONTEXT_BUILDERS = {
    SlipKind.RECEIPT: _receipt_context,
    SlipKind.SUPPLEMENT: _supplement_context,
    SlipKind.REFUSAL: _refusal_context,
    SlipKind.APOLOGY: _apology_context,
    SlipKind.STOP: _stop_context,
    SlipKind.CONTROL: _control_context,
}


# --- issuing --------------------------------------------------------------------------------


def issue_slip(*, dossier_id: int, kind: str, history_seq: int) -> IssuedSlip:
    """Render, store and record slip ``kind`` for history entry ``history_seq`` of a dossier.

    Idempotent: a slip already issued for (dossier, kind, history_seq) is returned unchanged.
    If recording fails (including losing a race to another worker) the PDF just written is
    deleted, so storage holds no file without a row.
    """
    kind = SlipKind(kind)
    existing = _find_issued(dossier_id, kind, history_seq)
    if existing is not None:
        return existing
    dossier = Dossier.objects.select_related(
        "procedure_version", "agency", "receiving_agency", "assignee"
    ).get(pk=dossier_id)
    entry = dossier.history.select_related("actor", "agency").get(seq=history_seq)
    content = render_slip(kind, dossier=dossier, entry=entry)
    instrument = numbering.instrument_at(entry.at)
    name = default_storage.save(
        f"slips/{dossier_id}/{kind}-{history_seq}.pdf", ContentFile(content)
    )
    try:
        with transaction.atomic():
            slip = IssuedSlip.objects.create(
                dossier=dossier,
                kind=kind,
                instrument=instrument,
                form_number=numbering.printed_form_number(kind, instrument),
                history_seq=history_seq,
                issued_at=timezone.now(),
                issued_by=_signer(entry),
                file=name,
                sha256=hashlib.sha256(content).hexdigest(),
            )
    except IntegrityError:
        default_storage.delete(name)
        existing = _find_issued(dossier_id, kind, history_seq)
        if existing is None:
            raise
        return existing
    except BaseException:
        default_storage.delete(name)
        raise
    logger.info("issued %s slip for dossier %s (history #%s)", kind, dossier_id, history_seq)
    return slip


def _find_issued(dossier_id: int, kind: str, history_seq: int) -> IssuedSlip | None:
    return IssuedSlip.objects.filter(
        dossier_id=dossier_id, kind=kind, history_seq=history_seq
    ).first()
