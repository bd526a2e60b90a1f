"""Reusing a document from the citizen's store in the e-form (portal:apply, portal:draft)."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tinhso.dossiers.models import Attachment, Dossier, Status
from tinhso.stores import services as store_services
from tinhso.stores.models import StoredDocument
from tinhso.testing import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

FORM = {"data.ho_ten": "Nguyễn Văn An", "data.ngay_sinh": "1995-03-02", "data.so_ban": "2"}


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def apply_url(cast) -> str:
    return reverse("portal:apply", args=[cast.province_procedure.procedure.code])


def stored(owner, cast, title: str = "Tờ khai đã ký") -> StoredDocument:
    return store_services.store_document(
        owner=owner,
        kind=StoredDocument.Kind.RESULT,
        title=title,
        content=PDF_BYTES,
        content_type="application/pdf",
        document_number="45/GKS",
        issuer=cast.dept,
        issued_at=datetime.datetime(2025, 8, 4, 2, 0, tzinfo=datetime.UTC),
    )


def options(html: str, select_id: str) -> list[str]:
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select #{select_id}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", match.group(1))


def test_each_document_offers_the_citizens_own_unrevoked_documents(citizen_client, cast):
    stored(cast.citizen, cast, "Giấy khai sinh")
    revoked = stored(cast.citizen, cast, "Giấy phép đã thu hồi")
    StoredDocument.objects.filter(pk=revoked.pk).update(revoked=True)
    stored(cast.other_citizen, cast, "Giấy tờ của Bích")
    html = citizen_client.get(apply_url(cast)).content.decode()
    for select_id in ("reuse-TK", "reuse-CCCD"):
        listed = options(html, select_id)
        assert listed[0] == "— Không dùng giấy tờ trong kho —"
        assert listed[1:] == ["Giấy khai sinh · Kết quả giải quyết TTHC · số 45/GKS · 04/08/2025"]
    assert '<label for="reuse-TK">' in html and 'name="reuse.TK"' in html


def test_without_stored_documents_there_is_no_store_choice(citizen_client, cast):
    html = citizen_client.get(apply_url(cast)).content.decode()
    assert 'name="reuse.TK"' not in html


def test_choosing_a_stored_document_files_a_copy_recorded_as_reuse(citizen_client, cast):
    document = stored(cast.citizen, cast)
    response = citizen_client.post(
        apply_url(cast), {**FORM, "reuse.TK": str(document.pk), "action": "submit"}
    )
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dossier", args=[dossier.code])
    assert dossier.status == Status.SUBMITTED
    attachment = Attachment.objects.get(dossier=dossier)
    assert attachment.document_code == "TK"
    assert attachment.reused_from == document
    assert attachment.sha256 == document.sha256
    assert Path(attachment.file.path).read_bytes() == PDF_BYTES
    assert attachment.file.name != document.file.name


def test_upload_and_reuse_together(citizen_client, cast):
    document = stored(cast.citizen, cast)
    citizen_client.post(
        apply_url(cast),
        {
            **FORM,
            "doc.TK": pdf_upload("to-khai.pdf"),
            "reuse.CCCD": str(document.pk),
            "action": "submit",
        },
    )
    dossier = Dossier.objects.get()
    reused = {a.document_code: a.reused_from_id for a in dossier.attachments.all()}
    assert reused == {"TK": None, "CCCD": document.pk}


def test_someone_elses_stored_document_cannot_be_reused(citizen_client, cast):
    theirs = stored(cast.other_citizen, cast)
    before = media_files()
    response = citizen_client.post(
        apply_url(cast), {**FORM, "reuse.TK": str(theirs.pk), "action": "submit"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="doc-TK-error"' in html
    assert "Giấy tờ đã chọn không có trong kho giấy tờ của bạn." in html
    assert 'href="#reuse-TK"' in html  # the error summary leads to the store choice
    assert Dossier.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert media_files() == before


def test_a_revoked_document_cannot_be_reused(citizen_client, cast):
    document = stored(cast.citizen, cast)
    StoredDocument.objects.filter(pk=document.pk).update(revoked=True)
    response = citizen_client.post(
        apply_url(cast), {**FORM, "reuse.TK": str(document.pk), "action": "draft"}
    )
    assert response.status_code == 400
    assert Dossier.objects.count() == 0


def test_the_choice_is_kept_when_the_form_is_shown_again(citizen_client, cast):
    document = stored(cast.citizen, cast)
    response = citizen_client.post(
        apply_url(cast),
        {**FORM, "data.ho_ten": "", "reuse.TK": str(document.pk), "action": "submit"},
    )
    assert response.status_code == 400
    assert f'<option value="{document.pk}" selected>' in response.content.decode()
    assert Dossier.objects.count() == 0


def test_a_draft_can_reuse_a_document_and_be_submitted_later(citizen_client, cast):
    document = stored(cast.citizen, cast)
    citizen_client.post(apply_url(cast), {"data.ho_ten": "Nguyễn Văn An", "action": "draft"})
    draft = Dossier.objects.get()
    url = reverse("portal:draft", args=[draft.pk])
    response = citizen_client.post(
        url, {"data.ho_ten": "Nguyễn Văn An", "reuse.TK": str(document.pk), "action": "draft"}
    )
    assert response.status_code == 302
    page = citizen_client.get(url).content.decode()
    assert "Đã tải lên: to-khai-da-ky.pdf" in page
    assert "dùng lại từ kho giấy tờ" in page

    response = citizen_client.post(url, {**FORM, "action": "submit"})
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.attachments.get().reused_from == document


def test_a_draft_refuses_someone_elses_document(citizen_client, cast):
    theirs = stored(cast.other_citizen, cast)
    citizen_client.post(apply_url(cast), {"data.ho_ten": "An", "action": "draft"})
    draft = Dossier.objects.get()
    response = citizen_client.post(
        reverse("portal:draft", args=[draft.pk]),
        {"data.ho_ten": "An", "reuse.TK": str(theirs.pk), "action": "draft"},
    )
    assert response.status_code == 400
    assert draft.attachments.count() == 0
