"""Attaching a stored document to a dossier (dossiers.services.NewFile(stored=...))."""

from pathlib import Path

import pytest

from tinhso.dossiers import services
from tinhso.dossiers.models import Attachment, Dossier
from tinhso.stores.models import StoredDocument
from tinhso.testing import FORM_DATA, PDF_BYTES, pdf_upload
from tinhso.uploads import check_upload

from .conftest import media_files, store_result

pytestmark = pytest.mark.django_db


def file_with(cast, *files, user=None):
    user = user or cast.citizen
    return services.file_dossier(
        user=user,
        version=cast.province_procedure,
        data=dict(FORM_DATA),
        applicant=services.Applicant.from_user(user),
        files=list(files),
    )[0]


def test_reuse_copies_the_bytes_and_records_where_they_came_from(cast):
    stored = store_result(cast.citizen, cast, title="Tờ khai đã ký")
    dossier = file_with(cast, services.NewFile("TK", stored=stored))
    attachment = Attachment.objects.get(dossier=dossier)
    assert attachment.reused_from == stored
    assert attachment.sha256 == stored.sha256
    assert attachment.size == stored.size
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "to-khai-da-ky.pdf"
    assert attachment.uploaded_by == cast.citizen
    assert not attachment.digitised
    # a copy: the dossier does not depend on the store keeping its file
    assert attachment.file.name != stored.file.name
    assert Path(attachment.file.path).read_bytes() == PDF_BYTES
    assert len(media_files()) == 2


def test_uploads_and_reuse_can_be_mixed_in_one_filing(cast):
    stored = store_result(cast.citizen, cast)
    dossier = file_with(
        cast,
        services.NewFile("TK", check_upload(pdf_upload("to-khai.pdf"))),
        services.NewFile("CCCD", stored=stored),
    )
    reused = {a.document_code: a.reused_from_id for a in dossier.attachments.all()}
    assert reused == {"TK": None, "CCCD": stored.pk}


def test_new_file_takes_exactly_one_source(cast):
    stored = store_result(cast.citizen, cast)
    with pytest.raises(ValueError):
        services.NewFile("TK")
    with pytest.raises(ValueError):
        services.NewFile("TK", check_upload(pdf_upload()), stored=stored)


def test_someone_elses_stored_document_is_refused_and_nothing_is_saved(cast):
    stored = store_result(cast.other_citizen, cast)
    with pytest.raises(services.InvalidInput):
        file_with(cast, services.NewFile("TK", stored=stored))
    assert Dossier.objects.count() == 0
    assert media_files() == [Path(stored.file.path)]


def test_a_revoked_document_is_refused(cast):
    stored = store_result(cast.citizen, cast)
    StoredDocument.objects.filter(pk=stored.pk).update(revoked=True)
    stored.refresh_from_db()
    with pytest.raises(services.InvalidInput):
        file_with(cast, services.NewFile("TK", stored=stored))
    assert Dossier.objects.count() == 0


def test_a_stored_file_changed_on_disk_is_refused(cast):
    stored = store_result(cast.citizen, cast)
    Path(stored.file.path).write_bytes(PDF_BYTES + b"% altered\n")
    with pytest.raises(services.InvalidInput, match="không còn nguyên vẹn"):
        file_with(cast, services.NewFile("TK", stored=stored))
    assert Dossier.objects.count() == 0
    assert media_files() == [Path(stored.file.path)]


def test_a_failed_filing_removes_the_copied_file(cast):
    stored = store_result(cast.citizen, cast)
    with pytest.raises(services.InvalidInput):
        file_with(
            cast,
            services.NewFile("TK", stored=stored),
            services.NewFile("KHONG-CO", check_upload(pdf_upload())),
        )
    assert Dossier.objects.count() == 0
    assert media_files() == [Path(stored.file.path)]
