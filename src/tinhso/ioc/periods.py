"""Reading the period and scope chosen on the operations-centre pages from the query string.

``period`` is ``month`` (``month=YYYY-MM``), ``quarter`` (``quarter=YYYY-Qn``), ``year``
(``year=YYYY``) or ``custom`` (``from``/``to`` as ``YYYY-MM-DD``); the default is the current
month. Bad values fall back to the default with an error message, never a 500. The programme pages
(the indicators app: map, alerts) read their periods with the same functions.
"""

import calendar
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tinhso.units.selectors import today_in_vietnam

KINDS = ("month", "quarter", "year", "custom")
REFORM_DAY = datetime.date(2025, 7, 1)  # district level abolished, new communes
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date
    label: str
    errors: tuple[str, ...] = field(default=())

    def params(self) -> dict[str, str]:
        if self.kind == "month":
            return {"period": "month", "month": f"{self.start:%Y-%m}"}
        if self.kind == "quarter":
            return {"period": "quarter", "quarter": f"{self.start.year}-Q{quarter_of(self.start)}"}
        if self.kind == "year":
            return {"period": "year", "year": str(self.start.year)}
        return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}

    @property
    def grain(self) -> str:
        days = (self.end - self.start).days + 1
        if days <= 62:
            return "day"
        return "month" if days <= 3 * 366 else "year"

    @property
    def before_reform(self) -> bool:
        return self.start < REFORM_DAY


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(
        "month",
        datetime.date(year, month, 1),
        datetime.date(year, month, last),
        _("Tháng %(m)02d/%(y)s") % {"m": month, "y": year},
    )


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    last = month_period(year, first_month + 2).end
    return Period(
        "quarter",
        datetime.date(year, first_month, 1),
        last,
        _("Quý %(q)s/%(y)s") % {"q": quarter, "y": year},
    )


def year_period(year: int) -> Period:
    return Period(
        "year",
        datetime.date(year, 1, 1),
        datetime.date(year, 12, 31),
        _("Năm %(y)s") % {"y": year},
    )


def custom_period(start: datetime.date, end: datetime.date) -> Period:
    return Period(
        "custom",
        start,
        end,
        _("Từ %(a)s đến %(b)s") % {"a": f"{start:%d/%m/%Y}", "b": f"{end:%d/%m/%Y}"},
    )


def _default(today: datetime.date, error: str | None = None) -> Period:
    period = month_period(today.year, today.month)
    if error:
        return Period(period.kind, period.start, period.end, period.label, (error,))
    return period


def parse_period(params: Mapping[str, str], today: datetime.date | None = None) -> Period:
    today = today or today_in_vietnam()
    kind = params.get("period", "month") or "month"
    bad = _("Kỳ báo cáo không hợp lệ; đang hiển thị tháng hiện tại.")
    try:
        if kind == "month":
            value = params.get("month") or f"{today:%Y-%m}"
            match = re.fullmatch(r"(\d{4})-(\d{2})", value)
            if not match or not 1 <= int(match[2]) <= 12:
                return _default(today, bad)
            return month_period(int(match[1]), int(match[2]))
        if kind == "quarter":
            value = params.get("quarter") or f"{today.year}-Q{quarter_of(today)}"
            match = re.fullmatch(r"(\d{4})-Q([1-4])", value)
            if not match:
                return _default(today, bad)
            return quarter_period(int(match[1]), int(match[2]))
        if kind == "year":
            value = params.get("year") or str(today.year)
            if not re.fullmatch(r"\d{4}", value):
                return _default(today, bad)
            return year_period(int(value))
        if kind == "custom":
            start = datetime.date.fromisoformat(params.get("from", ""))
            end = datetime.date.fromisoformat(params.get("to", ""))
            if end < start or (end - start).days > MAX_CUSTOM_DAYS:
                return _default(
                    today, _("Khoảng thời gian không hợp lệ (tối đa 3 năm, ngày đầu ≤ ngày cuối).")
                )
            return custom_period(start, end)
    except ValueError:
        return _default(today, bad)
    return _default(today, bad)


def previous(period: Period) -> Period:
    """The calendar period just before (previous month, quarter or year; same length if custom)."""
    if period.kind == "month":
        day = period.start - datetime.timedelta(days=1)
        return month_period(day.year, day.month)
    if period.kind == "quarter":
        day = period.start - datetime.timedelta(days=1)
        return quarter_period(day.year, quarter_of(day))
    if period.kind == "year":
        return year_period(period.start.year - 1)
    length = (period.end - period.start).days + 1
    return custom_period(
        period.start - datetime.timedelta(days=length), period.start - datetime.timedelta(days=1)
    )


@dataclass(frozen=True)
class Comparison:
    """What a period's figures are compared with: the previous period, cut to the same number
    of days while the period is still running (a partial month against a whole month shows a
    false drop)."""

    previous: Period
    days: int | None = None  # the days compared when the period is still running, else None

    @property
    def partial(self) -> bool:
        return self.days is not None


def comparison(period: Period, today: datetime.date | None = None) -> Comparison:
    """The previous period (``previous``); while ``period`` runs (today inside it) only its first
    days as many as have elapsed of ``period`` (1–7 November against 1–7 October on 7 November;
    a shorter previous month is taken whole)."""
    today = today or today_in_vietnam()
    before = previous(period)
    if not period.start <= today < period.end:
        return Comparison(before)
    days = (today - period.start).days + 1
    end = min(before.start + datetime.timedelta(days=days - 1), before.end)
    label = _("%(a)s–%(b)s (%(n)s ngày đầu của %(p)s)") % {
        "a": f"{before.start:%d/%m/%Y}",
        "b": f"{end:%d/%m/%Y}",
        "n": days,
        "p": before.label,
    }
    return Comparison(Period(before.kind, before.start, end, label), days)
