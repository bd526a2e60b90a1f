"""Time limits of reports, counted in working days by the platform's calendar (R-NAT-090).

The limits are data on each category (``classify_days``, ``handle_days``, ``extension_days``),
because the statutory limits are unconfirmed (spec §8.2). One working day is
``WORKING_MINUTES_PER_DAY`` working minutes, as for procedures, and the clock is the one
dossiers use (``tinhso.calendars.worktime``): it starts at the next office period and skips
weekends, holidays and the official days off. There is no pause: a transfer to another agency
keeps the due date (the citizen's wait does not restart).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

from tinhso.calendars.worktime import get_calendar
from tinhso.procedures.models import WORKING_MINUTES_PER_DAY
from tinhso.reports.models import Category

DUE_SOON = "due_soon"
OVERDUE = "overdue"


@dataclass(frozen=True)
class Deadlines:
    classify_due_at: datetime.datetime
    due_at: datetime.datetime


def after_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    return get_calendar().due_at(start, days * WORKING_MINUTES_PER_DAY)


def deadlines_for(category: Category, received_at: datetime.datetime) -> Deadlines:
    """The classification and answer deadlines of a report received at ``received_at``."""
    return Deadlines(
        classify_due_at=after_working_days(received_at, category.classify_days),
        due_at=after_working_days(received_at, category.handle_days),
    )


def alert_level(due_at: datetime.datetime, now: datetime.datetime) -> str:
    """``overdue`` past the due date, ``due_soon`` within ``TINHSO_DUE_SOON_WORKING_HOURS``
    working hours of it (the dossiers' threshold), else empty."""
    if now > due_at:
        return OVERDUE
    left = get_calendar().working_minutes_between(now, due_at)
    return DUE_SOON if left <= settings.TINHSO_DUE_SOON_WORKING_HOURS * 60 else ""


def due_soon_threshold(now: datetime.datetime) -> datetime.datetime:
    """The latest due date that counts as due soon at ``now``."""
    return get_calendar().add_working_minutes(now, settings.TINHSO_DUE_SOON_WORKING_HOURS * 60)
