"""Read helpers for the citizens' report pages (issue 18, part 2).

The portal pages only read through these functions and the selectors, and change reports only
through ``services``: they add no rule of their own. What is listed publicly is exactly
``selectors.public_reports`` (never the reporter's name or contact); what a citizen lists as
"my reports" are the reports they filed while signed in.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from tinhso.reports import duplicates, selectors
from tinhso.reports.models import OPEN_STATUSES, Category, Report
from tinhso.units.selectors import seats

# Filters of the public list: Open311's two statuses, as the citizen understands them.
STATUS_FILTERS = {
    "open": OPEN_STATUSES,
    "closed": frozenset({Report.Status.ANSWERED, Report.Status.CLOSED, Report.Status.MERGED}),
}
COMMUNE_CODE_LENGTH = 5  # GSO codes: 2 digits a province, 3 a district, 5 a commune


def public_list(category: str = "", status: str = "") -> QuerySet[Report]:
    """Public reports, newest first, narrowed by a category code and "open"/"closed"; unknown
    filter values are ignored rather than refused (a list page never fails on a bad link)."""
    rows = selectors.public_reports().prefetch_related("photos")
    if category:
        rows = rows.filter(category__code=category[:60])
    if status in STATUS_FILTERS:
        rows = rows.filter(status__in=STATUS_FILTERS[status])
    return rows


def reports_of(user: Any) -> QuerySet[Report]:
    """The reports ``user`` filed while signed in, private ones included, newest first."""
    return (
        Report.objects.filter(reporter_id=user.pk)
        .select_related(*selectors.RELATED)
        .order_by("-received_at", "-pk")
    )


def reference_seats() -> list[dict[str, Any]]:
    """The commune seats drawn on the report map as landmarks (no tile server is reachable
    from a closed network, so the map shows the pin among known places instead)."""
    return [
        {"name": seat.name, "lat": seat.lat, "lon": seat.lon}
        for seat in seats().values()
        if len(seat.code) >= COMMUNE_CODE_LENGTH
    ]


@dataclass(frozen=True)
class Candidate:
    """A possible duplicate shown before filing: by distance, by text, or both."""

    report: Report
    distance_m: float | None


def possible_duplicates(
    category: Category,
    description: str,
    lat: float | None,
    lon: float | None,
    now: datetime.datetime | None = None,
) -> list[Candidate]:
    """Nearby open reports of the category first (when there is a pin), then textually similar
    ones not already listed; at most ``duplicates.MAX_RESULTS`` in all."""
    now = now or timezone.now()
    found: list[Candidate] = []
    if lat is not None and lon is not None:
        found = [
            Candidate(s.report, s.distance_m)
            for s in duplicates.nearby(lat, lon, category, now=now)
        ]
    seen = {c.report.pk for c in found}
    for suggestion in duplicates.similar(description, category, now=now):
        if suggestion.report.pk not in seen:
            found.append(Candidate(suggestion.report, None))
            seen.add(suggestion.report.pk)
    return found[: duplicates.MAX_RESULTS]


def may_reopen(report: Report, now: datetime.datetime | None = None) -> bool:
    """Whether the reopening period is still running (the service checks it again)."""
    if report.status not in (Report.Status.ANSWERED, Report.Status.CLOSED):
        return False
    if report.answered_at is None:
        return False
    limit = report.answered_at + datetime.timedelta(days=settings.TINHSO_REPORTS_REOPEN_DAYS)
    return (now or timezone.now()) <= limit
