"""The officials' inbox: which dossiers each tab lists, counted and paged in SQL.

Everything starts from ``selectors.visible_dossiers`` (the one access layer) and narrows it
to the agencies where the official works; each tab's condition keeps dossiers still open
(``INBOX_STATUSES``) only, so the cost follows the open work, not the years of history
behind it. Two things keep it cheap when an agency has many thousand open dossiers:

* **Pages are read per side.** A dossier is the official's through its competent agency or its
  receiving agency; one query with ``agency OR receiving agency`` cannot walk an index in the tab's
  order, so the database reads and sorts every open dossier of the agency before it can return
  fifty. ``page`` reads each side (one agency, one column) in order through the partial indexes of
  ``Dossier.Meta.indexes``, at most the rows the page needs, merges the sides in Python and then
  loads the page's rows by id. No library does this merge (a SQL ``UNION`` of ordered, limited
  parts is not portable to SQLite through the ORM), hence the few lines of ``heapq`` below.
* **Counts stop at ``COUNT_CAP``** (1,000), on the page as on the API: a tab that holds more shows
  "1.000+", and its pages are numbered without a last page.
"""

import datetime
import heapq
import re
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import connections
from django.db.models import F, Q, QuerySet
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
    # Dossiers filed and waiting for receipt at the clerk's counter (national code 1, "Mới đăng
    # ký"): named for what it holds, not "Mới tiếp nhận" ("just received"), which they are not.
    Tab("moi", _("Chờ tiếp nhận"), _("Không có hồ sơ mới chờ tiếp nhận.")),
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
    # "moi" (Chờ tiếp nhận): filed (code 1) and waiting for receipt at a counter where the user
    # is a clerk, its receiving agency; never a dossier waiting at another counter for which
    # the user's agency is only the competent one (that counter receives it; any counter may,
    # by its exact code, through the counter page: R-ACT-1). Served by ``dossier_new_receiving``.
    if is_platform_admin(user):
        new = Q(status=Status.SUBMITTED)
    else:
        clerk_at = clerk_agency_ids(user)
        new = Q(status=Status.SUBMITTED, receiving_agency_id__in=clerk_at) if clerk_at else NEVER
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
    """The dossiers of the official's agencies (all for the platform administrator), filtered,
    for a tab's condition to narrow: every tab lists ``INBOX_STATUSES`` only, each through its
    own status condition. The scope does not repeat an open-status filter: two conditions on the
    status make PostgreSQL multiply their selectivities, underestimate the rows and sort an
    agency's whole open work instead of walking a partial index in order (``docs/benchmarks.md``).
    """
    dossiers = selectors.visible_dossiers(user)
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


# --- counts and pages ---------------------------------------------------------------------------

COUNT_CAP = 1000
# An official of more agencies than this is paged in one query (rare; the platform administrator
# without an agency filter is too): each agency adds two ordered reads to a page.
MAX_SIDES = 8
_CURSOR_SALT = "tinhso.backoffice.inbox.cursor"


@dataclass(frozen=True)
class TabCount:
    """The number of dossiers in a tab, exact up to ``COUNT_CAP``; ``capped`` beyond it."""

    count: int
    capped: bool


def capped_count(rows: QuerySet[Dossier]) -> TabCount:
    """Counting stops at the cap instead of visiting every row."""
    count = rows.order_by()[: COUNT_CAP + 1].count()
    return TabCount(COUNT_CAP, True) if count > COUNT_CAP else TabCount(count, False)


# Tabs bounded by a range of due dates, counted side by side in due-date order (``counters``).
RANGE_TABS = frozenset({"sap-den-han", "qua-han"})


def _limited(rows: QuerySet[Dossier]) -> tuple[str, tuple[Any, ...]]:
    sql, params = rows.values_list("pk", flat=True)[: COUNT_CAP + 1].query.sql_with_params()
    return sql, tuple(params)


