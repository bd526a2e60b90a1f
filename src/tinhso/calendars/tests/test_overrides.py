"""Administrator overrides win over the holidays package, and the cached calendar follows them."""

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from tinhso.calendars import worktime
from tinhso.calendars.models import CalendarOverride
from tinhso.calendars.worktime import TZ, get_calendar

pytestmark = pytest.mark.django_db

DAY = 480
Kind = CalendarOverride.Kind


def vn(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fresh_cache():
    worktime.invalidate_calendar_cache()
    yield
    worktime.invalidate_calendar_cache()


def test_make_up_day_added_by_admin_shortens_the_deadline():
    received = vn(2025, 6, 13, 10)  # Friday
    assert get_calendar().due_at(received, DAY) == vn(2025, 6, 16, 10)

    CalendarOverride.objects.create(date=dt.date(2025, 6, 14), kind=Kind.WORKING_DAY, name="Làm bù")

    assert get_calendar().is_working_day(dt.date(2025, 6, 14))
    assert get_calendar().due_at(received, DAY) == vn(2025, 6, 14, 10)


def test_day_off_added_by_admin_lengthens_the_deadline():
    received = vn(2025, 6, 10, 9)
    assert get_calendar().due_at(received, 3 * DAY) == vn(2025, 6, 13, 9)

    CalendarOverride.objects.create(date=dt.date(2025, 6, 12), kind=Kind.DAY_OFF, name="Nghỉ bù")

    assert get_calendar().due_at(received, 3 * DAY) == vn(2025, 6, 16, 9)


def test_override_wins_over_the_package_in_both_directions():
    swapped_off, make_up = dt.date(2026, 8, 31), dt.date(2026, 8, 22)
    assert not get_calendar().is_working_day(swapped_off)
    assert get_calendar().is_working_day(make_up)

    CalendarOverride.objects.create(date=swapped_off, kind=Kind.WORKING_DAY, name="Không hoán đổi")
    CalendarOverride.objects.create(date=make_up, kind=Kind.DAY_OFF, name="Không làm bù")

    calendar = get_calendar()
    assert calendar.is_working_day(swapped_off)
    assert not calendar.is_working_day(make_up)
    assert calendar.due_at(vn(2026, 8, 21, 10), DAY) == vn(2026, 8, 24, 10)


def test_calendar_is_cached_between_calls_with_one_cheap_query(django_assert_num_queries):
    first = get_calendar()
    with django_assert_num_queries(1):
        assert get_calendar() is first


@time_machine.travel(dt.datetime(2025, 6, 1, 8, tzinfo=TZ), tick=False)
def test_saving_or_deleting_an_override_invalidates_the_cache_even_with_equal_timestamps():
    day = dt.date(2025, 6, 12)
    override = CalendarOverride.objects.create(date=day, kind=Kind.DAY_OFF, name="Nghỉ")
    assert not get_calendar().is_working_day(day)

    override.kind = Kind.WORKING_DAY  # same frozen updated_at: only the signal can tell
    override.save()
    assert get_calendar().is_working_day(day)

    override.kind = Kind.DAY_OFF
    override.save()
    assert not get_calendar().is_working_day(day)

    override.delete()
    assert get_calendar().is_working_day(day)


def test_change_made_without_signals_elsewhere_is_seen_by_the_next_call():
    """Another process's write sends no signal here: the updated_at/count check catches it."""
    day = dt.date(2025, 6, 12)
    override = CalendarOverride.objects.create(date=day, kind=Kind.DAY_OFF, name="Nghỉ")
    assert not get_calendar().is_working_day(day)

    CalendarOverride.objects.filter(pk=override.pk).update(
        kind=Kind.WORKING_DAY, updated_at=timezone.now() + dt.timedelta(seconds=1)
    )
    assert get_calendar().is_working_day(day)

    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=dt.date(2025, 6, 13), kind=Kind.DAY_OFF, name="Nghỉ")]
    )
    assert not get_calendar().is_working_day(dt.date(2025, 6, 13))

    CalendarOverride.objects.filter(date=dt.date(2025, 6, 13)).delete()  # queryset delete
    assert get_calendar().is_working_day(dt.date(2025, 6, 13))


def test_module_shortcuts_use_the_overrides():
    CalendarOverride.objects.create(date=dt.date(2025, 6, 12), kind=Kind.DAY_OFF, name="Nghỉ")
    assert not worktime.is_working_day(dt.date(2025, 6, 12))
    assert worktime.due_at(vn(2025, 6, 11, 9), DAY) == vn(2025, 6, 13, 9)
    assert worktime.apology_deadline(vn(2025, 6, 13, 9)) == vn(2025, 6, 11, 17)


def test_changed_office_hours_setting_rebuilds_the_cached_calendar(settings):
    assert get_calendar().clock_start(vn(2025, 6, 10, 6)) == vn(2025, 6, 10, 7)
    settings.TINHSO_OFFICE_HOURS = "07:30-11:30,13:00-17:00"
    assert get_calendar().clock_start(vn(2025, 6, 10, 6)) == vn(2025, 6, 10, 7, 30)


def test_one_override_per_date():
    CalendarOverride.objects.create(date=dt.date(2025, 6, 12), kind=Kind.DAY_OFF, name="A")
    with pytest.raises(IntegrityError):
        CalendarOverride.objects.create(date=dt.date(2025, 6, 12), kind=Kind.WORKING_DAY, name="B")


def test_unknown_kind_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        CalendarOverride.objects.create(date=dt.date(2025, 6, 12), kind="holiday", name="A")


def test_str_and_verbose_names_are_vietnamese():
    override = CalendarOverride(date=dt.date(2026, 8, 22), kind=Kind.WORKING_DAY, name="Làm bù")
    assert str(override) == "22/08/2026 — Ngày làm việc bù: Làm bù"
    assert CalendarOverride._meta.verbose_name == "ngày điều chỉnh lịch làm việc"
    assert CalendarOverride._meta.get_field("kind").verbose_name == "loại ngày"


def test_admin_adds_an_override_that_changes_the_calendar(admin_client):
    assert CalendarOverride in admin.site._registry
    url = reverse("admin:calendars_calendaroverride_add")
    assert admin_client.get(url).status_code == 200
    assert get_calendar().is_working_day(dt.date(2025, 6, 12))

    response = admin_client.post(
        url,
        {"date": "12/06/2025", "kind": "day_off", "name": "Nghỉ bù theo thông báo", "note": ""},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not get_calendar().is_working_day(dt.date(2025, 6, 12))
    changelist = admin_client.get(reverse("admin:calendars_calendaroverride_changelist"))
    assert "Nghỉ bù theo thông báo" in changelist.content.decode()
