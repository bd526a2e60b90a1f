"""Open311 over the province's real reports (``ReportsAdapter``), on a live server: a client app
files with its API key, the unchanged ``georeport`` client reads it back, the responsible
agency's leader answers through ``/api/v1/feedback/{id}/actions`` and the request shows closed
with the answer in ``status_notes`` (issue 18's contract). Nothing of the reporter is shown."""

import pytest
import requests
from defusedxml import ElementTree
from django.test import Client
from georeport import GeoReport

from tinhso.open311.services import create_api_key
from tinhso.reports import services
from tinhso.reports.models import Category, Report, Update
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db(transaction=True)

INSIDE = {"lat": "10.2475", "long": "106.3860"}  # Phú Khương ward, inside the demo boundary


@pytest.fixture
def province(live_server):
    cast = make_cast()
    Category.objects.create(code="o-ga", name="Ổ gà, hư hỏng mặt đường", agency=cast.dept, order=1)
    Category.objects.create(code="ngap-ung", name="Ngập úng", agency=cast.dept, order=2)
    return cast, f"{live_server.url}/open311/v2", create_api_key(name="ung-dung-thu").secret


def post(root, key, **fields):
    data = {"api_key": key, "service_code": "o-ga", "description": "Ổ gà sâu giữa đường", **fields}
    return requests.post(f"{root}/requests.json", data=data, timeout=10)


def test_a_client_files_the_official_answers_and_the_client_reads_it_closed(province):
    cast, root, key = province
    created = post(root, key, first_name="Trần", last_name="Bình", phone="0912345678", **INSIDE)
    assert created.status_code == 201, created.text
    request_id = created.json()[0]["service_request_id"]
    report = Report.objects.get(public_id=request_id)
    assert (report.source, report.client, report.agency) == ("open311", "ung-dung-thu", cast.dept)

    client = GeoReport(root)
    assert [s["service_code"] for s in client.get_service_list()] == ["o-ga", "ngap-ung"]
    shown = client.get_service_request(request_id)
    assert shown["status"] == "open" and shown["agency_responsible"] == cast.dept.name
    assert shown["requested_datetime"].endswith("+07:00") and shown["expected_datetime"]
    raw = requests.get(f"{root}/requests/{request_id}.json", timeout=10).text
    assert "Trần" not in raw and "0912345678" not in raw  # never the reporter

    officials = Client()
    officials.force_login(cast.citizen)
    refused = officials.post(
        f"/api/v1/feedback/{request_id}/actions",
        {"action": "answer", "comment": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    officials.force_login(cast.leader)
    for body in ({"action": "acknowledge"}, {"action": "answer", "comment": "Đã vá ổ gà."}):
        response = officials.post(
            f"/api/v1/feedback/{request_id}/actions", body, content_type="application/json"
        )
        assert response.status_code == 200, response.content

    closed = client.get_service_request(request_id)
    assert closed["status"] == "closed" and "Đã vá ổ gà." in closed["status_notes"]
    xml = requests.get(f"{root}/requests/{request_id}.xml", timeout=10)
    assert xml.status_code == 200
    tree = ElementTree.fromstring(xml.content)
    assert tree.find(".//status").text == "closed"
    listed = client.get_service_requests(service_code="o-ga", status="closed")
    assert [r["service_request_id"] for r in listed] == [request_id]


def test_a_pin_outside_the_province_is_refused_and_nothing_is_filed(province):
    _cast, root, key = province
    refused = post(root, key, lat="21.0285", long="105.8542")  # Hà Nội
    assert refused.status_code == 400
    assert refused.json()[0]["code"] == 400 and "ngoài địa bàn" in refused.json()[0]["description"]
    forged = post(root, "khong-phai-khoa", **INSIDE)
    assert forged.status_code == 403
    assert not Report.objects.exists()


def test_private_reports_stay_out_of_open311(province):
    cast, root, key = province
    hidden = services.file_report(
        data=services.NewReport(
            category="o-ga", description="Phản ánh không công khai", private=True, **_pin()
        ),
        reporter=cast.citizen,
    )
    public = post(root, key, **INSIDE).json()[0]["service_request_id"]
    listed = requests.get(f"{root}/requests.json", timeout=10).json()
    assert [r["service_request_id"] for r in listed] == [public]
    assert requests.get(f"{root}/requests/{hidden.public_id}.json", timeout=10).status_code == 404


def test_an_update_repeated_by_its_sender_is_stored_once(province):
    _cast, root, key = province
    request_id = post(root, key, **INSIDE).json()[0]["service_request_id"]
    update = {
        "api_key": key,
        "service_request_id": request_id,
        "update_id": "fms-77",
        "updated_datetime": "2026-12-08T09:00:00+07:00",
        "status": "OPEN",
        "description": "Người dân bổ sung: ổ gà rộng hơn",
    }
    first = requests.post(f"{root}/servicerequestupdates.json", data=update, timeout=10)
    again = requests.post(f"{root}/servicerequestupdates.json", data=update, timeout=10)
    assert first.status_code in (200, 201), first.text
    assert again.status_code == 200, again.text
    assert Update.objects.filter(external_id="fms-77").count() == 1


def _pin():
    return {"lat": INSIDE["lat"], "lon": INSIDE["long"]}
