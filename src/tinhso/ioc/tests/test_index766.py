"""Each Decision 766 indicator we compute, checked by hand on four dossiers of July 2025."""

import pytest
import time_machine

from tinhso.ioc import index766, selectors
from tinhso.ioc.tests.conftest import NOW, act, file, process
from tinhso.ioc.tests.scenario import at

pytestmark = pytest.mark.django_db


def by_id(row):
    return {i.id: i for i in row.indicators}


def test_department_indicators_match_hand_computation(cast, july):
    with time_machine.travel(NOW, tick=False):
        rows = index766.compute(period="2025-07", level="agency")
    row = next(r for r in rows if int(r.key) == cast.dept.pk)
    ind = by_id(row)
    # 2.1: early D1 + in progress within time D4, over resolved D1, D2 + in progress D4
    assert (ind["2.1"].numerator, ind["2.1"].denominator) == (2, 3)
    assert ind["2.1"].points == pytest.approx(20 * 2 / 3, abs=1e-3)
    assert ind["2.2"].points is None and ind["2.2"].denominator == 2 and not ind["2.2"].no_data
    assert (ind["3.1"].numerator, ind["3.1"].denominator, ind["3.1"].points) == (1, 1, 4)
    assert (ind["3.2"].numerator, ind["3.2"].denominator, ind["3.2"].points) == (1, 1, 4)
    # 3.3: two of three received on-line, but D1 was resolved without an e-result (none is signed
    # in this scenario), which fails the e-result condition: D4 (open) only, 33.3% of the 50% target
    assert (ind["3.3"].numerator, ind["3.3"].denominator) == (1, 3)
    assert ind["3.3"].points == pytest.approx(1 / 3 / 0.5 * 4, abs=1e-3)
    assert (ind["3.5b"].numerator, ind["3.5b"].denominator, ind["3.5b"].points) == (1, 1, 2)
    assert (ind["3.6"].numerator, ind["3.6"].denominator) == (1, 3)
    assert ind["3.6"].points == pytest.approx(4 / 3, abs=1e-3)
    assert (ind["4.1"].numerator, ind["4.1"].denominator, ind["4.1"].points) == (0, 2, 0)
    # 4.2: 2 on-line + 1 scanned are digitised; D1 and D2 were resolved without an e-result
    assert (ind["4.2"].numerator, ind["4.2"].denominator) == (1, 3)
    assert ind["4.2"].points == pytest.approx(1 / 3 / 0.8 * 22 / 6, abs=1e-3)
    assert (ind["4.3"].numerator, ind["4.3"].points) == (0, 0)
    # 5.4: 100% - (1 late of 2 + 0 dissatisfied) = 50% of the 90% target, of 6 points
    assert (ind["5.4"].numerator, ind["5.4"].denominator) == (1, 2)
    assert ind["5.4"].points == pytest.approx(50 / 90 * 6, abs=1e-3)
    # 1.4: nothing of July reached the national portal in this scenario (no sync ran)
    assert (ind["1.4"].numerator, ind["1.4"].denominator, ind["1.4"].points) == (0, 3, 0)
    for missing in ("1.1", "1.2", "1.3", "5.2", "5.3"):
        assert ind[missing].no_data and ind[missing].points is None and ind[missing].note
    # The national platforms (ADR 0005, third amendment): the fee-bearing procedure is offered
    # payment on the national platform (configured in tests); no dossier took a component from the
    # national store or was looked up in the population database.
    assert (ind["3.5"].numerator, ind["3.5"].denominator, ind["3.5"].points) == (1, 1, 4)
    assert (ind["4.4"].numerator, ind["4.4"].denominator, ind["4.4"].points) == (0, 3, 0)
    assert (ind["4.5a"].numerator, ind["4.5a"].denominator, ind["4.5a"].points) == (0, 1, 0)
    assert (ind["4.5b"].numerator, ind["4.5b"].denominator, ind["4.5b"].points) == (0, 3, 0)
    online = 4 + 4 + 1 / 3 / 0.5 * 4
    earned = 20 * 2 / 3 + online + 4 + 2 + 4 / 3 + 1 / 3 / 0.8 * 22 / 6 + 50 / 90 * 6
    available = 14 / 3 + 20 + 12 + 10 + 22 + 6
    assert row.available_points == pytest.approx(available, abs=0.01)
    assert row.points == pytest.approx(earned, abs=0.01)
    assert row.total == pytest.approx(earned / available * 100, abs=0.01)
    assert row.groups["CKMB"]["score"] == 0
    assert row.groups["ONLINE"]["score"] == pytest.approx(online, abs=0.01)
    assert row.groups["TDGQ"]["score"] == pytest.approx(13.33, abs=0.01)


def test_zero_denominator_leaves_indicator_out_and_ranks_by_total(cast, july):
    with time_machine.travel(NOW, tick=False):
        rows = index766.compute(period="2025-07", level="agency")
    commune = next(r for r in rows if int(r.key) == cast.commune.pk)
    ind = by_id(commune)
    # the withdrawn dossier: received, nothing resolved, nothing in progress, no fee
    assert ind["2.1"].no_data and ind["2.1"].denominator == 0
    assert ind["3.6"].no_data and ind["3.6"].points is None
    assert (ind["3.3"].numerator, ind["3.3"].denominator) == (1, 1)
    assert [r.rank for r in rows] == sorted(r.rank for r in rows)
    assert rows[0].rank == 1


