"""Payment use cases. Confirmation is idempotent and applies a payment to its dossier exactly once."""

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.dossiers.models import TERMINAL, Dossier, Status
from tinhso.dossiers.services import record_payment
from tinhso.payments.models import Payment, PaymentEvent, PaymentStatus
from tinhso.payments.providers import (
    ProviderError,
    ProviderStatus,
    Started,
    get_provider,
    providers,
)

# Payment references travel in bank-transfer purposes, which allow few characters and lose
# punctuation: upper-case letters and digits only, without look-alikes (0/O, 1/I).
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class PaymentError(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def new_reference() -> str:
    return "TS" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def log_event(
    payment: Payment, kind: str, data: dict[str, Any] | None = None, actor: User | None = None
) -> None:
    payment.event_seq += 1
    PaymentEvent.objects.create(
        payment=payment, seq=payment.event_seq, kind=kind, data=data or {}, actor=actor
    )
    Payment.objects.filter(pk=payment.pk).update(event_seq=payment.event_seq)


def amount_due(dossier: Dossier) -> int:
    return max(dossier.fee_amount - dossier.paid_amount, 0)


def start_payment(
    *, user: User, dossier: Dossier, provider_id: str, request: HttpRequest | None = None
) -> tuple[Payment, Started]:
    """Open a pending payment for what the dossier still owes, and prepare the payer's next step."""
    if provider_id not in providers():
        raise PaymentError(_("Hình thức thanh toán không hợp lệ."), "provider", 400)
    provider = get_provider(provider_id)
    if dossier.status in TERMINAL or dossier.status == Status.DRAFT:
        raise PaymentError(_("Hồ sơ ở trạng thái này không cần thanh toán."), "dossier")
    amount = amount_due(dossier)
    if amount <= 0:
        raise PaymentError(_("Hồ sơ không còn khoản phí, lệ phí nào phải nộp."), "dossier")
    lifetime = provider.expires_after()
    with transaction.atomic():
        payment = Payment.objects.create(
            dossier=dossier,
            provider=provider.id,
            reference=new_reference(),
            amount=amount,
            created_by=user,
        )
        created: dict[str, Any] = {"amount": amount, "provider": provider.id}
        if lifetime is not None:  # counted from created_at, which VNPay gets as vnp_CreateDate
            payment.expires_at = payment.created_at + lifetime
            Payment.objects.filter(pk=payment.pk).update(expires_at=payment.expires_at)
            created["expires_at"] = payment.expires_at.isoformat()
        log_event(payment, "created", created, user)
        try:
            started = provider.start(payment, request)
        except ProviderError as exc:
            raise PaymentError(
                _(
                    "Cổng thanh toán tạm thời không sử dụng được; vui lòng thử lại sau hoặc chọn hình thức khác."
                ),
                "provider",
                503,
            ) from exc
        if started.redirect_url or started.qr_payload:
            payment.details = payment.details | {"started": True}
            Payment.objects.filter(pk=payment.pk).update(details=payment.details)
    return payment, started


def confirm_payment(
    *,
    reference: str,
    amount: int,
    provider_txn: str = "",
    source: str,
    data: dict[str, Any] | None = None,
    actor: User | None = None,
) -> tuple[Payment, bool]:
    """Mark a pending payment paid and apply it to its dossier. Returns (payment, applied_now).

    Safe under retries, duplicates and races: the row is locked, only a pending payment moves, and
    the database allows one applied payment per dossier. ``amount`` must equal the payment's.
    An expired payment is confirmed too (a gateway reporting it paid after its time: the money
    was taken); its ``succeeded`` event says ``after_expiry``.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(reference=reference).first()
        if payment is None:
            raise PaymentError(_("Không tìm thấy khoản thanh toán."), "reference", 404)
        if payment.amount != amount:
            log_event(
                payment,
                "amount_mismatch",
                {"expected": payment.amount, "received": amount, "source": source},
            )
            raise PaymentError(_("Số tiền không khớp với khoản phải nộp."), "amount", 400)
        if payment.status not in (PaymentStatus.PENDING, PaymentStatus.EXPIRED):
            log_event(
                payment, "duplicate_confirmation", {"source": source, "status": payment.status}
            )
            return payment, False
        if payment.status == PaymentStatus.EXPIRED:
            data = {"after_expiry": True} | (data or {})
        winner = (
            Payment.objects.filter(dossier=payment.dossier, status=PaymentStatus.SUCCEEDED)
            .exclude(pk=payment.pk)
            .first()
        )
        if winner is not None:  # the fee was already paid another way: never apply twice
            payment.move_to(PaymentStatus.CANCELLED)
            payment.save(update_fields=["status"])
            log_event(payment, "superseded", {"source": source, "paid_by": winner.reference})
            return payment, False
        payment.move_to(PaymentStatus.SUCCEEDED)
        payment.provider_txn = provider_txn
        payment.paid_at = timezone.now()
        try:
            with transaction.atomic():
                payment.save(update_fields=["status", "provider_txn", "paid_at"])
        except IntegrityError:
            raise PaymentError(_("Hồ sơ đã được thanh toán."), "dossier") from None
        log_event(
            payment,
            "succeeded",
            {"source": source, "provider_txn": provider_txn} | (data or {}),
            actor,
        )
        from tinhso.payments.receipts import enqueue_receipt  # loads WeasyPrint: imported on use

        enqueue_receipt(payment.pk)
        record_payment(
            dossier_id=payment.dossier_id,
            amount=payment.amount,
            online=get_provider(payment.provider).online,
            reference=payment.reference,
        )
    return payment, True


def fail_payment(
    *, reference: str, source: str, data: dict[str, Any] | None = None
) -> tuple[Payment, bool]:
    """Mark a pending payment failed (declined, expired). Idempotent."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(reference=reference).first()
        if payment is None:
            raise PaymentError(_("Không tìm thấy khoản thanh toán."), "reference", 404)
        if payment.status != PaymentStatus.PENDING:
            log_event(payment, "duplicate_failure", {"source": source, "status": payment.status})
            return payment, False
        payment.move_to(PaymentStatus.FAILED)
        payment.save(update_fields=["status"])
        log_event(payment, "failed", {"source": source} | (data or {}))
    return payment, True


def expire_payment(*, payment_id: int, data: dict[str, Any] | None = None) -> tuple[Payment, bool]:
    """Mark a pending payment past its time expired: the payer can no longer finish it and the
    dossier page offers a new attempt. Returns (payment, changed). Idempotent; a payment that
    moved meanwhile (its IPN came) is left as it is. The caller asks the gateway first
    (``tinhso.payments.expiry``)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != PaymentStatus.PENDING:
            return payment, False
        payment.move_to(PaymentStatus.EXPIRED)
        payment.save(update_fields=["status"])
        expires_at = payment.expires_at.isoformat() if payment.expires_at else None
        log_event(payment, "expired", {"expires_at": expires_at} | (data or {}))
    return payment, True


def refund_payment(*, payment_id: int, amount: int, reason: str, actor: User) -> Payment:
    """Give back part or all of a payment; never more than was paid."""
    if amount <= 0:
        raise PaymentError(_("Số tiền hoàn phải lớn hơn 0."), "amount", 400)
    if not reason.strip():
        raise PaymentError(_("Vui lòng nhập lý do hoàn tiền."), "reason", 400)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED):
            raise PaymentError(_("Chỉ hoàn tiền cho khoản đã thanh toán."), "payment")
        if payment.refunded_amount + amount > payment.amount:
            raise PaymentError(_("Số tiền hoàn vượt quá số đã nộp."), "amount", 400)
        provider_ref = get_provider(payment.provider).refund(payment, amount, reason)
        payment.refunded_amount += amount
        payment.move_to(
            PaymentStatus.REFUNDED
            if payment.refunded_amount == payment.amount
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        payment.save(update_fields=["refunded_amount", "status"])
        log_event(
            payment,
            "refunded",
            {"amount": amount, "reason": reason, "provider_ref": provider_ref},
            actor,
        )
    return payment


def query_payment(*, payment_id: int, actor: User) -> tuple[Payment, ProviderStatus, bool]:
    """Ask the payment's provider for its state; confirm a pending payment the provider vouches
    was paid, for the amount it reports (e.g. its callback never came). Returns (payment, the answer, applied now).

    The question goes out before any row is locked (it may wait on the network); the answer is
    then applied through ``confirm_payment``, so a callback arriving meanwhile is not applied twice.
    """
    payment = Payment.objects.get(pk=payment_id)
    try:
        answer = get_provider(payment.provider).query(payment)
    except ProviderError as exc:
        raise PaymentError(str(exc), "provider", 503) from exc
    open_statuses = (PaymentStatus.PENDING, PaymentStatus.EXPIRED)
    if not answer.paid or answer.amount is None or payment.status not in open_statuses:
        return payment, answer, False
    payment, applied = confirm_payment(
        reference=payment.reference,
        amount=answer.amount,
        provider_txn=answer.provider_txn,
        source="query",
        actor=actor,
    )
    return payment, answer, applied
