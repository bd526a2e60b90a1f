"""A real GeoReport v2 client (``georeport`` from PyPI, unchanged) against a live server, and a
form-encoded POST as any client sends it (the library has no create call)."""

import pytest
import requests
from georeport import GeoReport

from tinhso.open311.services import create_api_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def root(live_server, memory):
    return f"{live_server.url}/open311/v2"


def file_request(root, key, **fields):
    data = {
        "api_key": key,
        "service_code": "ngap-duong",
        "lat": "10.03",
        "long": "105.78",
        "attribute[muc-nuoc]": "goi",
        "attribute[phuong-tien][]": ["xe-may", "o-to"],
        "description": "Ngập sâu trước chợ Xuân Khánh",
        **fields,
    }
    response = requests.post(f"{root}/requests.json", data=data, timeout=10)
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()[0]["service_request_id"]


def test_georeport_client_reads_services_and_requests_in_json(root, memory):
    key = create_api_key(name="georeport").secret
    request_id = file_request(root, key)
    client = GeoReport(root)
    services = client.get_service_list()
    assert [s["service_code"] for s in services][:2] == ["ngap-duong", "den-duong"]
    definition = client.get_service_definition("ngap-duong")
    assert definition["attributes"][1]["code"] == "muc-nuoc"
    found = client.get_service_requests(service_code="ngap-duong", status="open")
    assert [r["service_request_id"] for r in found] == [request_id]
    one = client.get_service_request(request_id)
    assert one["status"] == "open" and one["description"] == "Ngập sâu trước chợ Xuân Khánh"
    assert one["requested_datetime"].endswith("+07:00")
    assert memory.requests[request_id].params.attributes["phuong-tien"] == ["xe-may", "o-to"]


def test_georeport_client_reads_xml(root, memory):
    key = create_api_key(name="georeport").secret
    first = file_request(root, key)
    second = file_request(root, key, description="Ngập lần hai")
    client = GeoReport(root, output_format="xml")
    services = client.get_service_list()
    assert [s["service_name"] for s in services] == ["Ngập đường", "Đèn đường hỏng", "Xâm nhập mặn"]
    definition = client.get_service_definition("ngap-duong")
    assert definition["service_code"] == "ngap-duong"
    found = client.get_service_requests(service_request_id=f"{first},{second}")
    assert [r["service_request_id"] for r in found] == [first, second]
    one = client.get_service_request(second)
    assert (one["status"], one["description"]) == ("open", "Ngập lần hai")


def test_errors_reach_the_client_as_http_errors(root):
    client = GeoReport(root)
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_definition("khong-co")
    assert caught.value.response.status_code == 404
    assert caught.value.response.json()[0]["code"] == 404
    refused = requests.post(f"{root}/requests.json", data={"service_code": "den-duong"}, timeout=10)
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
