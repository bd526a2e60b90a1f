"""Live aggregates equal the rebuild and a direct recomputation from the dossier table."""

import datetime

import pytest
from django.db.models import Q
from django.utils import timezone

from tinhso.calendars.worktime import get_calendar
from tinhso.dossiers.models import (
    Attachment,
    Dossier,
    DossierEvent,
    HistoryEntry,
    SubscriberCursor,
)
from tinhso.ioc import aggregates, receivers, selectors
from tinhso.ioc.facts import fact_for
from tinhso.ioc.models import (
    MEASURES,
    DailyStat,
    DossierFact,
    MonthlyStat,
    OpenStat,
    RollupStat,
)
from tinhso.ioc.tests import scenario
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple]]:
    keys = ["agency_id", "procedure_id", "unit_id", *MEASURES]
    return {
        "daily": sorted(r for r in DailyStat.objects.values_list("day", *keys) if any(r[4:])),
        "monthly": sorted(r for r in MonthlyStat.objects.values_list("month", *keys) if any(r[4:])),
        "open": sorted(
            r
            for r in OpenStat.objects.values_list(
                "received_day", "due_day", "paused", "agency_id", "procedure_id", "unit_id", "count"
            )
            if r[-1]
        ),
        "rollup": sorted(
            r
            for r in RollupStat.objects.values_list(
                "dimension", "grain", "key", "period", *MEASURES
            )
            if any(r[4:])
        ),
        "facts": sorted(DossierFact.objects.values_list()),
    }


def rollups_from_daily() -> list[tuple]:
    """The rollups recomputed in Python from the day rows: each day row counted once per
    dimension, on its day and on its month."""
    sums: dict[tuple, list[int]] = {}
    for day, agency, procedure, unit, *values in DailyStat.objects.values_list(
        "day", "agency_id", "procedure_id", "unit_id", *MEASURES
    ):
        for dimension, key in (("a", agency), ("u", unit), ("p", procedure)):
            for grain, period in (("d", day), ("m", day.replace(day=1))):
                into = sums.setdefault((dimension, grain, key, period), [0] * len(MEASURES))
                for i, value in enumerate(values):
                    into[i] += value
    return sorted((*k, *v) for k, v in sums.items() if any(v))


def local_range(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time(), tzinfo=tz)
    last = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    return first, last


def naive(start: datetime.date, end: datetime.date) -> dict[str, int]:
    """The same figures straight from the dossier table (the definitions of docs/ioc.md)."""
    span = local_range(start, end)
    filed = Dossier.objects.exclude(status="draft")
    received = filed.filter(received_at__gte=span[0], received_at__lt=span[1])
    resolved = filed.filter(completed_at__gte=span[0], completed_at__lt=span[1])
    closed = filed.filter(closed_at__gte=span[0], closed_at__lt=span[1])
    today_start = local_range(timezone.localdate(), timezone.localdate())[0]
    open_ = received.filter(completed_at__isnull=True).exclude(
        status__in=["withdrawn", "stopped", "refused"]
    )
    running = open_.exclude(status__in=["supplement_requested", "awaiting_payment"])
    return {
        "submitted": filed.filter(submitted_at__gte=span[0], submitted_at__lt=span[1]).count(),
        "received": received.count(),
        "online_received": received.filter(channel=2).count(),
        "fee_due": received.filter(fee_amount__gt=0).count(),
        "paid_online": received.filter(fee_amount__gt=0, paid_online=True).count(),
        "reused": received.filter(attachments__reused_from__isnull=False).distinct().count(),
        # every file scanned at the counter or reused from the store (a subquery per dossier: a
        # negated lookup across the relation would test each file alone)
        "digitised": received.filter(
            Q(channel=2)
            | (
                Q(attachments__isnull=False)
                & ~Q(
                    pk__in=Attachment.objects.filter(
                        digitised=False, reused_from__isnull=True
                    ).values("dossier_id")
                )
            )
        )
        .distinct()
        .count(),
        "resolved": resolved.count(),
        "early": resolved.filter(timeliness="early").count(),
        "on_time": resolved.filter(timeliness="on_time").count(),
        "late": resolved.filter(timeliness="late").count(),
        "processing_minutes": sum(  # working minutes (766 ind. 2.2 in working days)
            get_calendar().working_minutes_between(
                d.received_at.replace(microsecond=0), d.completed_at.replace(microsecond=0)
            )
            for d in resolved
        ),
        "rated": resolved.filter(rating__isnull=False).count(),
        "rating_sum": sum(
            resolved.filter(rating__isnull=False).values_list("rating__score", flat=True)
        ),
        "withdrawn": closed.filter(status="withdrawn").count(),
        "stopped": closed.filter(status="stopped").count(),
        "refused": closed.filter(status="refused").count(),
        "in_progress": open_.count(),
        "in_progress_overdue": running.filter(due_at__lt=today_start).count(),
    }


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_live_aggregates_equal_rebuild_and_direct_recomputation(seed):
    cast = make_cast()
    made = scenario.run(cast, seed)
    assert len(made) >= 8
    actions = set(HistoryEntry.objects.values_list("action", flat=True))
    assert {"receive", "request_supplement", "supplement", "issue_result"} <= actions
    live = snapshot()
    assert live["daily"], "the scenario produced figures"
    assert live["rollup"] == rollups_from_daily()
    assert {r[0] for r in live["rollup"]} == {"a", "u", "p"}
    for dossier in Dossier.objects.all():  # the stored fact is the dossier's current fact
        row = DossierFact.objects.filter(pk=dossier.pk).first()
        stored = aggregates._fact_from_row(row) if row is not None else None
        assert stored == fact_for(dossier)
    # delivered again from the start (at least once): the figures do not move
    SubscriberCursor.objects.filter(name=receivers.SUBSCRIBER).update(position=0)
    assert receivers.catch_up() == DossierEvent.objects.count()
    assert snapshot() == live
    aggregates.rebuild()
    assert snapshot() == live
    start, end = datetime.date(2025, 6, 1), datetime.date(2025, 7, 31)
    figures = selectors.summary(scope=selectors.Scope(), start=start, end=end).as_dict()
    expected = naive(start, end)
    assert {k: figures[k] for k in expected} == expected
    mid = datetime.date(2025, 7, 1)  # a period cut inside the data: months plus edge days
    figures = selectors.summary(scope=selectors.Scope(), start=datetime.date(2025, 6, 25), end=mid)
    expected = naive(datetime.date(2025, 6, 25), mid)
    assert {k: figures.as_dict()[k] for k in expected} == expected
    assert_rollups_agree_with_fine_rows(start, end)
    assert_rollups_agree_with_fine_rows(datetime.date(2025, 6, 25), mid)


