"""Due-soon and overdue dossiers: found periodically and brought to the responsible officials.

The scan flags each running dossier once per level and records a ``DEADLINE_ALERT`` dossier
event naming the officials responsible; the notifications app e-mails them (ADR 0009).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.models import StaffAssignment
from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers import events
from tinhso.dossiers.models import CLOCK_RUNNING, Dossier, DossierEvent
from tinhso.dossiers.selectors import current_step

DUE_SOON = "due_soon"
OVERDUE = "overdue"


@dataclass
class ScanReport:
    due_soon: int = 0
    overdue: int = 0
    alerted: int = 0  # dossiers newly flagged (one alert event each)


def running_dossiers() -> QuerySet[Dossier]:
    return Dossier.objects.filter(status__in=CLOCK_RUNNING, due_at__isnull=False).select_related(
        "procedure_version", "agency", "receiving_agency", "assignee"
    )


def alert_level(dossier: Dossier, now: datetime.datetime) -> str:
    assert dossier.due_at is not None
    if now > dossier.due_at:
        return OVERDUE
    left = get_calendar().working_minutes_between(now, dossier.due_at)
    return DUE_SOON if left <= settings.TINHSO_DUE_SOON_WORKING_HOURS * 60 else ""


def responsible_officials(dossier: Dossier) -> list[User]:
    if dossier.assignee is not None:
        return [dossier.assignee]
    step = current_step(dossier)
    role = step.role if step else "leader"
    agency_id = dossier.receiving_agency_id if role == "clerk" else dossier.agency_id
    return [
        a.user
        for a in StaffAssignment.objects.filter(agency_id=agency_id, role=role).select_related(
            "user"
        )
    ]


def scan_deadlines(now: datetime.datetime | None = None) -> ScanReport:
    """Flag each running dossier once per level and record an alert for its officials."""
    now = now or timezone.now()
    report = ScanReport()
    for dossier in running_dossiers().iterator(chunk_size=500):
        level = alert_level(dossier, now)
        if level == DUE_SOON:
            report.due_soon += 1
        elif level == OVERDUE:
            report.overdue += 1
        if level == dossier.deadline_alert:
            continue
        with transaction.atomic():
            updated = Dossier.objects.filter(
                pk=dossier.pk, deadline_alert=dossier.deadline_alert
            ).update(deadline_alert=level)
            if updated and level:
                events.record(
                    dossier_id=dossier.pk,
                    kind=DossierEvent.Kind.DEADLINE_ALERT,
                    action=level,
                    from_status=dossier.status,
                    to_status=dossier.status,
                    at=now,
                    payload={
                        "level": level,
                        "officials": [u.pk for u in responsible_officials(dossier)],
                    },
                )
                report.alerted += 1
    return report
