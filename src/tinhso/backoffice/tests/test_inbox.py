"""The inbox: what each tab lists for whom, search, filters, and a constant number of queries."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tinhso.backoffice.inbox import due_soon_limit
from tinhso.calendars.worktime import get_calendar

from .conftest import act, at, file_online

INBOX = reverse("backoffice:inbox")


def listed(response) -> set[str]:
    """Dossier codes linked from the rows of the inbox table."""
    return set(
        re.findall(r'class="bo-code" href="/backoffice/ho-so/([^/]+)/"', response.content.decode())
    )


def count(response, label: str) -> int:
    match = re.search(
        re.escape(label) + r'\s*<span class="bo-count">(\d+)</span>', response.content.decode()
    )
    assert match, label
    return int(match.group(1))


@pytest.fixture
def dossiers(cast):
    """Province dossiers at several stages, plus a commune dossier of another agency."""
    with time_machine.travel(at(2025, 11, 24, 8, 0), tick=False):
        new = file_online(cast)
        received = act(cast.clerk, file_online(cast), "receive")
        processing = act(
            cast.specialist, act(cast.clerk, file_online(cast), "receive"), "complete_step"
        )
        done = act(cast.clerk, file_online(cast), "receive")
        done = act(cast.specialist, done, "complete_step")
        done = act(cast.leader, done, "approve")
        done = act(cast.clerk, done, "issue_result")
        other = file_online(cast, citizen=cast.other_citizen, version=cast.commune_procedure)
    return {
        "new": new,
        "received": received,
        "processing": processing,
        "done": done,
        "other": other,
    }


def test_clerk_of_the_centre_sees_new_dossiers_and_results_to_return(cast, dossiers, login):
    client = login(cast.clerk)
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        new_tab = client.get(INBOX)
        progress = client.get(INBOX, {"tab": "dang-xu-ly"})
        results = client.get(INBOX, {"tab": "co-ket-qua"})
    assert new_tab.status_code == 200
    assert listed(new_tab) == {dossiers["new"].code}
    assert listed(progress) == {dossiers["received"].code, dossiers["processing"].code}
    assert listed(results) == {dossiers["done"].code}
    assert count(new_tab, "Chờ tiếp nhận") == 1
    assert count(new_tab, "Đang xử lý") == 2
    assert count(new_tab, "Đã có kết quả") == 1
    assert dossiers["other"].code not in new_tab.content.decode()


def test_specialist_of_the_department_sees_its_dossiers_in_progress_but_no_new_tab(
    cast, dossiers, login
):
    client = login(cast.specialist)
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        default = client.get(INBOX)
        new_tab = client.get(INBOX, {"tab": "moi"})
    assert listed(default) == {dossiers["received"].code, dossiers["processing"].code}
    assert listed(new_tab) == set()  # receiving is the counter's job
    row = default.content.decode()
    assert "Thẩm định" in row and "Phê duyệt" in row  # current step of each row


def test_officials_of_other_agencies_see_none_of_these_dossiers(cast, dossiers, login):
    client = login(cast.other_specialist)
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        pages = [
            client.get(INBOX, {"tab": tab})
            for tab in ("moi", "dang-xu-ly", "qua-han", "co-ket-qua")
        ]
    assert all(listed(page) == set() for page in pages)
    other_clerk = login(cast.other_clerk).get(INBOX)
    assert listed(other_clerk) == {dossiers["other"].code}  # the An Hội counter gets its own


def test_overdue_tab_lists_a_running_dossier_after_its_appointment(cast, login):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = act(cast.clerk, file_online(cast), "receive")
    assert dossier.due_at == at(2025, 11, 27, 9, 0)
    client = login(cast.specialist)
    with time_machine.travel(at(2025, 11, 27, 8, 59), tick=False):
        assert listed(client.get(INBOX, {"tab": "qua-han"})) == set()
    with time_machine.travel(at(2025, 11, 28, 10, 0), tick=False):
        response = client.get(INBOX, {"tab": "qua-han"})
    assert listed(response) == {dossier.code}
    assert count(response, "Quá hạn") == 1
    assert "bo-badge--overdue" in response.content.decode()


def test_overdue_tab_ignores_a_paused_dossier(cast, login):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = act(cast.clerk, file_online(cast), "receive")
        act(
            cast.specialist,
            dossier,
            "request_supplement",
            comment="Thiếu giấy",
            items=["Bản sao CCCD"],
        )
    with time_machine.travel(at(2025, 12, 5, 10, 0), tick=False):
        response = login(cast.specialist).get(INBOX, {"tab": "qua-han"})
    assert listed(response) == set()


def test_due_soon_tab_uses_working_hours(cast, login, settings):
    settings.TINHSO_DUE_SOON_WORKING_HOURS = 8
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        dossier = act(cast.clerk, file_online(cast), "receive")  # due Thu 27/11 09:00
    client = login(cast.specialist)
    with time_machine.travel(at(2025, 11, 25, 10, 0), tick=False):  # 15 working hours left
        assert listed(client.get(INBOX, {"tab": "sap-den-han"})) == set()
    with time_machine.travel(at(2025, 11, 26, 10, 0), tick=False):  # 7 working hours left
        response = client.get(INBOX, {"tab": "sap-den-han"})
    assert listed(response) == {dossier.code}
    assert "Còn 7 giờ" in response.content.decode()


def test_due_soon_limit_matches_working_minutes_between_across_the_lunch_break(db, settings):
    settings.TINHSO_DUE_SOON_WORKING_HOURS = 1
    cal = get_calendar()
    now = at(2025, 11, 25, 10, 30)  # one working hour later is 11:30, the start of the break
    limit = due_soon_limit(now, cal)
    assert limit == at(2025, 11, 25, 13, 30)
    assert cal.working_minutes_between(now, limit) == 60
    assert cal.working_minutes_between(now, at(2025, 11, 25, 13, 31)) == 61


def test_search_by_code_name_without_diacritics_and_phone(cast, dossiers, login):
    client = login(cast.clerk)
    target = dossiers["received"]
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        by_code = client.get(INBOX, {"tab": "dang-xu-ly", "q": target.code})
        by_name = client.get(INBOX, {"tab": "dang-xu-ly", "q": "nguyen van an"})
        by_phone = client.get(INBOX, {"tab": "dang-xu-ly", "q": "0912 345 678"})
        nothing = client.get(INBOX, {"tab": "dang-xu-ly", "q": "Trần Thị Bích"})
    assert listed(by_code) == {target.code}
    assert count(by_code, "Chờ tiếp nhận") == 0  # counters follow the search
    assert listed(by_name) == {dossiers["received"].code, dossiers["processing"].code}
    assert listed(by_phone) == listed(by_name)  # stored as +84912345678
    assert listed(nothing) == set()
    assert "Không tìm thấy hồ sơ nào khớp" in nothing.content.decode()


def test_agency_filter_for_an_official_of_several_agencies(cast, dossiers, login):
    from tinhso.agencies.models import Role, StaffAssignment

    StaffAssignment.objects.create(user=cast.clerk, agency=cast.other_commune, role=Role.CLERK)
    client = login(cast.clerk)
    everything = client.get(INBOX)
    only_commune = client.get(INBOX, {"co_quan": cast.other_commune.pk})
    assert listed(everything) == {dossiers["new"].code, dossiers["other"].code}
    assert listed(only_commune) == {dossiers["other"].code}
    assert "Tất cả cơ quan của tôi" in everything.content.decode()


def test_mine_filter_keeps_the_dossiers_assigned_to_me(cast, dossiers, login):
    act(cast.specialist, dossiers["received"], "claim")
    response = login(cast.specialist).get(INBOX, {"tab": "dang-xu-ly", "cua_toi": "1"})
    assert listed(response) == {dossiers["received"].code}


def test_platform_admin_sees_every_agency(cast, dossiers, login, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "root", password="pw", email="root@example.vn"
    )
    response = login(admin).get(INBOX)
    assert listed(response) == {dossiers["new"].code, dossiers["other"].code}


def test_inbox_query_count_does_not_grow_with_the_number_of_dossiers(
    cast, login, django_assert_max_num_queries
):
    client = login(cast.clerk)
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        for _ in range(2):
            act(cast.specialist, act(cast.clerk, file_online(cast), "receive"), "claim")
        client.get(INBOX, {"tab": "dang-xu-ly"})  # warm the session and calendar caches
        with CaptureQueriesContext(connection) as few:
            client.get(INBOX, {"tab": "dang-xu-ly"})
        for _ in range(25):
            act(cast.specialist, act(cast.clerk, file_online(cast), "receive"), "claim")
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(INBOX, {"tab": "dang-xu-ly"})
    assert len(listed(response)) == 27
    assert "stp.specialist" in response.content.decode()  # the assignee of each row


def test_inbox_paginates_fifty_per_page(cast, login):
    with time_machine.travel(at(2025, 11, 24, 9, 0), tick=False):
        for _ in range(51):
            file_online(cast)
        client = login(cast.clerk)
        first = client.get(INBOX)
        second = client.get(INBOX, {"tab": "moi", "trang": 2})
    assert len(listed(first)) == 50 and len(listed(second)) == 1
    assert "Trang 1/2" in first.content.decode()
    assert listed(first).isdisjoint(listed(second))
