"""The Decision 766/QĐ-TTg service-quality index, computed from the platform's own data.

Indicators, targets and point conversion follow docs/ioc.md (source: the administrative-rules
specification §11, R-766-3 to R-766-6). Indicators whose inputs the platform does not hold are
reported with ``no_data`` and left out of the score; scores are normalised over the points that
could be computed (docs/adr/0005-766-index-missing-inputs.md).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.agencies.models import Agency
from tinhso.calendars.worktime import get_calendar
from tinhso.ioc.models import MEASURES, DossierFact, MonthlyStat, RollupStat
from tinhso.ioc.selectors import Rate, Summary, Where, _next_month, open_as_of
from tinhso.procedures.models import ProcedureVersion
from tinhso.reports.models import OPEN_STATUSES, Report
from tinhso.units.models import AdministrativeUnit

GROUPS: dict[str, tuple[Any, int]] = {
    "CKMB": (gettext_lazy("Công khai, minh bạch"), 18),
    "TDGQ": (gettext_lazy("Tiến độ giải quyết"), 20),
    "ONLINE": (gettext_lazy("Dịch vụ công trực tuyến"), 12),
    "TTTT": (gettext_lazy("Thanh toán trực tuyến"), 10),
    "MDSH": (gettext_lazy("Số hóa hồ sơ"), 22),
    "MDHL": (gettext_lazy("Mức độ hài lòng"), 18),
}


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    group: str
    name: Any
    formula: Any
    max_points: float
    target: float | None = None  # percent for full points; None = linear ratio × points
    held: bool = True  # False: the platform does not hold the inputs
    note: Any = ""


NOT_HELD = gettext_lazy("Nền tảng chưa có dữ liệu đầu vào của chỉ tiêu này; không tính điểm.")
# Points per indicator: the known ones (1.2 = 4, 3.5b = 2, 5.4 = 6) and the rest of each group's
# maximum split equally among its scored indicators (the official split is unconfirmed, R-766-4).
SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        "1.1",
        "CKMB",
        gettext_lazy("TTHC công bố đúng hạn"),
        gettext_lazy("TTHC công bố đúng hạn / TTHC đã công bố trong kỳ"),
        14 / 3,
        note=gettext_lazy(
            "Đúng hạn: quyết định công bố ban hành không muộn hơn ngày hiệu lực của nó (ADR 0018)."
        ),
    ),
    IndicatorSpec(
        "1.2",
        "CKMB",
        gettext_lazy("TTHC công khai đúng hạn trên CSDL quốc gia"),
        gettext_lazy("TTHC công khai đúng hạn / TTHC phải công khai trong kỳ"),
        4,
        note=gettext_lazy(
            "Đúng hạn: công khai trên CSDL quốc gia trong 5 ngày làm việc kể từ ngày ban hành "
            "quyết định công bố (ADR 0018)."
        ),
    ),
    IndicatorSpec(
        "1.3",
        "CKMB",
        gettext_lazy("TTHC có đầy đủ bộ phận cấu thành"),
        gettext_lazy("TTHC đủ bộ phận cấu thành / TTHC đã công khai trên CSDL quốc gia"),
        14 / 3,
        note=gettext_lazy(
            "TTHC công khai trên CSDL quốc gia trong kỳ; phí, lệ phí được phép là “không” "
            "(ADR 0018)."
        ),
    ),
    IndicatorSpec(
        "1.4",
        "CKMB",
        gettext_lazy("Hồ sơ đồng bộ lên Cổng DVCQG"),
        gettext_lazy("Hồ sơ tiếp nhận trong kỳ đã được Cổng DVCQG nhận / hồ sơ tiếp nhận trong kỳ"),
        14 / 3,
        note=gettext_lazy(
            "Mẫu số là số hồ sơ tiếp nhận theo nền tảng (không nhỏ hơn số trên Cổng DVCQG, vì "
            "Cổng chỉ có hồ sơ nền tảng gửi lên)."
        ),
    ),
    IndicatorSpec(
        "2.1",
        "TDGQ",
        gettext_lazy("Hồ sơ giải quyết đúng hạn"),
        gettext_lazy(
            "(trước hạn + đúng hạn trong kỳ + đang xử lý trong hạn) / (đã giải quyết trong kỳ + đang xử lý)"
        ),
        20,
    ),
    IndicatorSpec(
        "2.2",
        "TDGQ",
        gettext_lazy("Thời gian giải quyết trung bình (ngày làm việc)"),
        gettext_lazy(
            "tổng thời gian giải quyết (giờ hành chính) / số hồ sơ đã giải quyết "
            "(tham khảo, không tính điểm)"
        ),
        0,
    ),
    IndicatorSpec(
        "3.1",
        "ONLINE",
        gettext_lazy("TTHC cung cấp DVCTT"),
        gettext_lazy("TTHC có DVCTT (toàn trình hoặc một phần) / TTHC thuộc thẩm quyền"),
        4,
        target=80,
    ),
    IndicatorSpec(
        "3.2",
        "ONLINE",
        gettext_lazy("DVC có phát sinh hồ sơ trực tuyến"),
        gettext_lazy("TTHC có hồ sơ trực tuyến trong kỳ / TTHC thuộc thẩm quyền"),
        4,
    ),
    IndicatorSpec(
        "3.3",
        "ONLINE",
        gettext_lazy("Hồ sơ trực tuyến"),
        gettext_lazy(
            "hồ sơ tiếp nhận trực tuyến, trừ hồ sơ đã giải quyết mà không có kết quả điện tử hợp lệ"
            " / hồ sơ tiếp nhận trong kỳ"
        ),
        4,
        target=50,
        note=gettext_lazy("Chưa nhân hệ số đồng bộ DVCQG (nền tảng chưa có tỷ lệ đồng bộ)."),
    ),
    IndicatorSpec(
        "3.5",
        "TTTT",
        gettext_lazy("TTHC có nghĩa vụ tài chính được thanh toán trên DVCQG"),
        gettext_lazy("TTHC cung cấp thanh toán trên DVCQG / TTHC có nghĩa vụ tài chính"),
        4,
        target=80,
        note=gettext_lazy(
            "Thanh toán qua Nền tảng thanh toán DVCQG được cung cấp cho mọi TTHC có phí, lệ phí khi "
            "nền tảng được cấu hình (ADR 0005, sửa đổi lần ba)."
        ),
    ),
    IndicatorSpec(
        "3.5b",
        "TTTT",
        gettext_lazy("TTHC có giao dịch thanh toán trực tuyến"),
        gettext_lazy(
            "TTHC có ít nhất một hồ sơ thanh toán trực tuyến / TTHC có hồ sơ phải nộp phí trong kỳ"
        ),
        2,
        target=80,
    ),
    IndicatorSpec(
        "3.6",
        "TTTT",
        gettext_lazy("Hồ sơ thanh toán trực tuyến"),
        gettext_lazy("hồ sơ đã thanh toán trực tuyến / hồ sơ có nghĩa vụ tài chính"),
        4,
    ),
    IndicatorSpec(
        "4.1",
        "MDSH",
        gettext_lazy("Hồ sơ có kết quả điện tử"),
        gettext_lazy("hồ sơ có kết quả điện tử đã ký, còn hiệu lực / hồ sơ đã giải quyết trong kỳ"),
        22 / 6,
    ),
    IndicatorSpec(
        "4.2",
        "MDSH",
        gettext_lazy("Hồ sơ được số hóa"),
        gettext_lazy(
            "hồ sơ được số hóa (trực tuyến hoặc mọi tệp được số hóa), trừ hồ sơ đã giải quyết mà"
            " không có kết quả điện tử hợp lệ / hồ sơ tiếp nhận trong kỳ"
        ),
        22 / 6,
        target=80,
    ),
    IndicatorSpec(
        "4.3",
        "MDSH",
        gettext_lazy("Hồ sơ tái sử dụng dữ liệu số hóa"),
        gettext_lazy(
            "hồ sơ có ít nhất một thành phần lấy từ kho giấy tờ / hồ sơ tiếp nhận trong kỳ"
        ),
        22 / 6,
        target=80,
    ),
    IndicatorSpec(
        "4.4",
        "MDSH",
        gettext_lazy("Hồ sơ dùng kho dữ liệu DVCQG"),
        gettext_lazy("hồ sơ có thành phần từ Kho DMQG / hồ sơ tiếp nhận trong kỳ"),
        22 / 6,
    ),
    IndicatorSpec(
        "4.5a",
        "MDSH",
        gettext_lazy("TTHC kết nối CSDL quốc gia về dân cư"),
        gettext_lazy("TTHC có kết nối / TTHC có đối tượng là người dân"),
        22 / 6,
        note=gettext_lazy(
            "Có kết nối: TTHC có hồ sơ trong kỳ được tra cứu thấy trong CSDL dân cư; mẫu số: mọi TTHC "
            "thuộc thẩm quyền (ADR 0005, sửa đổi lần ba)."
        ),
    ),
    IndicatorSpec(
        "4.5b",
        "MDSH",
        gettext_lazy("Hồ sơ sử dụng dữ liệu dân cư"),
        gettext_lazy("hồ sơ dùng CSDL dân cư / tổng hồ sơ"),
        22 / 6,
    ),
    IndicatorSpec(
        "5.2",
        "MDHL",
        gettext_lazy("PAKN xử lý đúng hạn"),
        gettext_lazy("PAKN xử lý đúng hạn + đang xử lý trong hạn / PAKN thuộc thẩm quyền"),
        6,
        note=gettext_lazy(
            "PAKN tiếp nhận trong kỳ, trừ PAKN đã gộp vào PAKN khác và PAKN không xem xét; "
            "tình trạng tính đến hiện tại (ADR 0005, sửa đổi lần bốn)."
        ),
    ),
    IndicatorSpec(
        "5.3",
        "MDHL",
        gettext_lazy("PAKN không bị phản hồi không hài lòng"),
        gettext_lazy("(tổng PAKN − PAKN không hài lòng, phản ánh tiếp, quá hạn) / tổng PAKN"),
        6,
        note=gettext_lazy(
            "Phản ánh tiếp: người dân mở lại PAKN đã trả lời; quá hạn: trả lời sau hạn hoặc chưa "
            "trả lời mà đã quá hạn (ADR 0005, sửa đổi lần bốn)."
        ),
    ),
    IndicatorSpec(
        "5.4",
        "MDHL",
        gettext_lazy("Mức độ hài lòng trong giải quyết TTHC"),
        gettext_lazy("100% − (tỷ lệ hồ sơ quá hạn + tỷ lệ hồ sơ đánh giá không hài lòng)"),
        6,
        target=90,
        note=gettext_lazy("Chưa gồm PAKN (nền tảng chưa có); không hài lòng = đánh giá 1–2 sao."),
    ),
)


@dataclass
class Indicator:
    id: str
    group: str
    name: str
    formula: str
    numerator: int | None
    denominator: int | None
    value: float | None  # percent (or days for 2.2)
    target: float | None
    points: float | None
    max_points: float
    no_data: bool
    note: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Index766Row:
    key: str
    label: str
    indicators: list[Indicator]
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    points: float = 0.0
    available_points: float = 0.0
    total: float | None = None
    rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "indicators": [i.as_dict() for i in self.indicators],
            "groups": self.groups,
            "points": self.points,
            "available_points": self.available_points,
            "total": self.total,
            "rank": self.rank,
        }


def points_for(rate: Rate, spec: IndicatorSpec) -> float | None:
    """R-766-4: full points at or above the target, else proportional; no target → ratio × max."""
    if rate.value is None:
        return None
    percent = rate.value * 100
    if spec.target is not None:
        earned = (
            spec.max_points if percent >= spec.target else percent / spec.target * spec.max_points
        )
    else:
        earned = rate.value * spec.max_points
    return round(earned, 4)


def parse_period(period: str) -> tuple[datetime.date, datetime.date]:
    """ "YYYY-MM" → first and last day of that month; ValueError otherwise."""
    year, _sep, month = period.partition("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(period)
    first = datetime.date(int(year), int(month), 1)
    return first, _next_month(first) - datetime.timedelta(days=1)


def _competent_procedures(level: str, keys: set[int], first: datetime.date) -> dict[int, set[int]]:
    """Procedures (ids) within competence of each agency, or of communes, valid in the month."""
    versions = ProcedureVersion.objects.filter(effective_from__lte=first).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=first)
    )
    commune = set(
        versions.filter(level=ProcedureVersion.Level.COMMUNE).values_list("procedure_id", flat=True)
    )
    if level == "unit":
        return {key: commune for key in keys}
    out: dict[int, set[int]] = {key: set() for key in keys}
    for procedure_id, agency_id in versions.filter(agencies__pk__in=keys).values_list(
        "procedure_id", "agencies__pk"
    ):
        out[agency_id].add(procedure_id)
    communes = Agency.objects.filter(pk__in=keys, kind=Agency.Kind.COMMUNE_COMMITTEE)
    for agency_id in communes.values_list("pk", flat=True):
        out[agency_id] |= commune
    return out


# The catalogue's modes that are an online public service (DVCTT toàn trình or một phần, R-LVL-1);
# a version in any other mode (e.g. a procedure the catalogue marks as not offered online) is
# within competence but not offered online, and lowers 3.1.
ONLINE_MODES = (ProcedureVersion.Mode.FULL_ONLINE, ProcedureVersion.Mode.PARTIAL)  # not OFFLINE


def _offered_online(first: datetime.date) -> set[int]:
    """Procedures (ids) whose version valid in the month is offered online (3.1)."""
    return set(
        ProcedureVersion.objects.filter(effective_from__lte=first, mode__in=ONLINE_MODES)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=first))
        .values_list("procedure_id", flat=True)
    )


def _indicator(spec: IndicatorSpec, rate: Rate | None, value: float | None = None) -> Indicator:
    no_data = not spec.held or rate is None or rate.denominator == 0
    points = None if no_data or spec.max_points == 0 or rate is None else points_for(rate, spec)
    note = str(spec.note)
    if spec.held and no_data:
        note = _("Mẫu số bằng 0 trong kỳ; không tính điểm.")
    if value is None and rate is not None and rate.value is not None:
        value = round(rate.value * 100, 2)
    return Indicator(
        id=spec.id,
        group=spec.group,
        name=str(spec.name),
        formula=str(spec.formula),
        numerator=rate.numerator if rate is not None and spec.held else None,
        denominator=rate.denominator if rate is not None and spec.held else None,
        value=value if spec.held else None,
        target=spec.target,
        points=points,
        max_points=round(spec.max_points, 4),
        no_data=no_data,
        note=note,
    )


def _rates(
    s: Summary,
    by_procedure: dict[int, dict[str, int]],
    competent: set[int],
    online: set[int],
    synced: int = 0,
) -> dict[str, tuple[Rate | None, float | None]]:
    offered = len(competent & online)
    online_procs = {p for p, m in by_procedure.items() if m["online_received"] > 0}
    fee_procs = {p for p, m in by_procedure.items() if m["fee_due"] > 0}
    paid_procs = {p for p in fee_procs if by_procedure[p]["paid_online"] > 0}
    bad = min(s.resolved, s.late + s.dissatisfied)
    return {
        "1.4": (Rate(min(synced, s.received), s.received), None),
        "2.1": (s.progress_rate, None),
        "2.2": (Rate(s.processing_minutes, s.resolved), s.average_processing_days),
        "3.1": (Rate(offered, len(competent)), None),
        "3.2": (Rate(len(online_procs & competent), len(competent)), None),
        # Online and digitised dossiers count only when not resolved without a valid e-result
        # (the indicator table's "e-result condition", ADR 0015).
        "3.3": (Rate(s.online_eresult, s.received), None),
        "3.5b": (Rate(len(paid_procs), len(fee_procs)), None),
        "3.6": (s.online_payment_rate, None),
        "4.1": (s.eresult_rate, None),
        "4.2": (Rate(s.digitised_eresult, s.received), None),
        "4.3": (s.reuse_rate, None),
        "5.4": (Rate(s.resolved - bad, s.resolved), None),
    }


def _row(
    key: int,
    label: str,
    totals: dict[str, int],
    opened: dict[str, int],
    by_procedure: dict[int, dict[str, int]],
    competent: set[int],
    online: set[int],
    synced: int = 0,
    publication: "list[Published] | None" = None,
    platforms: "Platforms | None" = None,
    feedback: "Feedback | None" = None,
) -> Index766Row:
    s = Summary.build(totals, opened)
    rates = _rates(s, by_procedure, competent, online, synced)
    rates |= publication_rates(publication or [])
    if platforms is not None:
        rates |= platforms.rates(key, s.received, competent)
    rates |= (feedback or Feedback()).rates()
    indicators = [_indicator(spec, *rates.get(spec.id, (None, None))) for spec in SPECS]
    row = Index766Row(key=str(key), label=label, indicators=indicators)
    for code, (name, group_max) in GROUPS.items():
        scored = [i for i in indicators if i.group == code and i.points is not None]
        earned = sum(i.points for i in scored if i.points is not None)
        available = sum(i.max_points for i in scored)
        row.groups[code] = {
            "name": str(name),
            "max_points": group_max,
            "points": round(earned, 2),
            "available_points": round(available, 2),
            "score": round(earned / available * group_max, 2) if available else None,
        }
        row.points += earned
        row.available_points += available
    row.points = round(row.points, 2)
    row.available_points = round(row.available_points, 2)
    row.total = round(row.points / row.available_points * 100, 2) if row.available_points else None
    return row


PROCEDURE_MEASURES = ("online_received", "fee_due", "paid_online")  # what 3.2 and 3.5b count
# The national portal holds a dossier once the integration layer's upsert was accepted
# (``integrations.NationalSync``, docs/integrations.md): read through the dossier relation.
SYNCED_STATES = ("inserted", "updated")


def _synced(dim: str, first: datetime.date, last: datetime.date) -> dict[int, int]:
    """Per agency or unit: dossiers received in the month that the national portal holds (1.4).
    As of now, like 3.3: a dossier synced later counts for its month of receipt."""
    rows = (
        DossierFact.objects.filter(
            received_day__range=(first, last),
            dossier__national_sync__state__in=SYNCED_STATES,
        )
        .values(dim)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {int(r[dim]): int(r["n"]) for r in rows}


# --- the national platforms (issue 17; ADR 0005, third amendment) ------------------------------
# Read through the dossier's relations, as 1.4 is: the operations centre does not import the
# integration layer. A component taken from the citizen's national data store is a stored document
# with a ``national_copy``; a dossier "used the population data" when a lookup linked to it found
# the citizen.
NATIONAL_STORE_REUSE = "dossier__attachments__reused_from__national_copy__isnull"
POPULATION_FOUND = "dossier__population_lookups__outcome"


@dataclass(frozen=True)
class Platforms:
    """Inputs of 3.5, 4.4, 4.5a and 4.5b for one month, per agency or unit."""

    paygov_offered: bool  # the national payment platform is configured: offered for every fee
    fee_procedures: frozenset[int]  # procedures whose version of the month carries a fee
    store_reuse: dict[int, int]  # key → dossiers received with a component from the national store
    population: dict[int, int]  # key → dossiers received that used the population database
    population_procedures: dict[int, frozenset[int]]  # key → procedures of those dossiers

    def rates(
        self, key: int, received: int, competent: set[int]
    ) -> dict[str, tuple[Rate | None, float | None]]:
        with_fee = competent & self.fee_procedures
        connected = competent & self.population_procedures.get(key, frozenset())
        return {
            "3.5": (Rate(len(with_fee) if self.paygov_offered else 0, len(with_fee)), None),
            "4.4": (Rate(min(self.store_reuse.get(key, 0), received), received), None),
            "4.5a": (Rate(len(connected), len(competent)), None),
            "4.5b": (Rate(min(self.population.get(key, 0), received), received), None),
        }


def national_platforms(dim: str, first: datetime.date, last: datetime.date) -> Platforms:
    received = DossierFact.objects.filter(received_day__range=(first, last))
    versions = ProcedureVersion.objects.filter(effective_from__lte=first).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=first)
    )
    fee_procedures = frozenset(
        versions.filter(Q(fee__gt=0) | Q(fee_online__gt=0)).values_list("procedure_id", flat=True)
    )

    def dossiers_by_key(**condition: Any) -> dict[int, int]:
        rows = (
            received.filter(**condition)
            .values(dim)
            .annotate(n=Count("dossier_id", distinct=True))
            .order_by()
        )
        return {int(r[dim]): int(r["n"]) for r in rows}

    procedures: dict[int, set[int]] = defaultdict(set)
    for key, procedure_id in (
        received.filter(**{POPULATION_FOUND: "found"}).values_list(dim, "procedure_id").distinct()
    ):
        procedures[int(key)].add(int(procedure_id))
    return Platforms(
        paygov_offered=bool(
            getattr(settings, "TINHSO_PAYGOV_PARTNER_CODE", "")
            and getattr(settings, "TINHSO_PAYGOV_SECRET", "")
        ),
        fee_procedures=fee_procedures,
        store_reuse=dossiers_by_key(**{NATIONAL_STORE_REUSE: False}),
        population=dossiers_by_key(**{POPULATION_FOUND: "found"}),
        population_procedures={k: frozenset(v) for k, v in procedures.items()},
    )


# --- citizen feedback, PAKN (issue 18; ADR 0005, fourth amendment) ----------------------------
# Merged reports follow their survivor, which alone counts (R-NAT-093); a rejected report was
# judged not to be feedback within anyone's competence (abusive, not a report at all).
NOT_COUNTED = (Report.Status.MERGED, Report.Status.REJECTED)
ANSWERED = (Report.Status.ANSWERED, Report.Status.CLOSED)


@dataclass(frozen=True)
class Feedback:
    """The inputs of 5.2 and 5.3 for one row: reports received in the month, as they stand now."""

    reports: int = 0
    on_time: int = 0  # answered (or closed) no later than the due time
    within_time: int = 0  # still open, the due time not yet passed
    failed: int = 0  # rated dissatisfied, reopened, answered late or open past the due time

    def rates(self) -> dict[str, tuple[Rate | None, float | None]]:
        return {
            "5.2": (Rate(self.on_time + self.within_time, self.reports), None),
            "5.3": (Rate(self.reports - self.failed, self.reports), None),
        }


def _month_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    """The month as aware datetimes in the platform's time zone: [start, end)."""
    start = datetime.datetime.combine(first, datetime.time.min)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start), timezone.make_aware(end)


