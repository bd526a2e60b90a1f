"""Deliveries: one row per message to an applicant, on one medium, for one dossier event.

The unique constraint on (dossier, event, history_seq, channel) is what makes sending
idempotent: a retried or duplicated task finds the row and does not send again.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.notifications.channels import Medium
from tinhso.notifications.events import Event
from tinhso.notifications.masking import mask_recipient


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    event = models.CharField(_("sự kiện"), max_length=24, choices=Event.choices)
    history_seq = models.PositiveIntegerField(_("số thứ tự quá trình xử lý"))
    channel = models.CharField(_("kênh"), max_length=8, choices=Medium.choices)
    backend = models.CharField(
        _("bộ gửi"), max_length=40, help_text=_("Mã kênh đã gửi tin, ví dụ email hoặc log")
    )
    recipient = models.CharField(_("người nhận"), max_length=254)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    provider_id = models.CharField(_("mã tin của nhà cung cấp"), max_length=255, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo đã gửi")
        verbose_name_plural = _("thông báo đã gửi")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "event", "history_seq", "channel"],
                name="delivery_once_per_event_and_channel",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="delivery_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return (
            f"{self.get_event_display()} · {self.get_channel_display()} · {self.masked_recipient}"
        )

    @property
    def masked_recipient(self) -> str:
        return mask_recipient(self.recipient)

    def mark_sent(self, provider_id: str, at: datetime.datetime) -> None:
        self.status = self.Status.SENT
        self.provider_id = provider_id
        self.sent_at = at
        self.error = ""

    def mark_failed(self, error: str) -> None:
        self.status = self.Status.FAILED
        self.error = error
