"""POST /api/v1/verify (public) and GET /api/v1/dossiers/{code}/result (who may see the dossier)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.accounts.testing import bearer_header as token
from tinhso.results import services
from tinhso.results.tests.conftest import tamper, to_result_ready
from tinhso.testing import PNG_BYTES

KEYS = {"valid", "status", "signer", "signed_at", "document_number", "revoked", "reason"}


@pytest.fixture
def issued(cast):
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    with result.file.open("rb") as handle:
        return result, handle.read()


def post_file(client, content: bytes, content_type: str = "application/pdf"):
    upload = SimpleUploadedFile("ket-qua.pdf", content, content_type=content_type)
    return client.post("/api/v1/verify", {"file": upload})


def test_verify_a_valid_result_without_logging_in(client, issued):
    result, content = issued
    response = post_file(client, content)
    assert response.status_code == 200
    body = response.json()
    assert body.keys() == KEYS
    assert body["valid"] is True and body["status"] == "valid" and body["revoked"] is False
    assert body["signer"] == "UBND phường Phú Khương"
    assert body["document_number"] == result.number
    assert body["signed_at"].startswith(result.signed_at.strftime("%Y-%m-%dT"))


def test_verify_a_tampered_copy(client, issued):
    _result, content = issued
    body = post_file(client, tamper(content)).json()
    assert body["valid"] is False and body["status"] == "invalid"


def test_verify_a_revoked_result(client, issued, cast):
    result, content = issued
    services.revoke_result(user=cast.commune_leader, result=result, reason="Sai")
    body = post_file(client, content).json()
    assert body["status"] == "invalid" and body["revoked"] is True
    assert "đã bị thu hồi" in body["reason"]


def test_verify_refuses_a_non_pdf_with_the_error_shape(client, db):
    response = post_file(client, PNG_BYTES)
    assert response.status_code == 400
    assert response.json()["field"] == "file" and "PDF" in response.json()["detail"]


def test_verify_without_a_file_is_400(client, db):
    response = client.post("/api/v1/verify", {})
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.parametrize("who", ["citizen", "commune_clerk", "commune_leader"])
def test_those_who_see_the_dossier_download_its_signed_result(client, issued, cast, who):
    result, content = issued
    response = client.get(
        f"/api/v1/dossiers/{result.dossier.code}/result",
        **token(client, getattr(cast, who).username),
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize("who", ["other_citizen", "other_clerk", "specialist"])
def test_others_get_404(client, issued, cast, who):
    result, _content = issued
    response = client.get(
        f"/api/v1/dossiers/{result.dossier.code}/result",
        **token(client, getattr(cast, who).username),
    )
    assert response.status_code == 404 and response.json()["field"] == "code"


def test_anonymous_gets_401(client, issued):
    result, _content = issued
    assert client.get(f"/api/v1/dossiers/{result.dossier.code}/result").status_code == 401


def test_no_result_yet_is_409(client, cast):
    dossier = to_result_ready(cast)
    response = client.get(
        f"/api/v1/dossiers/{dossier.code}/result", **token(client, cast.citizen.username)
    )
    assert response.status_code == 409
    assert "chưa có kết quả" in response.json()["detail"]


def test_a_reserved_but_unsigned_result_is_still_409(client, cast):
    dossier = to_result_ready(cast)
    services.reserve_result(dossier_id=dossier.pk)
    response = client.get(
        f"/api/v1/dossiers/{dossier.code}/result", **token(client, cast.citizen.username)
    )
    assert response.status_code == 409