def feedback(
    dim: str | None, first: datetime.date, last: datetime.date
) -> "dict[int | None, Feedback]":
    """Per responsible agency (``dim="agency_id"``), commune (``"commune_id"``) or for the
    province (``None``): the 5.2/5.3 counts of the reports received in the month. A report
    without an agency (the dispatch queue) or a commune counts for the province only."""
    now = timezone.now()
    start, end = _month_bounds(first, last)
    reports = Report.objects.filter(received_at__gte=start, received_at__lt=end).exclude(
        status__in=NOT_COUNTED
    )
    late = Q(status__in=ANSWERED, answered_at__gt=F("due_at")) | Q(
        status__in=OPEN_STATUSES, due_at__lt=now
    )
    measures = {
        "reports": Count("pk"),
        "on_time": Count("pk", filter=Q(status__in=ANSWERED, answered_at__lte=F("due_at"))),
        "within_time": Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__gte=now)),
        "failed": Count(
            "pk",
            filter=Q(citizen_rating=Report.Rating.DISSATISFIED) | Q(reopened=True) | late,
        ),
    }
    if dim is None:
        return {
            None: Feedback(**{k: int(v or 0) for k, v in reports.aggregate(**measures).items()})
        }
    rows = reports.exclude(**{f"{dim}__isnull": True}).values(dim).annotate(**measures).order_by()
    return {int(r[dim]): Feedback(**{k: int(r[k] or 0) for k in measures}) for r in rows}


