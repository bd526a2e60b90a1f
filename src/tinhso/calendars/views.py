"""The public working calendar: a year's days off and make-up days, with their sources."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tinhso.calendars import explain
from tinhso.calendars.models import CalendarYear

MIN_YEAR, MAX_YEAR = 2000, 2100


@require_GET
def year_calendar(request: HttpRequest, year: int | None = None) -> HttpResponse:
    year = year or timezone.localdate().year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    record = CalendarYear.objects.filter(year=year, confirmed=True).first()
    context = {
        "year": year,
        "days": explain.year_days(year),
        "provisional": record is None,
        "sources": record.sources.splitlines() if record else [],
        "previous": year - 1 if year > MIN_YEAR else None,
        "next": year + 1 if year < MAX_YEAR else None,
    }
    return render(request, "calendars/year.html", context)
