"""Calendar overrides (R-CAL-6): days an administrator declares off or working, with the
official document each comes from, and the years whose official notices have been entered.

The public holidays, compensatory days and swapped days come from the pinned ``holidays``
package (see ``worktime``); an override entered here wins over the package for its date. A year
is *provisional* until a ``CalendarYear`` row confirms it: its swapped days off and make-up
working days are then the package's estimate, and pages that show a deadline falling in or
crossing it say so (``tinhso.calendars.explain``).
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
    source = models.CharField(
        _("văn bản căn cứ"),
        max_length=300,
        blank=True,
        help_text=_(
            "Số hiệu, ngày và cơ quan ban hành văn bản quy định ngày này, ví dụ: "
            "Văn bản số 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ."
        ),
    )
    note = models.TextField(_("ghi chú"), blank=True)
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


class CalendarYear(models.Model):
    """A year whose official notices on days off have been entered (R-CAL-6).

    A year with no row, or with ``confirmed`` false, is provisional: until the Government's and
    the Ministry of Home Affairs' notices for it are published and entered, its days off and
    make-up days are the ``holidays`` package's estimate and may change.
    """

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    confirmed = models.BooleanField(
        _("đã có thông báo chính thức"),
        default=False,
        help_text=_(
            "Đánh dấu khi các thông báo nghỉ lễ, Tết và hoán đổi ngày làm việc của năm đã được "
            "ban hành và đã nhập vào lịch. Năm chưa đánh dấu là lịch tạm tính."
        ),
    )
    sources = models.TextField(
        _("văn bản căn cứ"), blank=True, help_text=_("Các văn bản đã nhập, mỗi văn bản một dòng.")
    )
    note = models.TextField(_("ghi chú"), blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("năm lịch làm việc")
        verbose_name_plural = _("năm lịch làm việc")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1990) & Q(year__lte=2100), name="calendars_year_range"
            ),
        ]

    def __str__(self) -> str:
        state = _("chính thức") if self.confirmed else _("tạm tính")
        return f"{self.year} — {state}"