# 1.2 (ADR 0018, UNCONFIRMED): a procedure is made public on the national database on time when it
# is public within this many working days of the signing of its publication decision.
PUBLIC_WITHIN_WORKING_DAYS = 5


@dataclass(frozen=True)
class Published:
    """The publication facts of one procedure's latest version published in the month."""

    procedure_id: int
    commune_level: bool
    agencies: frozenset[int]
    decided_in_month: bool
    decided_on_time: bool
    public_due: bool  # public already, or its deadline to be made public has passed
    public_in_month: bool
    public_on_time: bool
    complete: bool


def _public_deadline(decided: datetime.date) -> datetime.date:
    calendar = get_calendar()
    day = decided
    for _step in range(PUBLIC_WITHIN_WORKING_DAYS):
        day = calendar.next_working_day(day)
    return day


def published(first: datetime.date, last: datetime.date) -> list[Published]:
    """Per procedure, the latest version whose publication decision was issued, or which was made
    public on the national TTHC database, in the month (1.1–1.3, ADR 0018)."""
    versions = (
        ProcedureVersion.objects.filter(
            Q(decision_date__range=(first, last)) | Q(published_on__range=(first, last))
        )
        .order_by("procedure_id", "-version")
        .prefetch_related("documents", "steps", "agencies")
    )
    today = timezone.localdate()
    out: dict[int, Published] = {}
    for v in versions:
        if v.procedure_id in out:
            continue
        decided = v.decision_date
        public = v.published_on
        effective = v.decision_effective_on or decided  # no date stated: in force on signing
        out[v.procedure_id] = Published(
            procedure_id=v.procedure_id,
            commune_level=v.level == ProcedureVersion.Level.COMMUNE,
            agencies=frozenset(a.pk for a in v.agencies.all()),
            decided_in_month=decided is not None and first <= decided <= last,
            decided_on_time=decided is not None and effective is not None and decided <= effective,
            public_due=public is not None
            or (decided is not None and _public_deadline(decided) < today),
            public_in_month=public is not None and first <= public <= last,
            public_on_time=(
                decided is not None and public is not None and public <= _public_deadline(decided)
            ),
            complete=not v.missing_components(),
        )
    return list(out.values())


