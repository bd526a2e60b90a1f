"""The national sync's health per agency on the operations centre (issue 16): what the national
portal holds of each agency's dossiers received in the window, what waits, since when."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tinhso.dossiers.models import Dossier
from tinhso.integrations.models import NationalSync
from tinhso.ioc.tests.conftest import act, file
from tinhso.ioc.tests.scenario import at

pytestmark = pytest.mark.django_db
URL = "/api/v1/ioc/sync-health"
NOW = at(2025, 7, 20, 10, 0)


@pytest.fixture
def received(cast):
    """Three department dossiers received in July, one of another department."""
    c = cast
    out = []
    for day in (7, 8, 9):
        d = file(c, at(2025, 7, day, 8, 0), citizen=c.citizen, version=c.province_procedure)
        out.append(act(c.clerk, d, "receive", at(2025, 7, day, 9, 0)))
    return out


def _sync(dossier, state, synced_at):
    NationalSync.objects.update_or_create(
        dossier=dossier, defaults={"state": state, "synced_at": synced_at}
    )


def test_counts_held_up_to_date_and_waiting_per_agency(client, cast, received, province_leader):
    first, second, third = received
    dept_changed = Dossier.objects.get(pk=first.pk).updated_at
    _sync(first, "updated", dept_changed + datetime.timedelta(seconds=5))  # up to date
    stale = Dossier.objects.get(pk=second.pk).updated_at - datetime.timedelta(hours=1)
    _sync(second, "inserted", stale)  # held, but changed since
    _sync(third, "never", None)  # tried, never accepted
    client.force_login(province_leader)
    with time_machine.travel(NOW, tick=False):
        body = client.get(URL).json()
    row = next(r for r in body["agencies"] if r["agency"] == cast.dept.pk)
    assert (row["dossiers"], row["held"], row["up_to_date"], row["waiting"]) == (3, 2, 1, 2)
    assert row["held_percent"] == pytest.approx(66.7)
    oldest = min(Dossier.objects.get(pk=d.pk).updated_at for d in (second, third))
    assert datetime.datetime.fromisoformat(row["oldest_waiting_since"]) == oldest
    assert row["lag_seconds"] == int((NOW - oldest).total_seconds())
    latest = max(dept_changed + datetime.timedelta(seconds=5), stale)
    assert datetime.datetime.fromisoformat(row["last_synced_at"]) == latest


def test_window_leaves_out_dossiers_received_before_it(client, received, province_leader):
    client.force_login(province_leader)
    with time_machine.travel(NOW, tick=False):
        wide = client.get(URL, {"days": 30}).json()["agencies"]
        narrow = client.get(URL, {"days": 12}).json()["agencies"]  # 9–20 July
    assert sum(r["dossiers"] for r in wide) == 3
    assert sum(r["dossiers"] for r in narrow) == 1


def test_agency_leader_sees_only_their_agency_and_others_are_refused(
    client, cast, received, province_leader
):
    other = file(cast, at(2025, 7, 10, 8, 0), citizen=cast.citizen, version=cast.province_procedure)
    Dossier.objects.filter(pk=other.pk).update(agency=cast.other_dept)
    client.force_login(cast.leader)
    with time_machine.travel(NOW, tick=False):
        rows = client.get(URL).json()["agencies"]
    assert {r["agency"] for r in rows} == {cast.dept.pk}
    client.force_login(cast.specialist)
    assert client.get(URL).status_code == 403
    client.force_login(province_leader)
    assert client.get(URL, {"days": 0}).status_code == 400
    assert client.get(URL, {"days": "x"}).status_code in (400, 422)


def test_dashboard_shows_the_agencies_waiting_first(client, cast, received, province_leader):
    _sync(received[0], "updated", timezone.now() + datetime.timedelta(days=1))
    client.force_login(province_leader)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/dieu-hanh/").content.decode()
    assert 'id="sync-health-table"' in page
    assert f'data-agency="{cast.dept.code}"' in page
    assert 'data-waiting="2"' in page
