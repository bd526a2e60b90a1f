"""The GeoReport v2 routes against the in-memory adapter: both formats, every error path, the
attribute syntax, the search window, keys, idempotent updates, CSRF exemption and CORS."""

import datetime
import json
import re

import pytest
import time_machine
from defusedxml import ElementTree
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from tinhso.open311 import adapter as registry
from tinhso.open311.adapter import Request
from tinhso.open311.services import create_api_key, revoke_api_key
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
PIN = {"lat": "10.03", "long": "105.78"}
FLOOD = {"service_code": "ngap-duong", "attribute[muc-nuoc]": "goi", **PIN}
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


def xml(response):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return ElementTree.fromstring(response.content)


def error_of(response):
    """The (code, description) of a GeoReport error, in whichever format it came."""
    if response["Content-Type"].startswith("text/xml"):
        root = xml(response)
        assert root.tag == "errors"
        error = root.find("error")
        return int(error.findtext("code")), error.findtext("description")
    body = response.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    return body[0]["code"], body[0]["description"]


def post(client, path, data):
    return client.post(f"{BASE}/{path}", data)


def old_request(memory, request_id, days_ago, **changes):
    when = timezone.now() - datetime.timedelta(days=days_ago)
    values = {
        "service_request_id": request_id,
        "status": "open",
        "service_code": "den-duong",
        "service_name": "Đèn đường hỏng",
        "requested_datetime": when,
        "updated_datetime": when,
    }
    values.update(changes)
    return memory.add(Request(**values))


# --- discovery and services ------------------------------------------------------------------


def test_discovery_names_the_endpoint_in_both_formats(memory, client, settings):
    settings.TINHSO_SITE_URL = "https://tinhso.example.vn"
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "https://tinhso.example.vn/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    formats = [f.text for f in root.find("endpoints/endpoint/formats")]
    assert formats == ["text/xml", "application/json"]


def test_services_list_in_json_and_xml(memory, client):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = response.json()
    assert [s["service_code"] for s in services] == ["ngap-duong", "den-duong", "xam-nhap-man"]
    flood = services[0]
    assert flood == {
        "service_code": "ngap-duong",
        "service_name": "Ngập đường",
        "description": "Đường bị ngập nước",
        "metadata": True,
        "type": "realtime",
        "keywords": "ngập,mưa",
        "group": "Hạ tầng",
    }
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    rows = root.findall("service")
    assert [r.findtext("service_code") for r in rows] == ["ngap-duong", "den-duong", "xam-nhap-man"]
    assert rows[0].findtext("metadata") == "true" and rows[1].findtext("metadata") == "false"
    assert rows[0].findtext("service_name") == "Ngập đường"


def test_service_definition_lists_attributes_in_order(memory, client):
    body = client.get(f"{BASE}/services/ngap-duong.json").json()
    assert body["service_code"] == "ngap-duong"
    codes = [a["code"] for a in body["attributes"]]
    assert codes == ["luu-y", "muc-nuoc", "phuong-tien", "sau-cm", "tu-luc", "ghi-chu"]
    level = body["attributes"][1]
    assert level["datatype"] == "singlevaluelist" and level["required"] is True
    assert level["values"] == [
        {"key": "mat-ca", "name": "Đến mắt cá"},
        {"key": "goi", "name": "Đến gối"},
    ]
    root = xml(client.get(f"{BASE}/services/ngap-duong.xml"))
    assert root.tag == "service_definition"
    attribute = root.findall("attributes/attribute")[1]
    assert attribute.findtext("code") == "muc-nuoc"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["mat-ca", "goi"]
    assert attribute.findtext("variable") == "true"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_in_the_asked_format(memory, client, fmt):
    response = client.get(f"{BASE}/services/khong-co.{fmt}")
    assert response.status_code == 404
    code, description = error_of(response)
    assert code == 404 and "khong-co" in description


