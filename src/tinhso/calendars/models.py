"""Calendar overrides (R-CAL-6): days an administrator declares off or working.

The public holidays, compensatory days and swapped days come from the pinned ``holidays``
package (see ``worktime``); an override entered here wins over the package for its date.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc bù")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(
        _("loại ngày"),
        max_length=16,
        choices=Kind.choices,
        help_text=_(
            "Ngày nghỉ: ngày nghỉ bù hoặc hoán đổi ngày nghỉ. "
            "Ngày làm việc bù: ngày thứ Bảy (hoặc ngày nghỉ) phải đi làm."
        ),
    )
    name = models.CharField(_("tên"), max_length=200)
    note = models.TextField(
        _("ghi chú"), blank=True, help_text=_("Ví dụ: số hiệu thông báo, văn bản căn cứ.")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("ngày điều chỉnh lịch làm việc")
        verbose_name_plural = _("ngày điều chỉnh lịch làm việc")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["day_off", "working_day"]),
                name="calendars_override_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.get_kind_display()}: {self.name}"

    @property
    def is_working_day(self) -> bool:
        return self.kind == self.Kind.WORKING_DAY
