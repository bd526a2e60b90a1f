"""E-receipts (biên lai điện tử) for succeeded payments.

``issue_receipt(payment_id)`` renders the receipt from ``payments/receipt.html`` with the
documents app's WeasyPrint helpers (embedded Be Vietnam Pro font), stores the PDF once through
Django storage with its SHA-256, records an immutable ``EReceipt`` and, when the dossier has an
applicant account, puts a copy in the applicant's personal store (``StoredDocument``, kind
"receipt"). It runs after the payment has committed: ``services.confirm_payment`` calls
``enqueue_receipt(payment.pk)``, which queues ``issue_receipt_task`` with
``transaction.on_commit``.
"""

import datetime
import hashlib
import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.documents import pdf
from tinhso.documents.formatting import local
from tinhso.payments.models import EReceipt, Payment, PaymentStatus
from tinhso.payments.providers import get_provider
from tinhso.stores.models import StoredDocument

logger = logging.getLogger(__name__)

PAID_STATUSES = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)

# --- amounts in Vietnamese words ---------------------------------------------------------------

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _hundreds(number: int, full: bool) -> list[str]:
    """Words for 0 < number < 1000; ``full`` writes "không trăm" / "linh" inside a larger number."""
    hundreds, tens, ones = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if ones and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if ones == 1 and tens >= 2:
        words.append("mốt")
    elif ones == 5 and tens >= 1:
        words.append("lăm")
    elif ones == 4 and tens >= 2:
        words.append("tư")
    elif ones:
        words.append(_DIGITS[ones])
    return words


