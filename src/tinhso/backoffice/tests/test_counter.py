"""Entering a paper dossier at the counter on behalf of an applicant."""

import time_machine
from django.urls import reverse

from tinhso.documents.models import IssuedSlip
from tinhso.dossiers.models import Channel, Dossier
from tinhso.testing import PNG_BYTES, pdf_upload

from .conftest import at

NEW = reverse("backoffice:counter_new")


def counter_post(cast, **overrides):
    data = {
        "name": "Lê Thị Cúc",
        "personal_id": "083301004567",
        "phone": "0987 654 321",
        "email": "cuc@example.vn",
        "address": "12 Đồng Khởi, phường Phú Khương",
        "receive_now": "on",
        "data.ho_ten": "Lê Văn Dũng",
        "data.ngay_sinh": "2025-10-01",
        "data.so_ban": "2",
        "doc.TK": pdf_upload("to-khai.pdf"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_every_counter_of_the_province_picks_among_every_procedure(cast, login):
    # R-ACT-1 (Resolution 27/NQ-CP): any one-stop counter receives any procedure.
    centre = login(cast.clerk).get(NEW).content.decode()
    assert "2.000001" in centre and "1.000001" in centre
    commune = login(cast.commune_clerk).get(NEW).content.decode()
    assert "1.000001" in commune and "2.000001" in commune


def test_a_department_clerk_picks_among_the_procedures_it_receives(cast, login):
    from tinhso.agencies.models import Role
    from tinhso.testing import make_staff

    clerk = make_staff("stp.clerk", cast.dept, Role.CLERK)
    html = login(clerk).get(NEW).content.decode()
    assert "1.000001" not in html  # a department is no one-stop counter


def test_commune_procedure_offers_every_commune_the_clerks_first(cast, login):
    html = login(cast.commune_clerk).get(NEW, {"thu_tuc": "1.000001"}).content.decode()
    assert f'<option value="{cast.commune.pk}" selected' in html
    assert f'<option value="{cast.other_commune.pk}"' in html
    assert "Họ và tên người được cấp" in html  # the e-form field, with its schema title
    assert 'name="doc.TK"' in html


def test_counter_receipt_creates_a_received_counter_dossier_with_a_receipt_slip(
    cast, login, django_capture_on_commit_callbacks
):
    client = login(cast.clerk)
    with (
        time_machine.travel(at(2025, 11, 25, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(f"{NEW}?thu_tuc=2.000001", counter_post(cast))
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("backoffice:counter_done", args=[dossier.code])
    assert dossier.channel == Channel.COUNTER
    assert dossier.filed_by == cast.clerk and dossier.applicant is None
    assert dossier.status == "received" and dossier.due_at == at(2025, 11, 28, 9, 0)
    assert dossier.applicant_name == "Lê Thị Cúc" and dossier.applicant_phone == "+84987654321"
    assert dossier.applicant_id_number == "083301004567"
    assert dossier.data == {"ho_ten": "Lê Văn Dũng", "ngay_sinh": "2025-10-01", "so_ban": 2}
    assert dossier.fee_amount == 200000  # the counter fee, not the online one
    attachment = dossier.attachments.get()
    assert attachment.document_code == "TK" and attachment.digitised
    slip = IssuedSlip.objects.get(dossier=dossier, kind="receipt")
    with slip.file.open("rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    done = client.get(response["Location"]).content.decode()
    assert reverse("backoffice:slip", args=[dossier.code, slip.pk]) in done
    printed = client.get(reverse("backoffice:slip", args=[dossier.code, slip.pk]))
    assert b"".join(printed.streaming_content).startswith(b"%PDF")


def test_commune_counter_files_for_the_chosen_commune(
    cast, login, django_capture_on_commit_callbacks
):
    client = login(cast.commune_clerk)
    with (
        time_machine.travel(at(2025, 11, 25, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            f"{NEW}?thu_tuc=1.000001", counter_post(cast, agency=str(cast.commune.pk))
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert dossier.agency == cast.commune and dossier.receiving_agency == cast.commune
    assert dossier.status == "received"


def test_commune_counter_files_for_another_commune_and_keeps_it_as_received_here(
    cast, login, django_capture_on_commit_callbacks
):
    client = login(cast.commune_clerk)
    with (
        time_machine.travel(at(2025, 11, 25, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            f"{NEW}?thu_tuc=1.000001", counter_post(cast, agency=str(cast.other_commune.pk))
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert dossier.agency == cast.other_commune  # routed to the competent commune
    assert dossier.receiving_agency == cast.commune  # the counter where it was entered
    assert dossier.status == "received"
    assert IssuedSlip.objects.filter(dossier=dossier, kind="receipt").exists()
    listed = client.get(NEW).content.decode()
    assert dossier.code in listed.split('id="bo-received-here"')[1]


def test_a_centre_clerk_files_a_commune_dossier_at_the_centre(cast, login):
    response = login(cast.clerk).post(
        f"{NEW}?thu_tuc=1.000001",
        counter_post(cast, agency=str(cast.other_commune.pk), receive_now=None),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert (dossier.agency, dossier.receiving_agency) == (cast.other_commune, cast.centre)
    assert dossier.code.startswith(f"{cast.centre.code}-")  # numbered by the receiving counter


def test_invalid_personal_id_and_phone_are_shown_and_nothing_is_filed(cast, login):
    response = login(cast.clerk).post(
        f"{NEW}?thu_tuc=2.000001", counter_post(cast, personal_id="097095001234", phone="12345")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Mã tỉnh 097" in html
    assert "Số điện thoại di động không hợp lệ" in html
    assert not Dossier.objects.exists()


def test_e_form_errors_are_shown_next_to_their_fields(cast, login):
    response = login(cast.clerk).post(
        f"{NEW}?thu_tuc=2.000001", counter_post(cast, **{"data.ho_ten": "", "data.so_ban": "nhiều"})
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Họ và tên người được cấp: Vui lòng nhập thông tin này." in html
    assert "Hãy nhập một số nguyên." in html
    assert not Dossier.objects.exists()


def test_receiving_now_needs_a_scan_of_every_required_document(cast, login):
    response = login(cast.clerk).post(
        f"{NEW}?thu_tuc=2.000001", counter_post(cast, **{"doc.TK": None})
    )
    assert response.status_code == 400
    assert "Cần bản quét của giấy tờ bắt buộc" in response.content.decode()
    assert not Dossier.objects.exists()


def test_without_receive_now_the_dossier_waits_as_submitted(cast, login):
    client = login(cast.clerk)
    response = client.post(
        f"{NEW}?thu_tuc=2.000001", counter_post(cast, receive_now=None, **{"doc.TK": None})
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.status == "submitted" and dossier.channel == Channel.COUNTER
    done = client.get(response["Location"]).content.decode()
    assert "chưa được tiếp nhận" in done


def test_a_file_that_is_not_pdf_or_image_is_rejected(cast, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile(
        "to-khai.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"
    )
    response = login(cast.clerk).post(
        f"{NEW}?thu_tuc=2.000001", counter_post(cast, **{"doc.TK": fake})
    )
    assert response.status_code == 400
    assert "không phải PDF, JPEG hoặc PNG" in response.content.decode()
    assert not Dossier.objects.exists()


def test_several_scans_for_one_document_are_all_kept(
    cast, login, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pages = [pdf_upload("trang-1.pdf"), SimpleUploadedFile("trang-2.png", PNG_BYTES)]
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.clerk).post(
            f"{NEW}?thu_tuc=2.000001", counter_post(cast, **{"doc.TK": pages})
        )
    assert response.status_code == 302
    assert Dossier.objects.get().attachments.count() == 2


def test_only_clerks_reach_the_counter(cast, login, django_user_model):
    assert login(cast.specialist).get(NEW).status_code == 404
    assert login(cast.citizen).get(NEW).status_code == 404


def test_unknown_procedure_code_brings_back_the_picker(cast, login):
    response = login(cast.clerk).get(NEW, {"thu_tuc": "9.999999"})
    assert response.status_code == 200
    assert "Không có thủ tục này" in response.content.decode()


def test_done_page_polls_until_the_receipt_slip_exists(cast, login):
    client = login(cast.clerk)
    response = client.post(f"{NEW}?thu_tuc=2.000001", counter_post(cast))  # on-commit tasks not run
    dossier = Dossier.objects.get()
    assert dossier.status == "received" and not IssuedSlip.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Đang tạo giấy tiếp nhận" in page and 'hx-trigger="every 2s"' in page
    fragment = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="bo-receipt"') and "<html" not in fragment
