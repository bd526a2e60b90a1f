"""Read side of the programme pages: target progress, computed values, sector panel data."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from tinhso.indicators.models import SchemeTarget, SectorUpload, SectorValue, TargetValue
from tinhso.ioc.selectors import Scope, summary
from tinhso.procedures.models import ProcedureVersion

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Actual:
    value: Decimal
    as_of: datetime.date
    computed: bool
    numerator: int | None = None
    denominator: int | None = None
    entry: TargetValue | None = None


@dataclass(frozen=True)
class TargetProgress:
    target: SchemeTarget
    actual: Actual | None
    expected: Decimal | None  # on the trajectory at the actual's date
    progress: Decimal | None  # percent of the way from baseline to the 2025 target
    behind_by: Decimal | None  # points behind the trajectory (positive = behind)

    @property
    def status(self) -> str:
        if self.actual is None:
            return "no_data"
        if self.target.target_2025 is not None and _reached(self.target, self.actual.value):
            return "achieved"
        if self.behind_by is not None and self.behind_by > 0:
            return "behind"
        return "on_track"


def _reached(target: SchemeTarget, value: Decimal) -> bool:
    assert target.target_2025 is not None
    if target.direction == SchemeTarget.Direction.LOWER:
        return value <= target.target_2025
    return value >= target.target_2025


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)


def full_online_share(day: datetime.date) -> tuple[int, int]:
    """(full-online procedures, all procedures) of the catalogue in force on ``day``."""
    versions = ProcedureVersion.objects.filter(effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=day)
    )
    counts = versions.aggregate(
        total=Count("procedure", distinct=True),
        full=Count("procedure", distinct=True, filter=Q(mode=ProcedureVersion.Mode.FULL_ONLINE)),
    )
    return int(counts["full"] or 0), int(counts["total"] or 0)


def online_dossier_share(day: datetime.date) -> tuple[int, int]:
    """(dossiers received online, dossiers received) from 1 January to ``day``, province-wide."""
    figures = summary(scope=Scope(), start=day.replace(month=1, day=1), end=day)
    return figures.online_rate.numerator, figures.online_rate.denominator


COMPUTERS = {
    SchemeTarget.Computed.FULL_ONLINE_SHARE: full_online_share,
    SchemeTarget.Computed.ONLINE_DOSSIER_SHARE: online_dossier_share,
}


def computed_actual(target: SchemeTarget, day: datetime.date) -> Actual | None:
    compute = COMPUTERS.get(SchemeTarget.Computed(target.computed)) if target.computed else None
    if compute is None:
        return None
    numerator, denominator = compute(day)
    value = _ratio(numerator, denominator)
    if value is None:
        return None
    return Actual(value, day, True, numerator, denominator)


def latest_actual(target: SchemeTarget, day: datetime.date) -> Actual | None:
    if target.computed:
        return computed_actual(target, day)
    entry = target.values.filter(as_of__lte=day).order_by("-as_of", "-entered_at").first()
    if entry is None:
        return None
    return Actual(entry.value, entry.as_of, False, entry=entry)


def progress_of(target: SchemeTarget, actual: Actual | None) -> TargetProgress:
    if actual is None:
        return TargetProgress(target, None, None, None, None)
    expected = target.expected_on(actual.as_of)
    behind: Decimal | None = None
    if expected is not None:
        gap = expected - actual.value
        behind = (gap if target.direction == SchemeTarget.Direction.HIGHER else -gap).quantize(CENT)
    progress: Decimal | None = None
    goal = target.target_2025
    if goal is not None:
        start = target.baseline_value
        if _reached(target, actual.value):
            progress = HUNDRED
        elif start is not None and start != goal:
            progress = ((actual.value - start) * HUNDRED / (goal - start)).quantize(CENT)
            progress = max(Decimal(0), min(HUNDRED, progress))
        elif goal:
            progress = (actual.value * HUNDRED / goal).quantize(CENT)
    return TargetProgress(target, actual, expected, progress, behind)


def tracker(day: datetime.date) -> list[TargetProgress]:
    targets = SchemeTarget.objects.select_related("agency").prefetch_related("values")
    return [progress_of(t, latest_actual(t, day)) for t in targets]


def _month_ends(day: datetime.date, count: int) -> list[datetime.date]:
    ends = []
    cursor = day
    for _i in range(count):
        ends.append(cursor)
        cursor = cursor.replace(day=1) - datetime.timedelta(days=1)
    return sorted(ends)


def timeline(target: SchemeTarget, day: datetime.date) -> dict[str, object]:
    """Chart data (time axis): baseline, actual values, the trajectory to the 2025 target."""
    series: list[dict[str, object]] = []
    if target.computed:
        points = []
        for end in _month_ends(day, 12):
            actual = computed_actual(target, end)
            points.append([end.isoformat(), float(actual.value) if actual else None])
        series.append({"name": _("Thực hiện (tự tính)"), "type": "line", "data": points})
    else:
        values = target.values.order_by("as_of", "entered_at")
        series.append(
            {
                "name": _("Thực hiện (sở, ngành nhập)"),
                "type": "line",
                "data": [[v.as_of.isoformat(), float(v.value)] for v in values],
            }
        )
    trajectory = []
    if target.baseline_value is not None and target.baseline_year is not None:
        trajectory.append([f"{target.baseline_year}-12-31", float(target.baseline_value)])
    if target.target_2025 is not None:
        trajectory.append(["2025-12-31", float(target.target_2025)])
    if target.target_2030 is not None:
        trajectory.append(["2030-12-31", float(target.target_2030)])
    if trajectory:
        series.append(
            {
                "name": _("Gốc → chỉ tiêu (lộ trình)"),
                "type": "line",
                "dashed": True,
                "data": trajectory,
            }
        )
    return {"time": True, "unit": target.measure, "series": series}


# --- sector panels ------------------------------------------------------------------------------


def latest_upload(sector: str, version: int | None = None) -> SectorUpload | None:
    uploads = SectorUpload.objects.filter(sector=sector).select_related("uploaded_by")
    if version is not None:
        uploads = uploads.filter(version=version)
    return uploads.order_by("-version").first()


def sector_values(upload: SectorUpload) -> QuerySet[SectorValue]:
    return upload.values.order_by("indicator", "unit_code", "period")
