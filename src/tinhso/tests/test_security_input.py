"""Malformed input answers 400 in the endpoint's own error format, never 500.

A NUL character reaches PostgreSQL as a query parameter (or a ``\\u0000`` escape inside a JSON
column) and the query fails: before ``tinhso.middleware.MalformedInputMiddleware`` every endpoint
below answered 500 on PostgreSQL. SQLite stores a NUL, so there they answered 200 and let it in;
the rule is the same on both databases, and so are these tests. Text that is not UTF-8, a body
declared JSON that does not parse, and a multipart body without a boundary are refused the same
way. Each endpoint answers in its own format: the REST API ``{"detail", "field"}``, CKAN its
envelope, SensorThings ``{"code", "type", "message"}``, pages the HTML 400 page.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.accounts.testing import token_request
from tinhso.datasets.testing import catalogue_for
from tinhso.dossiers.models import Attachment, Dossier
from tinhso.sensors.models import Observation
from tinhso.sensors.services import create_device_token
from tinhso.sensors.stations import ensure_network
from tinhso.testing import FORM_DATA, PDF_BYTES, make_cast

STA = "/api/sensorthings/v1.1"


@dataclass
class World:
    citizen: dict[str, str]  # the citizen's Authorization header
    device: dict[str, str]  # a data logger's, for SensorThings ingest
    datastream: int
    dossier: str


@pytest.fixture(autouse=True)
def _empty_cache():
    """The API's rate limits count in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    cast = make_cast()
    catalogue_for(cast)
    network = ensure_network()
    station = network["my-hoa"]
    client = Client()
    answer = client.post("/api/v1/auth/token", token_request("citizen1"), "application/json")
    citizen = {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}
    filed = client.post(
        "/api/v1/dossiers",
        {"procedure": "2.000001", "data": FORM_DATA},
        "application/json",
        **citizen,
    )
    assert filed.status_code == 201, filed.content
    device = create_device_token(thing=station.thing, label="logger")
    return World(
        citizen=citizen,
        device={"HTTP_AUTHORIZATION": f"Bearer {device}"},
        datastream=station.pk,
        dossier=filed.json()["code"],
    )


@pytest.fixture
def client() -> Client:
    """Exceptions become responses, as in production (a 500 is an answer to assert on)."""
    return Client(raise_request_exception=False)


# --- the formats -------------------------------------------------------------------------------


def rest_error(response: Any, field: str | None = None, status: int = 400) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "field"} and body["field"] == field, body
    return str(body["detail"])


def ckan_error(response: Any, field: str | None = None) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False and "/api/3/action/help_show?name=" in body["help"], body
    assert body["error"]["__type"] == "Validation Error", body
    if field:
        assert body["error"][field] == [body["error"]["message"]]
    return str(body["error"]["message"])


def sta_error(response: Any, field: str | None = None) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "type", "message"} and body["code"] == 400, body
    assert body["type"] == "error"
    return str(body["message"])


def html_error(response: Any, field: str | None = None) -> str:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    page = response.content.decode()
    assert "Yêu cầu không hợp lệ (400)" in page and 'lang="vi"' in page
    return page


NUL = "ký tự NUL"
NOT_UTF8 = "không phải văn bản UTF-8"


# --- a NUL in the query string, the path or a form ---------------------------------------------

NUL_IN_URL = [
    ("/api/v1/procedures?q=a%00b", rest_error, "q"),
    ("/api/v1/lookup/H61%00?phone_last4=1234", rest_error, None),
    ("/api/3/action/package_search?q=a%00b", ckan_error, "q"),
    ("/api/action/package_search?fq=name:a%00b", ckan_error, "fq"),
    (f"{STA}/Things?$filter=name%20eq%20%27a%00b%27", sta_error, None),
    ("/thu-tuc/?q=a%00b", html_error, None),
    ("/du-lieu/?q=a%00b", html_error, None),
    ("/du-lieu/a%00b/", html_error, None),
]


@pytest.mark.parametrize(("url", "answer", "field"), NUL_IN_URL)
def test_nul_in_query_string_or_path_answers_400_in_the_endpoints_format(
    client, world, url, answer, field
):
    message = answer(client.get(url), field)
    if answer is not html_error:
        assert NUL in message


def test_nul_in_a_cookie_answers_400_before_the_session_is_looked_up(client, world):
    """Django unquotes ``"\\000"`` in a quoted cookie value: a session key with a NUL."""
    cookie = 'sessionid="abc\\000defghijklmnop"'
    html_error(client.get("/thu-tuc/", HTTP_COOKIE=cookie))
    assert NUL in rest_error(client.get("/api/v1/procedures", HTTP_COOKIE=cookie), "sessionid")


