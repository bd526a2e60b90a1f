"""Read side of the operations centre: who sees what, and the service-quality figures.

Figures come from the aggregates (``tinhso.ioc.models``), never from a scan of the dossier table;
definitions are in docs/ioc.md. Days are Vietnam-local calendar days, periods inclusive.
"""

import bisect
import datetime
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from tinhso.accounts.access import AnyUser, agency_roles, dossier_agency_ids, is_platform_admin
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role
from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers.models import Dossier, Status
from tinhso.dossiers.selectors import visible_dossiers
from tinhso.ioc.models import (
    MEASURES,
    PAUSED_DAY,
    DailyStat,
    DossierFact,
    MonthlyStat,
    OpenStat,
    RollupStat,
)
from tinhso.procedures.models import ProcedureVersion
from tinhso.units.models import AdministrativeUnit
from tinhso.units.selectors import today_in_vietnam

GRAINS = ("day", "month", "quarter", "year")
BREAKDOWNS = ("agency", "unit", "procedure")


class IocForbidden(Exception):
    """The user may not see this scope of the operations centre."""


class UnknownScope(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def as_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


@dataclass(frozen=True)
class Scope:
    agency_id: int | None = None
    unit_code: str | None = None


@dataclass
class Summary:
    submitted: int = 0
    received: int = 0
    online_received: int = 0
    postal_received: int = 0
    counter_received: int = 0
    fee_due: int = 0
    paid_online: int = 0
    digitised: int = 0
    reused: int = 0
    resolved: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    processing_minutes: int = 0
    eresult: int = 0
    rated: int = 0
    rating_sum: int = 0
    satisfied: int = 0
    dissatisfied: int = 0
    withdrawn: int = 0
    stopped: int = 0
    refused: int = 0
    online_eresult: int = 0
    digitised_eresult: int = 0
    in_progress: int = 0
    in_progress_on_time: int = 0
    in_progress_overdue: int = 0
    in_progress_paused: int = 0
    on_time_rate: Rate = field(default_factory=lambda: Rate(0, 0))
    progress_rate: Rate = field(default_factory=lambda: Rate(0, 0))
    online_rate: Rate = field(default_factory=lambda: Rate(0, 0))
    online_payment_rate: Rate = field(default_factory=lambda: Rate(0, 0))
    digitisation_rate: Rate = field(default_factory=lambda: Rate(0, 0))
    reuse_rate: Rate = field(default_factory=lambda: Rate(0, 0))
    eresult_rate: Rate = field(default_factory=lambda: Rate(0, 0))
    satisfaction: Rate = field(default_factory=lambda: Rate(0, 0))
    average_processing_days: float | None = None
    average_rating: float | None = None

    @classmethod
    def build(cls, measures: dict[str, int], opened: dict[str, int]) -> "Summary":
        values: dict[str, Any] = {m: int(measures.get(m) or 0) for m in MEASURES}
        values.update(opened)
        s = cls(**values)
        s.counter_received = s.received - s.online_received - s.postal_received
        s.on_time_rate = Rate(s.early + s.on_time, s.resolved)
        s.progress_rate = Rate(
            s.early + s.on_time + s.in_progress_on_time, s.resolved + s.in_progress
        )
        s.online_rate = Rate(s.online_received, s.received)
        s.online_payment_rate = Rate(s.paid_online, s.fee_due)
        s.digitisation_rate = Rate(s.digitised, s.received)
        s.reuse_rate = Rate(s.reused, s.received)
        s.eresult_rate = Rate(s.eresult, s.resolved)
        s.satisfaction = Rate(s.satisfied, s.rated)
        if s.resolved:
            # working days (766 ind. 2.2): the facts count working minutes
            per_day = get_calendar().minutes_per_day
            s.average_processing_days = round(s.processing_minutes / s.resolved / per_day, 2)
        if s.rated:
            s.average_rating = round(s.rating_sum / s.rated, 2)
        return s

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.as_dict() if isinstance(value, Rate) else value
        return out


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    summary: Summary


# --- access ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IocAccess:
    sees_all: bool = False
    agency_ids: frozenset[int] = frozenset()

    @property
    def any(self) -> bool:
        return self.sees_all or bool(self.agency_ids)

    def allows(self, scope: Scope) -> bool:
        if self.sees_all:
            return True
        return scope.agency_id is not None and scope.agency_id in self.agency_ids


def ioc_access(user: AnyUser) -> IocAccess:
    """Leaders of the provincial People's Committee and platform administrators see everything;
    a leader of another agency sees that agency; everyone else sees nothing."""
    if not user.is_authenticated:
        return IocAccess()
    if is_platform_admin(user):
        return IocAccess(sees_all=True)
    led = {agency_id for agency_id, roles in agency_roles(user).items() if Role.LEADER in roles}
    if not led:
        return IocAccess()
    if Agency.objects.filter(pk__in=led, kind=Agency.Kind.PROVINCE_COMMITTEE).exists():
        return IocAccess(sees_all=True)
    return IocAccess(agency_ids=frozenset(led))


# --- scope --------------------------------------------------------------------------------------


def unit_for_code(code: str, day: datetime.date) -> AdministrativeUnit | None:
    """The version of unit ``code`` that applies on ``day``: the one valid then, else the latest
    that started before, else the earliest (codes are reused across periods)."""
    versions = list(AdministrativeUnit.objects.filter(code=code).order_by("valid_from"))
    if not versions:
        return None
    for unit in reversed(versions):
        if unit.valid_from <= day:
            return unit
    return versions[0]


def unit_ids(unit: AdministrativeUnit) -> set[int]:
    """The unit, the units under it, and every predecessor of those (so a new commune's figures
    include its former communes, and a former district includes its communes)."""
    found: set[int] = set()
    frontier = {unit.pk}
    while frontier:
        found |= frontier
        children = set(
            AdministrativeUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        predecessors = set(
            AdministrativeUnit.objects.filter(successors__in=frontier).values_list("pk", flat=True)
        )
        frontier = (children | predecessors) - found
    return found


@dataclass(frozen=True)
class Where:
    """A resolved scope: the agency and the unit ids (with predecessors) it is limited to."""

    agency_id: int | None = None
    unit_ids: tuple[int, ...] | None = None  # None: every unit

    def q(self) -> Q:
        """The condition on a table with ``agency_id`` and ``unit_id`` columns."""
        condition = Q()
        if self.agency_id is not None:
            condition &= Q(agency_id=self.agency_id)
        if self.unit_ids is not None:
            condition &= Q(unit_id__in=self.unit_ids)
        return condition


def resolve(scope: Scope, day: datetime.date) -> Where:
    """The agency and units of ``scope``, the unit code read as the version valid on ``day``.
    A province-level unit means every unit."""
    unit_set: tuple[int, ...] | None = None
    if scope.unit_code:
        unit = unit_for_code(scope.unit_code, day)
        if unit is None:
            raise UnknownScope(scope.unit_code, "unit")
        if unit.level != AdministrativeUnit.Level.PROVINCE or unit.parent_id is not None:
            unit_set = tuple(sorted(unit_ids(unit)))
    return Where(agency_id=scope.agency_id, unit_ids=unit_set)


def _scope_filter(scope: Scope, day: datetime.date) -> Q:
    return resolve(scope, day).q()


# --- figures ------------------------------------------------------------------------------------


def _months_and_days(
    start: datetime.date, end: datetime.date
) -> tuple[list[datetime.date], list[tuple[datetime.date, datetime.date]]]:
    """Split [start, end] into whole months and the leftover day ranges at either edge."""
    months: list[datetime.date] = []
    edges: list[tuple[datetime.date, datetime.date]] = []
    first_full = start if start.day == 1 else _next_month(start)
    cursor = first_full
    while _next_month(cursor) - datetime.timedelta(days=1) <= end:
        months.append(cursor)
        cursor = _next_month(cursor)
    if not months:
        return [], [(start, end)]
    if start < months[0]:
        edges.append((start, months[0] - datetime.timedelta(days=1)))
    if cursor <= end:
        edges.append((cursor, end))
    return months, edges


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _sum(rows: QuerySet[Any], group: str | None = None) -> dict[Any, dict[str, int]]:
    sums = {m: Sum(m) for m in MEASURES}
    if group is None:
        return {None: rows.aggregate(**sums)}
    return {r[group]: r for r in rows.values(group).annotate(**sums).order_by()}


# What a figure can be grouped by: a key column, or "period" (the day or month of the row).
Group = str | None
DIMENSIONS = {
    "agency_id": RollupStat.Dimension.AGENCY,
    "unit_id": RollupStat.Dimension.UNIT,
    "procedure_id": RollupStat.Dimension.PROCEDURE,
}


def _rollup(where: Where, group: Group) -> tuple[str, Q] | None:
    """The rollup dimension and condition that answer ``where`` grouped by ``group``, or None
    when the finer keys of DailyStat/MonthlyStat are needed (a scope with both an agency and
    units, or a breakdown by another key than the one the scope limits)."""
    limits = [
        ("agency_id", Q(key=where.agency_id)) if where.agency_id is not None else None,
        ("unit_id", Q(key__in=where.unit_ids)) if where.unit_ids is not None else None,
    ]
    limited = [limit for limit in limits if limit is not None]
    grouped = group if group in DIMENSIONS else None
    if len(limited) > 1 or (limited and grouped and grouped != limited[0][0]):
        return None
    if limited:
        column, condition = limited[0]
        return DIMENSIONS[column], condition
    return DIMENSIONS[grouped or "agency_id"], Q()  # the province: the sum of the agency rows


def _stat_rows(
    where: Where, group: Group, grain: str, first: datetime.date, last: datetime.date
) -> dict[Any, dict[str, int]]:
    """Sums of the measures over the days (grain "d") or months ("m") first…last."""
    rollup = _rollup(where, group)
    if rollup is not None:
        dimension, condition = rollup
        rollup_rows = RollupStat.objects.filter(
            condition, dimension=dimension, grain=grain, period__range=(first, last)
        )
        return _sum(rollup_rows, "key" if group in DIMENSIONS else group)
    model: type[DailyStat] | type[MonthlyStat] = DailyStat if grain == "d" else MonthlyStat
    date_column = "day" if grain == "d" else "month"
    rows = model.objects.filter(where.q(), **{f"{date_column}__range": (first, last)})
    return _sum(rows, date_column if group == "period" else group)


def _measures(
    where: Where, start: datetime.date, end: datetime.date, group: Group = None
) -> dict[Any, dict[str, int]]:
    """The measures of [start, end]: whole months from the month rows, the edges from the day
    rows. ``group`` is a key column, "period" (the month's first day or the day) or None."""
    months, edges = _months_and_days(start, end)
    parts: list[dict[Any, dict[str, int]]] = []
    if months:
        parts.append(_stat_rows(where, group, "m", months[0], months[-1]))
    for first, last in edges:
        parts.append(_stat_rows(where, group, "d", first, last))
    total: dict[Any, dict[str, int]] = {}
    for part in parts:
        for key, values in part.items():
            into = total.setdefault(key, dict.fromkeys(MEASURES, 0))
            for m in MEASURES:
                into[m] += int(values.get(m) or 0)
    return total


def _open(
    where: Where, start: datetime.date, end: datetime.date, group: Group = None
) -> dict[Any, dict[str, int]]:
    today = today_in_vietnam()
    rows = OpenStat.objects.filter(where.q(), received_day__range=(start, end))
    overdue = Q(paused=False, due_day__lt=today)
    annotations = {
        "in_progress": Sum("count"),
        "in_progress_overdue": Sum("count", filter=overdue),
        "in_progress_paused": Sum("count", filter=Q(paused=True)),
        "due_today": Sum("count", filter=Q(paused=False, due_day=today)),
    }
    column = "received_day" if group == "period" else group
    if column is None:
        grouped = {None: rows.aggregate(**annotations)}
    else:
        grouped = {r[column]: r for r in rows.values(column).annotate(**annotations).order_by()}
    late_today: dict[Any, int] = {}
    if any(r["due_today"] for r in grouped.values()):
        late_today = _overdue_since_this_morning(where, start, end, column)
    return {key: _in_progress(r, late_today.get(key, 0)) for key, r in grouped.items()}


def _in_progress(row: dict[str, Any], late_today: int = 0) -> dict[str, int]:
    """An aggregate row of open dossiers as the figures show it: in progress, of which overdue
    (plus ``late_today``, those due today whose appointment has passed), on time and paused."""
    total = int(row["in_progress"] or 0)
    late = int(row["in_progress_overdue"] or 0) + late_today
    return {
        "in_progress": total,
        "in_progress_overdue": late,
        "in_progress_on_time": total - late,
        "in_progress_paused": int(row["in_progress_paused"] or 0),
    }


def _overdue_since_this_morning(
    where: Where, start: datetime.date, end: datetime.date, column: str | None
) -> dict[Any, int]:
    """Open, running dossiers due today whose appointment has already passed, per ``column``
    value: the aggregates know the due day only, and "overdue" is to the minute, as in the
    officials' inbox (``due_at < now``). Read through the facts and their dossiers only when the
    aggregates show a running dossier due today (a handful of rows)."""
    now = timezone.now()
    rows = (
        DossierFact.objects.filter(
            where.q(),
            received_day__range=(start, end),
            is_open=True,
            open_paused=False,
            due_day=timezone.localdate(now),
        )
        .annotate(appointment=Coalesce("dossier__original_due_at", "dossier__due_at"))
        .filter(appointment__lt=now)
    )
    if column is None:
        return {None: rows.count()}
    return {r[column]: r["n"] for r in rows.values(column).annotate(n=Count("pk")).order_by()}


def _open_at_end(
    where: Where, start: datetime.date, end: datetime.date, group: Group = None
) -> dict[Any, dict[str, int]]:
    """Like ``_open`` but as of the end of ``end`` (a period already over), so that a closed
    period's figures do not change afterwards (R-DL-14, R-DL-16, issue 15): the dossiers received
    in [start, end] not yet resolved or closed at the end of ``end``, overdue when their
    appointment by law (``original_due_at``, else ``due_at``) came before that end. A dossier
    still paused now counts as paused (its clock was stopped or its appointment is re-set on
    resuming); one resolved or closed later is judged by its appointment, not by its outcome.
    The facts' days are enough (no dossier row is read): an appointment before the midnight that
    ends ``end`` is one on a day up to ``end``."""
    rows = (
        DossierFact.objects.filter(where.q(), received_day__range=(start, end))
        .filter(Q(resolved_day__isnull=True) | Q(resolved_day__gt=end))
        .filter(Q(closed_day__isnull=True) | Q(closed_day__gt=end))
    )
    paused = Q(is_open=True, open_paused=True)
    annotations = {
        "in_progress": Count("pk"),
        # due before midnight after ``end`` = due on a day up to ``end``
        "in_progress_overdue": Count("pk", filter=~paused & Q(due_day__lte=end)),
        "in_progress_paused": Count("pk", filter=paused),
    }
    column = "received_day" if group == "period" else group
    if column is None:
        grouped = {None: rows.aggregate(**annotations)}
    else:
        grouped = {r[column]: r for r in rows.values(column).annotate(**annotations).order_by()}
    return {key: _in_progress(r) for key, r in grouped.items()}


def open_as_of(
    where: Where, start: datetime.date, end: datetime.date, group: Group = None
) -> dict[Any, dict[str, int]]:
    """The open dossiers of [start, end]: as of now while the period runs, as of its end once
    it is over (the closed period's figure stays what it was)."""
    if end < today_in_vietnam():
        return _open_at_end(where, start, end, group)
    return _open(where, start, end, group)


def summary(*, scope: Scope, start: datetime.date, end: datetime.date) -> Summary:
    """Service-quality figures of ``scope`` for the days ``start``…``end`` (inclusive)."""
    where = resolve(scope, end)
    measures = _measures(where, start, end)[None]
    opened = _open(where, start, end)[None]
    return Summary.build(measures, opened)


def backlog(*, scope: Scope) -> Summary:
    """Dossiers open now whatever their received day (in_progress fields only)."""
    where = resolve(scope, today_in_vietnam())
    opened = _open(where, datetime.date(1900, 1, 1), PAUSED_DAY)[None]
    return Summary.build({}, opened)


def _buckets(
    start: datetime.date, end: datetime.date, grain: str
) -> list[tuple[datetime.date, datetime.date]]:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    out = []
    cursor = start
    while cursor <= end:
        if grain == "day":
            bucket_start, following = cursor, cursor + datetime.timedelta(days=1)
        elif grain == "month":
            bucket_start, following = cursor.replace(day=1), _next_month(cursor)
        elif grain == "quarter":
            q_month = 3 * ((cursor.month - 1) // 3) + 1
            bucket_start = cursor.replace(month=q_month, day=1)
            following = _next_month(_next_month(_next_month(bucket_start)))
        else:
            bucket_start = cursor.replace(month=1, day=1)
            following = bucket_start.replace(year=bucket_start.year + 1)
        out.append((max(bucket_start, start), min(following - datetime.timedelta(days=1), end)))
        cursor = following
    return out


def _into_buckets(
    rows: dict[Any, dict[str, int]], starts: list[datetime.date]
) -> list[dict[str, int]]:
    """Add rows keyed by day or month (first day) into the buckets starting at ``starts``."""
    out: list[dict[str, int]] = [{} for _ in starts]
    for day, values in rows.items():
        index = bisect.bisect_right(starts, day) - 1
        if index < 0:
            continue
        into = out[index]
        for name, value in values.items():
            into[name] = into.get(name, 0) + value
    return out


def trend(
    *, scope: Scope, start: datetime.date, end: datetime.date, grain: str = "month"
) -> list[tuple[datetime.date, Summary]]:
    """One summary per day, month, quarter or year of the period (each clipped to the period),
    keyed by the bucket's first day inside the period. Buckets are aligned on months, so a
    whole month of the period lies in one bucket: one grouped query for the months, one per
    edge, one for the open dossiers."""
    buckets = _buckets(start, end, grain)
    where = resolve(scope, end)
    if grain == "day":
        measures = _stat_rows(where, "period", "d", start, end)
    else:
        measures = _measures(where, start, end, "period")
    opened = _open(where, start, end, "period")
    starts = [first for first, _ in buckets]
    sums = _into_buckets({k: _ints(v) for k, v in measures.items()}, starts)
    open_sums = _into_buckets(opened, starts)
    return [(first, Summary.build(sums[i], open_sums[i])) for i, (first, _) in enumerate(buckets)]


def _ints(values: dict[str, Any]) -> dict[str, int]:
    return {m: int(values.get(m) or 0) for m in MEASURES}


def breakdown(
    *, scope: Scope, start: datetime.date, end: datetime.date, by: str
) -> list[BreakdownRow]:
    """The period's figures per agency, unit or procedure inside ``scope``, largest first."""
    if by not in BREAKDOWNS:
        raise ValueError(f"by must be one of {BREAKDOWNS}")
    group = f"{by}_id"
    where = resolve(scope, end)
    measures = _measures(where, start, end, group)
    opened = _open(where, start, end, group)
    keys = set(measures) | set(opened)
    labels = _labels(by, keys)
    rows = [
        BreakdownRow(
            key=str(k),
            label=labels.get(k, str(k)),
            summary=Summary.build(measures.get(k, {}), opened.get(k, {})),
        )
        for k in keys
    ]
    rows.sort(key=lambda r: (-r.summary.received, -r.summary.resolved, r.label))
    return rows


def _labels(by: str, keys: set[Any]) -> dict[Any, str]:
    from django.utils.translation import gettext as _

    if by == "agency":
        return dict(Agency.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "unit":
        labels = dict(AdministrativeUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
        labels[0] = _("Không xác định")
        return labels
    names: dict[Any, str] = {}
    for procedure_id, code, name in (
        ProcedureVersion.objects.filter(procedure_id__in=keys)
        .order_by("procedure_id", "version")
        .values_list("procedure_id", "procedure__code", "name")
    ):
        names[procedure_id] = f"{code} · {name}"  # the latest version's name wins
    return names


def previous_period(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The period of the same length just before [start, end]."""
    length = (end - start).days + 1
    return start - datetime.timedelta(days=length), start - datetime.timedelta(days=1)


# --- the dossiers behind a figure ----------------------------------------------------------------

# The e-result condition of 766 indicators 3.3 and 4.2 (ADR 0015).
ERESULT_KEPT = Q(resolved_day__isnull=True) | Q(eresult=True)
DAY_METRICS = {
    "submitted": ("submitted_day", Q()),
    "received": ("received_day", Q()),
    "online_received": ("received_day", Q(channel=2)),
    "postal_received": ("received_day", Q(channel=3)),
    "counter_received": ("received_day", Q(channel=1)),
    "fee_due": ("received_day", Q(fee_due=True)),
    "paid_online": ("received_day", Q(fee_due=True, paid_online=True)),
    "digitised": ("received_day", Q(digitised=True)),
    "reused": ("received_day", Q(reused=True)),
    "online_eresult": ("received_day", Q(channel=2) & ERESULT_KEPT),
    "digitised_eresult": ("received_day", Q(digitised=True) & ERESULT_KEPT),
    "resolved": ("resolved_day", Q()),
    "early": ("resolved_day", Q(timeliness="early")),
    "on_time": ("resolved_day", Q(timeliness="on_time")),
    "late": ("resolved_day", Q(timeliness="late")),
    "eresult": ("resolved_day", Q(eresult=True)),
    "rated": ("resolved_day", Q(rating__isnull=False)),
    "satisfied": ("resolved_day", Q(rating__gte=4)),
    "dissatisfied": ("resolved_day", Q(rating__lte=2)),
    "withdrawn": ("closed_day", Q(closed_status="withdrawn")),
    "stopped": ("closed_day", Q(closed_status="stopped")),
    "refused": ("closed_day", Q(closed_status="refused")),
}
OPEN_METRICS = ("in_progress", "in_progress_on_time", "in_progress_overdue", "in_progress_paused")
METRICS = tuple(DAY_METRICS) + OPEN_METRICS


def reads_every_dossier(user: User | AnyUser) -> bool:
    """The province's rule for the dossiers behind a figure (docs/security.md, "Province
    leaders"): a leader of the provincial People's Committee (and the platform administrator)
    may read every dossier a figure counts, whatever agency handles it; each list, export and
    dossier read is audited by the pages. Everyone else reads only the dossiers
    ``visible_dossiers`` admits."""
    return is_platform_admin(user) or ioc_access(user).sees_all


def readable_dossiers(user: User | AnyUser) -> QuerySet[Dossier]:
    """The dossiers ``user`` may read from the operations centre: every filed dossier for a
    province reader (``reads_every_dossier``), else those of ``visible_dossiers``."""
    if reads_every_dossier(user):
        return (
            Dossier.objects.select_related("procedure_version", "agency", "receiving_agency")
            .exclude(status=Status.DRAFT)
            .exclude(code__isnull=True)
        )
    return visible_dossiers(user)


def dossier_behind_figures(user: User | AnyUser, code: str) -> Dossier | None:
    """Dossier ``code`` for the read-only page of the operations centre: only for a province
    reader (others open dossiers in the back office, under its rules); None otherwise."""
    if not reads_every_dossier(user):
        return None
    return readable_dossiers(user).filter(code=code).first()


def sees_every_dossier(user: User | AnyUser, scope: Scope) -> bool:
    """Whether every dossier a figure of ``scope`` counts is one ``user`` may open: then the list
    behind the figure has exactly the figure's count, known from the aggregates. True for a
    platform administrator, and for staff of the scope's agency (the facts' agency is the
    dossier's competent agency, which ``visible_dossiers`` admits)."""
    if reads_every_dossier(user):
        return True
    return scope.agency_id is not None and scope.agency_id in dossier_agency_ids(user)


def _on_fact(condition: Q) -> Q:
    """The same condition written from the dossier's side (``ioc_fact__…``)."""
    moved = Q()
    moved.connector, moved.negated = condition.connector, condition.negated
    children: list[Any] = list(condition.children)
    for child in children:
        if isinstance(child, Q):
            moved.children.append(_on_fact(child))
        else:
            key, value = child
            moved.children.append((f"ioc_fact__{key}", value))
    return moved


def dossiers_behind(
    *, user: User | AnyUser, metric: str, scope: Scope, start: datetime.date, end: datetime.date
) -> QuerySet[Dossier]:
    """The dossiers counted in ``metric`` for ``scope`` and the period, limited to those the user
    may read (``readable_dossiers``: all of them for a province reader), latest first by the day
    the figure counts them on. Raises IocForbidden outside the user's operations-centre scope and
    ValueError for an unknown metric.

    The dossiers are joined to their facts (not filtered by a sub-query), so a page walks the
    fact's day index from the end of the period instead of every dossier received since."""
    if not ioc_access(user).allows(scope):
        raise IocForbidden()
    condition = _scope_filter(scope, end)
    if metric in DAY_METRICS:
        column, extra = DAY_METRICS[metric]
        condition &= extra & Q(**{f"{column}__range": (start, end)})
    elif metric in OPEN_METRICS:
        column = "received_day"
        condition &= Q(is_open=True, received_day__range=(start, end))
    else:
        raise ValueError(f"unknown metric {metric!r}")
    found = readable_dossiers(user).filter(_on_fact(condition))
    if metric in ("in_progress_overdue", "in_progress_on_time"):
        # as ``_open``: overdue to the minute, against the appointment by law
        now = timezone.now()
        passed = Q(original_due_at__lt=now) | Q(original_due_at__isnull=True, due_at__lt=now)
        overdue = Q(ioc_fact__open_paused=False) & (
            Q(ioc_fact__due_day__lt=timezone.localdate(now))
            | (Q(ioc_fact__due_day=timezone.localdate(now)) & passed)
        )
        found = found.filter(overdue if metric == "in_progress_overdue" else ~overdue)
    elif metric == "in_progress_paused":
        found = found.filter(ioc_fact__open_paused=True)
    return found.order_by(f"-ioc_fact__{column}", "-pk")
