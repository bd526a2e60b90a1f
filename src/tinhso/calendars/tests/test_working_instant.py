"""``is_working_instant``: is this moment inside office hours of a working day (ends included)?

An apology's new appointment must be one (R-DL-11). No database: a calendar without overrides,
except where an override is passed in.
"""

import datetime as dt

import pytest

from tinhso.calendars.worktime import TZ, WorkCalendar


def vn(year, month, day, hour=0, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (vn(2025, 6, 16, 7, 0), True),  # start of the morning
        (vn(2025, 6, 16, 9, 15), True),
        (vn(2025, 6, 16, 11, 30), True),  # end of the morning
        (vn(2025, 6, 16, 11, 30, 1), False),
        (vn(2025, 6, 16, 12, 0), False),  # lunch break
        (vn(2025, 6, 16, 13, 29), False),
        (vn(2025, 6, 16, 13, 30), True),  # start of the afternoon
        (vn(2025, 6, 16, 17, 0), True),  # end of the day
        (vn(2025, 6, 16, 17, 1), False),
        (vn(2025, 6, 16, 6, 59), False),
        (vn(2025, 6, 16, 0, 0), False),
        (vn(2025, 6, 14, 9, 0), False),  # Saturday
        (vn(2025, 6, 15, 9, 0), False),  # Sunday
        (vn(2025, 9, 2, 9, 0), False),  # National Day
        (vn(2025, 4, 26, 9, 0), True),  # make-up Saturday of 2025 (holidays package)
        (vn(2027, 2, 8, 9, 0), False),  # Tết 2027
        (vn(2027, 2, 11, 9, 0), True),  # first working day after Tết 2027
    ],
)
def test_working_instants(moment, expected):
    assert WorkCalendar.from_settings().is_working_instant(moment) is expected


def test_another_time_zone_is_judged_in_vietnam():
    cal = WorkCalendar.from_settings()
    assert cal.is_working_instant(dt.datetime(2025, 6, 16, 10, 0, tzinfo=dt.UTC))  # 17:00 local
    assert not cal.is_working_instant(dt.datetime(2025, 6, 16, 10, 1, tzinfo=dt.UTC))


def test_overrides_decide_the_day():
    cal = WorkCalendar.from_settings(
        overrides={dt.date(2026, 1, 2): False, dt.date(2026, 1, 10): True}
    )
    assert not cal.is_working_instant(vn(2026, 1, 2, 9, 0))  # New-Year 2026 swap: off
    assert cal.is_working_instant(vn(2026, 1, 10, 9, 0))  # and the Saturday worked for it


def test_office_hours_setting_moves_the_ends():
    cal = WorkCalendar(office_hours="07:30-11:30,13:00-16:30")
    assert cal.is_working_instant(vn(2025, 6, 16, 16, 30))
    assert not cal.is_working_instant(vn(2025, 6, 16, 17, 0))
    assert not cal.is_working_instant(vn(2025, 6, 16, 7, 0))


def test_a_naive_moment_is_an_error():
    with pytest.raises(ValueError, match="naive"):
        WorkCalendar.from_settings().is_working_instant(dt.datetime(2025, 6, 16, 9, 0))