def test_nul_in_a_form_field_answers_400_page(client, world):
    response = client.post("/dang-nhap/", {"username": "citizen\x001", "password": "pw"})
    html_error(response)
    response = client.post("/tra-cuu/", {"code": "H61\x00", "phone_last4": "1234"})
    html_error(response)


# --- a NUL in a JSON body (a "\u0000" escape: only there after parsing) -----------------------


def test_nul_escape_in_json_body_of_the_token_endpoint(client, world):
    body = '{"username": "citizen1\\u0000", "password": "pw"}'
    assert "\x00" not in body  # the raw bytes are clean: the NUL appears only once parsed
    response = client.post("/api/v1/auth/token", body, "application/json")
    assert NUL in rest_error(response, "username")


def test_nul_escape_in_a_filed_form_refuses_the_dossier(client, world):
    before = Dossier.objects.count()
    body = json.dumps({"procedure": "2.000001", "data": FORM_DATA | {"ho_ten": "An\x00"}})
    response = client.post("/api/v1/dossiers", body, "application/json", **world.citizen)
    assert NUL in rest_error(response, "data.ho_ten")
    assert Dossier.objects.count() == before


def test_nul_escape_in_json_sent_as_text_plain_is_refused_too(client, world):
    """The API reads a body as JSON whatever its Content-Type (a cross-site form can send
    text/plain): the check follows what the endpoint reads."""
    body = json.dumps({"procedure": "2.000001", "data": FORM_DATA | {"ho_ten": "An\x00"}})
    response = client.post("/api/v1/dossiers", body, "text/plain", **world.citizen)
    assert NUL in rest_error(response, "data.ho_ten")


def test_lone_surrogate_escape_in_json_is_refused(client, world):
    body = '{"procedure": "2.000001", "data": {"ho_ten": "An\\ud800", "ngay_sinh": "1995-03-02"}}'
    response = client.post("/api/v1/dossiers", body, "application/json", **world.citizen)
    assert NOT_UTF8 in rest_error(response, "data.ho_ten")


def test_nul_escape_in_ckan_json_body(client, world):
    response = client.post("/api/3/action/package_search", '{"q": "a\\u0000b"}', "application/json")
    assert NUL in ckan_error(response, "q")


def test_nul_escape_in_sensorthings_observation(client, world):
    before = Observation.objects.count()
    body = (
        '{"phenomenonTime": "2026-02-10T00:00:00Z", "result": 1.2, "parameters": {"x": "\\u0000"}}'
    )
    response = client.post(
        f"{STA}/Datastreams({world.datastream})/Observations",
        body,
        "application/json",
        **world.device,
    )
    assert NUL in sta_error(response)
    assert Observation.objects.count() == before


def test_nul_escape_to_the_vnpay_sandbox_answers_as_vnpay_does(client, world, settings):
    settings.TINHSO_VNPAY_SANDBOX = True
    body = '{"vnp_Command": "querydr", "vnp_TxnRef": "a\\u0000"}'
    response = client.post("/payments/sandbox/vnpay/api", body, "application/json")
    assert response.status_code == 200 and response.json()["vnp_ResponseCode"] == "03"


# --- text that is not UTF-8, JSON that does not parse ------------------------------------------


@pytest.mark.parametrize(
    ("url", "answer"),
    [
        ("/api/v1/procedures?q=%ff", rest_error),
        ("/api/3/action/package_search?q=%C3%28", ckan_error),
        (f"{STA}/Things?$filter=name%20eq%20%27%ff%27", sta_error),
        ("/du-lieu/?q=%ff", html_error),
    ],
)
def test_query_or_path_that_is_not_utf8_answers_400(client, world, url, answer):
    message = answer(client.get(url), "q")
    if answer is not html_error:
        assert NOT_UTF8 in message


def test_json_body_that_is_not_utf8_or_not_json(client, world):
    response = client.post("/api/v1/auth/token", b'{"username": "\xff"}', "application/json")
    assert NOT_UTF8 in rest_error(response)
    response = client.post("/api/v1/auth/token", b'{"username": ', "application/json")
    assert "không phải JSON hợp lệ" in rest_error(response)
    response = client.post("/api/3/action/package_search", b"[[[", "application/json")
    assert "không phải JSON hợp lệ" in ckan_error(response)


def test_form_body_that_is_not_utf8_answers_400_page(client, world):
    response = client.post(
        "/dang-nhap/", b"username=%ff&password=pw", "application/x-www-form-urlencoded"
    )
    html_error(response)


