"""The officials' inbox: which dossiers each tab lists, counted and searched in SQL.

Everything starts from ``selectors.visible_dossiers`` (the one access layer) and narrows it
to the agencies where the official works and to the dossiers still open (``INBOX_STATUSES``):
every tab lists open dossiers only, so the cost follows the open work, not the years of history
behind it; partial indexes over open dossiers (``Dossier.Meta.indexes``) serve those queries on
PostgreSQL and SQLite alike. A page of the inbox costs a fixed number of queries whatever the
number of dossiers: one aggregate for the tab counters, one select for the page, one prefetch of
the workflow steps. The API (``backoffice.api``) pages by key (``keyset_page``) and counts only
up to ``COUNT_CAP``.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.access import clerk_agency_ids, dossier_agency_ids, is_platform_admin
from tinhso.accounts.models import User
from tinhso.backoffice.display import due_soon_minutes
from tinhso.calendars.worktime import WorkCalendar
from tinhso.dossiers import selectors
from tinhso.dossiers.models import CLOCK_RUNNING, OPEN_STATUSES, Dossier, Status
from tinhso.text import fold

PAGE_SIZE = 50
IN_PROGRESS = (
    Status.RECEIVED,
    Status.PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
)
# Every tab lists one of these; the scope is narrowed to them so history never weighs on a page.
INBOX_STATUSES = OPEN_STATUSES
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
# Stable English names of the tabs for the API (docs/api.md).
API_TABS = {
    "new": "moi",
    "processing": "dang-xu-ly",
    "due_soon": "sap-den-han",
    "overdue": "qua-han",
    "result_ready": "co-ket-qua",
}


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


# Each tab is sorted by one moment (earliest first, dossiers without it last), then by id.
TAB_SORT = {
    "moi": "submitted_at",
    "dang-xu-ly": "due_at",
    "sap-den-han": "due_at",
    "qua-han": "due_at",
    "co-ket-qua": "completed_at",
}
TAB_ORDER: dict[str, list[str | Combinable]] = {
    tab: [F(field).asc(nulls_last=True), "pk"] for tab, field in TAB_SORT.items()
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
    dossiers = selectors.visible_dossiers(user).filter(status__in=INBOX_STATUSES)
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


# --- keyset pages for the API ------------------------------------------------------------------

COUNT_CAP = 1000
_CURSOR_SALT = "tinhso.backoffice.inbox.cursor"


class BadCursor(ValueError):
    pass


def capped_count(rows: QuerySet[Dossier]) -> tuple[int, bool]:
    """The number of rows, exact up to ``COUNT_CAP``; beyond it ``(COUNT_CAP, True)``: counting
    stops at the cap instead of visiting every row."""
    count = rows.order_by()[: COUNT_CAP + 1].count()
    return (COUNT_CAP, True) if count > COUNT_CAP else (count, False)


def _cursor(tab: str, dossier: Dossier) -> str:
    moment = getattr(dossier, TAB_SORT[tab])
    return signing.dumps(
        [tab, moment.isoformat() if moment else None, dossier.pk], salt=_CURSOR_SALT, compress=True
    )


def _after(tab: str, cursor: str) -> Q:
    """Rows after the cursor's row in the tab's order (``moment ASC NULLS LAST, pk``). The cursor
    is signed so a caller cannot forge one; a cursor of another tab is refused."""
    try:
        cursor_tab, moment, pk = signing.loads(cursor, salt=_CURSOR_SALT)
        when = datetime.datetime.fromisoformat(moment) if moment is not None else None
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadCursor(cursor) from exc
    if cursor_tab != tab or not isinstance(pk, int):
        raise BadCursor(cursor)
    field = TAB_SORT[tab]
    if when is None:
        return Q(**{f"{field}__isnull": True, "pk__gt": pk})
    return (
        Q(**{f"{field}__gt": when})
        | Q(**{field: when, "pk__gt": pk})
        | Q(**{f"{field}__isnull": True})
    )


def keyset_page(
    rows: QuerySet[Dossier], tab: str, cursor: str | None, size: int | None = None
) -> tuple[list[Dossier], str | None]:
    """One page of a tab after ``cursor`` (from the start without one) and the cursor of the
    next page, None on the last. Unlike an offset, the cost of a deep page is that of the first."""
    size = size or PAGE_SIZE
    if cursor:
        rows = rows.filter(_after(tab, cursor))
    page: list[Any] = list(rows[: size + 1])
    more = len(page) > size
    page = page[:size]
    return page, (_cursor(tab, page[-1]) if more else None)
