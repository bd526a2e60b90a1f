"""Tables of the postal return (issue 17); imported by ``tinhso.integrations.models`` so Django
registers them in the integrations app. Migration: ``integrations/migrations/0007_postal.py``.

- ``Shipment``: the one parcel that carries a dossier's result to the applicant (one per dossier:
  the post's order is keyed by the dossier code, so a retry never makes a second one). It is the
  source of truth of the delivery; the dossier keeps only the waybill (``postal_tracking``), set
  when the post accepts the parcel and the dossier is returned by post.
- ``ShipmentEvent``: what the post said happened to it, once per ``EventId`` (from the
  notification or the poll), kept in the order received; the shipment's status only moves forward.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("Đã tạo đơn gửi")
    ACCEPTED = "accepted", _("Bưu điện đã nhận bưu gửi")
    IN_TRANSIT = "in_transit", _("Đang vận chuyển")
    FAILED_ATTEMPT = "failed_attempt", _("Phát không thành công")
    DELIVERED = "delivered", _("Đã phát thành công")
    RETURNED = "returned_to_sender", _("Chuyển hoàn về cơ quan")


#: How far along each status is: a shipment never moves to a lower rank. In transit and a failed
#: attempt share a rank (the post tries again): between them the later event wins.
RANK = {
    ShipmentStatus.CREATED: 0,
    ShipmentStatus.ACCEPTED: 1,
    ShipmentStatus.IN_TRANSIT: 2,
    ShipmentStatus.FAILED_ATTEMPT: 2,
    ShipmentStatus.DELIVERED: 3,
    ShipmentStatus.RETURNED: 3,
}
FINAL = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED})


class Shipment(models.Model):
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        related_name="shipment",
    )
    item_code = models.CharField(_("mã vận đơn"), max_length=32, unique=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=ShipmentStatus.choices, default="created"
    )
    status_at = models.DateTimeField(_("thời điểm trạng thái"), null=True, blank=True)
    receiver_address = models.CharField(_("địa chỉ nhận"), max_length=300)
    receiver_province = models.CharField(_("tỉnh nhận"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("tạo đơn lúc"), default=timezone.now)
    accepted_at = models.DateTimeField(_("bưu điện nhận lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("phát thành công lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("chuyển hoàn lúc"), null=True, blank=True)
    polled_at = models.DateTimeField(_("tra cứu hành trình lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("bưu gửi trả kết quả")
        verbose_name_plural = _("bưu gửi trả kết quả")

    def __str__(self) -> str:
        return f"{self.item_code} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL


class ShipmentEvent(models.Model):
    class Source(models.TextChoices):
        NOTIFICATION = "notification", _("Thông báo của bưu điện")
        POLL = "poll", _("Tra cứu hành trình")

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("bưu gửi"), on_delete=models.CASCADE, related_name="events"
    )
    event_id = models.CharField(_("mã sự kiện"), max_length=64)
    status = models.CharField(_("trạng thái"), max_length=20, choices=ShipmentStatus.choices)
    at = models.DateTimeField(_("thời điểm"))
    location = models.CharField(_("địa điểm"), max_length=200, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)
    applied = models.BooleanField(_("đã cập nhật trạng thái"), default=False)

    class Meta:
        verbose_name = _("hành trình bưu gửi")
        verbose_name_plural = _("hành trình bưu gửi")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "event_id"], name="shipment_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.event_id} {self.status}"


class PostalContact(models.Model):
    """The receiver's phone the applicant gave on the filing page for postal return (the dossier
    itself keeps the delivery address, ``Dossier.postal_address``, but has no field for a phone
    other than the applicant's). The order's ReceiverTel; the applicant's phone when absent."""

    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.CASCADE,
        related_name="postal_contact",
    )
    phone = models.CharField(_("số điện thoại người nhận"), max_length=20)

    class Meta:
        verbose_name = _("người nhận bưu gửi")
        verbose_name_plural = _("người nhận bưu gửi")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.phone}"
