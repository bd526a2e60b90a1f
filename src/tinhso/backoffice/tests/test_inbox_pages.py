"""The inbox reads each side of a tab (one agency, one column) in order and merges them: the
pages, numbered or by cursor, hold exactly the rows one ordered query over every side would give."""

import datetime
import random

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.agencies.models import Role, StaffAssignment
from tinhso.backoffice import inbox
from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers.models import Dossier, Status

from .conftest import at, file_online

BASE = at(2025, 11, 24, 8, 0)
NOW = BASE + datetime.timedelta(hours=3)


def moment(rng: random.Random) -> datetime.datetime | None:
    """A moment shared by several dossiers (ties broken by id) or none at all."""
    return None if rng.random() < 0.2 else BASE + datetime.timedelta(hours=rng.randrange(6))


@pytest.fixture
def mixed(cast):
    """The one-stop centre's clerk, also a specialist of the department, and 40 dossiers spread at
    random over the centre, the department and another department as competent or receiving agency,
    over open and closed statuses, with shared and missing moments."""
    StaffAssignment.objects.create(user=cast.clerk, agency=cast.dept, role=Role.SPECIALIST)
    with time_machine.travel(BASE, tick=False):
        dossiers = [file_online(cast) for _ in range(40)]
    rng = random.Random(14)
    agencies = [cast.centre, cast.dept, cast.other_dept]
    statuses = [
        Status.SUBMITTED,
        Status.RECEIVED,
        Status.PROCESSING,
        Status.SUPPLEMENT_REQUESTED,
        Status.RESULT_READY,
        Status.RETURNED,
    ]
    for dossier in dossiers:
        Dossier.objects.filter(pk=dossier.pk).update(
            status=rng.choice(statuses),
            agency=rng.choice(agencies),
            receiving_agency=rng.choice(agencies),
            due_at=moment(rng),
            submitted_at=moment(rng),
            completed_at=moment(rng),
        )
    return cast.clerk


def reference(user, tab: str) -> list[int]:
    """The tab in one query ordered by ``TAB_ORDER``: what the merge must reproduce."""
    conditions = inbox.tab_conditions(user, NOW, get_calendar())
    rows = inbox.tab_rows(inbox.scope(user, inbox.Filters(tab=tab)), conditions, tab)
    return list(rows.values_list("pk", flat=True))


def tab_rows(user, tab: str):
    conditions = inbox.tab_conditions(user, NOW, get_calendar())
    return inbox.tab_rows(inbox.scope(user, inbox.Filters(tab=tab)), conditions, tab)


@pytest.mark.parametrize("tab", inbox.TAB_SLUGS)
def test_numbered_pages_hold_the_rows_of_one_ordered_query(mixed, tab):
    expected = reference(mixed, tab)
    rows = tab_rows(mixed, tab)
    sides = inbox.sides(mixed, inbox.Filters(tab=tab))
    assert sides is not None and len(sides) == 4  # two agencies, two columns
    count = inbox.tab_count(rows, sides, tab)
    assert count == inbox.capped_count(rows) == inbox.TabCount(len(expected), False)
    seen: list[int] = []
    for number in range(1, 20):
        page = inbox.page(rows, sides, tab, number, count, size=3)
        assert page.number == number
        seen += [d.pk for d in page.rows]
        if not page.has_next:
            break
    assert seen == expected
    assert expected, "the random data should fill every tab"
    statuses = set(Dossier.objects.filter(pk__in=expected).values_list("status", flat=True))
    assert statuses <= set(inbox.INBOX_STATUSES)  # closed dossiers (returned) never listed


@pytest.mark.parametrize("tab", inbox.TAB_SLUGS)
def test_cursor_pages_hold_the_rows_of_one_ordered_query(mixed, tab):
    expected = reference(mixed, tab)
    rows = tab_rows(mixed, tab)
    sides = inbox.sides(mixed, inbox.Filters(tab=tab))
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        page, cursor = inbox.keyset_page(rows, sides, tab, cursor, size=3)
        seen += [d.pk for d in page]
        if cursor is None:
            break
    assert seen == expected


