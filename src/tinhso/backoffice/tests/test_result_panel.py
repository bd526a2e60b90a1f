"""The result on the back-office dossier page (issue 15): the specialist fills the result paper's
fields in the page, the leader opens the draft as it will be signed and approves, and the page then
links the signed result and its public verification page."""

import json

import pytest
import time_machine
from django.urls import reverse

from tinhso.audit.models import AuditEntry
from tinhso.backoffice.tests.conftest import act, at, file_online
from tinhso.procedures.loader import CATALOGUE_DIR
from tinhso.results.models import ResultDocument, ResultDraft
from tinhso.testing import PNG_BYTES

PAPERS = json.loads((CATALOGUE_DIR / "3_000333.json").read_text(encoding="utf-8"))["result_papers"]
CONTENT = "Bản án số 27/2019/HS-ST: tội “Trộm cắp tài sản”, 09 tháng tù."


@pytest.fixture
def dossier(cast):
    """A department dossier whose procedure declares the criminal-record certificate as its result,
    received and at the specialist's step."""
    version = cast.province_procedure
    version.result_papers = PAPERS
    version.save()
    with time_machine.travel(at(2025, 6, 10, 8, 0), tick=False):
        filed = file_online(cast)
    with time_machine.travel(at(2025, 6, 10, 9, 0), tick=False):
        return act(cast.clerk, filed, "receive")


def page(client, code):
    return client.get(f"/backoffice/ho-so/{code}/")


def save(client, code, **data):
    return client.post(
        f"/backoffice/ho-so/{code}/ket-qua/", {f"data.{k}": v for k, v in data.items()}
    )


def test_the_specialist_fills_the_result_in_the_dossier_page(login, cast, dossier):
    client = login(cast.specialist)
    html = page(client, dossier.code).content.decode()
    assert "Kết quả giải quyết — Phiếu lý lịch tư pháp" in html
    assert 'name="data.tinh_trang_an_tich"' in html and "Lưu dự thảo kết quả" in html

    missing = save(client, dossier.code, loai_phieu="Phiếu lý lịch tư pháp số 1")
    assert missing.status_code == 400
    assert "Vui lòng chọn một giá trị." in missing.content.decode()
    conditional = save(
        client,
        dossier.code,
        loai_phieu="Phiếu lý lịch tư pháp số 1",
        tinh_trang_an_tich="Có án tích",
    )
    assert conditional.status_code == 400  # "có án tích" needs its content
    assert not ResultDraft.objects.exists()

    saved = save(
        client,
        dossier.code,
        loai_phieu="Phiếu lý lịch tư pháp số 1",
        tinh_trang_an_tich="Có án tích",
        noi_dung_an_tich=CONTENT,
    )
    assert saved.status_code == 302
    draft = ResultDraft.objects.get(dossier=dossier)
    assert draft.fields == {
        "loai_phieu": "Phiếu lý lịch tư pháp số 1",
        "tinh_trang_an_tich": "Có án tích",
        "noi_dung_an_tich": CONTENT,
    }
    assert draft.prepared_by == cast.specialist
    again = page(client, dossier.code).content.decode()
    assert "Dự thảo lần 1" in again and CONTENT in again  # the form keeps what was saved


def test_a_file_that_is_not_a_pdf_is_refused_in_the_page(login, cast, dossier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(cast.specialist)
    response = client.post(
        f"/backoffice/ho-so/{dossier.code}/ket-qua/",
        {"ket_qua_pdf": SimpleUploadedFile("ket-qua.pdf", PNG_BYTES)},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ResultDraft.objects.exists()


def test_the_leader_reads_the_draft_approves_and_finds_the_signed_result(
    login, cast, dossier, django_capture_on_commit_callbacks
):
    specialist = login(cast.specialist)
    save(
        specialist,
        dossier.code,
        loai_phieu="Phiếu lý lịch tư pháp số 1",
        tinh_trang_an_tich="Không có án tích",
    )
    with time_machine.travel(at(2025, 6, 10, 10, 0), tick=False):
        dossier = act(cast.specialist, dossier, "complete_step")

    leader = login(cast.leader)
    html = page(leader, dossier.code).content.decode()
    assert "Xem dự thảo kết quả (PDF)" in html and 'name="data.' not in html  # reads, no form
    draft = leader.get(f"/backoffice/ho-so/{dossier.code}/ket-qua/du-thao.pdf")
    assert draft.status_code == 200 and draft["Content-Type"] == "application/pdf"
    assert draft["Cache-Control"] == "no-store" and draft.content.startswith(b"%PDF")

    with django_capture_on_commit_callbacks(execute=True):
        approved = leader.post(f"/backoffice/ho-so/{dossier.code}/thao-tac/", {"action": "approve"})
    assert approved.status_code == 302
    result = ResultDocument.objects.get(dossier=dossier)
    html = page(leader, dossier.code).content.decode()
    assert result.number in html
    assert f"/backoffice/ho-so/{dossier.code}/ket-qua/ban-ky-so.pdf" in html
    assert reverse("results:token", args=[result.public_token]) in html
    assert "Xem dự thảo kết quả" not in html  # the signed result replaces the draft
    signed = leader.get(f"/backoffice/ho-so/{dossier.code}/ket-qua/ban-ky-so.pdf")
    assert signed.status_code == 200
    assert b"".join(signed.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(
        action="attachment.download", details__document="result"
    ).exists()


def test_the_approve_button_explains_why_it_would_be_refused(login, cast, dossier):
    with time_machine.travel(at(2025, 6, 10, 10, 0), tick=False):
        dossier = act(cast.specialist, dossier, "complete_step")
    leader = login(cast.leader)
    assert "Chưa có dự thảo kết quả" in page(leader, dossier.code).content.decode()
    refused = leader.post(f"/backoffice/ho-so/{dossier.code}/thao-tac/", {"action": "approve"})
    assert refused.status_code == 409
    assert "chuyên viên cần nhập nội dung Phiếu lý lịch tư pháp" in refused.content.decode()
    assert not ResultDocument.objects.exists()
