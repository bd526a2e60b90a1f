"""Payments of fees and charges (phí, lệ phí): one row per attempt, with an append-only event log.

Invariants held by the database: at most one succeeded payment per dossier (a payment is never
applied twice), a refund never exceeds what was paid, references are unique.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    SUCCEEDED = "succeeded", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    CANCELLED = "cancelled", _("Đã hủy")
    REFUNDED = "refunded", _("Đã hoàn tiền")
    PARTIALLY_REFUNDED = "partially_refunded", _("Đã hoàn một phần")


# Allowed transitions of a payment (single-object rule, enforced by Payment.move_to).
TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.PENDING: {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELLED},
    PaymentStatus.SUCCEEDED: {PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED},
    PaymentStatus.PARTIALLY_REFUNDED: {PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED},
    PaymentStatus.FAILED: set(),
    PaymentStatus.CANCELLED: set(),
    PaymentStatus.REFUNDED: set(),
}


class Payment(models.Model):
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    provider = models.CharField(_("hình thức thanh toán"), max_length=16)
    reference = models.CharField(_("mã thanh toán"), max_length=20, unique=True)
    amount = models.PositiveIntegerField(_("số tiền (đồng)"))
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    refunded_amount = models.PositiveIntegerField(_("đã hoàn (đồng)"), default=0)
    provider_txn = models.CharField(
        _("mã giao dịch của bên thanh toán"), max_length=100, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    event_seq = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("khoản thanh toán")
        verbose_name_plural = _("khoản thanh toán")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status__in=["succeeded", "partially_refunded", "refunded"]),
                name="one_applied_payment_per_dossier",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("amount")), name="refund_within_paid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["provider", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} · {self.amount:,} đ · {self.get_status_display()}"

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]

    def move_to(self, status: str) -> None:
        if not self.can_move_to(status):
            raise ValueError(f"Payment {self.reference}: {self.status} → {status} is not allowed")
        self.status = status


class PaymentEvent(models.Model):
    """What happened to a payment, in order; rows are never updated or deleted."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["payment", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "seq"], name="payment_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Payment events are append-only")
        super().save(*args, **kwargs)
