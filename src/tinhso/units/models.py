"""Administrative units (đơn vị hành chính), versioned by validity period (R-UNIT-1).

A unit is identified by its GSO code *and* its validity start, because some units created on
1 July 2025 reuse codes of abolished ones. Abolished or merged units are never deleted: they
keep their dates and point to their successors, so old dossiers and addresses stay valid.
"""

import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.text import fold


def valid_on_q(day: datetime.date, prefix: str = "") -> Q:
    """Condition "valid on ``day``" for a unit, or for the unit reached through ``prefix``."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


class AdministrativeUnitQuerySet(models.QuerySet["AdministrativeUnit"]):
    def valid_on(self, day: datetime.date) -> "AdministrativeUnitQuerySet":
        """Units whose validity period contains ``day`` (``valid_to`` is exclusive)."""
        return self.filter(valid_on_q(day))


class AdministrativeUnit(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Cấp tỉnh")
        DISTRICT = "district", _("Cấp huyện")
        COMMUNE = "commune", _("Cấp xã")

    code = models.CharField(_("mã GSO"), max_length=8)
    name = models.CharField(_("tên"), max_length=120)
    kind = models.CharField(
        _("loại"), max_length=40, help_text=_("Tỉnh, Thành phố, Huyện, Xã, Phường…")
    )
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        verbose_name=_("đơn vị kế thừa"),
        symmetrical=False,
        blank=True,
        related_name="predecessors",
    )
    search_text = models.CharField(max_length=200, editable=False, default="")

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["level", "code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"], name="unit_code_valid_from_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="unit_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = self.folded_search_text()
        super().save(*args, **kwargs)

    def folded_search_text(self) -> str:
        """Folded code and name, for accent-insensitive search ("phu tuc" finds "Xã Phú Túc")."""
        return fold(f"{self.code} {self.name}")

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)
