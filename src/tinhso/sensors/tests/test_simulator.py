"""The simulator publishes through the real broker into the worker; replays a CSV."""

import datetime
import io

import pytest
from django.core.management import call_command

from tinhso.sensors.models import Observation, RejectedReading
from tinhso.sensors.simulation import salinity, season_factor
from tinhso.sensors.tests.mqtt_helpers import ThreadWorker, unique, wait_for


def test_synthetic_season_peaks_in_february_march_and_upstream_is_fresher():
    feb = datetime.datetime(2026, 2, 20, tzinfo=datetime.UTC)
    aug = datetime.datetime(2026, 8, 20, tzinfo=datetime.UTC)
    assert season_factor(feb) > 0.9 > 0.1 > season_factor(aug)
    day = [feb + datetime.timedelta(minutes=10 * i) for i in range(144)]
    mouth = [salinity(t, 20.0) for t in day]
    upstream = [salinity(t, 5.5) for t in day]
    assert max(mouth) > 2 * min(mouth)  # the tide swings salinity within a day
    assert max(upstream) < max(mouth)


@pytest.mark.django_db(transaction=True)
def test_simulate_sensors_fast_forward_with_faults_reaches_the_database(network):
    prefix = f"test-{unique()}/"
    with ThreadWorker(prefix, f"w-{unique()}") as worker:
        out = io.StringIO()
        call_command(
            "simulate-sensors",
            prefix=prefix,
            stations="my-hoa,vam-mon",
            start="2026-02-01T00:00:00+00:00",
            until="2026-02-01T05:00:00+00:00",
            speed=0,
            malformed=0.05,
            seed=7,
            stdout=out,
        )
        sent = int(out.getvalue().split()[1])
        assert sent == 2 * 301  # one reading a minute, both ends included
        assert wait_for(lambda: worker.stats.received >= sent)
    stored = Observation.objects.count()
    malformed = RejectedReading.objects.filter(reason="malformed").count()
    assert malformed > 0 and stored + malformed == sent
    assert (
        Observation.objects.filter(datastream=network["my-hoa"]).order_by("-result")[0].result > 3
    )


@pytest.mark.django_db(transaction=True)
def test_replay_of_a_user_csv(network, tmp_path):
    csv_file = tmp_path / "readings.csv"
    ds = network["son-doc"]
    csv_file.write_text(
        "station,time,value\n"
        "son-doc,2026-03-01T07:00:00+07:00,4.2\n"
        f"{ds.pk},2026-03-01T01:00:00Z,4.8\n"
        "son-doc,2026-03-01T02:00:00Z,5.1\n",
        encoding="utf-8",
    )
    prefix = f"test-{unique()}/"
    with ThreadWorker(prefix, f"w-{unique()}") as worker:
        call_command("simulate-sensors", prefix=prefix, replay=csv_file, stdout=io.StringIO())
        assert wait_for(lambda: worker.stats.received >= 3)
    assert list(
        Observation.objects.filter(datastream=ds)
        .order_by("phenomenon_time")
        .values_list("result", flat=True)
    ) == [4.2, 4.8, 5.1]
