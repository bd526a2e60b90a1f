"""Public pages: /xac-thuc/ (upload a PDF) and /xac-thuc/<token>/ (opened from the QR code)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.results import services
from tinhso.results.tests.conftest import tamper, to_result_ready
from tinhso.testing import PNG_BYTES


@pytest.fixture
def issued(cast):
    result = services.issue_result(dossier_id=to_result_ready(cast).pk)
    with result.file.open("rb") as handle:
        return result, handle.read()


def upload(content: bytes, name: str = "ket-qua.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_verify_page_is_public_and_has_an_upload_form(client, db):
    response = client.get(reverse("results:verify"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert reverse("results:verify") == "/xac-thuc/"


def test_uploading_an_issued_result_shows_valid_and_links_to_the_register(client, issued):
    result, content = issued
    response = client.post(reverse("results:verify"), {"file": upload(content)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hợp lệ" in html and result.number in html and "UBND phường Phú Khương" in html
    assert reverse("results:token", args=[result.public_token]) in html


def test_uploading_a_tampered_copy_shows_invalid(client, issued):
    _result, content = issued
    response = client.post(reverse("results:verify"), {"file": upload(tamper(content))})
    assert response.status_code == 200
    assert "Không hợp lệ" in response.content.decode()


def test_a_file_that_is_not_a_pdf_is_refused(client, db):
    response = client.post(
        reverse("results:verify"), {"file": upload(PNG_BYTES, "anh.pdf", "application/pdf")}
    )
    assert response.status_code == 400
    assert "không phải tệp PDF" in response.content.decode()


def test_the_type_is_judged_by_content_not_by_the_declared_type(client, issued):
    _result, content = issued
    response = client.post(
        reverse("results:verify"), {"file": upload(content, "tep", "application/octet-stream")}
    )
    assert response.status_code == 200 and "Hợp lệ" in response.content.decode()


def test_a_file_over_the_size_cap_is_refused(client, db, settings):
    settings.TINHSO_UPLOAD_MAX_BYTES = 1024
    response = client.post(reverse("results:verify"), {"file": upload(b"%PDF-1.7\n" + b"0" * 2000)})
    assert response.status_code == 400
    assert "vượt quá dung lượng" in response.content.decode()


def test_token_page_shows_the_register_entry(client, issued):
    result, _content = issued
    response = client.get(reverse("results:token", args=[result.public_token]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    for text in (result.number, result.sha256, result.signer_fingerprint, "UBND phường Phú Khương"):
        assert text in html
    assert result.dossier.code in html and "đang có hiệu lực" in html
    assert result.dossier.applicant_phone not in html  # no personal contact data
    assert reverse("results:download", args=[result.public_token]) in html


def test_download_returns_the_signed_pdf_as_issued(client, issued):
    result, content = issued
    response = client.get(reverse("results:download", args=[result.public_token]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == content
    assert "ket-qua-1-" in response["Content-Disposition"]


def test_unknown_token_is_404(client, db):
    assert client.get("/xac-thuc/0123456789abcdef0123456789abcdef/").status_code == 404
    assert client.get("/xac-thuc/0123456789abcdef0123456789abcdef/tai-ve/").status_code == 404


def test_a_revoked_result_shows_the_revocation_and_is_no_longer_downloadable(client, issued, cast):
    result, _content = issued
    services.revoke_result(user=cast.commune_leader, result=result, reason="Cấp nhầm hồ sơ")
    html = client.get(reverse("results:token", args=[result.public_token])).content.decode()
    assert "đã bị thu hồi" in html and "Cấp nhầm hồ sơ" in html
    assert reverse("results:download", args=[result.public_token]) not in html
    response = client.get(reverse("results:download", args=[result.public_token]))
    assert response.status_code == 410
