import datetime

from django.core import mail

from tinhso.sensors.ingest import ingest
from tinhso.sensors.models import (
    Datastream,
    Observation,
    RejectedReading,
    Rollup,
    SalinityAlert,
)
from tinhso.sensors.readings import Reading, parse_mqtt
from tinhso.sensors.tests.conftest import T0, at


def r(ds, minutes, value):
    return Reading(ds.pk, at(minutes), value)


def test_batch_is_stored_and_datastream_range_follows(my_hoa):
    result = ingest([r(my_hoa, 10, 0.2), r(my_hoa, 0, 0.1), r(my_hoa, 5, 0.15)], source="test")
    assert len(result.stored) == 3
    my_hoa.refresh_from_db()
    assert my_hoa.phenomenon_time_start == at(0)
    assert my_hoa.phenomenon_time_end == at(10)
    assert my_hoa.latest_result == 0.2


def test_duplicates_in_batch_and_against_store_are_rejected_with_reason(my_hoa):
    ingest([r(my_hoa, 0, 0.1)], source="test")
    result = ingest([r(my_hoa, 0, 0.1), r(my_hoa, 1, 0.2), r(my_hoa, 1, 0.2)], source="test")
    assert [x.phenomenon_time for x in result.stored] == [at(1)]
    assert Observation.objects.filter(datastream=my_hoa).count() == 2
    assert RejectedReading.objects.filter(reason="duplicate").count() == 2


def test_out_of_range_and_unknown_datastream_are_rejected(my_hoa):
    result = ingest(
        [r(my_hoa, 0, 41.0), r(my_hoa, 1, -0.5), Reading(999999, at(0), 1.0)], source="t"
    )
    assert result.stored == []
    assert sorted(RejectedReading.objects.values_list("reason", flat=True)) == [
        "out_of_range",
        "out_of_range",
        "unknown_datastream",
    ]


def test_malformed_payloads_become_rejections_not_exceptions(my_hoa):
    topic = f"v1.1/Datastreams({my_hoa.pk})/Observations"
    now = T0 + datetime.timedelta(days=1)
    bad = [
        b"not json",
        b'{"result": "1.2", "phenomenonTime": "2026-02-10T00:00:00Z"}',
        b'{"result": true, "phenomenonTime": "2026-02-10T00:00:00Z"}',
        b'{"result": 1.2, "phenomenonTime": "2026-02-10T00:00:00"}',
        b'{"result": 1.2}',
        b'{"result": 1.2, "phenomenonTime": "2030-01-01T00:00:00Z"}',
        b"[]",
        b"\xff\xfe",
    ]
    for payload in bad:
        readings, rejections = parse_mqtt(topic, payload, now)
        assert readings == [] and len(rejections) == 1, payload
        assert rejections[0].reason == "malformed"
    readings, rejections = parse_mqtt("v1.1/Things(1)/Observations", b"{}", now)
    assert rejections[0].detail == "unexpected topic"


def test_array_payload_and_offsets_are_normalised_to_utc(my_hoa):
    topic = f"v1.1/Datastreams({my_hoa.pk})/Observations"
    payload = b'[{"result": 1, "phenomenonTime": "2026-02-10T07:00:00+07:00"}, {"result": 2}]'
    readings, rejections = parse_mqtt(topic, payload, T0 + datetime.timedelta(days=1))
    assert readings[0].phenomenon_time == T0
    assert rejections[0].detail.startswith("phenomenonTime is required")


def test_rollups_hold_min_mean_max_per_hour_and_local_day(my_hoa):
    ingest([r(my_hoa, 0, 1.0), r(my_hoa, 30, 3.0)], source="test")
    ingest([r(my_hoa, 45, 2.0), r(my_hoa, 60, 5.0)], source="test")
    ingest([r(my_hoa, 45, 9.0)], source="test")  # duplicate: must not count
    hour = Rollup.objects.get(datastream=my_hoa, resolution="hour", bucket=T0)
    assert (hour.count, hour.minimum, hour.maximum, hour.mean) == (3, 1.0, 3.0, 2.0)
    day = Rollup.objects.get(datastream=my_hoa, resolution="day")
    # 2026-02-10 00:00 UTC is 07:00 in Viet Nam: the local day started at 17:00 UTC the day before
    assert day.bucket == T0 - datetime.timedelta(hours=7)
    assert (day.count, day.maximum) == (4, 5.0)


