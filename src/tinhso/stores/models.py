"""The citizen's personal document store (kho dữ liệu điện tử của tổ chức, cá nhân — R-ERES-6/7).

Every e-result and e-receipt issued to an applicant with an account lands here; a later dossier
can attach a stored document instead of uploading it again, which is recorded as reuse.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredDocument(models.Model):
    class Kind(models.TextChoices):
        RESULT = "result", _("Kết quả giải quyết TTHC")
        RECEIPT = "receipt", _("Biên lai thu phí, lệ phí")
        UPLOAD = "upload", _("Giấy tờ do công dân lưu")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chủ sở hữu"),
        on_delete=models.PROTECT,
        related_name="stored_documents",
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("tên giấy tờ"), max_length=300)
    file = models.FileField(_("tệp"), upload_to="stores/%Y/%m/", max_length=300)
    content_type = models.CharField(max_length=40, default="application/pdf")
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    document_number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ nguồn"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stored_documents",
    )
    issuer = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan cấp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("ngày cấp"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(_("đã thu hồi"), default=False)

    class Meta:
        verbose_name = _("giấy tờ trong kho")
        verbose_name_plural = _("giấy tờ trong kho")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
