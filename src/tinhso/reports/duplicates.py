"""Duplicate suggestions at the reporting step (R-NAT-093), FixMyStreet's pain point.

``nearby``: open public reports of the same category within the category's distance (default
250 m), received in the last 90 days, at most 5, nearest first. The query narrows on the indexed
latitude and longitude (a bounding box) before computing the exact great-circle distance in SQL
(a registered Python function on SQLite, which may lack trigonometry; plain SQL on PostgreSQL).

``similar``: open public reports of the category whose folded text shares most of the query's
words — with or without diacritics, through ``tinhso.text.fold`` like procedure search.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.reports import geo
from tinhso.reports.models import OPEN_STATUSES, Category, Report
from tinhso.text import fold

MAX_AGE = datetime.timedelta(days=90)
MAX_RESULTS = 5
MIN_WORD = 3  # shorter words ("ở", "có", "và") say nothing about the problem
MIN_SHARE = 0.5  # at least half of the query's words
SIMILAR_CANDIDATES = 200


@dataclass(frozen=True)
class Suggestion:
    report: Report
    distance_m: float | None = None
    score: float | None = None


def open_public(category: Category, now: datetime.datetime) -> QuerySet[Report]:
    return Report.objects.filter(
        category=category,
        status__in=OPEN_STATUSES,
        private=False,
        received_at__gte=now - MAX_AGE,
    ).select_related("category")


def nearby(
    lat: float,
    lon: float,
    category: Category,
    distance_m: float | None = None,
    now: datetime.datetime | None = None,
) -> list[Suggestion]:
    """Open public reports of ``category`` within ``distance_m`` (the category's setting when
    None; 0 disables), nearest first."""
    now = now or timezone.now()
    radius = category.duplicate_distance_m if distance_m is None else distance_m
    if radius <= 0:
        return []
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius)
    rows = (
        open_public(category, now)
        .filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
        .annotate(distance=geo.distance_to("lat", "lon", (lat, lon)))
        .filter(distance__lte=radius)
        .order_by("distance", "-received_at")[:MAX_RESULTS]
    )
    return [Suggestion(report=r, distance_m=round(float(r.distance), 1)) for r in rows]


def words(text: str) -> list[str]:
    seen: list[str] = []
    for word in fold(text).split():
        word = word.strip(".,;:!?()\"'“”")
        if len(word) >= MIN_WORD and word not in seen:
            seen.append(word)
    return seen


def similar(
    text: str, category: Category, now: datetime.datetime | None = None
) -> list[Suggestion]:
    """Open public reports of ``category`` sharing at least half of the words of ``text``
    (folded: "ngập nước" finds "ngap nuoc"), best first."""
    now = now or timezone.now()
    wanted = words(text)
    if not wanted:
        return []
    any_word = Q()
    for word in wanted:
        any_word |= Q(search_text__contains=word)
    matches = open_public(category, now).filter(any_word)
    scored: list[Suggestion] = []
    for report in matches.order_by("-received_at")[:SIMILAR_CANDIDATES]:
        share = sum(1 for w in wanted if w in report.search_text) / len(wanted)
        if share >= MIN_SHARE:
            scored.append(Suggestion(report=report, score=round(share, 2)))
    scored.sort(key=lambda s: (-(s.score or 0), -s.report.received_at.timestamp()))
    return scored[:MAX_RESULTS]