def test_points_follow_target_rule():
    spec = next(s for s in index766.SPECS if s.id == "3.5b")
    assert index766.points_for(selectors.Rate(60, 100), spec) == pytest.approx(1.5)
    assert index766.points_for(selectors.Rate(85, 100), spec) == 2
    assert index766.points_for(selectors.Rate(0, 0), spec) is None


def test_unit_level_rows_are_communes_of_the_applicants(cast, july):
    with time_machine.travel(NOW, tick=False):
        rows = index766.compute(period="2025-07", level="unit")
    labels = {r.label for r in rows}
    assert labels == {"Phường Phú Khương", "Phường An Hội"}


def test_bad_period_is_refused():
    with pytest.raises(ValueError):
        index766.parse_period("2025-7")


def test_a_closed_month_keeps_its_on_time_figure_when_its_open_dossiers_close_late(cast, july):
    """2.1 of July judges the dossiers still open on 31/7 as of the end of July: D4 (due Thu 31/7
    09:00) overdue, D5 (received 30/7, due Mon 4/8) in time. Neither D5 becoming overdue in August
    nor the late completion of both changes July's figure."""
    d4 = july[3]
    d5 = file(cast, at(2025, 7, 30, 8, 0), citizen=cast.citizen, version=cast.province_procedure)
    act(cast.clerk, d5, "receive", at(2025, 7, 30, 9, 0))

    def july_21():
        rows = index766.compute(period="2025-07", level="agency")
        ind = by_id(next(r for r in rows if int(r.key) == cast.dept.pk))["2.1"]
        return ind.numerator, ind.denominator

    with time_machine.travel(at(2025, 8, 1, 8, 0), tick=False):
        closed = july_21()
    # early D1 + D5 in time, over resolved D1, D2 + open D4, D5
    assert closed == (2, 4)
    with time_machine.travel(at(2025, 8, 20, 8, 0), tick=False):
        assert july_21() == closed  # D5 overdue now, not at the end of July
    process(cast, d4, (2025, 8, 20))  # both completed late, in August
    process(cast, d5, (2025, 8, 21))
    with time_machine.travel(at(2025, 8, 25, 8, 0), tick=False):
        assert july_21() == closed


def test_3_1_counts_only_procedures_offered_online(cast, july):
    """A procedure within the department's competence that the catalogue does not offer online
    (no DVCTT mode) stays in the denominator of 3.1 and out of its numerator."""
    from tinhso.testing import make_version

    paper_only = make_version("2.000002", level="province", agencies=[cast.dept])
    type(paper_only).objects.filter(pk=paper_only.pk).update(mode="offline")
    with time_machine.travel(NOW, tick=False):
        rows = index766.compute(period="2025-07", level="agency")
    ind = by_id(next(r for r in rows if int(r.key) == cast.dept.pk))["3.1"]
    assert (ind.numerator, ind.denominator) == (1, 2)
    assert ind.points == pytest.approx(50 / 80 * 4, abs=1e-3)


def test_2_2_average_processing_time_is_in_working_days(cast, july):
    """D2 ran from Mon 7/7 to Mon 14/7: the weekend of 12–13/7 and the hours outside office
    hours do not count; the average is in working days of 480 minutes."""
    from tinhso.calendars.worktime import get_calendar

    cal = get_calendar()
    d1, d2 = july[0], july[1]
    d1.refresh_from_db()
    d2.refresh_from_db()
    worked = [cal.working_minutes_between(d.received_at, d.completed_at) for d in (d1, d2)]
    assert worked[1] < 6 * 480  # calendar time would be 7 days
    with time_machine.travel(NOW, tick=False):
        rows = index766.compute(period="2025-07", level="agency")
    ind = by_id(next(r for r in rows if int(r.key) == cast.dept.pk))["2.2"]
    assert ind.numerator == sum(worked) and ind.denominator == 2
    assert ind.value == round(sum(worked) / 2 / 480, 2)
    assert "ngày làm việc" in ind.name


def test_3_3_and_4_2_count_a_resolved_dossier_only_with_its_valid_e_result(cast, july):
    """The indicator table's e-result condition (ADR 0015): D1, received on-line and resolved,
    counts in 3.3 and 4.2 once its e-result is signed, and no longer once that result is revoked;
    D4, on-line and still open, counts throughout."""
    from tinhso.ioc import receivers
    from tinhso.results import services as results

    def indicators():
        receivers.catch_up()
        with time_machine.travel(NOW, tick=False):
            rows = index766.compute(period="2025-07", level="agency")
        ind = by_id(next(r for r in rows if int(r.key) == cast.dept.pk))
        return ind["3.3"].numerator, ind["4.2"].numerator

    assert indicators() == (1, 1)
    signed = results.issue_result(dossier_id=july[0].pk)
    assert indicators() == (2, 2)
    results.revoke_result(user=cast.leader, result=signed, reason="Cấp nhầm")
    assert indicators() == (1, 1)


def test_1_4_counts_the_dossiers_of_the_month_the_national_portal_holds(cast, july):
    """1.4 (ADR 0005 amended): received in the month and accepted by the portal's upsert
    (``integrations.NationalSync`` inserted or updated) over received in the month."""
    from tinhso.integrations.models import NationalSync

    NationalSync.objects.create(dossier=july[0], state="updated")
    NationalSync.objects.create(dossier=july[1], state="never")  # tried, never accepted
    with time_machine.travel(NOW, tick=False):
        rows = index766.compute(period="2025-07", level="agency")
    ind = by_id(next(r for r in rows if int(r.key) == cast.dept.pk))["1.4"]
    assert (ind.numerator, ind.denominator) == (1, 3)
    assert ind.points == pytest.approx(1 / 3 * 14 / 3, abs=1e-3)
