"""The leader's approval numbers, renders and signs the prepared draft in one step (issue 15): it is
refused while the result paper the catalogue declares is not prepared; a draft sent back for
changes uses no number, so the register has no gaps; the clerk's hand-over delivers the same
signed file, and only then does the applicant see it."""

import hashlib
import io

import pypdf
import time_machine

from tinhso.documents.services import render_slip_html
from tinhso.dossiers.models import DossierEvent, HistoryEntry, Status
from tinhso.notifications.models import Delivery
from tinhso.results import verification
from tinhso.results.models import ResultCounter, ResultDocument, ResultDraft
from tinhso.results.services import ATTACHED_PAPER_NAME
from tinhso.results.tests.conftest import FIELDS, LLTP, act, at, received
from tinhso.results.tests.test_api import token
from tinhso.results.tests.test_prepare import post, text_of
from tinhso.testing import FORM_DATA, PDF_BYTES, give_consent, make_version, pdf_upload


def action(client, cast, dossier, name, who, **body):
    return client.post(
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": name, **body},
        content_type="application/json",
        **token(client, getattr(cast, who).username),
    )


def at_approval(cast, dossier, hour=10):
    with time_machine.travel(at(2025, 6, 10, hour, 0), tick=False):
        return act(cast.specialist, dossier, "complete_step")


def test_approval_is_refused_until_the_result_is_prepared(client, cast, processing):
    dossier = at_approval(cast, processing)
    response = action(client, cast, dossier, "approve", "leader")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["field"] == "result"
    assert "Chưa có dự thảo kết quả" in body["detail"] and "Phiếu lý lịch tư pháp" in body["detail"]
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.step_position == 3
    assert not HistoryEntry.objects.filter(dossier=dossier, action="approve").exists()
    assert not ResultCounter.objects.exists() and not ResultDocument.objects.exists()


def test_approval_signs_the_draft_and_the_hand_over_delivers_that_file(
    client, cast, processing, tmp_path, django_capture_on_commit_callbacks
):
    assert post(client, cast, processing, FIELDS).status_code == 201
    dossier = at_approval(cast, processing)
    with django_capture_on_commit_callbacks(execute=True):
        assert action(client, cast, dossier, "approve", "leader").status_code == 200
    signed = ResultDocument.objects.get(dossier=dossier)
    assert signed.is_signed and signed.number == f"1/{signed.year}/STP-KQ"
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING  # waiting for the clerk's hand-over
    # Not the applicant's yet: no copy in the store, no "result ready", no download.
    assert not Delivery.objects.filter(dossier=dossier, event="result_ready").exists()
    assert not DossierEvent.objects.filter(dossier=dossier, kind="result_signed").exists()
    citizen = token(client, cast.citizen.username)
    assert client.get(f"/api/v1/dossiers/{dossier.code}/result", **citizen).status_code == 409
    give_consent(cast.citizen)
    client.force_login(cast.citizen)
    portal = client.get(f"/ho-so/{dossier.code}/")
    assert portal.status_code == 200 and "Kết quả điện tử" not in portal.content.decode()
    client.logout()
    leader = client.get(
        f"/api/v1/dossiers/{dossier.code}/result", **token(client, cast.leader.username)
    )
    assert leader.status_code == 200
    at_signing = hashlib.sha256(b"".join(leader.streaming_content)).hexdigest()
    assert at_signing == signed.sha256

    with django_capture_on_commit_callbacks(execute=True):
        assert action(client, cast, dossier, "issue_result", "clerk").status_code == 200
    handed = ResultDocument.objects.get(dossier=dossier)
    assert (handed.pk, handed.sha256, handed.signed_at) == (
        signed.pk,
        signed.sha256,
        signed.signed_at,
    )  # the hand-over renders nothing new
    response = client.get(f"/api/v1/dossiers/{dossier.code}/result", **citizen)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == signed.sha256
    text = text_of(tmp_path, content)
    assert "Bản án số 27/2019/HS-ST" in text and f"Số: {signed.number}" in text
    assert DossierEvent.objects.filter(dossier=dossier, kind="result_signed").count() == 1
    assert Delivery.objects.filter(dossier=dossier, event="result_ready").exists()
    client.force_login(cast.citizen)
    assert "Kết quả điện tử" in client.get(f"/ho-so/{dossier.code}/").content.decode()