def _count_sql(rows: QuerySet[Dossier], sides: list[Q] | None, tab: str) -> tuple[str, tuple]:
    """A scalar subquery counting a tab's rows up to ``COUNT_CAP + 1``, read the way PostgreSQL
    reads it fastest (plans in ``docs/benchmarks.md``, 10 M dossiers):

    * a tab bounded by due dates ("due soon", "overdue"): per side, the ids of at most
      ``COUNT_CAP + 1`` rows in due-date order, which walks the side's partial index over the
      range and stops; the sides' ids are united, so a dossier of two sides counts once. Counted
      without an order, PostgreSQL reads a bitmap of the agency's every running dossier instead:
      it has no statistics of open dossiers alone, and most due dates of the table are past, so
      it expects "overdue" to match nearly everything (11 ms against 2 × 1.8 ms for the busiest
      agency).
    * a tab defined by status alone: one read limited to ``COUNT_CAP + 1`` rows through the
      ``(agency, status)`` indexes (3–4 ms; in order, the same read sorts 10,000 rows first).
    """
    if sides is None or tab not in RANGE_TABS:
        sql, params = _limited(rows.order_by())
        # the SQL is the ORM's; every value in it is a parameter
        return f"(SELECT COUNT(*) FROM ({sql}) AS capped)", params  # noqa: S608
    parts, all_params = [], ()
    for n, side in enumerate(sides):
        sql, params = _limited(rows.filter(side).order_by(*TAB_ORDER[tab]))
        parts.append(f"SELECT * FROM ({sql}) AS side{n}")  # noqa: S608 (the ORM's SQL)
        all_params += params
    return f"(SELECT COUNT(*) FROM ({' UNION '.join(parts)}) AS sides)", all_params  # noqa: S608


def counters(
    dossiers: QuerySet[Dossier], conditions: dict[str, Q], sides: list[Q] | None = None
) -> dict[str, TabCount]:
    """Every tab's count, exact up to ``COUNT_CAP``, in one statement of scalar subqueries, one
    per tab (``_count_sql``): one round trip instead of one per tab and side. The ORM cannot put
    several limited counts into one statement, so the subqueries it compiles are joined here;
    their parameters stay parameters. A tab whose condition no row can meet (``NEVER``: "new"
    for an official who receives nothing) is not queried."""
    counted = {slug: TabCount(0, False) for slug, cond in conditions.items() if cond is NEVER}
    wanted = [slug for slug in conditions if slug not in counted]
    if not wanted:
        return counted
    parts = [_count_sql(dossiers.filter(conditions[slug]), sides, slug) for slug in wanted]
    with connections[dossiers.db].cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(sql for sql, _params in parts),
            [param for _sql, params in parts for param in params],
        )
        row = cursor.fetchone()
    for slug, n in zip(wanted, row, strict=True):
        counted[slug] = TabCount(COUNT_CAP, True) if n > COUNT_CAP else TabCount(n, False)
    return {slug: counted[slug] for slug in conditions}


def tab_count(rows: QuerySet[Dossier], sides: list[Q] | None, tab: str) -> TabCount:
    """One tab's count (the API's), read as ``counters`` reads it."""
    return counters(rows, {tab: Q()}, sides)[tab]


def sides(user: User, filters: Filters) -> list[Q] | None:
    """The conditions that each make a dossier the official's (one agency, one column), or None
    where one query serves better (the platform administrator across the province, an official of
    many agencies)."""
    if filters.agency_id is not None:
        agency_ids = [filters.agency_id]
    elif is_platform_admin(user):
        return None
    else:
        agency_ids = sorted(dossier_agency_ids(user))
    if len(agency_ids) > MAX_SIDES:
        return None
    return [Q(agency_id=a) for a in agency_ids] + [Q(receiving_agency_id=a) for a in agency_ids]


# A row's place in a tab: (0, moment, pk) for rows with the moment, (1, pk) after them all.
Key = tuple[Any, ...]


def _key(moment: datetime.datetime | None, pk: int) -> Key:
    return (1, pk) if moment is None else (0, moment, pk)


def _ordered_keys(rows: QuerySet[Dossier], tab: str, after: Key | None, limit: int) -> list[Key]:
    """The first ``limit`` rows' keys after ``after``, in the tab's order. Rows with the moment and
    rows without it are read apart, so that each read is one index range (an ``OR IS NULL`` would
    turn the ordered walk into a filter over every earlier row)."""
    field = TAB_SORT[tab]
    keys: list[Key] = []
    if after is None or after[0] == 0:
        dated = rows.filter(**{f"{field}__isnull": False})
        if after is not None:
            when, pk = after[1], after[2]
            dated = dated.filter(
                Q(**{f"{field}__gte": when}) & (Q(**{f"{field}__gt": when}) | Q(pk__gt=pk))
            )
        keys = [
            _key(m, pk) for m, pk in dated.order_by(field, "pk").values_list(field, "pk")[:limit]
        ]
    if len(keys) < limit:
        undated = rows.filter(**{f"{field}__isnull": True})
        if after is not None and after[0] == 1:
            undated = undated.filter(pk__gt=after[1])
        keys += [
            (1, pk)
            for pk in undated.order_by("pk").values_list("pk", flat=True)[: limit - len(keys)]
        ]
    return keys


