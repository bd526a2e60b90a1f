"""The demo holds 5.2/5.3 inputs in the current month (issue 18): after ``load_demo`` and the
synthetic history, ``reports.demo_history`` gives every demo agency petitions answered on time,
one answered late and one rated dissatisfied — so the agency with the most figures has all 100
points available."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from tinhso.agencies.models import Agency
from tinhso.integrations import demo as platforms_demo
from tinhso.ioc import index766
from tinhso.ioc.tests.scenario import at
from tinhso.ioc.tests.test_index766 import by_id
from tinhso.reports import demo_history
from tinhso.reports.models import Report

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = at(2026, 11, 20, 10, 0)  # late enough in the month for a late answer to exist


def load(settings, *, history: bool) -> None:
    settings.TINHSO_ALLOW_DEMO = True
    settings.DEBUG = True
    call_command("load_units", verbosity=0, stdout=io.StringIO())
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    if history:
        call_command("generate", dossiers=700, years=1, stdout=io.StringIO())
        platforms_demo.load()


def test_demo_history_gives_every_agency_5_2_and_5_3_and_the_best_100_points(settings):
    with time_machine.travel(TODAY, tick=False):
        load(settings, history=True)
        filed = demo_history.load()
        assert demo_history.load() == 0  # idempotent within the month
        rows = index766.compute(period="2026-11", level="agency")
        province = index766.compute(period="2026-11", level="province")[0]
    agencies = Agency.objects.filter(slug__in=["ttpvhcc", "stp", "sxd", "phukhuong"])
    marked = Report.objects.filter(description__startswith=demo_history.MARK)
    assert filed == marked.count() == len(demo_history.PLANS) * len(demo_history._agencies())
    by_key = {int(r.key): r for r in rows}
    for agency in agencies:
        ind = by_id(by_key[agency.pk])
        assert not ind["5.2"].no_data and not ind["5.3"].no_data, agency.slug
    # The Justice department has the demo petitions only: 3 of 4 on time, 2 of 4 without fault.
    stp = by_id(by_key[Agency.objects.get(slug="stp").pk])
    assert (stp["5.2"].numerator, stp["5.2"].denominator) == (3, 4)
    assert (stp["5.3"].numerator, stp["5.3"].denominator) == (2, 4)
    best = max(rows, key=lambda r: r.available_points)
    assert best.available_points == 100, [
        (r.label, r.available_points, [i.id for i in r.indicators if i.no_data and i.max_points])
        for r in rows
    ]
    ind = by_id(province)
    assert not ind["5.2"].no_data and ind["5.2"].denominator >= filed


def test_early_in_the_month_the_late_petition_is_still_open(settings):
    second = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=VN)
    with time_machine.travel(second, tick=False):
        load(settings, history=False)
        demo_history.load()
    late = Report.objects.filter(
        description__endswith=demo_history.PLANS[-1].text, agency__slug="stp"
    ).get()
    assert late.answered_at is None and late.status == Report.Status.RECEIVED
    answered = Report.objects.filter(
        description__startswith=demo_history.MARK, agency__slug="stp", answered_at__isnull=False
    )
    assert answered.count() == 3
    assert answered.filter(citizen_rating=Report.Rating.DISSATISFIED).count() == 1
