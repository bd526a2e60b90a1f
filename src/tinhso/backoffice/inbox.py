"""The officials' inbox: which dossiers each tab lists, counted and searched in SQL.

Everything starts from ``selectors.visible_dossiers`` (the one access layer) and narrows it
to the agencies where the official works. A page of the inbox costs a fixed number of queries
whatever the number of dossiers: one aggregate for the tab counters, one count and one select
for the page, one prefetch of the workflow steps.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.access import clerk_agency_ids, dossier_agency_ids, is_platform_admin
from tinhso.accounts.models import User
from tinhso.backoffice.display import due_soon_minutes
from tinhso.calendars.worktime import WorkCalendar
from tinhso.dossiers import selectors
from tinhso.dossiers.models import CLOCK_RUNNING, Dossier, Status
from tinhso.text import fold

PAGE_SIZE = 50
IN_PROGRESS = (
    Status.RECEIVED,
    Status.PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
)
NEVER = Q(pk__isnull=True)  # a condition no row meets (pk is never null)
_PHONE = re.compile(r"^(?:\+84|84|0)(\d{8,10})$")
_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str | Promise
    empty: str | Promise


TABS = [
    Tab("moi", _("Mới tiếp nhận"), _("Không có hồ sơ mới chờ tiếp nhận.")),
    Tab("dang-xu-ly", _("Đang xử lý"), _("Không có hồ sơ đang xử lý.")),
    Tab("sap-den-han", _("Sắp đến hạn"), _("Không có hồ sơ sắp đến hạn.")),
    Tab("qua-han", _("Quá hạn"), _("Không có hồ sơ quá hạn.")),
    Tab("co-ket-qua", _("Đã có kết quả"), _("Không có kết quả chờ trả.")),
]
TAB_SLUGS = [tab.slug for tab in TABS]


def due_soon_limit(now: datetime.datetime, cal: WorkCalendar) -> datetime.datetime:
    """The latest appointment still "due soon" at ``now``.

    ``due_at <= limit`` holds exactly when ``cal.working_minutes_between(now, due_at)`` is at
    most the threshold: ``add_working_minutes`` gives the moment the threshold runs out and
    ``clock_start`` moves it across a following break or night, which adds no working time.
    """
    return cal.clock_start(cal.add_working_minutes(now, due_soon_minutes()))


def tab_conditions(user: User, now: datetime.datetime, cal: WorkCalendar) -> dict[str, Q]:
    if is_platform_admin(user):
        new = Q(status=Status.SUBMITTED)
    else:
        clerk_at = clerk_agency_ids(user)
        new = (
            Q(status=Status.SUBMITTED)
            & (Q(receiving_agency_id__in=clerk_at) | Q(agency_id__in=clerk_at))
            if clerk_at
            else NEVER
        )
    running = Q(status__in=CLOCK_RUNNING)
    return {
        "moi": new,
        "dang-xu-ly": Q(status__in=IN_PROGRESS),
        "sap-den-han": running & Q(due_at__gte=now, due_at__lte=due_soon_limit(now, cal)),
        "qua-han": running & Q(due_at__lt=now),
        "co-ket-qua": Q(status=Status.RESULT_READY),
    }


TAB_ORDER: dict[str, list[str | Combinable]] = {
    "moi": [F("submitted_at").asc(nulls_last=True), "pk"],
    "dang-xu-ly": [F("due_at").asc(nulls_last=True), "pk"],
    "sap-den-han": [F("due_at").asc(), "pk"],
    "qua-han": [F("due_at").asc(), "pk"],
    "co-ket-qua": [F("completed_at").asc(nulls_last=True), "pk"],
}


def search_condition(query: str) -> Q:
    """Every folded word must occur in the dossier's search text (code, applicant, phone).

    A phone number matches whether it was typed as 09…, +849… or 849…, since the stored
    number may be in either national or international form.
    """
    phone = _PHONE.match(_SEPARATORS.sub("", query))
    if phone:  # "0912 345 678" -> "912345678", found in "0912345678" and "+84912345678"
        return Q(search_text__contains=phone.group(1))
    condition = Q()
    for word in fold(query).split():
        condition &= Q(search_text__contains=word)
    return condition


@dataclass
class Filters:
    tab: str = "moi"
    agency_id: int | None = None
    query: str = ""
    mine: bool = False


def scope(user: User, filters: Filters) -> QuerySet[Dossier]:
    """The dossiers of the official's agencies (all for the platform administrator), filtered."""
    dossiers = selectors.visible_dossiers(user).exclude(status=Status.DRAFT)
    if not is_platform_admin(user):
        agency_ids = dossier_agency_ids(user)
        dossiers = dossiers.filter(
            Q(agency_id__in=agency_ids) | Q(receiving_agency_id__in=agency_ids)
        )
    if filters.agency_id is not None:
        dossiers = dossiers.filter(
            Q(agency_id=filters.agency_id) | Q(receiving_agency_id=filters.agency_id)
        )
    if filters.mine:
        dossiers = dossiers.filter(assignee_id=user.pk)
    if filters.query.strip():
        dossiers = dossiers.filter(search_condition(filters.query))
    return dossiers


def counters(dossiers: QuerySet[Dossier], conditions: dict[str, Q]) -> dict[str, int]:
    """The number of dossiers in every tab, in one query."""
    return dossiers.aggregate(
        **{slug: Count("pk", filter=cond) for slug, cond in conditions.items()}
    )


def tab_rows(dossiers: QuerySet[Dossier], conditions: dict[str, Q], tab: str) -> QuerySet[Dossier]:
    return (
        dossiers.filter(conditions[tab])
        .select_related("assignee", "procedure_version__procedure")
        .prefetch_related("procedure_version__steps")
        .order_by(*TAB_ORDER[tab])
    )
