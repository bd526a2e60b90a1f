"""The specialist prepares the result (issue 15): ``POST /api/v1/dossiers/{code}/result`` with the
fields of the main result paper declared in the catalogue, the draft preview
``GET …/result?draft=1``, and the signed result that carries the fields entered."""

import hashlib
import re

import pytest
import time_machine

from tinhso.audit.models import AuditEntry
from tinhso.results import services
from tinhso.results.models import ResultDraft
from tinhso.results.tests.conftest import FIELDS, act, at, run, write
from tinhso.results.tests.test_api import token


def post(client, cast, dossier, fields, who="specialist"):
    return client.post(
        f"/api/v1/dossiers/{dossier.code}/result",
        {"fields": fields},
        content_type="application/json",
        **token(client, getattr(cast, who).username),
    )


def draft_pdf(client, cast, dossier, who="leader"):
    return client.get(
        f"/api/v1/dossiers/{dossier.code}/result?draft=1",
        **token(client, getattr(cast, who).username),
    )


def text_of(tmp_path, content: bytes) -> str:
    return " ".join(run("pdftotext", str(write(tmp_path, content, "r.pdf")), "-").stdout.split())


def test_specialist_prepares_a_draft_that_is_stored_and_audited(client, cast, processing):
    response = post(client, cast, processing, FIELDS)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["fields"] == FIELDS and body["revision"] == 1
    assert body["paper_code"] == "PHIEU_LLTP" and body["paper_name"] == "Phiếu lý lịch tư pháp"
    draft = ResultDraft.objects.get(dossier=processing)
    assert draft.fields == FIELDS and draft.prepared_by == cast.specialist
    entry = AuditEntry.objects.filter(action="result.draft_prepared").get()
    assert entry.target == f"dossier:{processing.code}"

    again = post(client, cast, processing, FIELDS | {"tinh_trang_an_tich": "Không có án tích"})
    assert again.status_code == 201 and again.json()["revision"] == 2
    assert ResultDraft.objects.get(dossier=processing).fields["tinh_trang_an_tich"] == (
        "Không có án tích"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"tinh_trang_an_tich": "Không có án tích"}, "fields.loai_phieu"),
        (FIELDS | {"tinh_trang_an_tich": "Chưa rõ"}, "fields.tinh_trang_an_tich"),
        (
            {"loai_phieu": "Phiếu lý lịch tư pháp số 2", "tinh_trang_an_tich": "Có án tích"},
            "fields.noi_dung_an_tich",
        ),
        (FIELDS | {"so_tien": 5}, "fields.so_tien"),
    ],
)
def test_fields_are_validated_against_the_result_schema(client, cast, processing, fields, field):
    response = post(client, cast, processing, fields)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not ResultDraft.objects.filter(dossier=processing).exists()


def test_only_a_specialist_of_the_competent_agency_prepares(client, cast, processing):
    assert post(client, cast, processing, FIELDS, who="leader").status_code == 403
    assert post(client, cast, processing, FIELDS, who="other_specialist").status_code == 404
    assert post(client, cast, processing, FIELDS, who="citizen").status_code == 404
    assert not ResultDraft.objects.exists()


def test_no_draft_change_after_the_leaders_approval(client, cast, processing):
    assert post(client, cast, processing, FIELDS).status_code == 201
    with time_machine.travel(at(2025, 6, 10, 10, 0), tick=False):
        dossier = act(cast.specialist, processing, "complete_step")
    with time_machine.travel(at(2025, 6, 10, 11, 0), tick=False):
        dossier = act(cast.leader, dossier, "approve")
    response = post(client, cast, dossier, FIELDS)
    assert response.status_code == 409
    assert ResultDraft.objects.get(dossier=dossier).revision == 1