def test_alert_raised_once_escalates_only_higher_and_clears_with_hysteresis(
    my_hoa, subscriber, django_capture_on_commit_callbacks, settings
):
    settings.TINHSO_SALINITY_CLEAR_AFTER_HOURS = 0  # clear on the first reading below 0.8 g/L
    values = [0.2, 1.1, 1.3, 0.95, 1.2, 2.5, 1.5, 2.4, 0.85, 0.79, 0.5, 1.0]
    with django_capture_on_commit_callbacks(execute=True):
        for i, v in enumerate(values):
            ingest([r(my_hoa, i, v)], source="test")
    rice = list(
        SalinityAlert.objects.filter(use="rice")
        .order_by("id")
        .values_list("kind", "level", "value")
    )
    assert rice == [
        ("raised", 1, 1.1),
        ("escalated", 2, 2.5),
        ("cleared", 0, 0.79),
        ("raised", 1, 1.0),
    ]
    # drinking water (0.5 g/L) raised at 1.1 (level 2 ≥ 1.0), escalated at 2.5 (level 3 ≥ 2.0)
    drinking = list(SalinityAlert.objects.filter(use="drinking").values_list("kind", flat=True))
    assert sorted(drinking) == ["escalated", "raised"]
    # every event of the followed uses reached the subscriber once; other uses reached nobody
    assert len(mail.outbox) == len(rice) + len(drinking)
    assert "Mỹ Hóa" in mail.outbox[0].subject
    assert "/quan-trac/huy/" in mail.outbox[0].body


def test_late_reading_is_stored_but_does_not_alert(my_hoa, subscriber):
    ingest([r(my_hoa, 60, 0.2)], source="test")
    result = ingest([r(my_hoa, 30, 5.0)], source="test")
    assert len(result.stored) == 1
    assert not SalinityAlert.objects.exists()
    my_hoa.refresh_from_db()
    assert my_hoa.latest_result == 0.2 and my_hoa.phenomenon_time_end == at(60)
    assert Rollup.objects.get(datastream=my_hoa, resolution="hour", bucket=T0).maximum == 5.0


def test_datastream_ranges_untouched_when_everything_rejected(my_hoa):
    ingest([r(my_hoa, 0, 99.0)], source="test")
    assert Datastream.objects.get(pk=my_hoa.pk).phenomenon_time_end is None


def test_tidal_dips_do_not_clear_before_a_tidal_day_below_the_line(my_hoa):
    """Semi-diurnal tide: salty at high water, fresh at low water, twice a day."""
    hours = [0, 3, 6, 9, 12, 15, 18, 21, 24]
    high_low = [1.5, 0.4, 1.4, 0.3, 1.3, 0.5, 0.6, 0.5, 0.4]  # last salty tide at hour 12
    for hour, value in zip(hours, high_low, strict=True):
        ingest([r(my_hoa, hour * 60, value)], source="test")
    assert list(SalinityAlert.objects.filter(use="rice").values_list("kind", flat=True)) == [
        "raised"
    ]
    ingest([r(my_hoa, 15 * 60 + 25 * 60, 0.5)], source="test")  # 25 h below 0.8 since hour 15
    assert list(
        SalinityAlert.objects.filter(use="rice").order_by("id").values_list("kind", flat=True)
    ) == ["raised", "cleared"]


def test_a_payload_with_nul_bytes_is_rejected_and_recorded(my_hoa):
    topic = f"v1.1/Datastreams({my_hoa.pk})/Observations"
    readings, rejections = parse_mqtt(topic, b"\x00{\x00", T0)
    ingest(readings, rejections, source="mqtt")
    rejected = RejectedReading.objects.get()
    assert rejected.reason == "malformed" and "\x00" not in rejected.payload
