"""Tables of this piece (issue 17); imported by ``tinhso.integrations.models`` so Django registers
them in the integrations app. Migration: ``integrations/migrations/0004_population.py``.

A lookup in the national population database is logged (R-NAT-080) but its answer is not kept
(R-NAT-006, Decree 13/2023 on personal data): the row holds who asked, when, the request id sent
(``MaYeuCau``), the personal ID asked about, which declared fields were compared and whether each
matched, and which confirmed fields were copied into the dossier form (R-NAT-082). Never a name,
a birth date or an address of the answer.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PopulationLookup(models.Model):
    """One lookup of a personal ID in the national population database."""

    class Outcome(models.TextChoices):
        FOUND = "found", _("Có thông tin công dân")
        NOT_FOUND = "not_found", _("Không có thông tin công dân")
        UNAVAILABLE = "unavailable", _("Tra cứu không thành công")

    class Purpose(models.TextChoices):
        COUNTER = "counter", _("Tiếp nhận tại quầy")
        API = "api", _("Tra cứu qua API")
        CITIZEN = "citizen", _("Công dân tự tra cứu khi nộp hồ sơ (đồng ý bằng mã xác nhận)")

    request_id = models.CharField(_("mã yêu cầu (MaYeuCau)"), max_length=64, unique=True)
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tra cứu"),
        on_delete=models.PROTECT,
        related_name="population_lookups",
    )
    # Set when the counter files the dossier the lookup was made for (4.5b counts these).
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="population_lookups",
    )
    purpose = models.CharField(
        _("mục đích"), max_length=16, choices=Purpose.choices, default=Purpose.COUNTER
    )
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices)
    # Why a lookup failed, without the outside system's text: "timeout", "connection",
    # "http_503", "error_code:-1", "bad_answer".
    failure = models.CharField(_("lý do không thành công"), max_length=64, blank=True)
    # Names of the request fields sent (SoDinhDanh, HoVaTen, NgayThangNam, …), not their values.
    fields_sent = models.JSONField(_("trường đã gửi"), default=list, blank=True)
    # {"name": "matched", "birth_date": "mismatched", "address": "matched"}: the comparison only.
    comparison = models.JSONField(_("kết quả đối chiếu"), default=dict, blank=True)
    # Confirmed fields the clerk's form was pre-filled with (R-NAT-082).
    fields_copied = models.JSONField(_("trường đã sử dụng"), default=list, blank=True)
    latency_ms = models.PositiveIntegerField(_("thời gian (ms)"), default=0)
    created_at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("tra cứu CSDL quốc gia về dân cư")
        verbose_name_plural = _("tra cứu CSDL quốc gia về dân cư")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.outcome}"

    @property
    def mismatches(self) -> list[str]:
        return [name for name, verdict in self.comparison.items() if verdict == "mismatched"]