def test_a_draft_sent_back_uses_no_number_and_the_register_has_no_gaps(
    client, cast, processing, django_capture_on_commit_callbacks
):
    post(client, cast, processing, FIELDS | {"tinh_trang_an_tich": "Không có án tích"})
    dossier = at_approval(cast, processing)
    assert action(client, cast, dossier, "send_back", "leader").status_code == 400  # no comment
    response = action(
        client,
        cast,
        dossier,
        "send_back",
        "leader",
        comment="Cơ sở dữ liệu ghi nhận một bản án năm 2019: ghi nội dung án tích.",
    )
    assert response.status_code == 200, response.content
    dossier.refresh_from_db()
    assert dossier.step_position == 2 and dossier.assignee == cast.specialist
    assert not ResultCounter.objects.exists() and not ResultDocument.objects.exists()
    entry = HistoryEntry.objects.get(dossier=dossier, action="send_back")
    assert entry.comment.startswith("Cơ sở dữ liệu") and entry.actor == cast.leader
    slip = render_slip_html("control", dossier=dossier, entry=None)
    assert "Cơ sở dữ liệu ghi nhận một bản án năm 2019" in slip  # a row of the control slip

    # The specialist corrects the draft and hands it on again; the approval takes number 1.
    assert post(client, cast, dossier, FIELDS).json()["revision"] == 2
    dossier = at_approval(cast, dossier, hour=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert action(client, cast, dossier, "approve", "leader").status_code == 200
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.sequence == 1 and ResultCounter.objects.get().last == 1


def test_only_the_leader_at_the_approval_step_sends_back(client, cast, processing):
    post(client, cast, processing, FIELDS)
    comment = {"comment": "Xem lại"}
    # At the specialist's step nobody can send back; at the leader's step only the leader.
    assert action(client, cast, processing, "send_back", "leader", **comment).status_code == 409
    dossier = at_approval(cast, processing)
    assert action(client, cast, dossier, "send_back", "specialist", **comment).status_code in (
        403,
        409,
    )
    dossier.refresh_from_db()
    assert dossier.step_position == 3


def test_a_paper_of_another_system_needs_its_pdf_before_approval(
    client, cast, django_capture_on_commit_callbacks
):

    version = make_version(
        "3.000347", level="province", agencies=[cast.dept], receiving=cast.centre
    )
    version.result_papers = [
        {
            "code": "GPLX",
            "name": "Giấy phép lái xe",
            "issued_by": "external",
            "schema": {"type": "object", "properties": {"so_gplx": {"type": "string"}}},
        }
    ]
    version.save()
    dossier = at_approval(cast, received(cast, version, FORM_DATA))
    refused = action(client, cast, dossier, "approve", "leader")
    assert refused.status_code == 409 and "Giấy phép lái xe" in refused.json()["detail"]
    upload = client.post(
        f"/api/v1/dossiers/{dossier.code}/result/file",
        {"file": pdf_upload("gplx.pdf")},
        **token(client, cast.specialist.username),
    )
    assert upload.status_code == 201, upload.content
    with django_capture_on_commit_callbacks(execute=True):
        assert action(client, cast, dossier, "approve", "leader").status_code == 200
    signed = ResultDocument.objects.get(dossier=dossier)
    with signed.file.open("rb") as handle:
        content = handle.read()
    # The other system's paper travels inside the signed result, byte for byte, under the
    # agency's signature; the result still verifies.
    embedded = pypdf.PdfReader(io.BytesIO(content)).attachments[ATTACHED_PAPER_NAME]
    assert embedded == [PDF_BYTES]
    assert verification.verify_pdf(content).status == "valid"


def test_a_draft_the_catalogue_no_longer_accepts_is_refused_at_approval(client, cast, processing):
    post(client, cast, processing, FIELDS)
    version = processing.procedure_version
    papers = version.result_papers
    papers[0]["schema"]["required"] = [*papers[0]["schema"]["required"], "so_tra_cuu_moi"]
    papers[0]["schema"]["properties"]["so_tra_cuu_moi"] = {
        "type": "string",
        "title": "Số tra cứu mới",
    }
    version.result_papers = papers
    version.save()
    dossier = at_approval(cast, processing)
    response = action(client, cast, dossier, "approve", "leader")
    assert response.status_code == 409
    assert "Dự thảo kết quả chưa hợp lệ" in response.json()["detail"]
    assert "Số tra cứu mới" in response.json()["detail"]
    assert ResultDraft.objects.get(dossier=dossier).revision == 1


def test_a_procedure_without_a_declared_paper_is_approved_as_before(cast, lltp):
    """The test cast's own procedures declare no result paper: the generic result page stands and
    nothing is asked of the specialist (backward compatible with the catalogue before issue 15)."""
    assert LLTP["result_papers"]  # the real catalogue entry does declare one
    from tinhso.results.services import draft_refusal

    assert draft_refusal(cast.province_procedure, None) == ""
    assert draft_refusal(lltp, None) != ""
