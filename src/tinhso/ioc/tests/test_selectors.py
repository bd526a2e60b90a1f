"""Access rules, scopes across the 2025 reorganisation, trends, breakdowns, dossiers behind."""

import datetime

import pytest
import time_machine

from tinhso.ioc import selectors
from tinhso.ioc.selectors import Scope
from tinhso.ioc.tests.conftest import JULY, NOW
from tinhso.units.models import AdministrativeUnit

pytestmark = pytest.mark.django_db


def test_access_rules(cast, province_leader, django_user_model):
    assert selectors.ioc_access(province_leader).sees_all
    dept = selectors.ioc_access(cast.leader)
    assert not dept.sees_all and dept.agency_ids == {cast.dept.pk}
    assert dept.allows(Scope(agency_id=cast.dept.pk, unit_code="28756"))
    assert not dept.allows(Scope(unit_code="28756"))
    assert not selectors.ioc_access(cast.specialist).any
    assert not selectors.ioc_access(cast.citizen).any
    admin = django_user_model.objects.create_superuser("root", password="pw")
    assert selectors.ioc_access(admin).sees_all


def test_overdue_is_counted_as_of_now(cast, july):
    later = datetime.datetime(2025, 8, 5, 10, 0, tzinfo=NOW.tzinfo)
    with time_machine.travel(later, tick=False):
        s = selectors.summary(scope=Scope(), start=JULY[0], end=JULY[1])
    assert (s.in_progress, s.in_progress_overdue, s.in_progress_on_time) == (1, 1, 0)
    assert s.progress_rate == selectors.Rate(1, 3)


def test_new_commune_scope_includes_its_former_communes(cast, july):
    new_ward = AdministrativeUnit.objects.get(code="28756")
    district = AdministrativeUnit.objects.create(
        code="829",
        name="Thành phố Bến Tre",
        kind="Thành phố",
        level="district",
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2025, 7, 1),
    )
    old = AdministrativeUnit.objects.create(
        code="28756",
        name="Phường Phú Khương (cũ)",
        kind="Phường",
        level="commune",
        parent=district,
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2025, 7, 1),
    )
    old.successors.add(new_ward)
    cast.citizen.commune = old
    cast.citizen.save()
    from tinhso.ioc.tests.conftest import act, file

    d = file(
        cast,
        datetime.datetime(2025, 6, 10, 8, 0, tzinfo=NOW.tzinfo),
        citizen=cast.citizen,
        version=cast.province_procedure,
    )
    act(cast.clerk, d, "receive", datetime.datetime(2025, 6, 10, 9, 0, tzinfo=NOW.tzinfo))
    june = (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))
    with time_machine.travel(NOW, tick=False):
        assert (
            selectors.summary(scope=Scope(unit_code="829"), start=june[0], end=june[1]).received
            == 1
        )
        # 28756 in July names the new ward, which carries the old one: June + July together
        year = selectors.summary(scope=Scope(unit_code="28756"), start=june[0], end=JULY[1])
    assert year.received == 1 + 3


def test_trend_breakdown_and_previous_period(cast, july):
    with time_machine.travel(NOW, tick=False):
        months = selectors.trend(scope=Scope(), start=datetime.date(2025, 6, 15), end=JULY[1])
        days = selectors.trend(scope=Scope(), start=JULY[0], end=JULY[1], grain="day")
        rows = selectors.breakdown(scope=Scope(), start=JULY[0], end=JULY[1], by="agency")
        procs = selectors.breakdown(scope=Scope(), start=JULY[0], end=JULY[1], by="procedure")
    assert [d for d, _ in months] == [datetime.date(2025, 6, 15), datetime.date(2025, 7, 1)]
    assert months[1][1].received == 4
    assert sum(s.received for _, s in days) == 4 and len(days) == 31
    assert dict((r.label, r.summary.received) for r in rows) == {
        "Sở Tư pháp": 3,
        "UBND phường Phú Khương": 1,
    }
    assert len(procs) == 2
    assert selectors.previous_period(*JULY) == (
        datetime.date(2025, 5, 31),
        datetime.date(2025, 6, 30),
    )
    assert selectors.previous_period(datetime.date(2025, 7, 1), datetime.date(2025, 7, 1)) == (
        datetime.date(2025, 6, 30),
        datetime.date(2025, 6, 30),
    )


def test_dossiers_behind_a_figure_respect_both_access_layers(cast, july, province_leader):
    _d1, d2, _d3, d4 = july
    with time_machine.travel(NOW, tick=False):
        late = selectors.dossiers_behind(
            user=cast.leader,
            metric="late",
            scope=Scope(agency_id=cast.dept.pk),
            start=JULY[0],
            end=JULY[1],
        )
        assert list(late) == [d2]
        open_ = selectors.dossiers_behind(
            user=cast.leader,
            metric="in_progress_on_time",
            scope=Scope(agency_id=cast.dept.pk),
            start=JULY[0],
            end=JULY[1],
        )
        assert list(open_) == [d4]
        # the province leader reads every dossier behind a figure (docs/security.md)
        assert set(
            selectors.dossiers_behind(
                user=province_leader, metric="received", scope=Scope(), start=JULY[0], end=JULY[1]
            )
        ) == set(july)
        with pytest.raises(selectors.IocForbidden):
            selectors.dossiers_behind(
                user=cast.leader, metric="received", scope=Scope(), start=JULY[0], end=JULY[1]
            )
        with pytest.raises(ValueError):
            selectors.dossiers_behind(
                user=cast.leader,
                metric="nope",
                scope=Scope(agency_id=cast.dept.pk),
                start=JULY[0],
                end=JULY[1],
            )


def test_overdue_agrees_with_the_inbox_to_the_minute(cast, july):
    """D4 is due Thu 31/7 09:00: at 10:00 the officials' inbox lists it under "Quá hạn"; the
    operations centre counts it overdue the same minute, not only from the next day."""
    from tinhso.backoffice.inbox import tab_conditions
    from tinhso.calendars.worktime import get_calendar
    from tinhso.dossiers.models import Dossier

    d4 = july[3]
    d4.refresh_from_db()
    assert d4.due_at == datetime.datetime(2025, 7, 31, 9, 0, tzinfo=NOW.tzinfo)
    for moment, late in ((8, 59), False), ((10, 0), True):
        now = datetime.datetime(2025, 7, 31, *moment, tzinfo=NOW.tzinfo)
        with time_machine.travel(now, tick=False):
            inbox = Dossier.objects.filter(
                tab_conditions(cast.leader, now, get_calendar())["qua-han"]
            )
            s = selectors.summary(scope=Scope(), start=JULY[0], end=JULY[1])
            listed = selectors.dossiers_behind(
                user=cast.leader,
                metric="in_progress_overdue",
                scope=Scope(agency_id=cast.dept.pk),
                start=JULY[0],
                end=JULY[1],
            )
            backlog = selectors.backlog(scope=Scope())
        assert (d4 in inbox) is late
        assert s.in_progress_overdue == int(late) == backlog.in_progress_overdue
        assert [d.pk for d in listed] == ([d4.pk] if late else [])
