"""Tables of this piece (issue 17); imported by ``tinhso.integrations.models`` so Django registers
them in the integrations app. Migration: ``integrations/migrations/0005_datastore.py``.

- ``PushedResult``: a signed result the national store accepted (what it answered), once per
  result: what was delivered to the citizen's store on the portal (766 ind. 4.1's "result in the
  store"), besides the outbox item that carried it.
- ``NationalCopy``: a document taken from the national store while filing (R-NAT-071): the
  immutable local copy (a ``StoredDocument`` of the citizen's Tỉnh Số store, which the dossier's
  attachment reuses) and where it came from (``CoQuanChuQuan`` + ``DuongDan`` + ``SoKyHieu``).
  An attachment whose ``reused_from`` has one is sent upward as taken from the national store
  (``DuocLayTuKhoDMQG``, 766 ind. 4.4).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PushedResult(models.Model):
    result = models.OneToOneField(
        "results.ResultDocument",
        verbose_name=_("kết quả"),
        on_delete=models.PROTECT,
        related_name="national_store_push",
    )
    owner_number = models.CharField(_("số định danh chủ sở hữu"), max_length=14)
    national_id = models.CharField(_("mã giấy tờ trong kho"), max_length=64, blank=True)
    location = models.CharField(_("đường dẫn trong kho"), max_length=500, blank=True)
    pushed_at = models.DateTimeField(_("gửi vào kho lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("kết quả đã gửi vào kho dữ liệu")
        verbose_name_plural = _("kết quả đã gửi vào kho dữ liệu")

    def __str__(self) -> str:
        return f"{self.result_id} → {self.owner_number}"


class NationalCopy(models.Model):
    document = models.OneToOneField(
        "stores.StoredDocument",
        verbose_name=_("bản sao trong kho của Tỉnh Số"),
        on_delete=models.PROTECT,
        related_name="national_copy",
    )
    owner_number = models.CharField(_("số định danh chủ sở hữu"), max_length=14)
    result_code = models.CharField(_("mã kết quả (MaKetQua)"), max_length=64, blank=True)
    document_number = models.CharField(_("số, ký hiệu"), max_length=80, blank=True)
    issuer_code = models.CharField(_("cơ quan chủ quản"), max_length=64, blank=True)
    location = models.CharField(_("đường dẫn trên kho quốc gia"), max_length=500)
    sha256 = models.CharField(max_length=64)
    fetched_at = models.DateTimeField(_("lấy về lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("giấy tờ lấy từ kho dữ liệu quốc gia")
        verbose_name_plural = _("giấy tờ lấy từ kho dữ liệu quốc gia")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_number", "issuer_code", "location"],
                name="national_copy_once_per_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_number or self.location} ({self.owner_number})"
