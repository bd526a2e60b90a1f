"""The applicant's dossier pages: list, details, files, supplement, withdraw, rating."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tinhso.documents.services import issue_slip
from tinhso.dossiers import services
from tinhso.dossiers.models import Attachment, Dossier, Rating, Status
from tinhso.testing import PDF_BYTES, as_file, pdf_upload
from tinhso.uploads import check_upload

from .conftest import act, drive_to_returned, file_province_dossier

pytestmark = pytest.mark.django_db


def test_my_dossiers_lists_my_filed_dossiers_only(citizen_client, other_client, cast):
    dossier = file_province_dossier(cast)
    html = citizen_client.get(reverse("portal:my_dossiers")).content.decode()
    assert dossier.code in html
    assert "Mới đăng ký" in html
    assert cast.province_procedure.name in html
    assert dossier.code not in other_client.get(reverse("portal:my_dossiers")).content.decode()


def test_dossier_page_shows_status_history_and_attachments(citizen_client, cast):
    dossier = file_province_dossier(cast)
    html = citizen_client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert "Mới đăng ký" in html
    assert "Nộp hồ sơ" in html  # history entry
    attachment = dossier.attachments.get()
    assert reverse("portal:attachment", args=[dossier.code, attachment.pk]) in html


def test_attachment_is_streamed_to_its_owner(citizen_client, cast):
    dossier = file_province_dossier(cast)
    attachment = dossier.attachments.get()
    response = citizen_client.get(reverse("portal:attachment", args=[dossier.code, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def test_another_citizen_gets_404_on_my_dossier_and_its_attachment(other_client, cast):
    dossier = file_province_dossier(cast)
    attachment = dossier.attachments.get()
    assert other_client.get(reverse("portal:dossier", args=[dossier.code])).status_code == 404
    assert (
        other_client.get(
            reverse("portal:attachment", args=[dossier.code, attachment.pk])
        ).status_code
        == 404
    )
    assert (
        other_client.post(
            reverse("portal:withdraw", args=[dossier.code]), {"reason": "x", "confirm": "on"}
        ).status_code
        == 404
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_attachment_of_another_dossier_is_404_even_with_my_code(citizen_client, cast):
    mine = file_province_dossier(cast)
    other, _ = services.file_dossier(
        user=cast.other_citizen,
        version=cast.province_procedure,
        data={"ho_ten": "Bích", "ngay_sinh": "1990-01-01"},
        applicant=services.Applicant.from_user(cast.other_citizen),
    )
    theirs = services.add_attachment(
        user=cast.other_citizen,
        dossier=other,
        document_code="TK",
        upload=check_upload(pdf_upload()),
    )
    response = citizen_client.get(reverse("portal:attachment", args=[mine.code, theirs.pk]))
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client, cast):
    dossier = file_province_dossier(cast)
    response = client.get(reverse("portal:dossier", args=[dossier.code]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_supplement_request_is_shown_and_answered_with_a_file(citizen_client, cast):
    dossier = file_province_dossier(cast)
    act(
        cast.clerk,
        dossier,
        "request_supplement",
        comment="Ảnh căn cước bị mờ.",
        items=["Căn cước rõ nét"],
    )
    html = citizen_client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert "Yêu cầu bổ sung giấy tờ" in html
    assert "Ảnh căn cước bị mờ." in html and "Căn cước rõ nét" in html
    assert reverse("portal:supplement", args=[dossier.code]) in html

    response = citizen_client.post(
        reverse("portal:supplement", args=[dossier.code]),
        {"document": "CCCD", "comment": "Đã chụp lại", "files": pdf_upload("cccd.pdf")},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED  # resumed where it was
    assert dossier.attachments.filter(document_code="CCCD").count() == 1
    assert dossier.history.filter(action="supplement").exists()


def test_supplement_with_a_bad_file_is_refused_and_nothing_changes(citizen_client, cast):
    dossier = file_province_dossier(cast)
    act(cast.clerk, dossier, "request_supplement", comment="Thiếu", items=["Căn cước"])
    response = citizen_client.post(
        reverse("portal:supplement", args=[dossier.code]),
        {"document": "CCCD", "files": as_file(b"plain text", "cccd.pdf")},
    )
    assert response.status_code == 400
    assert 'id="supplement-files-error"' in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    assert Attachment.objects.filter(document_code="CCCD").count() == 0


def test_internal_comments_are_not_shown_to_the_applicant(citizen_client, cast):
    dossier = file_province_dossier(cast)
    dossier = act(cast.clerk, dossier, "receive")
    act(cast.specialist, dossier, "complete_step", comment="Ghi chú nội bộ của chuyên viên")
    html = citizen_client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert "Ghi chú nội bộ của chuyên viên" not in html
    assert "Được tiếp nhận" in html


def test_withdraw_needs_confirmation_and_reason(citizen_client, cast):
    dossier = file_province_dossier(cast)
    url = reverse("portal:withdraw", args=[dossier.code])
    response = citizen_client.post(url, {"reason": "Nộp nhầm thủ tục"})
    assert response.status_code == 400
    assert "Hãy đánh dấu xác nhận" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED

    response = citizen_client.post(url, {"reason": "Nộp nhầm thủ tục", "confirm": "on"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN
    html = citizen_client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert "Nộp nhầm thủ tục" in html
    assert reverse("portal:withdraw", args=[dossier.code]) not in html  # no longer offered


def test_rating_form_appears_after_return_and_records_the_rating(citizen_client, cast):
    dossier = file_province_dossier(cast)
    url = reverse("portal:dossier", args=[dossier.code])
    assert (
        reverse("portal:rate", args=[dossier.code]) not in citizen_client.get(url).content.decode()
    )

    drive_to_returned(cast, dossier)
    html = citizen_client.get(url).content.decode()
    assert reverse("portal:rate", args=[dossier.code]) in html
    assert "Rất hài lòng" in html

    response = citizen_client.post(
        reverse("portal:rate", args=[dossier.code]), {"score": "4", "comment": "Nhanh"}
    )
    assert response.status_code == 302
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.score, rating.comment) == (4, "Nhanh")
    html = citizen_client.get(url).content.decode()
    assert "4/5" in html and reverse("portal:rate", args=[dossier.code]) not in html


def test_rating_without_a_score_is_an_error(citizen_client, cast):
    dossier = drive_to_returned(cast, file_province_dossier(cast))
    response = citizen_client.post(reverse("portal:rate", args=[dossier.code]), {"comment": "?"})
    assert response.status_code == 400
    assert "Hãy chọn mức độ hài lòng." in response.content.decode()
    assert not Rating.objects.exists()


def test_rating_before_return_is_refused(citizen_client, cast):
    dossier = file_province_dossier(cast)
    citizen_client.post(reverse("portal:rate", args=[dossier.code]), {"score": "5"})
    assert not Rating.objects.exists()


def test_issued_slip_is_listed_and_served_as_pdf(citizen_client, other_client, cast):
    dossier = act(cast.clerk, file_province_dossier(cast), "receive")
    slip = issue_slip(dossier_id=dossier.pk, kind="receipt", history_seq=dossier.history_seq)
    html = citizen_client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    url = reverse("portal:slip", args=[dossier.code, slip.pk])
    assert url in html
    response = citizen_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert other_client.get(url).status_code == 404


def test_original_appointment_is_shown_after_an_apology(citizen_client, cast):
    with time_machine.travel("2025-11-24 08:00 +0700", tick=False):
        dossier = act(cast.clerk, file_province_dossier(cast), "receive")
        new_due = dossier.due_at + datetime.timedelta(days=4)  # Thu → Mon, a working day
        dossier = act(
            cast.leader,  # the agency's leader signs the apology (R-DL-11)
            dossier,
            "apologize",
            comment="Xin lỗi vì chậm trễ.",
            new_due_at=new_due,
        )
    html = citizen_client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert "Ngày hẹn trả ban đầu" in html
    assert "Số 1/2025/STP-XL" in html  # the apology letter's number in the agency's register
    assert "Xin lỗi vì chậm trễ." in html
    assert Dossier.objects.get().apologized
