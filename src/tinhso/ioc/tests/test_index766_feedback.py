"""766 indicators 5.2 and 5.3 from citizen feedback (issue 18; ADR 0005, fourth amendment).

One month (July 2025, looked at on 29 July) of reports to the department, driven through the
reports app's own use cases: answered on time, answered late, still within time, open and
overdue, answered on time but rated dissatisfied, reopened, merged, rejected, received the month
before, and one in the dispatch queue (the province's only)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.ioc import index766
from tinhso.ioc.tests.conftest import NOW
from tinhso.ioc.tests.test_index766 import by_id
from tinhso.ioc.tests.test_index766_publication import publish
from tinhso.reports import services
from tinhso.reports.models import Category, Report

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
HOUR = datetime.timedelta(hours=1)
INDEX = "/api/v1/ioc/index766"


def day(d: int, month: int = 7, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2025, month, d, hour, 0, tzinfo=VN)


def file(cast, category: Category, when: datetime.datetime, text: str = "") -> Report:
    data = services.NewReport(
        category=category.code, description=text or f"Kiến nghị ngày {when:%d/%m}"
    )
    return services.file_report(data=data, reporter=cast.citizen, now=when)


def answer(cast, report: Report, when: datetime.datetime) -> Report:
    return services.answer(report=report, user=cast.specialist, comment="Đã xử lý.", now=when)


@pytest.fixture
def petitions(cast):
    """The department's category (no place needed) and the dispatch queue's."""
    dept = Category.objects.create(
        code="thai-do-phuc-vu", name="Thái độ phục vụ", located=False, agency=cast.dept
    )
    queue = Category.objects.create(
        code="quy-dinh-hanh-chinh", name="Kiến nghị về quy định", located=False
    )
    return dept, queue


@pytest.fixture
def month(cast, petitions):
    """Ten reports; the comments give each one's expected 5.2 / 5.3 outcome."""
    dept, queue = petitions
    c = cast
    on_time = file(c, dept, day(1))  # 5.2 yes, 5.3 yes
    on_time = answer(c, on_time, on_time.due_at - HOUR)
    services.rate(report=on_time, user=c.citizen, rating="satisfied", now=on_time.due_at)

    late = file(c, dept, day(1, hour=10))  # 5.2 no, 5.3 no
    answer(c, late, late.due_at + HOUR)

    within = file(c, dept, day(25))  # open, due in August: 5.2 yes, 5.3 yes
    overdue = file(c, dept, day(2))  # open, due mid-July: 5.2 no, 5.3 no

    unhappy = file(c, dept, day(1, hour=11))  # 5.2 yes, 5.3 no
    unhappy = answer(c, unhappy, unhappy.received_at + HOUR)
    services.rate(report=unhappy, user=c.citizen, rating="dissatisfied", now=day(2))

    reopened = file(c, dept, day(1, hour=14))  # answered on time twice: 5.2 yes, 5.3 no
    reopened = answer(c, reopened, day(3))
    reopened = services.reopen(report=reopened, user=c.citizen, comment="Chưa xử lý", now=day(4))
    answer(c, reopened, day(7))

    merged = file(c, dept, day(3))  # follows the on-time report: not counted
    services.merge(report=merged, user=c.leader, into=on_time, now=day(3, hour=10))
    rejected = file(c, dept, day(3, hour=11))  # not a report within competence: not counted
    services.reject(report=rejected, user=c.leader, comment="Nội dung quảng cáo", now=day(4))

    june = file(c, dept, day(30, month=6))  # another month: not counted
    answer(c, june, june.due_at + HOUR)
    queued = file(c, queue, day(28))  # no agency yet: the province only; open within time
    return {
        "on_time": on_time,
        "late": late,
        "within": within,
        "overdue": overdue,
        "unhappy": unhappy,
        "reopened": reopened,
        "queued": queued,
    }


def row_for(level: str, key: int | None = None, period: str = "2025-07"):
    with time_machine.travel(NOW, tick=False):
        rows = index766.compute(period=period, level=level)
    row = rows[0] if key is None else next(r for r in rows if int(r.key) == key)
    return row, by_id(row)


def fraction(indicator) -> tuple[int | None, int | None]:
    return indicator.numerator, indicator.denominator


def test_the_scenario_is_what_its_comments_say(month):
    """Guards the fixture: the timings it relies on hold on the platform's calendar."""
    assert month["within"].due_at > NOW > month["overdue"].due_at
    reopened = Report.objects.get(pk=month["reopened"].pk)
    assert reopened.reopened and reopened.answered_at <= reopened.due_at
    assert Report.objects.get(pk=month["queued"].pk).agency_id is None