@pytest.mark.parametrize("path", ["services.csv", "services", "khong-co.json", "services/x/y.xml"])
def test_unknown_resource_or_format_is_a_georeport_404(memory, client, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert error_of(response)[0] == 404
    if path.endswith(".xml"):
        assert response["Content-Type"].startswith("text/xml")


def test_without_an_adapter_the_protocol_answers_503(client):
    previous = registry.adapter()
    registry.set_adapter(None)
    try:
        response = client.get(f"{BASE}/services.json")
    finally:
        registry.set_adapter(previous)
    assert response.status_code == 503
    assert error_of(response)[0] == 503


# --- POST requests ---------------------------------------------------------------------------


def test_post_creates_the_request_at_once(memory, client, api_key):
    response = post(
        client,
        "requests.json",
        {
            **FLOOD,
            "api_key": api_key,
            "description": "Ngập sâu trước chợ",
            "account_id": "acc-7",
            "email": "dan@example.vn",
            "first_name": "Lan",
            "last_name": "Nguyễn",
            "phone": "0901234567",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == [
        {
            "service_request_id": "PA-00001",
            "service_notice": "Trả lời trong 10 ngày làm việc",
            "account_id": "acc-7",
        }
    ]
    assert response["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in response
    stored = memory.requests["PA-00001"]
    assert stored.client == "ung-dung-thu"
    assert stored.params.attributes == {"muc-nuoc": ["goi"]}
    assert (stored.params.lat, stored.params.long) == (10.03, 105.78)
    assert (stored.params.email, stored.params.first_name, stored.params.phone) == (
        "dan@example.vn",
        "Lan",
        "0901234567",
    )
    shown = client.get(f"{BASE}/requests/PA-00001.json")
    assert shown.json()[0]["status"] == "open"
    for private in ("dan@example.vn", "Lan", "Nguyễn", "0901234567", "acc-7"):
        assert private not in shown.content.decode()


def test_post_in_xml_answers_xml(memory, client, api_key):
    response = post(client, "requests.xml", {**FLOOD, "api_key": api_key})
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == "PA-00001"
    assert root.findtext("request/account_id") == ""


def test_an_address_is_enough_without_a_pin(memory, client, api_key):
    response = post(
        client,
        "requests.json",
        {
            "service_code": "den-duong",
            "api_key": api_key,
            "address_string": "12 Hòa Bình, Ninh Kiều",
        },
    )
    assert response.status_code == 201
    assert memory.requests["PA-00001"].params.address_string == "12 Hòa Bình, Ninh Kiều"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "o311_not-a-real-key", "x" * 500])
def test_post_without_a_valid_key_is_403(memory, client, api_key, fmt, key):
    data = dict(FLOOD)
    if key is not None:
        data["api_key"] = key
    response = post(client, f"requests.{fmt}", data)
    assert response.status_code == 403
    assert error_of(response)[0] == 403
    assert memory.requests == {}


def test_a_revoked_key_is_refused(memory, client):
    new = create_api_key(name="cu")
    revoke_api_key(prefix=new.key.prefix)
    response = post(client, "requests.json", {**FLOOD, "api_key": new.secret})
    assert response.status_code == 403


def test_a_session_cookie_is_not_a_credential(memory, client):
    cast = make_cast()
    client.force_login(cast.citizen)
    response = post(client, "requests.json", FLOOD)
    assert response.status_code == 403
    assert memory.requests == {}


def test_posts_are_csrf_exempt_with_a_key(memory, api_key):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, "requests.json", {**FLOOD, "api_key": api_key}).status_code == 201
    memory.add(Request("PA-9", "open", "den-duong", "Đèn", timezone.now()))
    update = {
        "api_key": api_key,
        "service_request_id": "PA-9",
        "update_id": "u1",
        "updated_datetime": "2026-12-01T08:00:00+07:00",
        "status": "closed",
        "description": "Đã sửa",
    }
    assert post(strict, "servicerequestupdates.json", update).status_code == 201


def test_csrf_exemption_is_only_on_the_two_post_routes():
    resolver = get_resolver()
    exempt = set()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == "open311":
            exempt = {
                p.name for p in pattern.url_patterns if getattr(p.callback, "csrf_exempt", False)
            }
    assert exempt == {"requests", "updates"}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"lat": "10.03", "long": "105.78"}, "service_code"),
        ({"service_code": "khong-co", **PIN}, "khong-co"),
        ({"service_code": "den-duong"}, "vị trí"),
        ({"service_code": "den-duong", "lat": "10.03"}, "lat"),
        ({"service_code": "den-duong", "lat": "abc", "long": "105"}, "số"),
        ({"service_code": "den-duong", "lat": "91", "long": "105"}, "[-90, 90]"),
        ({"service_code": "den-duong", "lat": "nan", "long": "105"}, "[-90, 90]"),
        ({"service_code": "den-duong", **PIN, "description": "<b>ngập</b>"}, "HTML"),
        ({"service_code": "den-duong", **PIN, "description": "a" * 4001}, "4000"),
        ({"service_code": "den-duong", **PIN, "email": "khong-phai-email"}, "email"),
        ({"service_code": "den-duong", **PIN, "media_url": "javascript:alert(1)"}, "media_url"),
        ({"service_code": "den-duong", "lat": "21.0", "long": "105.8"}, "ngoài tỉnh"),
    ],
)
def test_refused_post_is_400_with_a_reason(memory, client, api_key, data, fragment):
    response = post(client, "requests.json", {**data, "api_key": api_key})
    assert response.status_code == 400, response.content
    code, description = error_of(response)
    assert code == 400 and fragment in description
    assert memory.requests == {}


