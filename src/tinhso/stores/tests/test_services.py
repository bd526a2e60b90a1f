"""Putting documents into the store and taking the citizen's own uploads out again."""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.db import IntegrityError

from tinhso.dossiers import services as dossier_services
from tinhso.stores import services
from tinhso.stores.models import StoredDocument
from tinhso.testing import FORM_DATA, PDF_BYTES, PNG_BYTES, as_file, pdf_upload
from tinhso.uploads import check_upload

from .conftest import ISSUED, media_files, store_result

pytestmark = pytest.mark.django_db


def test_store_document_writes_the_file_and_records_its_hash_size_and_origin(cast):
    document = store_result(cast.citizen, cast, title="  Giấy   khai sinh  ")
    document.refresh_from_db()
    assert document.owner == cast.citizen
    assert document.kind == StoredDocument.Kind.RESULT
    assert document.title == "Giấy khai sinh"
    assert document.issuer == cast.dept and document.issued_at == ISSUED
    assert document.document_number == "123/GKS"
    assert document.size == len(PDF_BYTES)
    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert document.file.name.startswith("stores/")
    assert document.file.name.endswith("-giay-khai-sinh.pdf")
    assert Path(document.file.path).read_bytes() == PDF_BYTES
    assert media_files() == [Path(document.file.path)]


def test_store_document_accepts_a_png_receipt(cast):
    document = services.store_document(
        owner=cast.citizen,
        kind=StoredDocument.Kind.RECEIPT,
        title="Biên lai lệ phí",
        content=PNG_BYTES,
        content_type="image/png",
    )
    assert document.file.name.endswith(".png")
    assert services.download_name(document) == "bien-lai-le-phi.png"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"content": b"just some text, not a PDF"}, "content"),
        ({"content": PNG_BYTES}, "content"),  # declared as a PDF
        ({"content": b""}, "content"),
        ({"content_type": "text/html"}, "content"),
        ({"kind": "secret"}, "kind"),
        ({"title": "   "}, "title"),
        ({"issued_at": datetime.datetime(2025, 8, 4, 9, 30)}, "issued_at"),
    ],
)
def test_store_document_rejects_bad_input_and_writes_nothing(cast, changes, field):
    arguments = {
        "owner": cast.citizen,
        "kind": StoredDocument.Kind.RESULT,
        "title": "Giấy khai sinh",
        "content": PDF_BYTES,
        "content_type": "application/pdf",
        **changes,
    }
    with pytest.raises(services.StoreError) as error:
        services.store_document(**arguments)
    assert error.value.field == field
    assert StoredDocument.objects.count() == 0
    assert media_files() == []


def test_file_is_removed_again_when_the_row_cannot_be_saved(cast, monkeypatch):
    def fail(self, *args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(StoredDocument, "save", fail)
    with pytest.raises(IntegrityError):
        store_result(cast.citizen, cast)
    assert media_files() == []


def test_store_upload_keeps_the_citizens_paper_with_the_checked_hash(cast):
    checked = check_upload(as_file(PNG_BYTES, "can cuoc.png"))
    document = services.store_upload(owner=cast.citizen, title="Căn cước", upload=checked)
    assert document.kind == StoredDocument.Kind.UPLOAD
    assert document.content_type == "image/png"
    assert document.sha256 == checked.sha256 == hashlib.sha256(PNG_BYTES).hexdigest()
    assert Path(document.file.path).read_bytes() == PNG_BYTES
    assert document.issuer is None and document.issued_at is None


def test_delete_upload_removes_the_row_and_after_commit_the_file(
    cast, django_capture_on_commit_callbacks
):
    document = services.store_upload(
        owner=cast.citizen, title="Căn cước", upload=check_upload(pdf_upload())
    )
    path = Path(document.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_upload(user=cast.citizen, document=document)
    assert not StoredDocument.objects.filter(pk=document.pk).exists()
    assert not path.exists()


def test_issued_results_cannot_be_deleted(cast):
    document = store_result(cast.citizen, cast)
    with pytest.raises(services.StoreError, match="do cơ quan cấp"):
        services.delete_upload(user=cast.citizen, document=document)
    assert StoredDocument.objects.filter(pk=document.pk).exists()
    assert Path(document.file.path).exists()


def test_another_persons_upload_cannot_be_deleted(cast):
    document = services.store_upload(
        owner=cast.citizen, title="Căn cước", upload=check_upload(pdf_upload())
    )
    with pytest.raises(services.StoreError):
        services.delete_upload(user=cast.other_citizen, document=document)
    assert StoredDocument.objects.filter(pk=document.pk).exists()


def test_a_reused_upload_cannot_be_deleted(cast):
    document = services.store_upload(
        owner=cast.citizen, title="Căn cước", upload=check_upload(pdf_upload())
    )
    dossier_services.file_dossier(
        user=cast.citizen,
        version=cast.province_procedure,
        data=dict(FORM_DATA),
        applicant=dossier_services.Applicant.from_user(cast.citizen),
        files=[dossier_services.NewFile("TK", stored=document)],
    )
    with pytest.raises(services.StoreError, match="đã được dùng trong hồ sơ"):
        services.delete_upload(user=cast.citizen, document=document)
    assert StoredDocument.objects.filter(pk=document.pk).exists()