def test_messages_follow_the_api_callers_language(client, world):
    response = client.get("/api/v1/procedures?q=a%00b", HTTP_ACCEPT_LANGUAGE="en")
    assert rest_error(response, "q") != ""
    vietnamese = rest_error(client.get("/api/v1/procedures?q=a%00b"), "q")
    assert NUL in vietnamese


# --- multipart/form-data -----------------------------------------------------------------------

NO_BOUNDARY = [
    "multipart/form-data",
    "multipart/form-data; boundary=",
    'multipart/form-data; boundary=""',
    "multipart/form-data; boundary=\u00e9",
]


@pytest.mark.parametrize("content_type", NO_BOUNDARY)
def test_multipart_without_boundary_answers_400_json_on_verify(client, world, content_type):
    response = client.generic("POST", "/api/v1/verify", b"--x\r\n\r\n", content_type)
    assert "multipart/form-data" in rest_error(response)


def test_multipart_without_boundary_answers_400_json_on_attachments(client, world):
    response = client.post(
        f"/api/v1/dossiers/{world.dossier}/attachments",
        b"--x\r\n",
        "multipart/form-data",
        **world.citizen,
    )
    assert "multipart/form-data" in rest_error(response)
    assert not Attachment.objects.exists()


def test_multipart_without_boundary_on_a_page_and_on_ckan(client, world):
    html_error(client.post("/dang-nhap/", b"--x\r\n", "multipart/form-data"))
    response = client.post("/api/3/action/package_search", b"--x\r\n", "multipart/form-data")
    assert "multipart/form-data" in ckan_error(response)


def test_nul_in_a_multipart_field_is_refused(client, world):
    upload = SimpleUploadedFile("to-khai.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(
        f"/api/v1/dossiers/{world.dossier}/attachments",
        {"document": "TK\x00", "file": upload},
        **world.citizen,
    )
    assert NUL in rest_error(response, "document")
    assert not Attachment.objects.exists()


def test_multipart_sent_to_a_json_operation_answers_4xx_json(client, world, settings):
    """The REST API refuses a form sent to a JSON operation by its Content-Type (415). For
    SensorThings a small form stays readable as a raw body (the operation finds no JSON in it);
    a larger one the middleware streamed while parsing, and an operation that reads a raw body
    says it wants JSON. Either way JSON, never a 500."""
    form = {"procedure": "2.000001", "note": "x" * 200}  # the test client's default: multipart
    response = client.post("/api/v1/dossiers", form, **world.citizen)
    assert "application/json" in rest_error(response, status=415)
    observations = f"{STA}/Datastreams({world.datastream})/Observations"
    response = client.post(observations, {"result": "1"}, **world.device)
    assert response.status_code == 400 and response.json()["type"] == "error"

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post("/api/v1/dossiers", form, **world.citizen)
    assert "application/json" in rest_error(response, status=415)
    response = client.post(observations, form, **world.device)
    assert response.status_code == 415
    assert response.json()["code"] == 415 and response.json()["type"] == "error"
    assert Dossier.objects.count() == 1 and not Observation.objects.exists()


# --- normal requests still work ----------------------------------------------------------------


def test_well_formed_requests_pass_unchanged(client, world):
    found = client.get("/api/v1/procedures", {"q": "Cấp giấy khai sinh"})
    assert found.status_code == 200 and found.json()["count"] >= 1
    assert client.get("/thu-tuc/", {"q": "khai sinh"}).status_code == 200
    assert client.get("/du-lieu/", {"q": "dữ liệu đ"}).status_code == 200
    ckan = client.get("/api/3/action/package_search", {"q": "tư pháp"})
    assert ckan.status_code == 200 and ckan.json()["success"] is True
    ckan = client.post("/api/3/action/package_list", {"limit": "1"})  # multipart, as CKAN allows
    assert ckan.status_code == 200 and ckan.json()["success"] is True
    ckan = client.post("/api/3/action/package_list", '{"limit": 1}', "application/json")
    assert ckan.status_code == 200 and len(ckan.json()["result"]) <= 1
    things = client.get(f"{STA}/Things", {"$filter": "name eq 'Mỹ Hóa'"})
    assert things.status_code == 200 and "value" in things.json()
    body = json.dumps({"procedure": "2.000001", "data": FORM_DATA | {"ho_ten": "Lê Thị Đào"}})
    filed = client.post("/api/v1/dossiers", body, "application/json", **world.citizen)
    assert filed.status_code == 201, filed.content
    upload = SimpleUploadedFile("to-khai.pdf", PDF_BYTES, content_type="application/pdf")
    attached = client.post(
        f"/api/v1/dossiers/{world.dossier}/attachments",
        {"document": "TK", "file": upload},
        **world.citizen,
    )
    assert attached.status_code == 201, attached.content
    verified = client.post("/api/v1/verify", {"file": SimpleUploadedFile("x.pdf", PDF_BYTES)})
    assert verified.status_code == 200 and verified.json()["status"] == "unknown"
    observed = client.post(
        f"{STA}/Datastreams({world.datastream})/Observations",
        {"phenomenonTime": "2026-02-10T00:00:00Z", "result": 1.2},
        "application/json",
        **world.device,
    )
    assert observed.status_code == 201, observed.content


