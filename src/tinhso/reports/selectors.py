"""Read side of reports: who may see which report, and the officials' inbox.

A public report (not private, not rejected) is visible to anyone: its category, place,
description, status and the agency's answer. The reporter and the report's handlers (staff of
the responsible agency, or dispatchers for the queue) see private ones too. The reporter's name
and contact are shown to the reporter only (``personal_view``); handlers reach the contact
through the back office, which logs the access.
"""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.access import agency_roles
from tinhso.reports.deadlines import alert_level, due_soon_threshold
from tinhso.reports.errors import NotFound
from tinhso.reports.models import OPEN_STATUSES, Category, Report, open311_status
from tinhso.reports.services import dispatcher_agency_ids, is_handler

RELATED = ("category", "agency", "commune", "duplicate_of", "assignee")


def report_by_public_id(public_id: str) -> Report:
    report = (
        Report.objects.select_related(*RELATED).filter(public_id=(public_id or "")[:16]).first()
    )
    if report is None:
        raise NotFound(_not_found())
    return report


def _not_found() -> str:
    return _("Không tìm thấy phản ánh.")


def is_reporter(user: Any, report: Report) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and report.reporter_id is not None
        and report.reporter_id == user.pk
    )


def may_see(user: Any, report: Report) -> bool:
    return report.is_public or is_reporter(user, report) or is_handler(user, report)


def report_for_user(user: Any, public_id: str) -> Report:
    """The report if ``user`` may see it; otherwise 404, so private reports stay unknown."""
    report = report_by_public_id(public_id)
    if not may_see(user, report):
        raise NotFound(_not_found())
    return report


def handled_by(user: Any) -> QuerySet[Report]:
    """Reports the user handles: their agencies' and, for dispatchers, the queue."""
    agencies = list(agency_roles(user))
    where = Q(agency_id__in=agencies)
    if dispatcher_agency_ids(user):
        where |= Q(agency__isnull=True)
    return Report.objects.filter(where).select_related(*RELATED)


def inbox(user: Any) -> QuerySet[Report]:
    """Open reports to handle, the most urgent first."""
    return handled_by(user).filter(status__in=OPEN_STATUSES).order_by("due_at", "pk")


def overdue(user: Any, now: datetime.datetime | None = None) -> QuerySet[Report]:
    return inbox(user).filter(due_at__lt=now or timezone.now())


def due_soon(user: Any, now: datetime.datetime | None = None) -> QuerySet[Report]:
    """Not yet overdue, due within ``TINHSO_DUE_SOON_WORKING_HOURS`` working hours."""
    now = now or timezone.now()
    return inbox(user).filter(due_at__gte=now, due_at__lte=due_soon_threshold(now))


def dispatch_queue(user: Any) -> QuerySet[Report]:
    if not dispatcher_agency_ids(user):
        return Report.objects.none()
    return inbox(user).filter(agency__isnull=True)


def public_view(report: Report, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What anyone may read of a public report: never the reporter's name or contact."""
    now = now or timezone.now()
    return {
        "service_request_id": report.public_id,
        "service_code": report.category.code,
        "service_name": report.category.name,
        "description": report.description,
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "open311_status": open311_status(report.status),
        "lat": float(report.lat) if report.lat is not None else None,
        "long": float(report.lon) if report.lon is not None else None,
        "address": report.address,
        "commune": report.commune.name if report.commune else None,
        "commune_approximate": report.commune_approximate,
        "agency_responsible": report.agency.name if report.agency else None,
        "agency_code": report.agency.code if report.agency else None,
        "requested_datetime": report.received_at,
        "updated_datetime": report.updated_at,
        "expected_datetime": report.due_at,
        "answer": report.answer,
        "answered_at": report.answered_at,
        "duplicate_of": report.duplicate_of.public_id if report.duplicate_of else None,
        "supporters": report.supporters.count(),
        "photos": list(report.photos.order_by("pk").values_list("pk", flat=True)),
        "private": report.private,
        "alert": alert_level(report.due_at, now) if report.status in OPEN_STATUSES else "",
    }


def personal_view(report: Report) -> dict[str, Any]:
    """The public view plus the reporter's own contact and rating: for the reporter only."""
    return {
        "reporter_name": report.reporter_name,
        "reporter_phone": report.reporter_phone,
        "citizen_rating": report.citizen_rating,
        "reopened": report.reopened,
    }


def handling_view(report: Report) -> dict[str, Any]:
    """What handlers see beyond the public view (no contact): deadlines, assignee, rating."""
    return {
        "assignee": report.assignee.username if report.assignee else None,
        "classify_due_at": report.classify_due_at,
        "citizen_rating": report.citizen_rating,
        "reopened": report.reopened,
        "reopen_count": report.reopen_count,
    }


def active_categories() -> QuerySet[Category]:
    """The categories offered to citizens and client apps (the Open311 service list)."""
    return (
        Category.objects.filter(is_active=True).select_related("agency").order_by("order", "name")
    )


def public_reports() -> QuerySet[Report]:
    """Reports anyone may read (not private, not rejected), newest first: the Open311 request
    list and the open dataset filter this further."""
    return (
        Report.objects.filter(private=False)
        .exclude(status=Report.Status.REJECTED)
        .select_related(*RELATED)
        .order_by("-received_at", "-pk")
    )
