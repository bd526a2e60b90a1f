"""The MQTT ingest worker against the real Mosquitto broker on 127.0.0.1:1883.

Every test uses its own topic prefix and client ids, so parallel runs (SQLite and PostgreSQL
at once) never see each other's messages.
"""

import datetime

import pytest
from django.core import mail

from tinhso.notifications.models import Delivery
from tinhso.sensors.models import Observation, RejectedReading, SalinityAlert
from tinhso.sensors.publisher import Publisher, observation
from tinhso.sensors.tests.conftest import T0
from tinhso.sensors.tests.mqtt_helpers import ProcessWorker, ThreadWorker, unique, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def minute(i: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=i)


def stored_keys(ds_id: int) -> set[tuple[datetime.datetime, float]]:
    return set(
        Observation.objects.filter(datastream_id=ds_id).values_list("phenomenon_time", "result")
    )


def test_burst_with_duplicates_malformed_out_of_range_and_unknown(network):
    ds = network["son-doc"]
    prefix = f"test-{unique()}/"
    with ThreadWorker(prefix, f"w-{unique()}") as worker:
        pub = Publisher(prefix=prefix)
        published = {(minute(i), round(0.1 + i * 0.01, 3)) for i in range(600)}
        for moment, value in sorted(published):
            pub.send(ds.pk, observation(moment, value))
        for moment, value in sorted(published)[:50]:  # QoS 1 redelivery / device retry
            pub.send(ds.pk, observation(moment, value))
        pub.send(ds.pk, [observation(minute(1000), 1.0), observation(minute(1001), 1.1)])
        for bad in (b"{", b'{"result": "x", "phenomenonTime": "2026-02-10T00:00:00Z"}', b"null"):
            pub.send(ds.pk, bad)
        pub.send(ds.pk, observation(minute(2000), 55.0))  # salinity above 40 g/L
        pub.send(999_999_999, observation(minute(1), 1.0))
        pub.send_raw(f"{prefix}v1.1/Things(1)/Observations", b"{}")  # delivered, refused
        pub.close()
        expected = published | {(minute(1000), 1.0), (minute(1001), 1.1)}
        assert wait_for(lambda: worker.stats.received >= 657)
    assert stored_keys(ds.pk) == expected
    reasons = {
        r: RejectedReading.objects.filter(reason=r).count()
        for r in ("duplicate", "malformed", "out_of_range", "unknown_datastream")
    }
    assert reasons == {"duplicate": 50, "malformed": 4, "out_of_range": 1, "unknown_datastream": 1}
    assert RejectedReading.objects.filter(detail="unexpected topic").count() == 1
    ds.refresh_from_db()
    assert ds.phenomenon_time_end == minute(1001) and ds.latest_result == 1.1


def test_killed_and_restarted_worker_loses_nothing(network, tmp_path):
    ds = network["huong-my"]
    prefix = f"test-{unique()}/"
    process = ProcessWorker(prefix, f"w-{unique()}", tmp_path / "worker.log")
    process.start()
    pub = Publisher(prefix=prefix)
    published = []
    try:
        for i in range(900):
            value = round(0.2 + (i % 50) * 0.01, 3)
            published.append((minute(i), value))
            pub.send(ds.pk, observation(minute(i), value))
            if i == 300:
                pub.flush()
                wait_for(lambda: Observation.objects.filter(datastream=ds).exists(), timeout=30)
                process.kill()  # SIGKILL mid-stream: no goodbye, unacknowledged batches
            if i == 600:
                pub.flush()
                process.start()
            if i % 25 == 0:
                pub.flush()  # a device's pace: the broker holds every 25 before the next
        # A last reading after everything else: once it is stored, every earlier message the
        # broker delivered (redeliveries after the kill included) has been through the worker.
        last = (minute(5000), 0.25)
        published.append(last)
        pub.send(ds.pk, observation(*last))
        pub.close()
        assert wait_for(
            lambda: Observation.objects.filter(datastream=ds, phenomenon_time=last[0]).exists(),
            timeout=60,
        )
    finally:
        process.terminate()
    assert stored_keys(ds.pk) == set(published)
    # whatever was stored but not acknowledged before the kill came back as a duplicate
    assert RejectedReading.objects.exclude(reason="duplicate").count() == 0


def test_alert_reaches_subscriber_once(network, subscriber):
    ds = network["my-hoa"]
    prefix = f"test-{unique()}/"
    with ThreadWorker(prefix, f"w-{unique()}") as worker:
        pub = Publisher(prefix=prefix)
        pub.send(ds.pk, observation(minute(0), 0.2))
        pub.flush()
        assert wait_for(lambda: Observation.objects.filter(datastream=ds).count() == 1)
        pub.send(ds.pk, observation(minute(1), 1.2))  # crosses rice (1.0) and drinking (0.5)
        pub.flush()
        assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == 2)
        for i, value in enumerate([1.3, 1.25, 1.3, 1.2], start=2):  # still raised: nothing new
            pub.send(ds.pk, observation(minute(i), value))
        pub.send(ds.pk, observation(minute(1), 1.2))  # a duplicate of the crossing reading
        pub.send(ds.pk, observation(minute(-5), 3.0))  # late: history only, no alert
        pub.close()
        # all 8 messages through the worker: stored, alerts raised and mailed after each commit
        assert wait_for(lambda: worker.stats.received == 8)
    assert Observation.objects.filter(datastream=ds).count() == 7
    # one "raised" per use whose limit 1.2 g/L reaches, and nothing more
    assert sorted(SalinityAlert.objects.values_list("use", "kind")) == [
        ("citrus", "raised"),
        ("drinking", "raised"),
        ("durian", "raised"),
        ("longan", "raised"),
        ("rice", "raised"),
    ]
    assert len(mail.outbox) == 2  # the subscriber follows rice and drinking water
    assert {m.to[0] for m in mail.outbox} == {"nong.dan@example.vn"}
