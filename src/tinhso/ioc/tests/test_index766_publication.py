"""766 indicators 1.1–1.3 from the catalogue's publication facts (ADR 0018): decisions issued on
time, procedures made public on the national TTHC database on time, procedures with every
component; per agency, per commune and for the province; no data in a month without any."""

import datetime

import pytest
import time_machine

from tinhso.ioc import index766
from tinhso.ioc.tests.conftest import JULY, NOW
from tinhso.ioc.tests.scenario import at
from tinhso.testing import make_version

pytestmark = pytest.mark.django_db
D = datetime.date


def publish(version, *, decided, effective=None, public=None, missing=None, complete=True):
    version.decision_number = "1/QĐ-UBND"
    version.decision_date = decided
    version.decision_effective_on = effective
    version.published_on = public
    version.national_missing = missing
    if complete:
        version.result_description = "Giấy chứng nhận"
        version.legal_basis = "Luật Hộ tịch 2014"
    version.save()
    return version


def rates(at_moment=NOW):
    with time_machine.travel(at_moment, tick=False):
        items = index766.published(*JULY)
        return items, index766.publication_rates(items)


def ratio(rates_, ident):
    rate = rates_[ident][0]
    return rate.numerator, rate.denominator


def dept_row(period="2025-07", level="agency", key=None, moment=NOW):
    with time_machine.travel(moment, tick=False):
        rows = index766.compute(period=period, level=level)
    row = next(r for r in rows if key is None or int(r.key) == key)
    return row, {i.id: i for i in row.indicators}


def test_a_month_without_any_decision_has_no_data_for_1_1_to_1_3_not_zero(cast, july):
    _row, ind = dept_row(key=cast.dept.pk)
    for ident in ("1.1", "1.2", "1.3"):
        assert ind[ident].no_data and ind[ident].points is None
        assert (ind[ident].numerator, ind[ident].denominator) == (0, 0)
        assert "Mẫu số bằng 0" in ind[ident].note


def test_decision_on_time_when_issued_no_later_than_its_effective_date(cast):
    on_time = publish(
        make_version("1.000010", level="province", agencies=[cast.dept]),
        decided=D(2025, 7, 10),
        effective=D(2025, 7, 10),
    )
    late = publish(
        make_version("1.000011", level="province", agencies=[cast.dept]),
        decided=D(2025, 7, 15),
        effective=D(2025, 7, 1),  # the rules applied before the decision published them
    )
    unstated = publish(
        make_version("1.000012", level="province", agencies=[cast.dept]), decided=D(2025, 7, 3)
    )
    publish(  # issued in June: not a July decision
        make_version("1.000013", level="province", agencies=[cast.dept]),
        decided=D(2025, 6, 30),
        public=D(2025, 7, 2),
    )
    items, r = rates()
    by_id = {p.procedure_id: p for p in items}
    assert by_id[on_time.procedure_id].decided_on_time
    assert not by_id[late.procedure_id].decided_on_time
    assert by_id[unstated.procedure_id].decided_on_time  # in force on signing
    assert ratio(r, "1.1") == (2, 3)


def test_public_on_the_national_database_within_five_working_days(cast):
    # decided Friday 4/7/2025: the fifth working day after it is Friday 11/7
    def decided(code, public):
        version = make_version(code, level="province", agencies=[cast.dept])
        return publish(version, decided=D(2025, 7, 4), effective=D(2025, 7, 4), public=public)

    decided("1.000020", D(2025, 7, 11))  # on time, the last day
    decided("1.000021", D(2025, 7, 14))  # late
    decided("1.000022", None)  # not public, and the deadline passed before 29/7: late
    _items, r = rates()
    assert ratio(r, "1.2") == (1, 3)
    # on 9/7 the one not yet public is still in time (until 11/7): not counted yet
    _items, early = rates(at(2025, 7, 9, 10, 0))
    assert ratio(early, "1.2") == (1, 2)