def fine(where: selectors.Where, start, end, group=None):
    """The measures read from DailyStat/MonthlyStat only (rollups bypassed)."""
    months, edges = selectors._months_and_days(start, end)
    out: dict = {}
    parts = []
    if months:
        rows = MonthlyStat.objects.filter(where.q(), month__range=(months[0], months[-1]))
        parts.append(selectors._sum(rows, "month" if group == "period" else group))
    for first, last in edges:
        parts.append(
            selectors._sum(
                DailyStat.objects.filter(where.q(), day__range=(first, last)),
                "day" if group == "period" else group,
            )
        )
    for part in parts:
        for key, values in part.items():
            into = out.setdefault(key, dict.fromkeys(MEASURES, 0))
            for m in MEASURES:
                into[m] += int(values.get(m) or 0)
    return out


def assert_rollups_agree_with_fine_rows(start, end):
    """Every scope and breakdown the rollups answer gives what the fine rows give."""
    agencies = set(DailyStat.objects.values_list("agency_id", flat=True))
    units = set(DailyStat.objects.values_list("unit_id", flat=True))
    wheres = [selectors.Where()]
    wheres += [selectors.Where(agency_id=a) for a in agencies]
    wheres += [selectors.Where(unit_ids=(u,)) for u in units] + [
        selectors.Where(unit_ids=tuple(units))
    ]
    for where in wheres:
        for group in (None, "agency_id", "unit_id", "procedure_id", "period"):
            got = selectors._measures(where, start, end, group)
            want = fine(where, start, end, group)
            assert {k: v for k, v in got.items() if any(v.values())} == {
                k: v for k, v in want.items() if any(v.values())
            }, (where, group)


def test_fact_sql_matches_python_definition():
    cast = make_cast()
    scenario.run(cast, seed=7)
    python = {d.pk: fact_for(d) for d in Dossier.objects.all()}
    aggregates.rebuild_facts()
    for row in DossierFact.objects.all():
        assert aggregates._fact_from_row(row) == python[row.pk]
    assert DossierFact.objects.count() == sum(1 for f in python.values() if f is not None)


def test_scenarios_cover_pauses_withdrawals_apologies_payments_and_ratings():
    cast = make_cast()
    for seed in (1, 2, 3, 4):
        scenario.run(cast, seed)
    actions = set(HistoryEntry.objects.values_list("action", flat=True))
    assert {
        "request_supplement",
        "supplement",
        "withdraw",
        "apologize",
        "payment_received",
    } <= actions
    assert Dossier.objects.filter(rating__isnull=False).exists()
    assert Dossier.objects.filter(paid_online=True).exists()


@pytest.mark.parametrize("grain", ["day", "month", "quarter", "year"])
def test_trend_buckets_equal_a_summary_of_each_bucket(grain):
    """``trend`` reads the period in a few grouped queries; each bucket must still be exactly
    the summary of its own days, for the province, an agency and a unit."""
    cast = make_cast()
    scenario.run(cast, seed=2)
    start, end = datetime.date(2025, 5, 20), datetime.date(2025, 8, 10)
    scopes = [
        selectors.Scope(),
        selectors.Scope(agency_id=cast.commune.pk),
        selectors.Scope(unit_code=cast.commune.unit.code),
    ]
    for scope in scopes:
        points = selectors.trend(scope=scope, start=start, end=end, grain=grain)
        buckets = selectors._buckets(start, end, grain)
        assert [first for first, _ in points] == [first for first, _ in buckets]
        for (first, got), (_, last) in zip(points, buckets, strict=True):
            assert got == selectors.summary(scope=scope, start=first, end=last), (scope, first)
        assert sum(p.received for _, p in points) > 0 or scope != scopes[0]
