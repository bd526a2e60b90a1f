"""A validation error names the field the client left out, never "None".

ninja reports where a value came from at the head of its ``loc``: ``("file", "file")`` for a
missing upload, ``("body", "payload")`` for a missing JSON body. The error handler once dropped
every element spelled like a source, so both came out as "Thiếu trường bắt buộc: None."
"""

import pytest
from django.test import Client

from tinhso.accounts.testing import token_request
from tinhso.apierrors import field_name
from tinhso.testing import make_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(db) -> dict[str, str]:
    cast = make_cast()
    response = Client().post(
        "/api/v1/auth/token", token_request(cast.citizen.username), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def _error(response) -> dict:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "None" not in body["detail"]
    return body


def test_missing_upload_is_named_file():
    body = _error(Client().post("/api/v1/verify", {"note": "x"}))
    assert body == {"detail": "Thiếu trường bắt buộc: file.", "field": "file"}


def test_missing_attachment_file_is_named_file(auth):
    response = Client().post("/api/v1/dossiers/X/attachments", {"document": "TK"}, **auth)
    assert _error(response) == {"detail": "Thiếu trường bắt buộc: file.", "field": "file"}


def test_missing_json_body_says_so(auth):
    response = Client().post("/api/v1/dossiers", "", content_type="application/json", **auth)
    assert _error(response) == {
        "detail": "Thiếu nội dung yêu cầu: gửi một đối tượng JSON.",
        "field": None,
    }


def test_missing_body_field_keeps_its_name(auth):
    response = Client().post("/api/v1/dossiers", {}, content_type="application/json", **auth)
    assert _error(response) == {"detail": "Thiếu trường bắt buộc: procedure.", "field": "procedure"}


def test_missing_query_parameter_keeps_its_name():
    body = _error(Client().get("/api/v1/lookup/000.00.01.H61-990101-0001"))
    assert body == {"detail": "Thiếu trường bắt buộc: phone_last4.", "field": "phone_last4"}


@pytest.mark.parametrize(
    ("loc", "name"),
    [
        (("file", "file"), "file"),
        (("form", "document"), "document"),
        (("query", "phone_last4"), "phone_last4"),
        (("body", "payload", "procedure"), "procedure"),
        (("body", "payload", "data", "ho_ten"), "data.ho_ten"),
        (("body", "payload", "query"), "query"),  # a body field spelled like a source
        (("body", "payload", "items", 0), "items.0"),
        (("body", "payload"), None),  # the whole body
    ],
)
def test_field_name_drops_only_the_source_and_the_body_parameter(loc, name):
    assert field_name(loc) == name
