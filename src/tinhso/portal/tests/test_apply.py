"""Online filing from the e-form (portal:apply) and drafts (portal:draft)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tinhso.dossiers.models import Attachment, Dossier, Status
from tinhso.testing import PDF_BYTES, PNG_BYTES, as_file, pdf_upload

pytestmark = pytest.mark.django_db

FORM = {"data.ho_ten": "Nguyễn Văn An", "data.ngay_sinh": "1995-03-02", "data.so_ban": "2"}


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def apply_url(version) -> str:
    return reverse("portal:apply", args=[version.procedure.code])


def test_apply_requires_login(client, cast):
    response = client.get(apply_url(cast.province_procedure))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_form_is_rendered_from_the_json_schema(citizen_client, cast):
    html = citizen_client.get(apply_url(cast.province_procedure)).content.decode()
    assert '<label for="f-ho_ten">Họ và tên người được cấp' in html
    assert 'name="data.ngay_sinh" type="date"' in html
    assert 'name="data.so_ban" type="number"' in html
    assert 'name="doc.TK"' in html and 'accept=".pdf,.jpg,.jpeg,.png"' in html
    assert "Lưu nháp" in html and "Nộp hồ sơ" in html


def test_apply_with_a_pdf_files_the_dossier_and_stores_the_attachment(citizen_client, cast):
    response = citizen_client.post(
        apply_url(cast.province_procedure),
        {**FORM, "doc.TK": pdf_upload("to-khai.pdf"), "action": "submit"},
    )
    dossier = Dossier.objects.get()
    assert dossier.status == Status.SUBMITTED
    assert dossier.code and dossier.code.startswith(cast.centre.code)
    assert dossier.data == {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1995-03-02", "so_ban": 2}
    assert dossier.applicant == cast.citizen
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dossier", args=[dossier.code])
    attachment = Attachment.objects.get(dossier=dossier)
    assert attachment.document_code == "TK"
    assert Path(attachment.file.path).read_bytes() == PDF_BYTES
    page = citizen_client.get(response["Location"]).content.decode()
    assert f"Đã nộp hồ sơ. Mã hồ sơ: {dossier.code}" in page


def test_a_non_pdf_renamed_pdf_is_rejected_and_nothing_is_saved(citizen_client, cast):
    fake = as_file(b"MZ\x90\x00 this is an executable, not a PDF" * 4, "to-khai.pdf")
    response = citizen_client.post(
        apply_url(cast.province_procedure), {**FORM, "doc.TK": fake, "action": "submit"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="doc-TK-error"' in html
    assert "không phải PDF, JPEG hoặc PNG" in html
    assert 'aria-describedby="doc-TK-hint files-hint doc-TK-error"' in html
    assert Dossier.objects.count() == 0
    assert media_files() == []


def test_one_bad_file_among_good_ones_saves_nothing(citizen_client, cast):
    response = citizen_client.post(
        apply_url(cast.province_procedure),
        {
            **FORM,
            "doc.TK": pdf_upload(),
            "doc.CCCD": as_file(b"not an image at all", "cccd.png"),
            "action": "submit",
        },
    )
    assert response.status_code == 400
    assert 'id="doc-CCCD-error"' in response.content.decode()
    assert Dossier.objects.count() == 0
    assert media_files() == []


def test_missing_required_field_is_shown_next_to_it(citizen_client, cast):
    form = {**FORM, "data.ho_ten": "  ", "doc.TK": pdf_upload(), "action": "submit"}
    response = citizen_client.post(apply_url(cast.province_procedure), form)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="f-ho_ten-error"' in html
    assert 'aria-describedby="f-ho_ten-error" aria-invalid="true"' in html
    assert 'role="alert"' in html and 'href="#f-ho_ten"' in html
    # what the citizen typed is kept
    assert 'value="1995-03-02"' in html
    assert Dossier.objects.count() == 0
    assert media_files() == []


def test_wrong_types_are_reported_per_field(citizen_client, cast):
    form = {
        **FORM,
        "data.so_ban": "hai",
        "data.ngay_sinh": "1995-02-30",
        "doc.TK": pdf_upload(),
        "action": "submit",
    }
    html = citizen_client.post(apply_url(cast.province_procedure), form).content.decode()
    assert "Hãy nhập một số nguyên." in html
    assert "Ngày không hợp lệ" in html
    assert Dossier.objects.count() == 0


def test_required_document_must_be_attached_to_submit(citizen_client, cast):
    response = citizen_client.post(apply_url(cast.province_procedure), {**FORM, "action": "submit"})
    assert response.status_code == 400
    assert "Vui lòng đính kèm bản điện tử" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_draft_saved_then_submitted_later_without_reuploading(citizen_client, cast):
    response = citizen_client.post(
        apply_url(cast.province_procedure),
        {"data.ho_ten": "Nguyễn Văn An", "doc.TK": pdf_upload("to-khai.pdf"), "action": "draft"},
    )
    draft = Dossier.objects.get()
    assert draft.status == Status.DRAFT and draft.code is None
    assert response["Location"] == reverse("portal:draft", args=[draft.pk])

    listing = citizen_client.get(reverse("portal:my_dossiers")).content.decode()
    assert reverse("portal:draft", args=[draft.pk]) in listing

    page = citizen_client.get(reverse("portal:draft", args=[draft.pk])).content.decode()
    assert 'value="Nguyễn Văn An"' in page
    assert "Đã tải lên: to-khai.pdf" in page
    label = re.search(r'<label for="doc-TK">(.*?)</label>', page, re.S)
    assert label and "bắt buộc" not in label.group(1)  # already uploaded: no need to upload again

    response = citizen_client.post(
        reverse("portal:draft", args=[draft.pk]),
        {"data.ho_ten": "Nguyễn Văn An", "data.ngay_sinh": "1995-03-02", "action": "submit"},
    )
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.code
    assert draft.data == {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1995-03-02"}
    assert response["Location"] == reverse("portal:dossier", args=[draft.code])
    assert draft.attachments.count() == 1


def test_submitting_an_incomplete_draft_shows_errors_and_keeps_it_a_draft(citizen_client, cast):
    citizen_client.post(
        apply_url(cast.province_procedure), {"data.ho_ten": "An", "action": "draft"}
    )
    draft = Dossier.objects.get()
    response = citizen_client.post(
        reverse("portal:draft", args=[draft.pk]), {"data.ho_ten": "An", "action": "submit"}
    )
    assert response.status_code == 400
    assert 'id="f-ngay_sinh-error"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_another_citizen_cannot_open_my_draft(citizen_client, other_client, cast):
    citizen_client.post(
        apply_url(cast.province_procedure), {"data.ho_ten": "An", "action": "draft"}
    )
    draft = Dossier.objects.get()
    assert other_client.get(reverse("portal:draft", args=[draft.pk])).status_code == 404
    assert other_client.post(reverse("portal:draft", args=[draft.pk]), {**FORM}).status_code == 404


def test_commune_procedure_defaults_to_the_citizens_commune(citizen_client, cast):
    url = apply_url(cast.commune_procedure)
    html = citizen_client.get(url).content.decode()
    assert f'<option value="{cast.commune.pk}" selected>' in html
    citizen_client.post(
        url,
        {**FORM, "agency": str(cast.other_commune.pk), "doc.TK": pdf_upload(), "action": "submit"},
    )
    assert Dossier.objects.get().agency == cast.other_commune


def test_commune_procedure_without_agency_is_an_error(citizen_client, cast):
    response = citizen_client.post(
        apply_url(cast.commune_procedure),
        {**FORM, "agency": "", "doc.TK": pdf_upload(), "action": "submit"},
    )
    assert response.status_code == 400
    assert 'id="f-agency-error"' in response.content.decode()
    assert Dossier.objects.count() == 0


def test_resubmitting_the_same_form_does_not_file_twice(citizen_client, cast):
    key = "0123456789abcdef0123456789abcdef"
    for _ in range(2):
        response = citizen_client.post(
            apply_url(cast.province_procedure),
            {
                **FORM,
                "submission_key": key,
                "doc.TK": as_file(PNG_BYTES, "tk.png"),
                "action": "submit",
            },
        )
        assert response.status_code == 302
    assert Dossier.objects.count() == 1
    assert len(media_files()) == 1


def test_fee_exemption_claimed_on_filing_is_recorded_with_its_reason(citizen_client, cast):
    version = cast.province_procedure
    version.fee_exemptions = [
        {"group": "Người thuộc hộ nghèo", "reduction_percent": 100, "reason": "Luật Hộ tịch"}
    ]
    version.save()
    assert "Người thuộc hộ nghèo" in citizen_client.get(apply_url(version)).content.decode()
    citizen_client.post(
        apply_url(version),
        {
            **FORM,
            "doc.TK": pdf_upload(),
            "fee_exemption": "Người thuộc hộ nghèo",
            "action": "submit",
        },
    )
    dossier = Dossier.objects.get()
    assert dossier.fee_amount == 0 and dossier.fee_exemption["reason"] == "Luật Hộ tịch"


def test_unknown_fee_exemption_is_refused_and_nothing_saved(citizen_client, cast):
    response = citizen_client.post(
        apply_url(cast.province_procedure),
        {**FORM, "doc.TK": pdf_upload(), "fee_exemption": "Tự khai bừa", "action": "submit"},
    )
    assert response.status_code == 400 and Dossier.objects.count() == 0