def _below_billion(number: int, full: bool) -> list[str]:
    words: list[str] = []
    for value, unit in (
        (number // 1_000_000, "triệu"),
        (number // 1000 % 1000, "nghìn"),
        (number % 1000, ""),
    ):
        if value:
            words += _hundreds(value, full or bool(words))
            if unit:
                words.append(unit)
    return words


def _words(number: int) -> list[str]:
    if number >= 1_000_000_000:
        high, low = divmod(number, 1_000_000_000)
        return [*_words(high), "tỷ", *(_below_billion(low, True) if low else [])]
    return _below_billion(number, False)


def amount_in_words(amount: int) -> str:
    """100000 -> "Một trăm nghìn đồng"; 1005000 -> "Một triệu không trăm linh năm nghìn đồng".

    Always Vietnamese (the receipt's language), as accounting documents write it: "mười",
    "mươi", "mốt", "lăm", "tư", "linh"; groups that are all zero are left out.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    if amount == 0:
        return "Không đồng"
    text = " ".join(_words(amount))
    return f"{text[0].upper()}{text[1:]} đồng"


# --- rendering ---------------------------------------------------------------------------------


def _method_label(payment: Payment) -> str:
    succeeded = payment.events.filter(kind="succeeded").order_by("seq").first()
    confirmation = succeeded.data if succeeded is not None else {}
    return get_provider(payment.provider).receipt_method(payment, confirmation)


def _collector(payment: Payment) -> str:
    succeeded = payment.events.filter(kind="succeeded").select_related("actor").first()
    if succeeded is None or succeeded.actor is None:
        return ""
    return succeeded.actor.display_name


def receipt_number(payment: Payment) -> str:
    """The receipt number is the payment reference: unique, printed, and in the bank note."""
    return payment.reference


def receipt_context(payment: Payment) -> dict[str, Any]:
    dossier = payment.dossier
    assert payment.paid_at is not None
    return {
        "payment": payment,
        "dossier": dossier,
        "number": receipt_number(payment),
        "agency": dossier.agency,
        "receiving_agency": dossier.receiving_agency
        if dossier.receiving_agency_id != dossier.agency_id
        else None,
        "procedure_name": dossier.procedure_version.name,
        "amount_words": amount_in_words(payment.amount),
        "method": _method_label(payment),
        "collector": _collector(payment),
        "paid_at": payment.paid_at,
        "place": settings.TINHSO_PROVINCE_NAME,
        "qr": pdf.qr_png_data_uri(dossier.code or payment.reference),
    }


def render_receipt_html(payment: Payment) -> str:
    """The receipt as HTML: always Vietnamese, every user value autoescaped."""
    with translation.override("vi"):
        return render_to_string("payments/receipt.html", receipt_context(payment))


def render_receipt(payment: Payment) -> bytes:
    return pdf.html_to_pdf(render_receipt_html(payment))


# --- issuing -----------------------------------------------------------------------------------


def issue_receipt(payment_id: int) -> EReceipt:
    """Render, store and record the e-receipt of a paid payment; idempotent.

    An e-receipt already issued is returned unchanged. If recording fails (including losing a
    race to another worker) the files just written are deleted, so storage holds no file
    without its row. Must run after the payment committed (see ``enqueue_receipt``).
    """
    existing = EReceipt.objects.filter(payment_id=payment_id).first()
    if existing is not None:
        return existing
    payment = Payment.objects.select_related(
        "dossier__procedure_version",
        "dossier__agency",
        "dossier__receiving_agency",
        "dossier__applicant",
    ).get(pk=payment_id)
    if payment.status not in PAID_STATUSES or payment.paid_at is None:
        raise ValueError(f"payment {payment.reference} was never paid: no receipt")
    content = render_receipt(payment)
    digest = hashlib.sha256(content).hexdigest()
    number = receipt_number(payment)
    written: list[str] = []
    try:
        name = default_storage.save(f"receipts/{payment.pk}/{number}.pdf", ContentFile(content))
        written.append(name)
        dossier = payment.dossier
        copy_name = None
        if dossier.applicant_id is not None:
            month = local(payment.paid_at).strftime("%Y/%m")
            copy_name = default_storage.save(
                f"stores/{month}/bien-lai-{number}.pdf", ContentFile(content)
            )
            written.append(copy_name)
        with transaction.atomic():
            stored = None
            if copy_name is not None:
                assert dossier.applicant is not None
                with translation.override("vi"):
                    title = _("Biên lai thu phí, lệ phí — hồ sơ %(code)s") % {"code": dossier.code}
                stored = StoredDocument.objects.create(
                    owner=dossier.applicant,
                    kind=StoredDocument.Kind.RECEIPT,
                    title=title,
                    file=copy_name,
                    content_type="application/pdf",
                    size=len(content),
                    sha256=digest,
                    document_number=number,
                    dossier=dossier,
                    issuer=dossier.agency,
                    issued_at=payment.paid_at,
                )
            receipt = EReceipt.objects.create(
                payment=payment,
                number=number,
                file=name,
                sha256=digest,
                size=len(content),
                issued_at=timezone.now(),
                stored_document=stored,
            )
    except IntegrityError:
        _delete(written)
        existing = EReceipt.objects.filter(payment_id=payment_id).first()
        if existing is None:
            raise
        return existing
    except BaseException:
        _delete(written)
        raise
    logger.info("issued e-receipt %s for payment %s", number, payment.pk)
    return receipt


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def issue_receipt_task(payment_id: int) -> int:
    """Issue the e-receipt of payment ``payment_id``; returns the EReceipt id. Idempotent."""
    return issue_receipt(payment_id).pk


def enqueue_receipt(payment_id: int) -> None:
    """Queue the e-receipt once the current transaction commits (call inside it).

    ``robust``: a broker that cannot take the task must not turn a recorded payment into an
    error answer (a payment gateway would then notify again); ``sweep_missing_receipts`` issues
    the receipt later."""
    transaction.on_commit(lambda: issue_receipt_task.delay(payment_id), robust=True)


RECEIPT_SWEEP_WINDOW = datetime.timedelta(hours=6)
RECEIPT_SWEEP_LIMIT = 10_000


@shared_task
def sweep_missing_receipts() -> int:
    """Queue again the e-receipts whose task was lost (Celery beat); returns how many.

    A payment paid in the last hours, longer ago than ``TINHSO_CATCHUP_GRACE_SECONDS``, with no
    e-receipt is queued again (ADR 0012): the task given to the broker at commit may have been
    lost with it (Redis restarted without persistence, or unreachable at that moment).
    ``issue_receipt`` is idempotent, so a receipt still waiting in a long queue is not issued
    twice."""
    now = timezone.now()
    grace = datetime.timedelta(seconds=settings.TINHSO_CATCHUP_GRACE_SECONDS)
    missing = list(
        Payment.objects.filter(
            status__in=PAID_STATUSES,
            paid_at__gte=now - RECEIPT_SWEEP_WINDOW,
            paid_at__lt=now - grace,
            receipt__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:RECEIPT_SWEEP_LIMIT]
    )
    for payment_id in missing:
        issue_receipt_task.delay(payment_id)
    return len(missing)