def test_agency_counts_each_case_once_by_the_rules(cast, month):
    _row, ind = row_for("agency", cast.dept.pk)
    # 6 counted: on time, late, within, overdue, unhappy, reopened (merged, rejected, June: out)
    assert fraction(ind["5.2"]) == (4, 6)  # on time, within, unhappy, reopened
    assert fraction(ind["5.3"]) == (2, 6)  # on time, within
    assert ind["5.2"].points == pytest.approx(4 / 6 * 6, abs=1e-3)
    assert ind["5.3"].points == pytest.approx(2 / 6 * 6, abs=1e-3)
    assert not ind["5.2"].no_data and not ind["5.3"].no_data
    assert ind["5.2"].value == pytest.approx(66.67, abs=0.01)


def test_province_adds_the_dispatch_queue(month):
    row, ind = row_for("province")
    assert row.key == str(index766.PROVINCE_KEY) and row.label == "Toàn tỉnh"
    assert fraction(ind["5.2"]) == (5, 7)
    assert fraction(ind["5.3"]) == (3, 7)


def test_commune_counts_reports_placed_in_it(cast, month):
    unit = cast.commune.unit
    Report.objects.filter(pk__in=[month["on_time"].pk, month["late"].pk]).update(commune=unit)
    _row, ind = row_for("unit", unit.pk)
    assert fraction(ind["5.2"]) == (1, 2)
    assert fraction(ind["5.3"]) == (1, 2)


def test_a_merged_report_counts_once_through_its_survivor(cast, month, petitions):
    dept, _queue = petitions
    before = fraction(row_for("agency", cast.dept.pk)[1]["5.2"])
    duplicate = file(cast, dept, day(5), "Cùng nội dung với phản ánh đã trả lời")
    services.merge(report=duplicate, user=cast.leader, into=month["overdue"], now=day(5, 10))
    assert fraction(row_for("agency", cast.dept.pk)[1]["5.2"]) == before


def test_the_late_report_fails_5_3_even_when_rated_satisfied(cast, month):
    late = Report.objects.get(pk=month["late"].pk)
    services.rate(report=late, user=cast.citizen, rating="satisfied", now=late.answered_at)
    _row, ind = row_for("agency", cast.dept.pk)
    assert fraction(ind["5.3"]) == (2, 6)


def test_an_open_report_turns_overdue_when_its_due_time_passes(cast, month):
    within = Report.objects.get(pk=month["within"].pk)
    with time_machine.travel(within.due_at + HOUR, tick=False):
        rows = index766.compute(period="2025-07", level="agency")
    ind = by_id(next(r for r in rows if int(r.key) == cast.dept.pk))
    assert fraction(ind["5.2"]) == (3, 6)
    assert fraction(ind["5.3"]) == (1, 6)


def test_a_month_without_reports_has_no_data_not_zero(cast, july, month):
    # July holds reports; August none (the dossiers of July keep the department's row in July).
    _row, ind = row_for("agency", cast.dept.pk)
    assert not ind["5.2"].no_data
    with time_machine.travel(day(29, month=8), tick=False):
        for level in ("agency", "province"):
            for row in index766.compute(period="2025-08", level=level):
                for ident in ("5.2", "5.3"):
                    found = by_id(row)[ident]
                    assert found.no_data and found.points is None, (level, row.label, ident)
                    assert fraction(found) == (0, 0)


def test_an_agency_with_reports_and_no_dossiers_gets_a_row(cast, petitions):
    dept, _queue = petitions
    report = file(cast, dept, day(1))
    answer(cast, report, day(2))
    row, ind = row_for("agency", cast.dept.pk)
    assert fraction(ind["5.2"]) == (1, 1) and ind["5.2"].points == 6
    assert ind["2.1"].no_data and ind["4.4"].no_data  # no dossiers: nothing received
    assert row.groups["MDHL"]["available_points"] == 12  # 5.2 and 5.3 (5.4 needs dossiers)


def test_an_agency_with_every_input_has_100_points_available(cast, july, month):
    # The July dossiers give everything but the national TTHC database's facts (1.1–1.3) and
    # feedback (5.2/5.3, the ``month`` fixture); the province procedure's decision supplies 1.1–1.3.
    publish(
        cast.province_procedure,
        decided=datetime.date(2025, 7, 10),
        effective=datetime.date(2025, 7, 10),
        public=datetime.date(2025, 7, 11),
    )
    row, _ind = row_for("agency", cast.dept.pk)
    missing = [i.id for i in row.indicators if i.no_data and i.max_points]
    assert missing == [] and row.available_points == 100


def test_api_province_level_carries_5_2_and_5_3(client, cast, july, month, province_leader):
    client.force_login(province_leader)
    with time_machine.travel(NOW, tick=False):
        response = client.get(INDEX, {"period": "2025-07", "level": "province"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["level"] == "province" and len(body["rows"]) == 1
    ind = {i["id"]: i for i in body["rows"][0]["indicators"]}
    assert ind["5.2"]["no_data"] is False and ind["5.3"]["no_data"] is False
    assert (ind["5.2"]["numerator"], ind["5.2"]["denominator"]) == (5, 7)


def test_api_province_level_is_for_the_province_only(client, cast, july):
    client.force_login(cast.leader)  # a department leader
    with time_machine.travel(NOW, tick=False):
        response = client.get(INDEX, {"period": "2025-07", "level": "province"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