def test_leader_reads_the_draft_pdf_with_a_placeholder_number(client, cast, processing, tmp_path):
    assert draft_pdf(client, cast, processing).status_code == 409  # nothing prepared yet
    post(client, cast, processing, FIELDS)
    response = draft_pdf(client, cast, processing)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = text_of(tmp_path, response.content)
    assert "Số: …/…" in text and "DỰ THẢO" in text
    assert "Bản án số 27/2019/HS-ST" in text and "“Trộm cắp tài sản”" in text
    assert b"/ByteRange" not in response.content  # not signed


@pytest.mark.parametrize("who", ["citizen", "other_specialist", "other_leader"])
def test_the_draft_is_for_the_agencys_officials_only(client, cast, processing, who):
    post(client, cast, processing, FIELDS)
    assert draft_pdf(client, cast, processing, who=who).status_code == 404


def test_the_signed_result_carries_the_fields_entered(client, cast, processing, tmp_path):
    post(client, cast, processing, FIELDS)
    dossier = processing
    for hour, (user, action) in enumerate(
        [
            (cast.specialist, "complete_step"),
            (cast.leader, "approve"),
            (cast.clerk, "issue_result"),
        ],
        start=10,
    ):
        with time_machine.travel(at(2025, 6, 10, hour, 0), tick=False):
            dossier = act(user, dossier, action)
    result = services.issue_result(dossier_id=dossier.pk)
    response = client.get(
        f"/api/v1/dossiers/{dossier.code}/result", **token(client, cast.citizen.username)
    )
    assert response.status_code == 200
    text = text_of(tmp_path, b"".join(response.streaming_content))
    assert result.title == "Phiếu lý lịch tư pháp số 1"
    assert "PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1" in text
    assert "CÓ ÁN TÍCH" in text
    assert "tội “Trộm cắp tài sản”, 09 tháng tù; đã chấp hành xong hình phạt ngày 03/3/2020" in text
    assert "LLTP-86-2025-004417" in text
    assert f"Số: {result.number}" in text and "NGUYỄN VĂN AN" in text
    assert re.search(r"Độc lập - Tự do - Hạnh phúc", text, re.IGNORECASE)
    assert "DỰ THẢO" not in text


# --- the paper produced by another system (POST …/result/file) ------------------------------------


def two_page_pdf() -> bytes:
    from tinhso.documents.pdf import html_to_pdf

    return html_to_pdf(
        '<html><body><p>Trang một</p><p style="page-break-before: always">Trang hai</p>'
        "</body></html>"
    )


def post_file(client, cast, dossier, content: bytes, who="specialist", name="gplx.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/dossiers/{dossier.code}/result/file",
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        **token(client, getattr(cast, who).username),
    )


def test_specialist_attaches_the_pdf_of_another_system_with_its_page_count(
    client, cast, processing, tmp_path
):
    assert post(client, cast, processing, FIELDS).status_code == 201
    response = post_file(client, cast, processing, two_page_pdf())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["has_file"] is True and body["file_pages"] == 2 and body["revision"] == 2
    assert body["fields"] == FIELDS  # the fields entered stay
    draft = ResultDraft.objects.get(dossier=processing)
    with draft.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == draft.file_sha256
    assert AuditEntry.objects.filter(action="result.draft_file_attached").count() == 1
    text = text_of(tmp_path, draft_pdf(client, cast, processing).content)
    assert "Kèm theo: Phiếu lý lịch tư pháp" in text and "(2 trang" in text


def test_a_result_file_that_is_not_a_pdf_is_refused_by_content(client, cast, processing):
    from tinhso.testing import PNG_BYTES

    response = post_file(client, cast, processing, PNG_BYTES, name="gplx.pdf")
    assert response.status_code == 400 and response.json()["field"] == "file"
    assert not ResultDraft.objects.exists()


def test_only_the_specialist_attaches_the_result_file(client, cast, processing):
    assert post_file(client, cast, processing, two_page_pdf(), who="leader").status_code == 403
    assert post_file(client, cast, processing, two_page_pdf(), who="citizen").status_code == 404
    assert not ResultDraft.objects.exists()