# --- attribute[code]=value -------------------------------------------------------------------


def test_attributes_as_the_spec_writes_them(memory, client, api_key):
    data = {
        **FLOOD,
        "api_key": api_key,
        "attribute[phuong-tien][]": ["xe-may", "o-to"],
        "attribute[sau-cm]": "35.5",
        "attribute[tu-luc]": "2026-12-01T06:00:00Z",
        "attribute[ghi-chu]": "Nước chảy xiết & đục",
        "jurisdiction_id": "ignored",
    }
    assert post(client, "requests.json", data).status_code == 201
    assert memory.requests["PA-00001"].params.attributes == {
        "muc-nuoc": ["goi"],
        "phuong-tien": ["xe-may", "o-to"],
        "sau-cm": ["35.5"],
        "tu-luc": ["2026-12-01T06:00:00+00:00"],
        "ghi-chu": ["Nước chảy xiết & đục"],
    }


def test_a_repeated_attribute_field_is_a_multivalue_too(memory, client, api_key):
    data = {**FLOOD, "api_key": api_key, "attribute[phuong-tien]": ["xe-may", "o-to"]}
    assert post(client, "requests.json", data).status_code == 201
    assert memory.requests["PA-00001"].params.attributes["phuong-tien"] == ["xe-may", "o-to"]


@pytest.mark.parametrize(
    ("attributes", "fragment"),
    [
        ({}, "muc-nuoc"),  # required, missing
        ({"attribute[muc-nuoc]": "   "}, "muc-nuoc"),  # blank is missing
        ({"attribute[muc-nuoc]": "bien"}, "bien"),  # not one of the keys
        ({"attribute[muc-nuoc]": ["goi", "mat-ca"]}, "một giá trị"),  # single value list
        ({"attribute[muc-nuoc]": "goi", "attribute[phuong-tien][]": ["xe-may", "tau"]}, "tau"),
        ({"attribute[muc-nuoc]": "goi", "attribute[sau-cm]": "sâu lắm"}, "số"),
        ({"attribute[muc-nuoc]": "goi", "attribute[sau-cm]": "inf"}, "số"),
        ({"attribute[muc-nuoc]": "goi", "attribute[tu-luc]": "hôm qua"}, "ISO 8601"),
        ({"attribute[muc-nuoc]": "goi", "attribute[khac]": "x"}, "khac"),
        ({"attribute[muc-nuoc]": "goi", "attribute[luu-y]": "x"}, "chỉ để đọc"),
        ({"attribute[muc-nuoc]": "goi", "attribute[a][b]": "x"}, "attribute[a][b]"),
        ({"attribute[muc-nuoc]": "goi", "attribute": "x"}, "attribute"),
    ],
)
def test_wrong_attributes_are_400(memory, client, api_key, attributes, fragment):
    data = {"service_code": "ngap-duong", **PIN, "api_key": api_key, **attributes}
    response = post(client, "requests.json", data)
    assert response.status_code == 400, response.content
    assert fragment in error_of(response)[1]
    assert memory.requests == {}


# --- GET requests ----------------------------------------------------------------------------


def test_requests_default_window_is_the_last_90_days(memory, client):
    old_request(memory, "PA-old", days_ago=91)
    old_request(memory, "PA-recent", days_ago=89)
    old_request(memory, "PA-new", days_ago=1)
    body = client.get(f"{BASE}/requests.json").json()
    assert [r["service_request_id"] for r in body] == ["PA-new", "PA-recent"]


def test_requests_are_capped_at_1000(memory, client):
    for n in range(1003):
        old_request(memory, f"PA-{n}", days_ago=1 + n / 10_000)
    body = client.get(f"{BASE}/requests.json").json()
    assert len(body) == 1000 and body[0]["service_request_id"] == "PA-0"


