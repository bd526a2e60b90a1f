"""Deliveries: one row per message to one address (an e-mail address or a phone number).

Every message the platform sends goes through this table: the applicant's messages about their
dossier (topic ``applicant``, with the dossier, event and history entry filled in) and the
alerts to officials and subscribers (``security_alert``, ``indicator_alert``,
``salinity_alert``, …: any topic the caller names). The unique constraint on
(topic, key, channel, recipient) is what makes sending idempotent: the caller's key names the
message, and a retried or duplicated task finds the row and does not send it again.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.notifications.channels import Medium
from tinhso.notifications.events import Event
from tinhso.notifications.masking import mask_recipient

APPLICANT_TOPIC = "applicant"
"""The topic of the messages to the applicant of a dossier (``services.notify_applicant``)."""


class Delivery(models.Model):
    """One message to one address, and what became of it.

    Status: ``pending`` — recorded, waiting for the task that sends it (``outbox.send_many``);
    ``queued`` — claimed by a worker that is sending it now, until ``claimed_at`` plus
    ``TINHSO_DELIVERY_LEASE_SECONDS``: a worker that died while sending loses the claim then, and
    the message is sent again (at least once; a worker killed between the send and the record
    makes a duplicate, the window cannot be closed); ``sent``; ``failed`` — the channel refused or
    could not be reached, and a retry may claim the row again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        QUEUED = "queued", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")

    topic = models.CharField(
        _("loại tin"),
        max_length=40,
        help_text=_("Ví dụ applicant (tin cho người nộp hồ sơ), security_alert, salinity_alert"),
    )
    key = models.CharField(
        _("khóa chống gửi lặp"),
        max_length=200,
        help_text=_(
            "Mã của tin trong loại tin: cùng loại, khóa, kênh và người nhận thì chỉ gửi một lần"
        ),
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    event = models.CharField(_("sự kiện"), max_length=24, choices=Event.choices, blank=True)
    history_seq = models.PositiveIntegerField(_("số thứ tự quá trình xử lý"), null=True, blank=True)
    channel = models.CharField(_("kênh"), max_length=8, choices=Medium.choices)
    backend = models.CharField(
        _("bộ gửi"),
        max_length=40,
        blank=True,
        help_text=_("Mã kênh đã gửi tin, ví dụ email hoặc log"),
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
    claimed_at = models.DateTimeField(_("nhận gửi lúc"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo đã gửi")
        verbose_name_plural = _("thông báo đã gửi")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "key", "channel", "recipient"],
                name="delivery_once_per_key_and_address",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="delivery_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        what = self.get_event_display() if self.event else self.topic
        return f"{what} · {self.get_channel_display()} · {self.masked_recipient}"

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
