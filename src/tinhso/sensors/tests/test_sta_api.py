"""SensorThings read API: shapes, navigation, $filter/$orderby/$top/$skip/$count/$select/$expand."""

import pytest

from tinhso.sensors.ingest import ingest
from tinhso.sensors.readings import Reading
from tinhso.sensors.tests.conftest import at

BASE = "/api/sensorthings/v1.1"


@pytest.fixture
def series(my_hoa):
    # 10 readings, one a minute: 0.5, 1.0, ..., 5.0 g/L
    ingest([Reading(my_hoa.pk, at(i), 0.5 * (i + 1)) for i in range(10)], source="test")
    return my_hoa


def get(client, path, **params):
    response = client.get(BASE + path, params)
    return response.status_code, response.json()


def test_service_root_lists_entity_sets(client, db):
    status, body = get(client, "/")
    names = {v["name"] for v in body["value"]}
    assert status == 200
    assert names >= {
        "Things",
        "Locations",
        "Sensors",
        "ObservedProperties",
        "Datastreams",
        "Observations",
        "FeaturesOfInterest",
    }
    assert body["value"][0]["url"].startswith("http://testserver/api/sensorthings/v1.1/")


def test_thing_has_id_selflink_and_navigation_links(client, my_hoa):
    status, thing = get(client, f"/Things({my_hoa.thing_id})")
    assert status == 200
    assert thing["@iot.id"] == my_hoa.thing_id
    assert thing["@iot.selfLink"] == f"http://testserver{BASE}/Things({my_hoa.thing_id})"
    assert thing["name"] == "Mỹ Hóa"
    assert thing["properties"]["river"] == "Hàm Luông"
    assert thing["Datastreams@iot.navigationLink"].endswith(
        f"Things({my_hoa.thing_id})/Datastreams"
    )
    status, streams = get(client, f"/Things({my_hoa.thing_id})/Datastreams")
    assert [d["@iot.id"] for d in streams["value"]] == [my_hoa.pk]
    assert streams["value"][0]["unitOfMeasurement"]["symbol"] == "g/L"


def test_locations_are_geojson_points(client, my_hoa):
    _status, body = get(client, f"/Things({my_hoa.thing_id})/Locations")
    location = body["value"][0]
    assert location["encodingType"] == "application/geo+json"
    assert location["location"] == {"type": "Point", "coordinates": [106.3454055, 10.22267205]}


def test_observations_filter_by_time_and_result_with_orderby_and_paging(client, series):
    status, body = get(
        client,
        f"/Datastreams({series.pk})/Observations",
        **{
            "$filter": "phenomenonTime ge 2026-02-10T00:02:00Z and phenomenonTime lt "
            "2026-02-10T00:08:00Z and result gt 2",
            "$orderby": "phenomenonTime desc",
            "$top": "2",
            "$count": "true",
        },
    )
    assert status == 200
    # minutes 2..7 with result > 2 → minutes 4..7 (2.5, 3.0, 3.5, 4.0)
    assert body["@iot.count"] == 4
    assert [o["result"] for o in body["value"]] == [4.0, 3.5]
    assert body["value"][0]["phenomenonTime"] == "2026-02-10T00:07:00.000Z"
    next_link = body["@iot.nextLink"]
    assert "%24skip=2" in next_link or "$skip=2" in next_link
    page2 = client.get(next_link.replace("http://testserver", "")).json()
    assert [o["result"] for o in page2["value"]] == [3.0, 2.5]
    assert "@iot.nextLink" not in page2


def test_filter_le_or_not_and_parentheses(client, series):
    _, body = get(
        client,
        "/Observations",
        **{"$filter": "result le 0.5 or (result ge 4.5 and not result eq 5)"},
    )
    assert sorted(o["result"] for o in body["value"]) == [0.5, 4.5]


def test_count_is_absent_unless_asked_and_skip_works(client, series):
    _, body = get(
        client, f"/Datastreams({series.pk})/Observations", **{"$skip": "8", "$orderby": "result"}
    )
    assert "@iot.count" not in body
    assert [o["result"] for o in body["value"]] == [4.5, 5.0]


def test_select_and_expand(client, series):
    _, things = get(
        client,
        "/Things",
        **{"$filter": "name eq 'Mỹ Hóa'", "$select": "id,name", "$expand": "Datastreams,Locations"},
    )
    thing = things["value"][0]
    assert set(thing) == {"@iot.id", "name", "Datastreams", "Locations"}
    assert thing["Datastreams"][0]["name"] == "Độ mặn tại Mỹ Hóa"
    assert thing["Locations"][0]["location"]["type"] == "Point"
    _, ds = get(
        client,
        f"/Datastreams({series.pk})",
        **{"$expand": "Observations($orderby=phenomenonTime desc;$top=1),ObservedProperty"},
    )
    assert [o["result"] for o in ds["Observations"]] == [5.0]
    assert ds["ObservedProperty"]["name"] == "Độ mặn"
    assert ds["phenomenonTime"] == "2026-02-10T00:00:00.000Z/2026-02-10T00:09:00.000Z"


def test_navigation_from_observation_and_property_paths(client, series):
    _, obs = get(client, f"/Datastreams({series.pk})/Observations", **{"$top": "1"})
    oid = obs["value"][0]["@iot.id"]
    status, thing = get(client, f"/Observations({oid})/Datastream/Thing")
    assert status == 200 and thing["name"] == "Mỹ Hóa"
    status, name = get(client, f"/Things({thing['@iot.id']})/name")
    assert name == {"name": "Mỹ Hóa"}
    raw = client.get(f"{BASE}/Things({thing['@iot.id']})/name/$value")
    assert raw.content.decode() == "Mỹ Hóa"


@pytest.mark.parametrize(
    "query",
    [
        {"$filter": "substringof('a', name)"},
        {"$filter": "result add 1 gt 2"},
        {"$filter": "colour eq 'red'"},
        {"$filter": "phenomenonTime ge 5"},
        {"$filter": "phenomenonTime ge 2016-03-01T00:00:00"},
        {"$filter": "result gt 4 and"},
        {"$filter": "(result gt 4"},
        {"$orderby": "result sideways"},
        {"$top": "-1"},
        {"$count": "maybe"},
        {"$select": "colour"},
        {"$expand": "Things"},
        {"$apply": "x"},
    ],
)
def test_unsupported_queries_get_a_clear_400(client, series, query):
    response = client.get(f"{BASE}/Observations", query)
    assert response.status_code == 400, query
    body = response.json()
    assert body["code"] == 400 and body["type"] == "error" and body["message"]


def test_unknown_entities_are_404(client, series):
    assert client.get(f"{BASE}/Things(999999)").status_code == 404
    assert client.get(f"{BASE}/Gadgets").status_code == 404
    assert client.get(f"{BASE}/Things(1)/Gizmos").status_code == 404
