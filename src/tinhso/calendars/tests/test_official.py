"""The official notices since 2024 as calendar data with their sources; years without entered
notices are provisional on the calendar page and in a deadline's explanation (issue 15)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client

from tinhso.calendars import explain, official, worktime
from tinhso.calendars.models import CalendarOverride, CalendarYear
from tinhso.calendars.worktime import TZ, get_calendar

pytestmark = pytest.mark.django_db

DAY = 480


def vn(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fresh_cache():
    worktime.invalidate_calendar_cache()
    yield
    worktime.invalidate_calendar_cache()


@pytest.fixture
def notices():
    official.load()


def test_new_year_2026_swap_friday_off_and_saturday_worked(notices):
    calendar = get_calendar()
    assert not calendar.is_working_day(dt.date(2026, 1, 2))
    assert calendar.is_working_day(dt.date(2026, 1, 10))
    # Received Wed 31/12/2025 10:00 with 3 working days: 1/1 and 2/1 are off → Wed 7/1.
    assert calendar.due_at(vn(2025, 12, 31, 10), 3 * DAY) == vn(2026, 1, 7, 10)
    # Received Thu 8/1/2026 10:00 with 2 working days: the make-up Saturday counts.
    assert calendar.due_at(vn(2026, 1, 8, 10), 2 * DAY) == vn(2026, 1, 10, 10)


def test_without_the_notices_the_pinned_package_misses_the_new_year_2026_swap():
    calendar = get_calendar()
    assert calendar.is_working_day(dt.date(2026, 1, 2))
    assert calendar.due_at(vn(2025, 12, 31, 10), 3 * DAY) == vn(2026, 1, 6, 10)


def test_every_override_cites_its_document_number_and_date(notices):
    rows = CalendarOverride.objects.all()
    assert rows.count() == len(official.ENTRIES) > 20
    for row in rows:
        assert "/" in row.source and " ngày " in row.source, row
    assert set(
        CalendarOverride.objects.dates("date", "year").values_list("date__year", flat=True)
    ) == {
        2024,
        2025,
        2026,
    }
    new_year = CalendarOverride.objects.get(date=dt.date(2026, 1, 2))
    assert new_year.source.startswith("Văn bản số 12729/VPCP-KGVX ngày 25/12/2025")


def test_swaps_of_2024_and_2025_and_tet_ranges(notices):
    calendar = get_calendar()
    for day in (dt.date(2024, 4, 29), dt.date(2025, 5, 2), dt.date(2026, 2, 16)):
        assert not calendar.is_working_day(day), day
    for day in (dt.date(2024, 5, 4), dt.date(2025, 4, 26)):
        assert calendar.is_working_day(day), day
    # Only weekdays are entered as days off: weekends are off anyway.
    assert not CalendarOverride.objects.filter(date=dt.date(2026, 2, 14)).exists()
    assert (
        CalendarOverride.objects.filter(
            date__range=(dt.date(2026, 2, 14), dt.date(2026, 2, 22))
        ).count()
        == 5
    )


def test_loading_twice_changes_nothing_and_years_2024_to_2026_are_confirmed(notices):
    call_command("load_calendar", verbosity=0)
    assert CalendarOverride.objects.count() == len(official.ENTRIES)
    assert list(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True)) == [
        2024,
        2025,
        2026,
    ]
    assert explain.provisional_years(2024, 2028) == [2027, 2028]


def test_deadline_crossing_into_an_unconfirmed_year_is_explained_as_provisional(notices):
    # Received Thu 24/12/2026 with 10 working days: the deadline falls in January 2027.
    received = vn(2026, 12, 24, 9)
    due = get_calendar().due_at(received, 10 * DAY)
    assert due.year == 2027
    explanation = explain.explain_due(received, due)
    assert explanation.provisional_years == [2027]
    assert [d.date for d in explanation.days_off] == [dt.date(2027, 1, 1)]
    assert not explanation.days_off[0].entered  # the package's day, not a notice's
    html = Template("{% load calendar_tags %}{% due_explanation r d %}").render(
        Context({"r": received, "d": due})
    )
    assert "lịch năm 2027 là lịch tạm tính" in html
    assert 'href="/lich-lam-viec/2027/"' in html


def test_deadline_within_a_confirmed_year_is_not_provisional_and_names_its_sources(notices):
    received = vn(2025, 12, 31, 10)
    due = get_calendar().due_at(received, 3 * DAY)
    explanation = explain.explain_due(received, due)
    assert explanation.provisional_years == []
    assert [d.date for d in explanation.days_off] == [dt.date(2026, 1, 1), dt.date(2026, 1, 2)]
    assert "12729/VPCP-KGVX" in explanation.days_off[1].source
    html = Template("{% load calendar_tags %}{% due_explanation r d %}").render(
        Context({"r": received, "d": due})
    )
    assert "tạm tính" not in html and "12729/VPCP-KGVX" in html


def test_no_explanation_before_receipt():
    html = Template("{% load calendar_tags %}{% due_explanation r d %}").render(
        Context({"r": None, "d": None})
    )
    assert html.strip() == ""


def test_calendar_page_marks_an_unconfirmed_year_provisional(notices):
    page = Client().get("/lich-lam-viec/2027/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lịch tạm tính." in html
    assert "05/02/2027" in html  # Tết 2027, from the Labour Code via the package


def test_calendar_page_of_a_confirmed_year_lists_days_with_their_sources(notices):
    html = Client().get("/lich-lam-viec/2026/").content.decode()
    assert "Lịch tạm tính." not in html
    assert "Thông báo số 9441/TB-BNV ngày 16/10/2025" in html
    assert "02/01/2026" in html and "10/01/2026" in html and "Làm việc bù" in html
    # The package's own swap (31/8 off for 22/8 worked) is labelled an estimate, not law.
    assert "Ước tính của thư viện holidays" in html
    assert "Bộ luật Lao động 2019 (ngày lễ, Tết, nghỉ bù)" in html  # e.g. 30/4


def test_calendar_page_years_out_of_range_are_not_found():
    assert Client().get("/lich-lam-viec/1800/").status_code == 404
    assert Client().get("/lich-lam-viec/").status_code == 200
