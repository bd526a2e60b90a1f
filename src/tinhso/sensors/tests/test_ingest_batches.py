"""A batch must give exactly what the same readings give one at a time (set-based ingest)."""

import datetime

import pytest

from tinhso.notifications.models import Delivery
from tinhso.sensors.ingest import ingest
from tinhso.sensors.models import AlertState, Datastream, Rollup, SalinityAlert
from tinhso.sensors.readings import Invalid, Reading, parse_observation
from tinhso.sensors.tests.conftest import T0, at

# a tidal series around several limits: raise, dips, escalate, a day below the line, clear
VALUES = [0.1, 0.2, 0.35, 0.6, 1.2, 0.7, 0.3, 1.1, 2.6, 0.7, 0.6, 0.2, 0.2, 0.1, 0.45, 5.0, 0.1]
HOURS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 20, 30, 40, 41, 42, 80]


def outcome(ds):
    events = list(
        SalinityAlert.objects.filter(datastream=ds)
        .order_by("phenomenon_time", "use")
        .values_list("use", "kind", "level", "value", "phenomenon_time")
    )
    states = sorted(
        AlertState.objects.filter(datastream=ds, level__gt=0).values_list(
            "use", "level", "since", "below_since"
        )
    )
    return events, states


@pytest.mark.parametrize("batch", [1, 3, len(VALUES)])
def test_alerts_of_a_batch_equal_alerts_reading_by_reading(network, subscriber, batch):
    one, many = network["my-hoa"], network["an-thuan"]
    for hour, value in zip(HOURS, VALUES, strict=True):
        ingest([Reading(one.pk, at(hour * 60), value)], source="test")
    readings = [Reading(many.pk, at(h * 60), v) for h, v in zip(HOURS, VALUES, strict=True)]
    for start in range(0, len(readings), batch):
        ingest(readings[start : start + batch][::-1], source="test")  # order inside: irrelevant

    single_events, single_states = outcome(one)
    batch_events, batch_states = outcome(many)
    kinds = [kind for _use, kind, *_rest in single_events]
    assert {"raised", "escalated", "cleared"} <= set(kinds)
    assert batch_events == single_events
    assert batch_states == single_states
    # the subscriber follows Mỹ Hóa only: one delivery per rice or drinking event there
    followed = [e for e in single_events if e[0] in ("rice", "drinking")]
    deliveries = Delivery.objects.filter(topic="salinity_alert", recipient=subscriber.contact)
    assert deliveries.count() == len(followed)
    alerts_there = set(SalinityAlert.objects.filter(datastream=one).values_list("pk", flat=True))
    assert {int(d.key.split(":")[0]) for d in deliveries} <= alerts_there


def test_one_batch_over_many_datastreams_sets_ranges_and_rollups(network):
    a, b = network["my-hoa"], network["an-thuan"]
    ingest([Reading(a.pk, at(0), 0.5)], source="test")
    result_time = T0 + datetime.timedelta(hours=3)
    result = ingest(
        [
            Reading(a.pk, at(90), 2.0, result_time),
            Reading(a.pk, at(-30), 0.1),  # late for a: history and rollups, no latest
            Reading(a.pk, at(0), 9.0),  # duplicate of what is stored: not counted
            Reading(b.pk, at(10), 1.0),
            Reading(b.pk, at(20), 3.0),
        ],
        source="test",
    )
    assert len(result.stored) == 4
    assert len(result.ids) == 4 and all(pk > 0 for pk in result.ids.values())
    assert [r.reason for r in result.rejected] == ["duplicate"]
    a, b = Datastream.objects.get(pk=a.pk), Datastream.objects.get(pk=b.pk)
    assert (a.phenomenon_time_start, a.phenomenon_time_end, a.latest_result) == (
        at(-30),
        at(90),
        2.0,
    )
    assert a.result_time_start == a.result_time_end == result_time
    assert (b.phenomenon_time_start, b.phenomenon_time_end, b.latest_result) == (
        at(0) + datetime.timedelta(minutes=10),
        at(20),
        3.0,
    )
    assert b.result_time_start is None
    hours = {
        (r.bucket, r.count, r.total, r.minimum, r.maximum)
        for r in Rollup.objects.filter(datastream=a, resolution="hour")
    }
    assert hours == {
        (T0 - datetime.timedelta(hours=1), 1, 0.1, 0.1, 0.1),
        (T0, 1, 0.5, 0.5, 0.5),
        (T0 + datetime.timedelta(hours=1), 1, 2.0, 2.0, 2.0),
    }
    day = Rollup.objects.get(datastream=b, resolution="day")
    assert (day.bucket, day.count, day.total, day.maximum) == (
        T0 - datetime.timedelta(hours=7),
        2,
        4.0,
        3.0,
    )


def test_the_short_observation_path_still_checks_a_claimed_datastream():
    now = T0
    with pytest.raises(Invalid, match="Datastream does not match"):
        parse_observation(
            {"result": 1.0, "Datastream": {"@iot.id": 2}}, 1, now, time_required=False
        )
    reading = parse_observation(
        {"result": 1, "phenomenonTime": "2026-02-10T07:00:00+07:00"}, 1, now
    )
    assert reading == Reading(1, T0, 1.0) and isinstance(reading.result, float)