def _page_keys(
    rows: QuerySet[Dossier],
    sides: list[Q] | None,
    tab: str,
    after: Key | None,
    offset: int,
    size: int,
) -> tuple[list[Key], bool]:
    """The keys of rows ``offset`` to ``offset + size`` after ``after``, and whether more follow.

    Each side yields at most ``offset + size + 1`` keys: the first n rows of the union are among the
    first n of every side, so the merge of those prefixes is exact. A dossier of two sides (filed
    and received at the official's agencies) appears once."""
    limit = offset + size + 1
    parts = (
        [_ordered_keys(rows, tab, after, limit)]
        if sides is None
        else [_ordered_keys(rows.filter(side), tab, after, limit) for side in sides]
    )
    merged: list[Key] = []
    seen: set[int] = set()
    for key in heapq.merge(*parts):
        if key[-1] not in seen:
            seen.add(key[-1])
            merged.append(key)
            if len(merged) == limit:
                break
    return merged[offset : offset + size], len(merged) > offset + size


def _load(rows: QuerySet[Dossier], keys: list[Key]) -> list[Dossier]:
    """The rows of ``keys``, in their order, in one query (plus the prefetches of ``rows``)."""
    by_pk = {d.pk: d for d in rows.filter(pk__in=[k[-1] for k in keys]).order_by()}
    return [by_pk[k[-1]] for k in keys if k[-1] in by_pk]


# Columns a row of the inbox never shows: the form's content and the catalogue's JSON, which
# would otherwise be read and decoded fifty times a page.
ROW_DEFER = (
    "data",
    "search_text",
    "fee_exemption",
    "procedure_version__search_text",
    "procedure_version__fee_note",
    "procedure_version__fee_exemptions",
    "procedure_version__fee_quantity_fields",
    "procedure_version__fee_tiers",
    "procedure_version__form_schema",
    "procedure_version__result_description",
    "procedure_version__legal_basis",
    "procedure_version__source",
    "procedure_version__unconfirmed",
)


def tab_rows(dossiers: QuerySet[Dossier], conditions: dict[str, Q], tab: str) -> QuerySet[Dossier]:
    """A tab's dossiers, with what the page shows of each, in the tab's order."""
    return (
        dossiers.filter(conditions[tab])
        .select_related(None)  # not the agencies the access layer joins: a row does not show them
        .select_related("assignee", "procedure_version__procedure")
        .prefetch_related("procedure_version__steps")
        .defer(*ROW_DEFER)
        .order_by(*TAB_ORDER[tab])
    )


@dataclass
class Page:
    """One numbered page of a tab, as the back-office page shows it."""

    rows: list[Dossier]
    number: int
    size: int
    count: TabCount
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def num_pages(self) -> int | None:
        """The last page's number; None while the count is capped (the total is not known)."""
        if self.count.capped:
            return None
        return max(1, -(-self.count.count // self.size))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0


def page(
    rows: QuerySet[Dossier],
    sides: list[Q] | None,
    tab: str,
    number: int,
    count: TabCount,
    size: int | None = None,
) -> Page:
    """Page ``number`` (from 1) of a tab; a number past the known last page shows the last."""
    size = size or PAGE_SIZE
    last = Page([], number, size, count, False).num_pages
    number = max(1, min(number, last) if last is not None else number)
    keys, more = _page_keys(rows, sides, tab, None, (number - 1) * size, size)
    return Page(_load(rows, keys), number, size, count, more)


# --- keyset pages for the API ------------------------------------------------------------------


class BadCursor(ValueError):
    pass


def _cursor(tab: str, key: Key) -> str:
    moment = key[1] if key[0] == 0 else None
    return signing.dumps(
        [tab, moment.isoformat() if moment else None, key[-1]], salt=_CURSOR_SALT, compress=True
    )


def _after(tab: str, cursor: str) -> Key:
    """The key of the cursor's row. The cursor is signed so a caller cannot forge one; a cursor of
    another tab is refused."""
    try:
        cursor_tab, moment, pk = signing.loads(cursor, salt=_CURSOR_SALT)
        when = datetime.datetime.fromisoformat(moment) if moment is not None else None
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadCursor(cursor) from exc
    if cursor_tab != tab or not isinstance(pk, int) or isinstance(pk, bool):
        raise BadCursor(cursor)
    return _key(when, pk)


def keyset_page(
    rows: QuerySet[Dossier],
    sides: list[Q] | None,
    tab: str,
    cursor: str | None,
    size: int | None = None,
) -> tuple[list[Dossier], str | None]:
    """One page of a tab after ``cursor`` (from the start without one) and the cursor of the
    next page, None on the last. Unlike an offset, the cost of a deep page is that of the first."""
    size = size or PAGE_SIZE
    after = _after(tab, cursor) if cursor else None
    keys, more = _page_keys(rows, sides, tab, after, 0, size)
    return _load(rows, keys), (_cursor(tab, keys[-1]) if more else None)
