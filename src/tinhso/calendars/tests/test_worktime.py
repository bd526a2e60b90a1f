"""Working-time arithmetic: the spec's worked examples E1–E8 (§8) and the calendar rules (§13).

These tests build a ``WorkCalendar`` without overrides, so they need no database; the
override and cache behaviour is in test_overrides.py.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from tinhso.calendars.worktime import TZ, WorkCalendar

DAY = 480


def vn(year, month, day, hour=0, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)


@pytest.fixture
def cal():
    return WorkCalendar.from_settings()


# --- §8 worked examples ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "received", "minutes", "expected"),
    [
        ("E1 plain", vn(2025, 6, 10, 9), 3 * DAY, vn(2025, 6, 13, 9)),
        ("E2 after 17:00", vn(2025, 6, 13, 17, 20), DAY, vn(2025, 6, 16, 17)),
        ("E3 make-up Saturday", vn(2025, 4, 25, 10), 3 * DAY, vn(2025, 4, 29, 10)),
        ("E4 received on a holiday", vn(2025, 9, 1, 10), DAY, vn(2025, 9, 3, 17)),
        ("E5 original due", vn(2025, 6, 2, 8), 5 * DAY, vn(2025, 6, 9, 8)),
        ("E6 Tết 2026", vn(2026, 2, 13, 15), 2 * DAY, vn(2026, 2, 24, 15)),
    ],
)
def test_worked_examples_due_times(cal, case, received, minutes, expected):
    due = cal.due_at(received, minutes)
    assert due == expected, case
    assert due.utcoffset() == dt.timedelta(hours=7)


def test_e2_due_stays_at_end_of_day_rather_than_next_morning(cal):
    due = cal.add_working_minutes(vn(2025, 6, 13, 17, 20), DAY)
    assert due == vn(2025, 6, 16, 17)
    assert due != vn(2025, 6, 17, 7)
    # Same instant in working time as Tue 07:00.
    assert cal.working_minutes_between(due, vn(2025, 6, 17, 7)) == 0


def test_e3_without_the_make_up_saturday_moves_to_monday_5_may(cal):
    without = WorkCalendar.from_settings(overrides={dt.date(2025, 4, 26): False})
    assert without.due_at(vn(2025, 4, 25, 10), 3 * DAY) == vn(2025, 5, 5, 10)


def test_e5_supplement_pause_resumes_with_the_remaining_time(cal):
    received = vn(2025, 6, 2, 8)
    paused, resumed = vn(2025, 6, 4, 10), vn(2025, 6, 9, 14)
    used = cal.working_minutes_between(received, paused)
    assert used == 18 * 60
    assert cal.add_working_minutes(resumed, 40 * 60 - used) == vn(2025, 6, 12, 10)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (vn(2025, 6, 9, 14, 50), vn(2025, 6, 9, 17)),
        (vn(2025, 6, 9, 15, 10), vn(2025, 6, 10, 17)),
    ],
)
def test_e7_same_day_procedure_around_the_cutoff(cal, received, expected):
    assert cal.due_at(received, 0, same_day=True) == expected


def test_e8_apology_limit_is_end_of_previous_working_day(cal):
    assert cal.apology_deadline(vn(2025, 6, 12, 10)) == vn(2025, 6, 11, 17)


def test_apology_limit_skips_weekend_and_holidays(cal):
    # Due Mon 16/6/2025 17:00 → Fri 13/6; due Wed 3/9/2025 → Fri 29/8 (1 and 2/9 are off).
    assert cal.apology_deadline(vn(2025, 6, 16, 17)) == vn(2025, 6, 13, 17)
    assert cal.apology_deadline(vn(2025, 9, 3, 9)) == vn(2025, 8, 29, 17)


# --- same-day procedures (R-DL-8) --------------------------------------------------------


def test_same_day_receipt_exactly_at_cutoff_goes_to_next_working_day(cal):
    assert cal.due_at(vn(2025, 6, 13, 15), 0, same_day=True) == vn(2025, 6, 16, 17)


def test_same_day_before_office_hours_is_due_that_evening(cal):
    assert cal.due_at(vn(2025, 6, 10, 6, 30), 0, same_day=True) == vn(2025, 6, 10, 17)


def test_same_day_received_on_saturday_is_due_monday_evening(cal):
    assert cal.due_at(vn(2025, 6, 14, 9), 0, same_day=True) == vn(2025, 6, 16, 17)


def test_same_day_with_a_per_procedure_cutoff(cal):
    received = vn(2025, 6, 9, 15, 30)
    assert cal.due_at(received, 0, same_day=True, cutoff=dt.time(16)) == vn(2025, 6, 9, 17)
    assert cal.due_at(received, 0, same_day=True, cutoff=dt.time(11)) == vn(2025, 6, 10, 17)


def test_same_day_cutoff_after_office_hours_never_gives_a_past_due(cal):
    received = vn(2025, 6, 9, 17, 30)
    assert cal.due_at(received, 0, same_day=True, cutoff=dt.time(18)) == vn(2025, 6, 10, 17)


# --- receipt outside office hours (R-DL-3, R-DL-6) ------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (vn(2025, 6, 10, 6, 15), vn(2025, 6, 10, 7)),  # before 07:00
        (vn(2025, 6, 10, 9, 5, 30), vn(2025, 6, 10, 9, 5, 30)),  # inside office hours
        (vn(2025, 6, 10, 11, 30), vn(2025, 6, 10, 13, 30)),  # start of the midday break
        (vn(2025, 6, 10, 12, 40), vn(2025, 6, 10, 13, 30)),  # in the midday break
        (vn(2025, 6, 10, 17), vn(2025, 6, 11, 7)),  # at 17:00
        (vn(2025, 6, 10, 22, 10), vn(2025, 6, 11, 7)),  # evening
        (vn(2025, 6, 14, 9), vn(2025, 6, 16, 7)),  # Saturday
        (vn(2025, 4, 30, 9), vn(2025, 5, 5, 7)),  # 30/4, 1/5 and swapped 2/5 off
    ],
)
def test_clock_start(cal, at, expected):
    assert cal.clock_start(at) == expected


def test_after_hours_receipt_counts_from_next_morning(cal):
    assert cal.due_at(vn(2025, 6, 10, 19), 120) == vn(2025, 6, 11, 9)


def test_lunch_receipt_counts_from_13_30(cal):
    assert cal.due_at(vn(2025, 6, 10, 12), 60) == vn(2025, 6, 10, 14, 30)


def test_before_seven_receipt_counts_from_07_00(cal):
    assert cal.due_at(vn(2025, 6, 10, 5, 45), DAY) == vn(2025, 6, 10, 17)


def test_other_time_zones_are_converted_and_results_are_in_vietnam_time(cal):
    utc = dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC)  # 09:00 in Vietnam
    due = cal.due_at(utc, 3 * DAY)
    assert due == vn(2025, 6, 13, 9)
    assert due.tzinfo == ZoneInfo("Asia/Ho_Chi_Minh")


def test_naive_datetimes_are_refused(cal):
    with pytest.raises(ValueError, match="naive"):
        cal.clock_start(dt.datetime(2025, 6, 10, 9))


def test_negative_durations_are_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_minutes(vn(2025, 6, 10, 9), -1)
    with pytest.raises(ValueError):
        cal.subtract_working_minutes(vn(2025, 6, 10, 9), -1)


# --- fractional days and period boundaries (R-DL-4) ----------------------------------------


def test_quarter_day_crosses_the_midday_break(cal):
    assert cal.add_working_minutes(vn(2025, 6, 10, 10), DAY // 4) == vn(2025, 6, 10, 14)


def test_half_day_from_the_morning(cal):
    assert cal.add_working_minutes(vn(2025, 6, 10, 9), DAY // 2) == vn(2025, 6, 10, 15)


def test_half_day_from_the_afternoon_runs_into_the_next_working_day(cal):
    assert cal.add_working_minutes(vn(2025, 6, 13, 15), DAY // 2) == vn(2025, 6, 16, 9)


def test_result_at_end_of_morning_stays_at_11_30(cal):
    assert cal.add_working_minutes(vn(2025, 6, 10, 9), 150) == vn(2025, 6, 10, 11, 30)


def test_zero_minutes_gives_the_clock_start(cal):
    assert cal.add_working_minutes(vn(2025, 6, 10, 18), 0) == vn(2025, 6, 11, 7)


# --- the calendar (§13) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 2, 13), True),  # Fri before Tết 2026
        *[(dt.date(2026, 2, d), False) for d in range(16, 21)],  # Tết 2026
        (dt.date(2026, 2, 23), True),
        (dt.date(2027, 2, 3), True),  # Wed before Tết 2027
        (dt.date(2027, 2, 4), False),
        (dt.date(2027, 2, 5), False),
        (dt.date(2027, 2, 8), False),
        (dt.date(2027, 2, 9), False),
        (dt.date(2027, 2, 10), False),
        (dt.date(2027, 2, 11), True),
        (dt.date(2026, 8, 22), True),  # make-up Saturday for the National Day swap
        (dt.date(2026, 8, 29), False),  # ordinary Saturday
        (dt.date(2026, 8, 31), False),  # swapped day off
        (dt.date(2026, 9, 1), False),
        (dt.date(2026, 9, 2), False),
        (dt.date(2026, 9, 3), True),
        (dt.date(2025, 4, 26), True),  # make-up Saturday (E3)
        (dt.date(2025, 5, 2), False),  # its swapped day off
        (dt.date(2026, 4, 27), False),  # compensatory day for Hùng Kings on Sunday (R-CAL-3)
        (dt.date(2027, 5, 3), False),  # compensatory day for Labour Day on Saturday
        (dt.date(2026, 11, 24), False),  # Vietnamese Culture Day from 2026 (R-CAL-2)
        (dt.date(2027, 11, 24), False),
        (dt.date(2025, 11, 24), True),  # not yet a day off in 2025
        (dt.date(2025, 6, 15), False),  # Sunday
    ],
)
def test_is_working_day(cal, day, working):
    assert cal.is_working_day(day) is working


def test_tet_2027_deadline(cal):
    assert cal.due_at(vn(2027, 2, 3, 9), DAY) == vn(2027, 2, 11, 9)


def test_national_day_2026_make_up_saturday_and_swapped_monday(cal):
    assert cal.due_at(vn(2026, 8, 21, 10), DAY) == vn(2026, 8, 22, 10)
    assert cal.due_at(vn(2026, 8, 28, 9), DAY) == vn(2026, 9, 3, 9)


def test_culture_day_2026_is_skipped(cal):
    assert cal.due_at(vn(2026, 11, 23, 9), DAY) == vn(2026, 11, 25, 9)


def test_next_working_day_start(cal):
    assert cal.next_working_day_start(vn(2026, 2, 13, 9)) == vn(2026, 2, 23, 7)


# --- subtraction and measuring -----------------------------------------------------------


def test_subtract_lands_on_period_start_rather_than_previous_end(cal):
    assert cal.subtract_working_minutes(vn(2025, 6, 16, 17), DAY) == vn(2025, 6, 16, 7)
    assert cal.subtract_working_minutes(vn(2025, 6, 10, 14), 30) == vn(2025, 6, 10, 13, 30)


def test_subtract_crosses_lunch_weekends_and_holidays(cal):
    assert cal.subtract_working_minutes(vn(2025, 6, 10, 14), 60) == vn(2025, 6, 10, 11)
    assert cal.subtract_working_minutes(vn(2025, 6, 16, 7), 60) == vn(2025, 6, 13, 16)
    assert cal.subtract_working_minutes(vn(2026, 2, 23, 8), 120) == vn(2026, 2, 13, 16)


def test_working_minutes_between_is_zero_when_end_is_not_after_start(cal):
    assert cal.working_minutes_between(vn(2025, 6, 10, 9), vn(2025, 6, 10, 9)) == 0
    assert cal.working_minutes_between(vn(2025, 6, 10, 9), vn(2025, 6, 9, 9)) == 0


def test_working_minutes_between_counts_only_office_hours(cal):
    # Fri 16:00 → Mon 08:00: one hour on Friday, one on Monday.
    assert cal.working_minutes_between(vn(2025, 6, 13, 16), vn(2025, 6, 16, 8)) == 120
    # Whole Tết week 2026 contributes nothing.
    assert cal.working_minutes_between(vn(2026, 2, 13, 7), vn(2026, 2, 23, 17)) == 2 * DAY
    # Partial minutes are truncated.
    assert cal.working_minutes_between(vn(2025, 6, 10, 9), vn(2025, 6, 10, 9, 1, 59)) == 1


STARTS = [
    vn(2025, 6, 10, 9, 17),
    vn(2025, 6, 13, 16, 59),
    vn(2025, 4, 25, 10),
    vn(2026, 2, 13, 11, 29),
    vn(2026, 8, 21, 13, 30),
    vn(2026, 8, 29, 8),
]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("minutes", [0, 1, 29, 149, 150, 240, 479, 480, 481, 5 * DAY + 17])
def test_add_subtract_and_measure_round_trip(cal, start, minutes):
    due = cal.add_working_minutes(start, minutes)
    assert cal.working_minutes_between(start, due) == minutes
    if minutes:
        assert cal.subtract_working_minutes(due, minutes) == cal.clock_start(start)


def test_hundred_working_days_loop_per_day_not_per_minute():
    class CountingCalendar(WorkCalendar):
        calls = 0

        def periods(self, day):
            CountingCalendar.calls += 1
            return super().periods(day)

    cal = CountingCalendar.from_settings()
    start = vn(2025, 6, 10, 9)
    due = cal.add_working_minutes(start, 100 * DAY)
    assert due == vn(2025, 10, 30, 9)  # Mon–Fri, with 1/9 and 2/9 off
    assert CountingCalendar.calls <= (due.date() - start.date()).days + 2
    assert cal.working_minutes_between(start, due) == 100 * DAY


def test_ten_years_of_working_days_round_trip(cal):
    start = vn(2026, 1, 5, 7)
    due = cal.add_working_minutes(start, 3650 * DAY)
    assert 2040 <= due.year <= 2042  # about 240 working days a year
    assert cal.working_minutes_between(start, due) == 3650 * DAY
    assert cal.subtract_working_minutes(due, 3650 * DAY) == start


# --- settings -----------------------------------------------------------------------------


def test_office_hours_and_cutoff_come_from_settings(settings):
    settings.TINHSO_OFFICE_HOURS = "07:30-11:30,13:00-16:30"
    settings.TINHSO_SAME_DAY_CUTOFF = "14:00"
    cal = WorkCalendar.from_settings()
    assert cal.minutes_per_day == 450
    assert cal.clock_start(vn(2025, 6, 10, 7)) == vn(2025, 6, 10, 7, 30)
    assert cal.due_at(vn(2025, 6, 10, 14, 10), 0, same_day=True) == vn(2025, 6, 11, 16, 30)


def test_default_office_hours_give_eight_hours_a_day(cal):
    assert cal.minutes_per_day == DAY


@pytest.mark.parametrize("bad", ["", "07:00", "17:00-07:00", "07:00-12:00,11:00-17:00", "7h-17h"])
def test_bad_office_hours_setting_fails_loudly(settings, bad):
    settings.TINHSO_OFFICE_HOURS = bad
    with pytest.raises(ImproperlyConfigured):
        WorkCalendar.from_settings()


def test_calendar_with_every_day_off_fails_instead_of_looping():
    all_off = {dt.date(2030, 1, 1) + dt.timedelta(days=n): False for n in range(400)}
    cal = WorkCalendar(overrides=all_off)
    with pytest.raises(ValueError, match="no working day"):
        cal.add_working_minutes(vn(2030, 1, 2, 9), DAY)


# --- seconds (issue 15: pausing and resuming never loses seconds) ---------------------------


def test_working_time_between_keeps_seconds(cal):
    # 09:15:42–11:30 is 2 h 14 min 18 s, 13:30–14:00 is 30 min
    elapsed = cal.working_time_between(vn(2025, 6, 3, 9, 15, 42), vn(2025, 6, 3, 14))
    assert elapsed == dt.timedelta(hours=2, minutes=44, seconds=18)
    assert cal.working_minutes_between(vn(2025, 6, 3, 9, 15, 42), vn(2025, 6, 3, 14)) == 164


def test_add_and_subtract_working_time_are_exact_inverses_across_a_weekend_and_lunch(cal):
    start = vn(2025, 6, 6, 16, 59, 30)  # Friday: 30 s left of the day
    amount = dt.timedelta(minutes=300, seconds=18)
    end = cal.add_working_time(start, amount)
    assert end == vn(2025, 6, 9, 13, 59, 48)  # Monday: 270 min in the morning, 29:48 after lunch
    assert cal.working_time_between(start, end) == amount
    assert cal.subtract_working_time(end, amount) == start
