"""The citizen adds their own papers (stores:upload), validated by content like dossier files."""

from pathlib import Path

import pytest
from django.urls import reverse

from tinhso.stores.models import StoredDocument
from tinhso.testing import PDF_BYTES, PNG_BYTES, as_file, pdf_upload

from .conftest import media_files

pytestmark = pytest.mark.django_db
URL = reverse("stores:upload")


def test_a_pdf_is_stored_under_the_given_title(citizen_client, cast):
    response = citizen_client.post(URL, {"title": "Căn cước", "file": pdf_upload("cccd.pdf")})
    assert response.status_code == 302
    assert response["Location"] == reverse("stores:list")
    document = StoredDocument.objects.get()
    assert document.owner == cast.citizen
    assert document.kind == StoredDocument.Kind.UPLOAD
    assert document.title == "Căn cước"
    assert Path(document.file.path).read_bytes() == PDF_BYTES
    page = citizen_client.get(response["Location"]).content.decode()
    assert "Đã lưu “Căn cước” vào kho giấy tờ." in page


def test_a_png_is_accepted(citizen_client, cast):
    citizen_client.post(URL, {"title": "Ảnh thẻ", "file": as_file(PNG_BYTES, "anh.png")})
    assert StoredDocument.objects.get().content_type == "image/png"


def test_a_renamed_executable_is_rejected_and_nothing_is_saved(citizen_client, cast):
    fake = as_file(b"MZ\x90\x00 not a PDF at all" * 4, "cccd.pdf")
    response = citizen_client.post(URL, {"title": "Căn cước", "file": fake})
    html = response.content.decode()
    assert response.status_code == 400
    assert "không phải PDF, JPEG hoặc PNG" in html
    assert 'id="id_file-error"' in html and 'aria-invalid="true"' in html
    assert 'role="alert"' in html and 'href="#id_file"' in html
    assert StoredDocument.objects.count() == 0
    assert media_files() == []


def test_a_file_over_the_limit_is_rejected(citizen_client, cast, settings):
    settings.TINHSO_UPLOAD_MAX_BYTES = 100
    response = citizen_client.post(URL, {"title": "Căn cước", "file": pdf_upload()})
    assert response.status_code == 400
    assert "vượt quá dung lượng" in response.content.decode()
    assert StoredDocument.objects.count() == 0


def test_title_and_file_are_required(citizen_client, cast):
    response = citizen_client.post(URL, {"title": "  "})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Hãy nhập tên giấy tờ." in html
    assert "Hãy chọn tệp cần lưu." in html
    assert StoredDocument.objects.count() == 0


def test_upload_requires_login_and_post(client, citizen_client, cast):
    response = client.post(URL, {"title": "Căn cước", "file": pdf_upload()})
    assert response.status_code == 302
    assert StoredDocument.objects.count() == 0
    assert citizen_client.get(URL).status_code == 405
