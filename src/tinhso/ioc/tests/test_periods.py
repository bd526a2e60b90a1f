"""A running period is compared with the same number of days of the previous one (issue 15:
a partial month against a whole month showed a false drop)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tinhso.ioc import periods
from tinhso.ioc.tests.conftest import act, file
from tinhso.ioc.tests.scenario import at

D = datetime.date


def test_a_running_month_is_compared_with_the_same_first_days_of_the_month_before():
    compared = periods.comparison(periods.month_period(2025, 8), today=D(2025, 8, 7))
    assert compared.partial and compared.days == 7
    assert (compared.previous.start, compared.previous.end) == (D(2025, 7, 1), D(2025, 7, 7))
    assert "7 ngày đầu của Tháng 07/2025" in compared.previous.label


def test_a_shorter_previous_month_is_taken_whole():
    compared = periods.comparison(periods.month_period(2025, 3), today=D(2025, 3, 30))
    assert (compared.previous.start, compared.previous.end) == (D(2025, 2, 1), D(2025, 2, 28))


def test_a_finished_period_is_compared_with_the_whole_previous_one():
    compared = periods.comparison(periods.month_period(2025, 7), today=D(2025, 8, 7))
    assert not compared.partial
    assert (compared.previous.start, compared.previous.end) == (D(2025, 6, 1), D(2025, 6, 30))
    last_day = periods.comparison(periods.month_period(2025, 7), today=D(2025, 7, 31))
    assert not last_day.partial  # the last day: the whole month against the whole month


@pytest.mark.django_db
def test_the_dashboard_compares_like_with_like_and_says_so(client, cast, province_leader):
    """Three dossiers received 1–7 July, one on 20 July; on 7 August, August so far (one
    dossier) is compared with 1–7 July (three), not with the whole of July (four)."""
    for day in (1, 2, 3, 20):
        d = file(
            cast, at(2025, 7, day, 8, 0), citizen=cast.citizen, version=cast.province_procedure
        )
        act(cast.clerk, d, "receive", at(2025, 7, day, 9, 0))
    d = file(cast, at(2025, 8, 5, 8, 0), citizen=cast.citizen, version=cast.province_procedure)
    act(cast.clerk, d, "receive", at(2025, 8, 5, 9, 0))
    client.force_login(province_leader)
    with time_machine.travel(at(2025, 8, 7, 10, 0), tick=False):
        response = client.get(reverse("ioc:dashboard"), {"period": "month", "month": "2025-08"})
    received = next(c for c in response.context["cards"] if c["key"] == "received")
    assert (received["value"], received["previous"]) == (1, 3)
    page = response.content.decode()
    assert "01/07/2025–07/07/2025" in page
    assert "cùng 7 ngày đầu của kỳ trước" in page
