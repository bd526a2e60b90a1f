"""The stations' facts published on the public API carry no internal working notes: what is not
confirmed is a flag (``coords_confirmed``, ``location_confirmed``), worded for readers on the pages."""

import json

BASE = "/api/sensorthings/v1.1"
INTERNAL = ("CHƯA XÁC NHẬN", "UNCONFIRMED")


def test_no_station_published_on_the_public_api_carries_an_internal_note(client, network):
    response = client.get(BASE + "/Things", {"$top": 100})
    assert response.status_code == 200
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "Bến Trại" in text and "vàm kênh Cái Mơn" in text
    for note in INTERNAL:
        assert note not in text


def test_a_location_not_confirmed_is_a_flag_on_the_station(client, network):
    things = client.get(BASE + "/Things", {"$top": 100}).json()["value"]
    vam_mon = next(t for t in things if t["name"] == "Vàm Mơn")
    assert vam_mon["properties"]["location_confirmed"] is False
    assert vam_mon["properties"]["coords_confirmed"] is False
