"""Public salinity pages and the subscription flow (no account)."""

import re

import pytest
from django.core import mail

from tinhso.sensors import selectors
from tinhso.sensors.ingest import ingest
from tinhso.sensors.models import Subscription
from tinhso.sensors.readings import Reading
from tinhso.sensors.tests.conftest import at


@pytest.fixture
def readings(network):
    for code, value in (("my-hoa", 1.5), ("vam-mon", 0.3)):
        ds = network[code]
        ingest([Reading(ds.pk, at(60 * h), value * (1 + h / 100)) for h in range(48)], source="t")
    return network


def test_overview_lists_stations_with_latest_value_level_and_trend(client, readings):
    states = {s.code: s for s in selectors.salinity_overview()}
    assert states["my-hoa"].latest_value == pytest.approx(1.5 * 1.47)
    assert states["my-hoa"].level == 3  # 2.2 g/L: 2–4
    assert states["my-hoa"].trend == "up"
    assert states["vam-mon"].level == 0
    assert states["binh-dai"].latest_value is None and states["binh-dai"].trend == ""
    page = client.get("/quan-trac/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Mỹ Hóa" in html and 'id="salinity-markers"' in html
    assert re.search(r'class="level level-3">2[,.]2\d<', html)
    assert "<script>" not in html and "style=" not in html


def test_station_page_has_chart_data_and_season_summary(client, readings):
    page = client.get("/quan-trac/tram/my-hoa/?mua=2026")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="salinity-chart"' in html and "Mùa khô 12/2025–5/2026" in html
    summary = page.context["summary"]
    rice = next(u for u in summary.per_use if u.use.code == "rice")
    assert rice.days_above == summary.days_with_data == 3  # 48 h from 07:00 local: 3 local days
    assert client.get("/quan-trac/tram/khong-co/").status_code == 404


def test_subscribe_confirm_and_unsubscribe_by_email(
    client, network, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/quan-trac/dang-ky/",
            {
                "contact": "Nong.Dan@Example.vn",
                "stations": [network["my-hoa"].thing_id],
                "uses": ["rice"],
            },
        )
    assert response.status_code == 302
    sub = Subscription.objects.get()
    assert sub.contact == "nong.dan@example.vn" and not sub.active
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    wrong = client.post(response["Location"], {"code": "000000" if code != "000000" else "111111"})
    assert "Mã xác nhận không đúng" in wrong.content.decode()
    client.post(response["Location"], {"code": code})
    sub.refresh_from_db()
    assert sub.active
    assert client.get(f"/quan-trac/huy/{sub.token}/").status_code == 200
    client.post(f"/quan-trac/huy/{sub.token}/")
    sub.refresh_from_db()
    assert sub.cancelled_at is not None and not sub.active


def test_subscribe_by_phone_uses_the_sms_channel(
    client, network, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level("INFO", logger="tinhso.sms")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/quan-trac/dang-ky/",
            {
                "contact": "0912 345 678",
                "stations": [network["my-hoa"].thing_id],
                "uses": ["durian"],
            },
        )
    sub = Subscription.objects.get()
    assert (sub.medium, sub.contact) == ("sms", "+84912345678")
    assert any("ma xac nhan" in r.getMessage() for r in caplog.records)


def test_subscribe_refuses_bad_contact_and_empty_choices(client, network):
    response = client.post("/quan-trac/dang-ky/", {"contact": "12345", "uses": ["rice"]})
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    assert "error-summary" in response.content.decode()


def test_too_many_pending_codes_for_one_contact_are_refused(
    client, network, django_capture_on_commit_callbacks
):
    data = {"contact": "a@example.vn", "stations": [network["my-hoa"].thing_id], "uses": ["rice"]}
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/quan-trac/dang-ky/", data).status_code == 302
    assert client.post("/quan-trac/dang-ky/", data).status_code == 200
    assert Subscription.objects.count() == 3 and len(mail.outbox) == 3


def test_demo_load_is_idempotent_and_marks_synthetic_data(db):
    from tinhso.sensors import demo
    from tinhso.sensors.models import Observation, Thing

    demo.load()
    count = Observation.objects.count()
    demo.load()
    assert Observation.objects.count() == count > 40000
    assert all(t.properties["synthetic_data"] for t in Thing.objects.all())
    season = selectors.season_summary(Thing.objects.get(code="an-thuan").datastreams.get().pk, 2026)
    assert season.maximum is not None and season.maximum > 10  # a 2016-like season at the mouth
    assert season.maximum_day.month in (1, 2, 3, 4)
