"""Signed electronic results (kết quả giải quyết TTHC điện tử) and the agencies' result registers.

A ``ResultDocument`` is created in two steps (docs/results.md): it is *reserved* with its register
number and public token in the transaction that allocates the number, then *signed* once the PDF
has been rendered and signed outside any transaction. The signed content (file, hash, signer) never
changes afterwards; only the revocation fields may be set, once (R-ERES-2: a revoked result is kept
and stays available for lookup).
"""

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Fields a signed result may still change: its revocation, set once.
REVOCATION_FIELDS = frozenset({"revoked", "revoked_at", "revoked_by", "reason"})


def new_public_token() -> str:
    """128 random bits in lowercase hex — easy to type from a printout (no l/1, O/0, -/_): the key
    of the public verification page behind the QR code."""
    return secrets.token_hex(16)


class ResultCounter(models.Model):
    """Last number used in an agency's result register for one year (numbers restart each year)."""

    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    last = models.PositiveIntegerField(_("số cuối đã cấp"), default=0)

    class Meta:
        verbose_name = _("sổ đăng ký kết quả")
        verbose_name_plural = _("sổ đăng ký kết quả")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="result_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last}"


class ResultDocument(models.Model):
    """The signed result PDF of one dossier, entered in the competent agency's register."""

    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        related_name="result_document",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan cấp"),
        on_delete=models.PROTECT,
        related_name="result_documents",
    )
    year = models.PositiveSmallIntegerField(_("năm đăng ký"))
    sequence = models.PositiveIntegerField(_("số thứ tự trong sổ"))
    number = models.CharField(_("số, ký hiệu"), max_length=80, unique=True)
    title = models.CharField(_("tên giấy tờ"), max_length=300, blank=True)
    public_token = models.CharField(
        _("mã tra cứu"), max_length=40, unique=True, default=new_public_token, editable=False
    )
    created_at = models.DateTimeField(_("vào sổ lúc"), auto_now_add=True)
    # Set once, when the signed PDF is stored.
    file = models.FileField(_("tệp PDF đã ký"), max_length=300, blank=True)
    size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, blank=True, db_index=True)
    signed_at = models.DateTimeField(_("ký lúc"), null=True, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=300, blank=True)
    signer_fingerprint = models.CharField(
        _("dấu vân tay chứng thư số (SHA-256)"), max_length=64, blank=True
    )
    signer_backend = models.CharField(_("phương thức ký"), max_length=16, blank=True)
    pades_level = models.CharField(_("mức PAdES"), max_length=8, blank=True)
    # Revocation (thu hồi): the file is kept; verification reports the result as revoked.
    revoked = models.BooleanField(_("đã thu hồi"), default=False)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thu hồi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("lý do thu hồi"), blank=True)

    class Meta:
        verbose_name = _("kết quả điện tử")
        verbose_name_plural = _("kết quả điện tử")
        ordering = ["agency", "-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "sequence"], name="result_register_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | ~Q(sha256=""),
                name="result_signed_has_hash",
            ),
            models.CheckConstraint(
                condition=Q(revoked=False) | Q(revoked_at__isnull=False),
                name="result_revoked_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= REVOCATION_FIELDS:
                raise ValueError(
                    "Signed results are immutable; only the revocation may be recorded"
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Results are never deleted (R-ERES-2)")

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class ResultDraft(models.Model):
    """The result a specialist prepares before the leader approves (issue 15): the fields of the
    procedure's main result paper (validated against its ``result_schema``) and, for a paper
    produced by another system, its PDF. Changed until the result is signed; the signed
    ``ResultDocument`` is rendered from it."""

    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        related_name="result_draft",
    )
    paper_code = models.CharField(_("mã giấy tờ kết quả"), max_length=40, blank=True)
    fields = models.JSONField(_("nội dung kết quả"), default=dict, blank=True)
    file = models.FileField(_("tệp PDF do hệ thống khác cấp"), max_length=300, blank=True)
    file_pages = models.PositiveIntegerField(_("số trang"), default=0)
    file_sha256 = models.CharField(_("mã băm SHA-256 của tệp"), max_length=64, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người chuẩn bị"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    revision = models.PositiveIntegerField(_("lần sửa"), default=1)

    class Meta:
        verbose_name = _("dự thảo kết quả")
        verbose_name_plural = _("dự thảo kết quả")

    def __str__(self) -> str:
        return f"{self.dossier_id} r{self.revision}"