def test_a_dossier_filed_and_received_at_the_officials_agencies_is_listed_once(cast):
    StaffAssignment.objects.create(user=cast.clerk, agency=cast.dept, role=Role.SPECIALIST)
    with time_machine.travel(BASE, tick=False):
        dossier = file_online(cast)
    Dossier.objects.filter(pk=dossier.pk).update(
        status=Status.PROCESSING, agency=cast.dept, receiving_agency=cast.dept
    )
    rows = tab_rows(cast.clerk, "dang-xu-ly")
    sides = inbox.sides(cast.clerk, inbox.Filters())
    page = inbox.page(rows, sides, "dang-xu-ly", 1, inbox.capped_count(rows))
    assert [d.pk for d in page.rows] == [dossier.pk] and not page.has_next


def test_a_capped_tab_is_paged_past_the_cap_without_a_last_page(mixed, monkeypatch):
    monkeypatch.setattr(inbox, "COUNT_CAP", 4)
    expected = reference(mixed, "dang-xu-ly")
    assert len(expected) > 4
    rows = tab_rows(mixed, "dang-xu-ly")
    count = inbox.capped_count(rows)
    assert count == inbox.TabCount(4, True)
    sides = inbox.sides(mixed, inbox.Filters())
    seen: list[int] = []
    for number in range(1, 20):
        page = inbox.page(rows, sides, "dang-xu-ly", number, count, size=2)
        assert page.num_pages is None
        seen += [d.pk for d in page.rows]
        if not page.has_next:
            break
    assert seen == expected


@pytest.mark.parametrize("tab", sorted(inbox.RANGE_TABS))
def test_a_due_date_tab_counted_side_by_side_stops_at_the_cap(mixed, monkeypatch, tab):
    expected = reference(mixed, tab)
    rows = tab_rows(mixed, tab)
    sides = inbox.sides(mixed, inbox.Filters())
    monkeypatch.setattr(inbox, "COUNT_CAP", len(expected) - 1)
    assert inbox.tab_count(rows, sides, tab) == inbox.TabCount(len(expected) - 1, True)
    monkeypatch.setattr(inbox, "COUNT_CAP", len(expected))
    assert inbox.tab_count(rows, sides, tab) == inbox.TabCount(len(expected), False)


def test_a_page_number_past_the_last_shows_the_last_page(mixed):
    expected = reference(mixed, "dang-xu-ly")
    rows = tab_rows(mixed, "dang-xu-ly")
    count = inbox.capped_count(rows)
    page = inbox.page(rows, inbox.sides(mixed, inbox.Filters()), "dang-xu-ly", 999, count, 3)
    assert page.number == page.num_pages == -(-len(expected) // 3)
    assert [d.pk for d in page.rows] == expected[(page.number - 1) * 3 :]


def test_the_inbox_page_shows_a_capped_count_and_numbers_pages_without_a_total(
    mixed, client, monkeypatch
):
    monkeypatch.setattr(inbox, "COUNT_CAP", 4)
    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    client.force_login(mixed)
    with time_machine.travel(NOW, tick=False):
        response = client.get("/backoffice/", {"tab": "dang-xu-ly", "trang": "2"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "4+</span>" in html
    assert "Trang 2<" in html and "Trang 2/" not in html
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_an_ordered_side_read_walks_its_partial_index_in_order_on_postgresql(mixed):
    """On PostgreSQL a side of the processing tab is one ordered range of the partial index:
    no sort of the agency's other open dossiers."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan of PostgreSQL")
    rows = tab_rows(mixed, "dang-xu-ly")
    sides = inbox.sides(mixed, inbox.Filters())
    assert sides is not None
    with CaptureQueriesContext(connection) as queries:
        inbox.page(rows, sides[:1], "dang-xu-ly", 1, inbox.capped_count(rows))
    ordered = next(q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a test table is tiny: ask for the index plan
        cursor.execute("EXPLAIN " + ordered)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "dossier_open_agency_due" in plan, plan
    assert "Sort" not in plan, plan
