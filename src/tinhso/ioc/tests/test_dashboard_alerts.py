"""The dashboard shows the open alerts of every registered source, filtered by the source."""

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse

from tinhso.ioc import dashboard_alerts


@dataclass
class FakeAlert:
    message: str
    raised_at: datetime.datetime


@pytest.fixture
def source():
    """A throw-away source: one alert, shown only to the province leader."""
    alert = FakeAlert("Mực nước thử nghiệm vượt ngưỡng", datetime.datetime(2025, 7, 10, 8, 0))

    def leaders_only(user):
        return [alert] if user.username == "province.leader" else []

    dashboard_alerts.register(leaders_only)
    yield alert, leaders_only
    dashboard_alerts.unregister(leaders_only)


def test_a_registered_source_reaches_the_dashboard_of_whom_it_lets_see(
    client, cast, province_leader, source
):
    alert, _function = source
    client.force_login(province_leader)
    page = client.get(reverse("ioc:dashboard"))
    assert alert in page.context["alerts"]
    assert alert.message in page.content.decode()
    client.force_login(cast.leader)
    assert alert not in client.get(reverse("ioc:dashboard")).context["alerts"]


def test_registering_a_source_twice_shows_its_alerts_once(client, province_leader, source):
    alert, function = source
    dashboard_alerts.register(function)
    client.force_login(province_leader)
    assert client.get(reverse("ioc:dashboard")).context["alerts"].count(alert) == 1