def test_requests_filters_by_range_code_and_status(memory, client):
    old_request(memory, "PA-a", days_ago=120)
    old_request(memory, "PA-b", days_ago=101, status="closed")
    old_request(memory, "PA-c", days_ago=100, service_code="ngap-duong")
    start = (timezone.now() - datetime.timedelta(days=130)).isoformat()
    end = (timezone.now() - datetime.timedelta(days=95)).isoformat()

    def ids(**query):
        query = {"start_date": start, "end_date": end, **query}
        return [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", query).json()]

    assert ids() == ["PA-c", "PA-b", "PA-a"]
    assert ids(status="closed") == ["PA-b"]
    assert sorted(ids(status="open")) == ["PA-a", "PA-c"]
    assert ids(service_code="ngap-duong") == ["PA-c"]
    assert sorted(ids(service_code="ngap-duong,den-duong", status="open,closed")) == [
        "PA-a",
        "PA-b",
        "PA-c",
    ]


def test_start_date_alone_opens_a_90_day_window(memory, client):
    old_request(memory, "PA-a", days_ago=200)
    old_request(memory, "PA-b", days_ago=100)  # 110 days after the start: outside
    start = (timezone.now() - datetime.timedelta(days=210)).strftime("%Y-%m-%dT%H:%M:%S+07:00")
    body = client.get(f"{BASE}/requests.json", {"start_date": start}).json()
    assert [r["service_request_id"] for r in body] == ["PA-a"]


def test_end_date_alone_looks_90_days_back(memory, client):
    old_request(memory, "PA-a", days_ago=200)
    old_request(memory, "PA-b", days_ago=150)
    end = (timezone.now() - datetime.timedelta(days=140)).isoformat()
    body = client.get(f"{BASE}/requests.json", {"end_date": end}).json()
    assert [r["service_request_id"] for r in body] == ["PA-b", "PA-a"]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}, "90 ngày"),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, "end_date"),
        ({"start_date": "hôm qua"}, "start_date"),
        ({"end_date": "2026-13-01"}, "end_date"),
        ({"status": "pending"}, "status"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_search_is_400(memory, client, query, fragment, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", query)
    assert response.status_code == 400
    code, description = error_of(response)
    assert code == 400 and fragment in description
    assert response["Access-Control-Allow-Origin"] == "*"


def test_exactly_90_days_is_allowed(memory, client):
    response = client.get(
        f"{BASE}/requests.json",
        {"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-04-01T00:00:00+07:00"},
    )
    assert response.status_code == 200


def test_service_request_id_overrides_every_other_filter(memory, client):
    old_request(memory, "PA-a", days_ago=400, status="closed")
    old_request(memory, "PA-b", days_ago=1)
    query = {
        "service_request_id": "PA-a, PA-zz,PA-b",
        "status": "open",
        "service_code": "x",
        "start_date": "bad date",
    }
    body = client.get(f"{BASE}/requests.json", query).json()
    assert [r["service_request_id"] for r in body] == ["PA-a", "PA-b"]


def test_request_fields_dates_at_plus_seven_in_both_formats(memory, client):
    with time_machine.travel(
        datetime.datetime(2026, 12, 1, 1, 30, tzinfo=datetime.UTC), tick=False
    ):
        memory.add(
            Request(
                "PA-1",
                "closed",
                "ngap-duong",
                "Ngập đường",
                timezone.now(),
                updated_datetime=timezone.now(),
                status_notes="Đã trả lời: đã khơi thông",
                agency_responsible="Sở Xây dựng",
                lat=10.03,
                long=105.78,
                description="Ngập <sâu> & lâu",
            )
        )
    row = client.get(f"{BASE}/requests/PA-1.json").json()[0]
    assert list(row) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert row["requested_datetime"] == "2026-12-01T08:30:00+07:00"
    assert row["expected_datetime"] is None
    assert (row["lat"], row["long"], row["status"]) == (10.03, 105.78, "closed")
    root = xml(client.get(f"{BASE}/requests/PA-1.xml"))
    request = root.find("request")
    assert OFFSET.match(request.findtext("updated_datetime"))
    assert request.findtext("description") == "Ngập <sâu> & lâu"
    assert request.findtext("expected_datetime") == ""
    assert request.findtext("status_notes") == "Đã trả lời: đã khơi thông"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_and_token_are_404(memory, client, fmt):
    for path in (f"requests/PA-none.{fmt}", f"tokens/PA-none.{fmt}"):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404
        assert error_of(response)[0] == 404


def test_token_is_the_request_id(memory, client, api_key):
    request_id = post(client, "requests.json", {**FLOOD, "api_key": api_key}).json()[0][
        "service_request_id"
    ]
    assert client.get(f"{BASE}/tokens/{request_id}.json").json() == [
        {"service_request_id": request_id, "token": request_id}
    ]
    root = xml(client.get(f"{BASE}/tokens/{request_id}.xml"))
    assert root.findtext("request/token") == request_id


def test_reads_carry_cors_for_any_origin(memory, client):
    for path in ("discovery.json", "services.xml", "services/den-duong.json", "requests.json"):
        response = client.get(f"{BASE}/{path}", HTTP_ORIGIN="https://app.example.org")
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response


# --- updates (FixMyStreet's extension) -------------------------------------------------------


def update(key, **changes):
    data = {
        "api_key": key,
        "service_request_id": "PA-1",
        "update_id": "fms-77",
        "updated_datetime": "2026-12-01T08:00:00Z",
        "status": "FIXED",
        "description": "Đã khơi thông cống",
        "external_status_code": "F1",
    }
    data.update(changes)
    return data


def test_an_update_closes_the_request_and_a_repeat_is_idempotent(memory, client, api_key):
    memory.add(Request("PA-1", "open", "ngap-duong", "Ngập đường", timezone.now()))
    first = post(client, "servicerequestupdates.json", update(api_key))
    assert first.status_code == 201
    assert first.json() == [{"update_id": "fms-77"}]
    row = client.get(f"{BASE}/requests/PA-1.json").json()[0]
    assert (row["status"], row["status_notes"]) == ("closed", "Đã khơi thông cống")
    assert row["updated_datetime"] == "2026-12-01T15:00:00+07:00"
    again = post(
        client, "servicerequestupdates.xml", update(api_key, status="open", description="khác")
    )
    assert again.status_code == 200
    assert xml(again).findtext("request_update/update_id") == "fms-77"
    assert client.get(f"{BASE}/requests/PA-1.json").json()[0]["status"] == "closed"


@pytest.mark.parametrize(
    ("changes", "status", "fragment"),
    [
        ({"api_key": "sai"}, 403, "khóa API"),
        ({"update_id": ""}, 400, "update_id"),
        ({"description": ""}, 400, "description"),
        ({"status": "MAYBE"}, 400, "MAYBE"),
        ({"updated_datetime": "yesterday"}, 400, "updated_datetime"),
        ({"media_url": "ftp://x"}, 400, "media_url"),
        ({"service_request_id": "PA-none"}, 404, "Không có"),
    ],
)
def test_refused_updates(memory, client, api_key, changes, status, fragment):
    memory.add(Request("PA-1", "open", "ngap-duong", "Ngập đường", timezone.now()))
    response = post(client, "servicerequestupdates.xml", update(api_key, **changes))
    assert response.status_code == status
    code, description = error_of(response)
    assert code == status and fragment in description
    assert memory.updates == {}


# --- methods and malformed input -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("get", "servicerequestupdates.json", "POST"),
        ("post", "services.xml", "GET, HEAD"),
        ("delete", "requests.json", "GET, HEAD, POST"),
        ("put", "requests/PA-1.xml", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_allow(memory, client, method, path, allow):
    response = getattr(client, method)(f"{BASE}/{path}")
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert error_of(response)[0] == 405


def test_nul_byte_in_a_post_is_a_georeport_400(memory, client, api_key):
    response = post(client, "requests.json", {**FLOOD, "api_key": api_key, "description": "a\x00b"})
    assert response.status_code == 400
    assert error_of(response)[0] == 400
    assert memory.requests == {}


def test_undecodable_query_is_a_georeport_400_in_xml(memory, client):
    response = client.get(f"{BASE}/requests.xml?status=%ff%fe")
    assert response.status_code == 400
    assert error_of(response)[0] == 400


def test_undecodable_form_body_is_400(memory, client, api_key):
    body = f"api_key={api_key}&service_code=den-duong&lat=10.03&long=105.78&description=%ff%fe"
    response = client.post(
        f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert json.loads(response.content)[0]["code"] == 400
    assert memory.requests == {}
