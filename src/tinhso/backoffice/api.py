"""The officials' inbox over the REST API: ``GET /api/v1/inbox?tab=…[&cursor=…]``.

The same tabs and rules as the back-office page (``backoffice.inbox``) under stable English names,
paged by key with an opaque cursor, counted exactly up to ``inbox.COUNT_CAP``.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tinhso.accounts.access import dossier_agency_ids, is_platform_admin, is_staff_member
from tinhso.apierrors import ApiError, ErrorOut
from tinhso.backoffice import inbox
from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers.models import Dossier

router = Router(tags=["inbox"])

ApiTab = Literal["new", "processing", "due_soon", "overdue", "result_ready"]


class InboxFilters(Schema):
    tab: ApiTab = "processing"
    cursor: str | None = None
    agency: int | None = None
    q: str = ""
    mine: bool = False


class InboxItemOut(Schema):
    code: str
    status: str
    status_label: str
    procedure: str
    procedure_name: str
    agency: str
    applicant_name: str
    assignee: str | None
    submitted_at: datetime.datetime | None
    due_at: datetime.datetime | None
    completed_at: datetime.datetime | None


class InboxPageOut(Schema):
    tab: ApiTab
    count: int
    count_capped: bool
    items: list[InboxItemOut]
    next: str | None


def _item(dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "procedure": dossier.procedure_version.procedure.code,
        "procedure_name": dossier.procedure_version.name,
        "agency": dossier.agency.code,
        "applicant_name": dossier.applicant_name,
        "assignee": dossier.assignee.username if dossier.assignee else None,
        "submitted_at": dossier.submitted_at,
        "due_at": dossier.due_at,
        "completed_at": dossier.completed_at,
    }


@router.get(
    "/inbox",
    response={200: InboxPageOut, 400: ErrorOut, 403: ErrorOut},
    summary="The official's inbox, one tab, one page",
)
def inbox_page(request: HttpRequest, filters: Query[InboxFilters]) -> dict[str, Any]:
    user = request.user
    if not is_staff_member(user):
        raise ApiError(403, _("Chỉ cán bộ xử lý hồ sơ mới xem được hộp hồ sơ."))
    if filters.agency is not None and not (
        is_platform_admin(user) or filters.agency in dossier_agency_ids(user)
    ):
        raise ApiError(400, _("Bạn không làm việc tại cơ quan này."), "agency")
    tab = inbox.API_TABS[filters.tab]
    conditions = inbox.tab_conditions(user, timezone.now(), get_calendar())  # type: ignore[arg-type]
    chosen = inbox.Filters(
        tab=tab, agency_id=filters.agency, query=filters.q[:100], mine=filters.mine
    )
    scoped = inbox.scope(user, chosen).filter(conditions[tab])  # type: ignore[arg-type]
    sides = inbox.sides(user, chosen)  # type: ignore[arg-type]
    counted = inbox.tab_count(scoped, sides, tab)
    rows = scoped.select_related("assignee", "agency", "procedure_version__procedure").defer(
        *inbox.ROW_DEFER
    )
    try:
        page, following = inbox.keyset_page(rows, sides, tab, filters.cursor)
    except inbox.BadCursor:
        raise ApiError(
            400, _("Con trỏ trang không hợp lệ: dùng giá trị “next” của trang trước."), "cursor"
        ) from None
    return {
        "tab": filters.tab,
        "count": counted.count,
        "count_capped": counted.capped,
        "items": [_item(d) for d in page],
        "next": following,
    }
