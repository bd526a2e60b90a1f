"""The agriculture panel of the operations centre shows the salinity network's latest readings."""

import datetime

from django.urls import reverse
from django.utils import timezone

from tinhso.sensors.ingest import ingest
from tinhso.sensors.readings import Reading
from tinhso.sensors.stations import ensure_network


def test_agriculture_panel_lists_each_station_with_its_latest_reading(client, cast):
    streams = ensure_network()
    now = timezone.now().replace(microsecond=0)
    ingest(
        [
            Reading(streams["my-hoa"].pk, now - datetime.timedelta(hours=1), 2.4),
            Reading(streams["my-hoa"].pk, now, 3.75),
        ],
        source="test",
    )
    client.force_login(cast.specialist)
    response = client.get(reverse("indicators:sector", args=["agriculture"]))
    assert response.status_code == 200
    table = response.content.decode().split('id="salinity-stations"')[1].split("</table>")[0]
    assert table.count("<tr>") == len(streams) + 1  # a header row, then one row per station
    row = table.split(reverse("sensors:station", args=["my-hoa"]))[1].split("</tr>")[0]
    assert "3,75" in row or "3.75" in row


def test_other_sector_panels_have_no_salinity_table(client, cast):
    client.force_login(cast.specialist)
    response = client.get(reverse("indicators:sector", args=["health"]))
    assert response.status_code == 200
    assert b"salinity-stations" not in response.content
