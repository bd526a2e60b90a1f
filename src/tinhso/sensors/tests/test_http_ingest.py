"""HTTP ingest: CreateObservations (dataArray) and POST Datastreams(id)/Observations."""

import pytest
from django.contrib.auth.models import Permission

from tinhso.accounts.api import _hash
from tinhso.accounts.models import ApiToken, User
from tinhso.sensors.models import Observation, RejectedReading
from tinhso.sensors.services import create_device_token

BASE = "/api/sensorthings/v1.1"


@pytest.fixture
def device(my_hoa):
    return create_device_token(thing=my_hoa.thing, label="logger")


def post(client, path, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(BASE + path, body, content_type="application/json", **headers)


def data_array(ds_id, rows):
    return [
        {
            "Datastream": {"@iot.id": ds_id},
            "components": ["phenomenonTime", "result"],
            "dataArray@iot.count": len(rows),
            "dataArray": rows,
        }
    ]


def test_create_observations_answers_links_and_errors_in_row_order(client, my_hoa, device):
    rows = [
        ["2026-02-10T00:00:00Z", 1.2],
        ["2026-02-10T00:01:00+07:00", 1.3],
        ["2026-02-10T00:02:00", 1.4],  # no zone
        ["2026-02-10T00:00:00Z", 1.2],  # repeated
        ["2026-02-10T00:03:00Z", 99],  # out of range
    ]
    response = post(client, "/CreateObservations", data_array(my_hoa.pk, rows), device)
    assert response.status_code == 201
    answer = response.json()
    assert answer[0].startswith(f"http://testserver{BASE}/Observations(")
    assert answer[1].startswith(f"http://testserver{BASE}/Observations(")
    assert answer[2:] == ["error", "error", "error"]
    assert Observation.objects.filter(datastream=my_hoa).count() == 2
    assert sorted(RejectedReading.objects.values_list("reason", flat=True)) == [
        "duplicate",
        "malformed",
        "out_of_range",
    ]
    # the link leads to the stored observation
    stored = client.get(answer[0].replace("http://testserver", "")).json()
    assert stored["result"] == 1.2 and stored["phenomenonTime"] == "2026-02-10T00:00:00.000Z"


def test_post_one_observation_returns_201_with_location(client, my_hoa, device):
    body = {"phenomenonTime": "2026-02-10T00:00:00Z", "result": 0.7, "parameters": {"tide": "high"}}
    response = post(client, f"/Datastreams({my_hoa.pk})/Observations", body, device)
    assert response.status_code == 201
    assert response["Location"] == response.json()["@iot.selfLink"]
    assert Observation.objects.get(datastream=my_hoa).parameters == {"tide": "high"}
    again = post(client, f"/Datastreams({my_hoa.pk})/Observations", body, device)
    assert again.status_code == 409 and again.json()["type"] == "error"


def test_device_may_write_only_its_own_station(client, network, device):
    other = network["son-doc"]
    body = {"phenomenonTime": "2026-02-10T00:00:00Z", "result": 0.7}
    response = post(client, f"/Datastreams({other.pk})/Observations", body, device)
    assert response.status_code == 403
    assert not Observation.objects.exists()


def test_without_or_with_a_wrong_token_nothing_is_written(client, my_hoa):
    body = {"phenomenonTime": "2026-02-10T00:00:00Z", "result": 0.7}
    assert post(client, f"/Datastreams({my_hoa.pk})/Observations", body).status_code == 401
    assert post(client, f"/Datastreams({my_hoa.pk})/Observations", body, "nope").status_code == 401
    assert not Observation.objects.exists()


def test_user_api_token_needs_the_add_observation_permission(client, my_hoa):
    user = User.objects.create_user("tich.hop", password="x")
    ApiToken.objects.create(user=user, key_hash=_hash("platform-key"))
    body = {
        "phenomenonTime": "2026-02-10T00:00:00Z",
        "result": 0.7,
        "Datastream": {"@iot.id": my_hoa.pk},
    }
    assert post(client, "/Observations", body, "platform-key").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="add_observation"))
    assert post(client, "/Observations", body, "platform-key").status_code == 201


def test_malformed_bodies_are_400(client, my_hoa, device):
    assert post(client, "/CreateObservations", {"not": "a list"}, device).status_code == 400
    bad_components = [
        {"Datastream": {"@iot.id": my_hoa.pk}, "components": ["result"], "dataArray": []}
    ]
    assert post(client, "/CreateObservations", bad_components, device).status_code == 400
    response = post(client, f"/Datastreams({my_hoa.pk})/Observations", {"result": "high"}, device)
    assert response.status_code == 400
    assert post(client, "/Things", {}, device).status_code == 405