def publication_rates(items: list[Published]) -> dict[str, tuple[Rate | None, float | None]]:
    """1.1, 1.2 and 1.3 over ``items`` (one agency's procedures, or the province's: all)."""
    decided = [p for p in items if p.decided_in_month]
    due = [p for p in decided if p.public_due]  # not yet public but still in time: not counted
    public = [p for p in items if p.public_in_month]
    return {
        "1.1": (Rate(sum(p.decided_on_time for p in decided), len(decided)), None),
        "1.2": (Rate(sum(p.public_on_time for p in due), len(due)), None),
        "1.3": (Rate(sum(p.complete for p in public), len(public)), None),
    }


def _published_for(
    level: str, key: int, items: list[Published], communes: set[int]
) -> list[Published]:
    """The procedures a row implements: those listing the agency, and the commune-level ones for a
    commune committee (``level="agency"``) or a commune (``"unit"``)."""
    if level == "unit":
        return [p for p in items if p.commune_level]
    return [p for p in items if key in p.agencies or (p.commune_level and key in communes)]


LEVELS = ("agency", "unit", "province")


def compute(*, period: str, level: str) -> list[Index766Row]:
    """One row per agency (``level="agency"``) or commune unit (``"unit"``) with dossiers or
    reports in the month ``period`` ("YYYY-MM"), ranked by total (highest first; rows without a
    score last); one row for the whole province with ``level="province"``."""
    if level not in LEVELS:
        raise ValueError(level)
    first, last = parse_period(period)
    if level == "province":
        return _ranked([province_row(first, last)])
    dim = "agency_id" if level == "agency" else "unit_id"
    dimension = RollupStat.Dimension.AGENCY if level == "agency" else RollupStat.Dimension.UNIT
    month = RollupStat.objects.filter(dimension=dimension, grain="m", period=first)
    totals = {r["key"]: r for r in month.values("key", *MEASURES)}
    feedbacks = feedback("agency_id" if level == "agency" else "commune_id", first, last)
    keys = (set(totals) | {k for k in feedbacks if k is not None}) - {0}
    by_procedure: dict[int, dict[int, dict[str, int]]] = defaultdict(dict)
    per_procedure = (
        MonthlyStat.objects.filter(month=first)
        .values(dim, "procedure_id")
        .annotate(**{m: Sum(m) for m in PROCEDURE_MEASURES})
        .order_by()
    )
    for r in per_procedure:
        by_procedure[r[dim]][r["procedure_id"]] = {m: int(r[m] or 0) for m in PROCEDURE_MEASURES}
    opened = open_as_of(Where(), first, last, dim)
    synced = _synced(dim, first, last)
    competent = _competent_procedures(level, keys, first)
    online = _offered_online(first)
    items = published(first, last)
    platforms = national_platforms(dim, first, last)
    communes = set(
        Agency.objects.filter(pk__in=keys, kind=Agency.Kind.COMMUNE_COMMITTEE).values_list(
            "pk", flat=True
        )
    )
    if level == "agency":
        labels = dict(Agency.objects.filter(pk__in=keys).values_list("pk", "name"))
    else:
        labels = dict(AdministrativeUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
    rows = [
        _row(
            k,
            labels.get(k, str(k)),
            totals.get(k, {}),
            opened.get(k, {}),
            by_procedure.get(k, {}),
            competent[k],
            online,
            synced.get(k, 0),
            _published_for(level, k, items, communes),
            platforms,
            feedbacks.get(k),
        )
        for k in sorted(keys)
    ]
    return _ranked(rows)


def _ranked(rows: list[Index766Row]) -> list[Index766Row]:
    """Highest total first, rows without a total last and unranked; equal totals share a rank."""
    rows.sort(key=lambda r: (r.total is None, -(r.total or 0), r.label))
    rank = 0
    previous: float | None = None
    for position, row in enumerate(rows, start=1):
        if row.total is None:
            continue
        if row.total != previous:
            rank, previous = position, row.total
        row.rank = rank
    return rows


PROVINCE_KEY = 0  # the province row's key (no agency or unit has the id 0)


def province_row(first: datetime.date, last: datetime.date) -> Index766Row:
    """The whole province for the month: every agency's dossiers (and those of no agency), every
    procedure with a version valid in the month, every report (the dispatch queue's too)."""
    month = RollupStat.objects.filter(
        dimension=RollupStat.Dimension.AGENCY, grain="m", period=first
    )
    totals = {k: int(v or 0) for k, v in month.aggregate(**{m: Sum(m) for m in MEASURES}).items()}
    by_procedure = {
        int(r["procedure_id"]): {m: int(r[m] or 0) for m in PROCEDURE_MEASURES}
        for r in MonthlyStat.objects.filter(month=first)
        .values("procedure_id")
        .annotate(**{m: Sum(m) for m in PROCEDURE_MEASURES})
        .order_by()
    }
    competent = set(
        ProcedureVersion.objects.filter(effective_from__lte=first)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=first))
        .values_list("procedure_id", flat=True)
    )
    per_agency = national_platforms("agency_id", first, last)
    platforms = Platforms(
        paygov_offered=per_agency.paygov_offered,
        fee_procedures=per_agency.fee_procedures,
        store_reuse={PROVINCE_KEY: sum(per_agency.store_reuse.values())},
        population={PROVINCE_KEY: sum(per_agency.population.values())},
        population_procedures={
            PROVINCE_KEY: frozenset().union(*per_agency.population_procedures.values())
        },
    )
    return _row(
        PROVINCE_KEY,
        _("Toàn tỉnh"),
        totals,
        open_as_of(Where(), first, last).get(None, {}),
        by_procedure,
        competent,
        _offered_online(first),
        sum(_synced("agency_id", first, last).values()),
        published(first, last),
        platforms,
        feedback(None, first, last).get(None),
    )
