"""Working time: working days, office hours and deadlines (spec §8 R-DL-3..8, R-DL-11; §13).

A day is a working day unless it is a Saturday, a Sunday, a public holiday or an official day
off; make-up working days (usually a Saturday paired with a swapped day off) are working days
(R-CAL-7). Sources, strongest first:

1. ``CalendarOverride`` rows entered by an administrator (R-CAL-6) — they win for their date;
2. the pinned ``holidays`` package (``holidays.VN``): holidays, compensatory and swapped days off,
   and the make-up Saturdays it lists in ``weekend_workdays``;
3. Monday to Friday.

Durations are integer working minutes (one working day = 480 with the default office hours);
the ``*_working_time`` variants take and return a ``timedelta`` and keep seconds (a pause
stopped at 09:15:42 gives back exactly the time it kept).
All datetimes must be timezone-aware; the arithmetic runs in Asia/Ho_Chi_Minh and the results
are aware datetimes in that zone. Loops go one day at a time, never minute by minute.

Use ``get_calendar()`` to obtain the calendar (cached, invalidated when an override changes) and
keep the returned object for a batch of computations; the module-level functions of the same
names are shortcuts that call ``get_calendar()`` each time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Hashable, Mapping, Sequence
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max

from tinhso.calendars.models import CalendarOverride

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_OFFICE_HOURS = "07:00-11:30,13:30-17:00"
DEFAULT_SAME_DAY_CUTOFF = dt.time(15, 0)
# Longest run of consecutive non-working days tolerated before giving up (a misconfigured
# calendar with every day off must fail loudly, not loop for ever).
MAX_DAYS_OFF_IN_A_ROW = 60

Period = tuple[dt.time, dt.time]
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_ONE_DAY = dt.timedelta(days=1)
_MINUTE = dt.timedelta(minutes=1)


def parse_clock(value: str) -> dt.time:
    """``"15:00"`` → ``time(15, 0)``; raises ``ValueError`` on anything else."""
    match = _CLOCK.match(value)
    if not match:
        raise ValueError(f"not a HH:MM time: {value!r}")
    return dt.time(int(match[1]), int(match[2]))


def parse_office_hours(value: str) -> tuple[Period, ...]:
    """``"07:00-11:30,13:30-17:00"`` → ordered, non-overlapping (start, end) periods."""
    periods: list[Period] = []
    for part in value.split(","):
        start, sep, end = part.partition("-")
        if not sep:
            raise ValueError(f"office-hours period without '-': {part!r}")
        periods.append((parse_clock(start), parse_clock(end)))
    return _checked_periods(periods)


def _checked_periods(periods: Sequence[Period]) -> tuple[Period, ...]:
    if not periods:
        raise ValueError("office hours are empty")
    previous_end = dt.time.min
    for index, (start, end) in enumerate(periods):
        if not start < end:
            raise ValueError(f"office-hours period ends before it starts: {start}-{end}")
        if index and start < previous_end:
            raise ValueError("office-hours periods must be ordered and must not overlap")
        previous_end = end
    return tuple(periods)


@functools.cache
def _package_days(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """Days off and make-up working days of ``year`` according to the pinned ``holidays``."""
    calendar = holidays.VN(years=year)
    days_off = frozenset(day for day in calendar if day.year == year)
    # weekend_workdays accumulates across instances: keep only this year's entries.
    make_up = frozenset(day for day in calendar.weekend_workdays if day.year == year)
    return days_off, make_up


class WorkCalendar:
    """Working days and office hours, with deadline arithmetic in working minutes."""

    def __init__(
        self,
        *,
        overrides: Mapping[dt.date, bool] | None = None,
        office_hours: str | Sequence[Period] = DEFAULT_OFFICE_HOURS,
        same_day_cutoff: dt.time = DEFAULT_SAME_DAY_CUTOFF,
    ) -> None:
        """``overrides`` maps a date to True (working day) or False (day off)."""
        self.overrides: dict[dt.date, bool] = dict(overrides or {})
        if isinstance(office_hours, str):
            self.office_hours = parse_office_hours(office_hours)
        else:
            self.office_hours = _checked_periods(list(office_hours))
        self.same_day_cutoff = same_day_cutoff
        self.minutes_per_day = sum(
            (_minutes(end) - _minutes(start)) for start, end in self.office_hours
        )

    @classmethod
    def from_settings(cls, *, overrides: Mapping[dt.date, bool] | None = None) -> WorkCalendar:
        """A calendar using TINHSO_OFFICE_HOURS and TINHSO_SAME_DAY_CUTOFF."""
        hours = getattr(settings, "TINHSO_OFFICE_HOURS", DEFAULT_OFFICE_HOURS)
        cutoff = getattr(settings, "TINHSO_SAME_DAY_CUTOFF", "15:00")
        try:
            return cls(overrides=overrides, office_hours=hours, same_day_cutoff=parse_clock(cutoff))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TINHSO_OFFICE_HOURS / TINHSO_SAME_DAY_CUTOFF: {exc}"
            ) from exc

    # --- days ---------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        days_off, make_up = _package_days(day.year)
        if day in make_up:
            return True
        return day.weekday() < 5 and day not in days_off

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self._step(day, _ONE_DAY)

    def previous_working_day(self, day: dt.date) -> dt.date:
        """The last working day strictly before ``day``."""
        return self._step(day, -_ONE_DAY)

    def _step(self, day: dt.date, step: dt.timedelta) -> dt.date:
        for _ in range(MAX_DAYS_OFF_IN_A_ROW):
            day += step
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {MAX_DAYS_OFF_IN_A_ROW} days of {day}")

    def periods(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The office-hours periods of ``day`` as aware datetimes; empty on a day off."""
        if not self.is_working_day(day):
            return []
        return [(_at(day, start), _at(day, end)) for start, end in self.office_hours]

    def day_start(self, day: dt.date) -> dt.datetime:
        """Start of office hours on ``day`` (07:00)."""
        return _at(day, self.office_hours[0][0])

    def day_end(self, day: dt.date) -> dt.datetime:
        """End of office hours on ``day`` (17:00)."""
        return _at(day, self.office_hours[-1][1])

    def next_working_day_start(self, at: dt.datetime) -> dt.datetime:
        """07:00 of the first working day after the (local) date of ``at``."""
        return self.day_start(self.next_working_day(_local(at).date()))

    # --- instants -----------------------------------------------------------------------

    def clock_start(self, at: dt.datetime) -> dt.datetime:
        """The moment the clock starts for something received at ``at`` (R-DL-3, R-DL-6).

        Before 07:00 → 07:00; in the midday break → 13:30; from 17:00 or on a non-working
        day → 07:00 of the next working day; inside office hours → ``at`` itself.
        """
        local = _local(at)
        for start, end in self.periods(local.date()):
            if local < end:
                return max(local, start)
        return self.next_working_day_start(local)

    def clock_end(self, at: dt.datetime) -> dt.datetime:
        """The latest working instant at or before ``at`` (mirror of ``clock_start``)."""
        local = _local(at)
        for start, end in reversed(self.periods(local.date())):
            if local >= start:
                return min(local, end)
        return self.day_end(self.previous_working_day(local.date()))

    def is_working_instant(self, at: dt.datetime) -> bool:
        """True when ``at`` falls in office hours of a working day, both ends included.

        11:30 and 17:00 (the ends of the periods) and 07:00 and 13:30 (their starts) are working
        instants; 12:00, 17:01, a Saturday that is not a make-up day or a holiday are not. An
        appointment (e.g. the new date of an apology, R-DL-11) must be one.
        """
        local = _local(at)
        return any(start <= local <= end for start, end in self.periods(local.date()))

    def add_working_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """``start`` (normalised by ``clock_start``) plus ``minutes`` of working time (R-DL-7).

        A result at the end of a period stays there: Fri 17:20 + 480 → Mon 17:00 (E2).
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative; use subtract_working_minutes")
        return self.add_working_time(start, dt.timedelta(minutes=minutes))

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """``start`` (normalised by ``clock_start``) plus ``amount`` of working time, to the
        second and below: what a pause keeps is given back exactly when the clock resumes."""
        if amount < dt.timedelta(0):
            raise ValueError("amount must not be negative; use subtract_working_time")
        current = self.clock_start(start)
        remaining = amount
        day = current.date()
        while True:
            for period_start, period_end in self.periods(day):
                if current >= period_end:
                    continue
                begin = max(current, period_start)
                if remaining <= period_end - begin:
                    return begin + remaining
                remaining -= period_end - begin
            day = self.next_working_day(day)

    def subtract_working_minutes(self, end: dt.datetime, minutes: int) -> dt.datetime:
        """``end`` (normalised by ``clock_end``) minus ``minutes`` of working time.

        A result at the start of a period stays there: Mon 17:00 − 480 → Mon 07:00.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative; use add_working_minutes")
        return self.subtract_working_time(end, dt.timedelta(minutes=minutes))

    def subtract_working_time(self, end: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """``end`` (normalised by ``clock_end``) minus ``amount`` of working time, exactly."""
        if amount < dt.timedelta(0):
            raise ValueError("amount must not be negative; use add_working_time")
        current = self.clock_end(end)
        remaining = amount
        day = current.date()
        while True:
            for period_start, period_end in reversed(self.periods(day)):
                if current <= period_start:
                    continue
                finish = min(current, period_end)
                if remaining <= finish - period_start:
                    return finish - remaining
                remaining -= finish - period_start
            day = self.previous_working_day(day)

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole working minutes in [start, end); 0 if ``end <= start``."""
        return self.working_time_between(start, end) // _MINUTE

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """The working time in [start, end), seconds and microseconds kept; zero if
        ``end <= start``."""
        begin, finish = _local(start), _local(end)
        if finish <= begin:
            return dt.timedelta(0)
        total = dt.timedelta(0)
        day = begin.date()
        while day <= finish.date():
            for period_start, period_end in self.periods(day):
                overlap = min(period_end, finish) - max(period_start, begin)
                if overlap > dt.timedelta(0):
                    total += overlap
            day += _ONE_DAY
        return total

    # --- deadlines ----------------------------------------------------------------------

    def due_at(
        self,
        received_at: dt.datetime,
        minutes: int,
        *,
        same_day: bool = False,
        cutoff: dt.time | None = None,
    ) -> dt.datetime:
        """The appointment time of a dossier received at ``received_at`` (R-DL-7, R-DL-8).

        Same-day procedures ignore ``minutes``: received on a working day strictly before the
        cut-off (default TINHSO_SAME_DAY_CUTOFF) and before the end of office hours → 17:00 that
        day; otherwise 17:00 of the next working day (E7).
        """
        if not same_day:
            return self.add_working_minutes(received_at, minutes)
        local = _local(received_at)
        day = local.date()
        limit = cutoff or self.same_day_cutoff
        if self.is_working_day(day) and local.time() < limit and local < self.day_end(day):
            return self.day_end(day)
        return self.day_end(self.next_working_day(day))

    def apology_deadline(self, due: dt.datetime) -> dt.datetime:
        """Latest time for the apology and new appointment (R-DL-11, E8).

        "No later than one day before the due date" is read by date, in working days: the end
        of office hours of the last working day before the due date (due Thu 12/6/2025 10:00 →
        Wed 11/6/2025 17:00). See docs/adr/0003-working-days.md.
        """
        return self.day_end(self.previous_working_day(_local(due).date()))


def _minutes(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


def _at(day: dt.date, moment: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, moment, tzinfo=TZ)


def _local(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime")
    return at.astimezone(TZ)


# --- the shared, cached calendar -------------------------------------------------------------

_cached: tuple[Hashable, WorkCalendar] | None = None


def _fingerprint() -> Hashable:
    """Cheap state of the overrides table and settings; changes whenever a row does."""
    state = CalendarOverride.objects.aggregate(rows=Count("pk"), last=Max("updated_at"))
    return (
        state["rows"],
        state["last"],
        getattr(settings, "TINHSO_OFFICE_HOURS", DEFAULT_OFFICE_HOURS),
        getattr(settings, "TINHSO_SAME_DAY_CUTOFF", "15:00"),
    )


def get_calendar() -> WorkCalendar:
    """The calendar with the administrator's overrides, loaded once and cached.

    Each call costs one aggregate query (row count and latest ``updated_at`` of the overrides),
    so a change made by another process is seen by the next call; in this process the
    save/delete signals also drop the cache at once.
    """
    global _cached
    key = _fingerprint()
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    rows = CalendarOverride.objects.values_list("date", "kind")
    overrides = {day: kind == CalendarOverride.Kind.WORKING_DAY for day, kind in rows}
    calendar = WorkCalendar.from_settings(overrides=overrides)
    _cached = (key, calendar)
    return calendar


def invalidate_calendar_cache() -> None:
    global _cached
    _cached = None


# --- shortcuts: each calls get_calendar() --------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    return get_calendar().is_working_day(day)


def clock_start(at: dt.datetime) -> dt.datetime:
    return get_calendar().clock_start(at)


def add_working_minutes(start: dt.datetime, minutes: int) -> dt.datetime:
    return get_calendar().add_working_minutes(start, minutes)


def subtract_working_minutes(end: dt.datetime, minutes: int) -> dt.datetime:
    return get_calendar().subtract_working_minutes(end, minutes)


def working_minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    return get_calendar().working_minutes_between(start, end)


def due_at(
    received_at: dt.datetime,
    minutes: int,
    *,
    same_day: bool = False,
    cutoff: dt.time | None = None,
) -> dt.datetime:
    return get_calendar().due_at(received_at, minutes, same_day=same_day, cutoff=cutoff)


def apology_deadline(due: dt.datetime) -> dt.datetime:
    return get_calendar().apology_deadline(due)


def next_working_day_start(at: dt.datetime) -> dt.datetime:
    return get_calendar().next_working_day_start(at)


def is_working_instant(at: dt.datetime) -> bool:
    return get_calendar().is_working_instant(at)