# --- errors no endpoint view answered ----------------------------------------------------------


def test_unknown_api_path_answers_404_in_the_apis_json_format(client, world):
    message = rest_error(client.get("/api/v1/khong-co"), status=404)
    assert message == "Không có tài nguyên nào ở địa chỉ này."


def test_method_an_api_path_does_not_take_answers_405_json_and_keeps_allow(client, world):
    response = client.delete("/api/v1/agencies")
    assert rest_error(response, status=405) == "Địa chỉ này không nhận phương thức DELETE."
    assert response["Allow"] == "GET"


def test_method_ckan_does_not_take_answers_in_ckans_envelope(client, world):
    response = client.delete("/api/3/action/package_list")
    assert response.status_code == 405, response.content
    body = response.json()
    assert body["success"] is False and "/api/3/action/help_show?name=package_list" in body["help"]
    assert body["error"]["message"] == "Địa chỉ này không nhận phương thức DELETE."
    assert response["Allow"] == "GET, POST"


def test_errors_outside_the_protocols_stay_html_pages(client, world):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- Content-Type of REST API bodies (ASVS 13.1.5, 13.2.5) --------------------------------------

FILING = json.dumps({"procedure": "2.000001", "data": FORM_DATA})
NOT_JSON_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/xml",
    "application/merge-patch+json",
    "",
]


@pytest.mark.parametrize("content_type", NOT_JSON_TYPES)
def test_json_operation_refuses_a_body_of_another_type_with_415_and_files_nothing(
    client, world, content_type
):
    """The body is valid JSON: before, it was read whatever its Content-Type (a cross-site form
    can send text/plain)."""
    before = Dossier.objects.count()
    response = client.generic("POST", "/api/v1/dossiers", FILING, content_type, **world.citizen)
    assert rest_error(response, status=415) == (
        "Kiểu nội dung không được hỗ trợ: địa chỉ này chỉ nhận application/json."
    )
    assert Dossier.objects.count() == before


def test_token_endpoint_refuses_a_form_encoded_body_with_415(client, world):
    response = client.post(
        "/api/v1/auth/token",
        "username=citizen1&password=tinhso-demo",
        "application/x-www-form-urlencoded",
    )
    assert "application/json" in rest_error(response, status=415)


def test_json_with_a_charset_parameter_is_still_json(client, world):
    response = client.post(
        "/api/v1/dossiers", FILING, "application/json; charset=utf-8", **world.citizen
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"document": "TK"}'),
        ("application/x-www-form-urlencoded", "document=TK"),
        ("text/plain", "TK"),
    ],
)
def test_file_operations_refuse_anything_but_multipart_with_415(client, world, content_type, body):
    url = f"/api/v1/dossiers/{world.dossier}/attachments"
    response = client.generic("POST", url, body, content_type, **world.citizen)
    assert "multipart/form-data" in rest_error(response, status=415)
    response = client.generic("POST", "/api/v1/verify", body, content_type)
    assert "multipart/form-data" in rest_error(response, status=415)
    assert not Attachment.objects.exists()


def test_a_bodyless_post_keeps_its_usual_answer(client, world):
    """No body, no Content-Type to judge: the operation says what is missing, as before."""
    response = client.generic("POST", "/api/v1/dossiers", b"", "text/plain", **world.citizen)
    assert rest_error(response) == "Thiếu nội dung yêu cầu: gửi một đối tượng JSON."
    response = client.generic("POST", "/api/v1/verify", b"", "text/plain")
    assert rest_error(response, "file") == "Thiếu trường bắt buộc: file."


def test_ckan_and_sensorthings_keep_their_own_content_type_rules(client, world):
    ckan = client.post("/api/3/action/package_list", {"limit": "1"})  # multipart form data
    assert ckan.status_code == 200 and ckan.json()["success"] is True
    ckan = client.post("/api/3/action/package_list", '{"limit": 1}', "text/plain")
    assert ckan.status_code == 200 and len(ckan.json()["result"]) <= 1
    observed = client.post(
        f"{STA}/Datastreams({world.datastream})/Observations",
        json.dumps({"phenomenonTime": "2026-02-10T00:00:00Z", "result": 1.2}),
        "text/plain",
        **world.device,
    )
    assert observed.status_code != 415, observed.content
