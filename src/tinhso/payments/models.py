"""Payments of fees and charges (phí, lệ phí): one row per attempt, with an append-only event log.

Invariants held by the database: at most one succeeded payment per dossier (a payment is never
applied twice), a refund never exceeds what was paid, references are unique.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.writeonce import WriteOnceModel


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    SUCCEEDED = "succeeded", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    CANCELLED = "cancelled", _("Đã hủy")
    REFUNDED = "refunded", _("Đã hoàn tiền")
    PARTIALLY_REFUNDED = "partially_refunded", _("Đã hoàn một phần")
    EXPIRED = "expired", _("Đã hết hạn")


# Allowed transitions of a payment (single-object rule, enforced by Payment.move_to).
TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.PENDING: {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.CANCELLED,
        PaymentStatus.EXPIRED,
    },
    # The payer can no longer finish an expired attempt, but a gateway that vouches it was paid
    # after all (a late IPN, payments.expiry's query) still confirms it, or supersedes it when
    # the fee was paid another way meanwhile: money taken is never left unrecorded.
    PaymentStatus.EXPIRED: {PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED},
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
    # When the payer can no longer finish this attempt (PaymentProvider.expires_after); None for
    # a payment that never waits (at the counter). payments.expiry moves it to "expired".
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
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
        indexes = [
            models.Index(fields=["provider", "status", "created_at"]),
            # The receipt catch-up (receipts.sweep_missing_receipts) reads the last hours' payments.
            models.Index(fields=["paid_at"], name="payment_paid_at"),
            # The expiry sweep (payments.expiry) reads pending payments past their time.
            models.Index(fields=["status", "expires_at"], name="payment_status_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.amount:,} đ · {self.get_status_display()}"

    def is_live(self, now: datetime.datetime | None = None) -> bool:
        """True while the payer may still finish this attempt: pending and not past its time
        (the sweep that marks it expired may not have run yet)."""
        if self.status != PaymentStatus.PENDING:
            return False
        return self.expires_at is None or self.expires_at > (now or timezone.now())

    def status_shown(self, now: datetime.datetime | None = None) -> str:
        """The status as pages show it: a pending attempt past its time reads "expired" at once,
        before the sweep (``payments.expiry``, a beat task that ``make run`` does not start)
        records it."""
        if self.status == PaymentStatus.PENDING and not self.is_live(now):
            return str(PaymentStatus.EXPIRED.label)
        return str(self.get_status_display())

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]

    def move_to(self, status: str) -> None:
        if not self.can_move_to(status):
            raise ValueError(f"Payment {self.reference}: {self.status} → {status} is not allowed")
        self.status = status


class PaymentEvent(WriteOnceModel):
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
        ordering = ["payment_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "seq"], name="payment_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}#{self.seq} {self.kind}"


# =============================================================================================
# Bank transfers (VietQR), bank statements and e-receipts — docs/payments-vietqr.md.
# Written by tinhso.payments.statements (transfers) and tinhso.payments.receipts (receipts).
# =============================================================================================


class BankStatement(models.Model):
    """One imported statement file of the collecting account; its rows become transfers."""

    bank = models.CharField(_("ngân hàng (BIN)"), max_length=11)
    account = models.CharField(_("số tài khoản"), max_length=19)
    filename = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(max_length=64)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("nhập lúc"), auto_now_add=True)
    row_count = models.PositiveIntegerField(_("số dòng"), default=0)
    imported_count = models.PositiveIntegerField(_("số giao dịch mới"), default=0)
    duplicate_count = models.PositiveIntegerField(_("số giao dịch đã có"), default=0)

    class Meta:
        verbose_name = _("sao kê ngân hàng")
        verbose_name_plural = _("sao kê ngân hàng")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.filename


class TransferStatus(models.TextChoices):
    MATCHED = "matched", _("Đã khớp")
    UNMATCHED = "unmatched", _("Chưa khớp")
    MISMATCH = "mismatch", _("Sai số tiền")
    IGNORED = "ignored", _("Bỏ qua")
    REFUNDED = "refunded", _("Đã trả lại người chuyển")


# Transfers the accountant still has to deal with.
OPEN_TRANSFER_STATUSES = (TransferStatus.UNMATCHED, TransferStatus.MISMATCH)


class TransferProblem(models.TextChoices):
    NO_REFERENCE = "no_reference", _("Nội dung chuyển khoản không có mã thanh toán")
    UNKNOWN_REFERENCE = "unknown_reference", _("Không có khoản thanh toán mang mã này")
    SEVERAL_REFERENCES = "several_references", _("Nội dung có nhiều mã thanh toán")
    WRONG_METHOD = "wrong_method", _("Khoản thanh toán không phải chuyển khoản VietQR")
    AMOUNT = "amount", _("Số tiền khác số phải nộp")
    ALREADY_PAID = "already_paid", _("Hồ sơ hoặc khoản thanh toán đã được thanh toán")
    NOT_PAYABLE = "not_payable", _("Khoản thanh toán đã hủy hoặc không thành công")
    EXPIRED = "expired", _("Mã thanh toán đã hết hạn khi tiền về")


class TransferSource(models.TextChoices):
    STATEMENT = "statement", _("Sao kê")
    WEBHOOK = "webhook", _("Ngân hàng báo có")


class IncomingTransfer(models.Model):
    """A credit to the collecting account reported by the bank; imported once per bank reference."""

    bank = models.CharField(_("ngân hàng (BIN)"), max_length=11)
    account = models.CharField(_("số tài khoản"), max_length=19)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    description = models.CharField(_("nội dung chuyển khoản"), max_length=500, blank=True)
    bank_reference = models.CharField(_("mã giao dịch ngân hàng"), max_length=100)
    received_at = models.DateTimeField(_("thời điểm ghi có"))
    source = models.CharField(_("nguồn"), max_length=10, choices=TransferSource.choices)
    statement = models.ForeignKey(
        BankStatement,
        verbose_name=_("sao kê"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=TransferStatus.choices)
    problem = models.CharField(
        _("vấn đề"), max_length=20, choices=TransferProblem.choices, blank=True
    )
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("khoản thanh toán"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    # The agency holding the collecting account (settings.TINHSO_VIETQR_AGENCY).
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("ghi nhận lúc"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("giao dịch chuyển khoản đến")
        verbose_name_plural = _("giao dịch chuyển khoản đến")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "bank_reference"], name="transfer_bank_reference_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="matched") | Q(payment__isnull=False),
                name="matched_transfer_has_payment",
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.bank_reference} · {self.amount:,} đ · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TRANSFER_STATUSES


class EReceipt(WriteOnceModel):
    """The e-receipt (biên lai điện tử) of a succeeded payment: a stored PDF, never changed."""

    payment = models.OneToOneField(
        Payment,
        verbose_name=_("khoản thanh toán"),
        on_delete=models.PROTECT,
        related_name="receipt",
    )
    number = models.CharField(_("số biên lai"), max_length=30, unique=True)
    file = models.FileField(_("tệp"), max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    issued_at = models.DateTimeField(_("lập lúc"))
    stored_document = models.ForeignKey(
        "stores.StoredDocument",
        verbose_name=_("bản trong kho của người nộp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("biên lai điện tử")
        verbose_name_plural = _("biên lai điện tử")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number