def test_complete_procedures_over_those_made_public_in_the_month(cast):
    publish(
        make_version("1.000030", level="province", agencies=[cast.dept]),
        decided=D(2025, 6, 20),
        public=D(2025, 7, 1),
    )
    publish(  # our files miss result and legal basis
        make_version("1.000031", level="province", agencies=[cast.dept]),
        decided=D(2025, 6, 20),
        public=D(2025, 7, 1),
        complete=False,
    )
    publish(  # judged on the national package, which lacked the legal basis
        make_version("1.000032", level="province", agencies=[cast.dept]),
        decided=D(2025, 6, 20),
        public=D(2025, 7, 2),
        missing=["căn cứ pháp lý"],
    )
    publish(  # a free procedure is complete: fees may be "none"
        make_version("1.000033", level="province", agencies=[cast.dept], fee=0),
        decided=D(2025, 7, 1),
        public=D(2025, 8, 1),  # made public in August: not July's
    )
    _items, r = rates()
    assert ratio(r, "1.3") == (1, 3)


def test_only_the_latest_version_of_a_procedure_counts(cast):
    old = make_version("1.000040", level="province", agencies=[cast.dept])
    publish(old, decided=D(2025, 7, 1), effective=D(2025, 6, 1), public=D(2025, 7, 2))
    new = make_version(
        "1.000040", level="province", agencies=[cast.dept], version=2, effective_from=D(2025, 7, 20)
    )
    publish(new, decided=D(2025, 7, 18), effective=D(2025, 7, 20), public=D(2025, 7, 18))
    items, r = rates()
    assert [p.procedure_id for p in items] == [old.procedure_id]
    assert ratio(r, "1.1") == (1, 1) and ratio(r, "1.3") == (1, 1)


def test_each_agency_counts_the_procedures_it_implements(cast, july):
    publish(cast.province_procedure, decided=D(2025, 7, 1), effective=D(2025, 7, 1),
            public=D(2025, 7, 3))  # fmt: skip
    publish(  # the other department's: not the department's
        make_version("1.000050", level="province", agencies=[cast.other_dept]),
        decided=D(2025, 7, 9),
        effective=D(2025, 7, 1),
        public=D(2025, 7, 28),
    )
    publish(cast.commune_procedure, decided=D(2025, 7, 2), public=D(2025, 7, 20), complete=False)
    _row, dept = dept_row(key=cast.dept.pk)
    assert [(dept[i].numerator, dept[i].denominator) for i in ("1.1", "1.2", "1.3")] == [
        (1, 1),
        (1, 1),
        (1, 1),
    ]
    assert dept["1.2"].points == 4 and dept["1.1"].points == pytest.approx(14 / 3, abs=1e-3)
    _row, commune = dept_row(key=cast.commune.pk)
    assert [(commune[i].numerator, commune[i].denominator) for i in ("1.1", "1.2", "1.3")] == [
        (1, 1),
        (0, 1),  # public after the fifth working day
        (0, 1),
    ]
    rows_by_unit = dept_row(level="unit")[1]
    assert (rows_by_unit["1.1"].numerator, rows_by_unit["1.1"].denominator) == (1, 1)
    # the province: every procedure published in July
    _items, province = rates()
    assert ratio(province, "1.1") == (2, 3)


def test_1_1_to_1_3_add_their_points_to_what_is_available(cast, july):
    before, _ind = dept_row(key=cast.dept.pk)
    publish(cast.province_procedure, decided=D(2025, 7, 1), effective=D(2025, 7, 1),
            public=D(2025, 7, 3))  # fmt: skip
    after, _ind = dept_row(key=cast.dept.pk)
    assert after.available_points == pytest.approx(before.available_points + 14 / 3 * 2 + 4, 0.01)
    assert after.groups["CKMB"]["available_points"] == pytest.approx(18, abs=0.01)
