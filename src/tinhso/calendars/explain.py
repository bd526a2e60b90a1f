"""What the calendar says about a year or a deadline, in words people can check (R-CAL-6).

``year_days`` lists the days of a year that differ from "Monday to Friday": weekday holidays and
days off, weekend make-up working days, each with its name and the document it comes from (the
administrator's override and its source, or the Labour Code as encoded by the pinned
``holidays`` package). ``explain_due`` lists such days between a dossier's receipt and its due
time, and the years the deadline touches whose official notices are not yet entered
(*provisional*: their swapped days are the package's estimate and may change).
"""

import datetime as dt
from dataclasses import dataclass, field

import holidays
from django.utils.translation import gettext as _

from tinhso.calendars.models import CalendarOverride, CalendarYear
from tinhso.calendars.worktime import TZ, WorkCalendar, get_calendar


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    working: bool  # True: a working day on a weekend (make-up); False: a day off on a weekday
    name: str
    source: str
    entered: bool  # an override entered by an administrator (else the package's day)

    @property
    def year(self) -> int:
        return self.date.year


@dataclass
class DueExplanation:
    start: dt.datetime  # when the clock started (receipt moved into office hours)
    due: dt.datetime
    days_off: list[CalendarDay] = field(default_factory=list)
    make_up_days: list[CalendarDay] = field(default_factory=list)
    provisional_years: list[int] = field(default_factory=list)


def package_source(*, estimate: bool = False) -> str:
    """Where a day not entered as an override comes from: the Labour Code's holidays and
    compensatory days, or (``estimate``) a swap the package guesses for the year."""
    if estimate:
        return _(
            "Ước tính của thư viện holidays %(version)s, chưa đối chiếu với thông báo chính thức"
        ) % {"version": holidays.__version__}
    return _(
        "Bộ luật Lao động 2019 (ngày lễ, Tết, nghỉ bù), theo dữ liệu thư viện holidays %(version)s"
    ) % {"version": holidays.__version__}


def confirmed_years(years: list[int]) -> set[int]:
    found = CalendarYear.objects.filter(year__in=years, confirmed=True)
    return set(found.values_list("year", flat=True))


def provisional_years(first: int, last: int) -> list[int]:
    """The years from ``first`` to ``last`` whose official notices are not entered."""
    years = list(range(first, last + 1))
    confirmed = confirmed_years(years)
    return [year for year in years if year not in confirmed]


def is_provisional(year: int) -> bool:
    return bool(provisional_years(year, year))


def special_days(
    first: dt.date, last: dt.date, calendar: WorkCalendar | None = None
) -> list[CalendarDay]:
    """Days from ``first`` to ``last`` (inclusive) whose status differs from the weekday rule:
    weekdays off and weekend days worked, as the calendar in force counts them."""
    calendar = calendar or get_calendar()
    overrides = {
        row.date: row for row in CalendarOverride.objects.filter(date__gte=first, date__lte=last)
    }
    package = holidays.VN(years=range(first.year, last.year + 1), language="vi")
    days = []
    day = first
    while day <= last:
        working = calendar.is_working_day(day)
        if working != (day.weekday() < 5):
            row = overrides.get(day)
            if row is not None:
                days.append(CalendarDay(day, working, row.name, row.source, entered=True))
            else:
                name = str(
                    package.get(day) or (_("Ngày làm việc bù") if working else _("Ngày nghỉ"))
                )
                # A make-up day, or a day off "thay cho" one, is a swap: only a notice fixes it.
                source = package_source(estimate=working or "thay cho" in name)
                days.append(CalendarDay(day, working, name, source, entered=False))
        day += dt.timedelta(days=1)
    return days


def year_days(year: int, calendar: WorkCalendar | None = None) -> list[CalendarDay]:
    return special_days(dt.date(year, 1, 1), dt.date(year, 12, 31), calendar)


def explain_due(
    received_at: dt.datetime, due_at: dt.datetime, calendar: WorkCalendar | None = None
) -> DueExplanation:
    """The days off skipped and the make-up days counted between receipt and due time, and the
    provisional years the period touches."""
    calendar = calendar or get_calendar()
    start = calendar.clock_start(received_at)
    due = due_at.astimezone(TZ)
    explanation = DueExplanation(start=start, due=due)
    if due < start:
        return explanation
    for day in special_days(start.date(), due.date(), calendar):
        (explanation.make_up_days if day.working else explanation.days_off).append(day)
    explanation.provisional_years = provisional_years(start.year, due.year)
    return explanation
