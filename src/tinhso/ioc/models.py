"""Operations-centre read model: one fact row per dossier and additive aggregates over them.

Nothing here is a source of truth: ``tinhso ioc rebuild`` recomputes every row from the dossier
tables. The aggregates are kept up to date in the same transaction as each dossier change (see
``tinhso.ioc.aggregates``). Keys are plain integers (0 = none) rather than foreign keys, so the
upserts stay cheap and a NULL never defeats the unique constraint behind ``ON CONFLICT``.
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

# The additive measures of DailyStat and MonthlyStat, in column order (docs/ioc.md defines each).
MEASURES: tuple[str, ...] = (
    "submitted",
    "received",
    "online_received",
    "postal_received",
    "fee_due",
    "paid_online",
    "digitised",
    "reused",
    "resolved",
    "early",
    "on_time",
    "late",
    "processing_minutes",
    "eresult",
    "rated",
    "rating_sum",
    "satisfied",
    "dissatisfied",
    "withdrawn",
    "stopped",
    "refused",
    # 766 indicators 3.3 and 4.2 (ADR 0015): received online / digitised, and not resolved
    # without a valid e-result.
    "online_eresult",
    "digitised_eresult",
)


# Due day recorded for open dossiers whose clock is paused (a NULL would defeat ON CONFLICT).
PAUSED_DAY = datetime.date(9999, 12, 31)


class DossierFact(models.Model):
    """The denormalised facts of one filed dossier, as last applied to the aggregates."""

    # A relation for the drill-down join (selectors.dossiers_behind) but no foreign-key
    # constraint: facts are written in the dossier's transaction and removed by ``refresh``
    # when the dossier goes, and bulk loads insert facts and dossiers in either order.
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="ioc_fact",
    )
    generated = models.BooleanField(default=False)
    agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    unit_id = models.IntegerField(default=0)
    channel = models.PositiveSmallIntegerField()
    submitted_day = models.DateField(null=True)
    received_day = models.DateField(null=True)
    resolved_day = models.DateField(null=True)
    closed_day = models.DateField(null=True)
    closed_status = models.CharField(max_length=24, blank=True)
    timeliness = models.CharField(max_length=8, blank=True)
    processing_minutes = models.BigIntegerField(default=0)
    fee_due = models.BooleanField(default=False)
    paid_online = models.BooleanField(default=False)
    digitised = models.BooleanField(default=False)
    reused = models.BooleanField(default=False)
    eresult = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(null=True)
    # Open (received, no result, not closed); the local due day of a received dossier (kept
    # after it closes), None before receipt or while the clock is paused.
    is_open = models.BooleanField(default=False)
    open_paused = models.BooleanField(default=False)
    due_day = models.DateField(null=True)

    class Meta:
        verbose_name = _("dữ kiện hồ sơ")
        verbose_name_plural = _("dữ kiện hồ sơ")
        # The dossiers behind a figure (selectors.dossiers_behind): most figures are by these days.
        indexes = [
            models.Index(fields=["received_day"], name="ioc_fact_received"),
            models.Index(fields=["resolved_day"], name="ioc_fact_resolved"),
        ]

    def __str__(self) -> str:
        return f"fact {self.dossier_id}"


class Measures(models.Model):
    """The additive measures (``MEASURES``), shared by every aggregate table."""

    submitted = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    online_received = models.IntegerField(default=0)
    postal_received = models.IntegerField(default=0)
    fee_due = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    digitised = models.IntegerField(default=0)
    reused = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    early = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    processing_minutes = models.BigIntegerField(default=0)
    eresult = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    stopped = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    online_eresult = models.IntegerField(default=0)
    digitised_eresult = models.IntegerField(default=0)

    class Meta:
        abstract = True


class StatBase(Measures):
    agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    unit_id = models.IntegerField()

    class Meta:
        abstract = True


class DailyStat(StatBase):
    """Measures per Vietnam-local day × agency × procedure × unit."""

    day = models.DateField()

    class Meta:
        verbose_name = _("số liệu ngày")
        verbose_name_plural = _("số liệu ngày")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_id", "procedure_id", "unit_id"], name="ioc_daily_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}/{self.procedure_id}/{self.unit_id}"


class MonthlyStat(StatBase):
    """The same measures per month (``month`` is the first day), so long periods read few rows."""

    month = models.DateField()

    class Meta:
        verbose_name = _("số liệu tháng")
        verbose_name_plural = _("số liệu tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency_id", "procedure_id", "unit_id"], name="ioc_monthly_key"
            )
        ]
        # A scope with both an agency and units (or units broken down inside one agency).
        indexes = [models.Index(fields=["agency_id", "month"], name="ioc_monthly_agency")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}/{self.procedure_id}/{self.unit_id}"


class RollupStat(Measures):
    """The measures per day or month × one dimension (agency, unit or procedure): what the
    dashboard reads when a scope or breakdown does not need the finer keys of DailyStat and
    MonthlyStat. Kept in the same upsert as those (``aggregates.apply``) and by the rebuild; the
    province total is the sum of the agency rows."""

    class Grain(models.TextChoices):
        DAY = "d", _("ngày")
        MONTH = "m", _("tháng")

    class Dimension(models.TextChoices):
        AGENCY = "a", _("cơ quan")
        UNIT = "u", _("đơn vị hành chính")
        PROCEDURE = "p", _("thủ tục")

    dimension = models.CharField(max_length=1, choices=Dimension.choices)
    grain = models.CharField(max_length=1, choices=Grain.choices)
    key = models.IntegerField()  # agency_id, unit_id or procedure_id
    period = models.DateField()  # the day, or the month's first day

    class Meta:
        verbose_name = _("số liệu gộp")
        verbose_name_plural = _("số liệu gộp")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "grain", "key", "period"], name="ioc_rollup_key"
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "grain", "period"], name="ioc_rollup_period"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}{self.grain} {self.key} {self.period}"


class OpenStat(models.Model):
    """Dossiers open now, by received day and due day (PAUSED_DAY while paused): "overdue as of now"
    is the sum over due days before today, computed when asked."""

    received_day = models.DateField()
    due_day = models.DateField()  # PAUSED_DAY while the clock is paused
    paused = models.BooleanField(default=False)
    agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    unit_id = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("hồ sơ đang xử lý")
        verbose_name_plural = _("hồ sơ đang xử lý")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "received_day",
                    "due_day",
                    "paused",
                    "agency_id",
                    "procedure_id",
                    "unit_id",
                ],
                name="ioc_open_key",
            )
        ]

    def __str__(self) -> str:
        return f"open {self.received_day} due {self.due_day}: {self.count}"


class WorkDay(models.Model):
    """The working calendar as a table, for the set-based rebuild (``facts.facts_sql``): per day,
    whether it is a working day and the working minutes of all working days of the table before
    it. Refilled whole from ``tinhso.calendars.worktime`` before each rebuild of the facts
    (``facts.fill_workdays``), so differences within one fill are working time."""

    day = models.DateField(primary_key=True)
    working = models.BooleanField(default=False)
    minutes_before = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("ngày làm việc (bảng tính)")
        verbose_name_plural = _("ngày làm việc (bảng tính)")

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.working else 'off'} {self.minutes_before}"
