"""Issued slips (phiếu, giấy tờ theo mẫu) — immutable PDF documents (R-FORM-2).

A slip is identified by its semantic key (R-FORM-3) and stored with the instrument and the form
number it was issued under (R-LAW-2); the numbering tables live in ``tinhso.documents.numbering``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.writeonce import WriteOnceModel


class SlipKind(models.TextChoices):
    RECEIPT = "receipt", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT = "supplement", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "refusal", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    APOLOGY = "apology", _("Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết")
    STOP = "stop", _("Thông báo dừng giải quyết hồ sơ")
    CONTROL = "control", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")


class Instrument(models.TextChoices):
    CIRCULAR_01_2018 = "01/2018/TT-VPCP", _("Thông tư số 01/2018/TT-VPCP")
    CIRCULAR_03_2025 = "03/2025/TT-VPCP", _("Thông tư số 03/2025/TT-VPCP")


class IssuedSlip(WriteOnceModel):
    """One rendered slip. Never updated or deleted: a reprint serves the stored file."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="slips"
    )
    kind = models.CharField(_("loại phiếu"), max_length=16, choices=SlipKind.choices)
    instrument = models.CharField(
        _("văn bản quy định mẫu"), max_length=24, choices=Instrument.choices
    )
    form_number = models.CharField(_("mẫu số"), max_length=4)
    history_seq = models.PositiveIntegerField(_("số thứ tự quá trình xử lý"))
    issued_at = models.DateTimeField(_("phát hành lúc"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phát hành"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("tệp PDF"), max_length=300)
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("phiếu đã phát hành")
        verbose_name_plural = _("phiếu đã phát hành")
        ordering = ["dossier", "history_seq", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "kind", "history_seq"], name="issued_slip_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.dossier_id}#{self.history_seq}"
