import datetime
from decimal import Decimal

import pytest
import segno
from django.utils import timezone

from tinhso.documents import services
from tinhso.documents.tests import factories as f
from tinhso.documents.tests import pdftools
from tinhso.dossiers.models import Attachment, Channel, Status

pytestmark = pytest.mark.django_db


def test_receipt_prints_vietnamese_title_applicant_documents_and_times(
    tmp_path, dossier, receipt_entry
):
    text = pdftools.text(
        tmp_path, services.render_slip("receipt", dossier=dossier, entry=receipt_entry)
    )

    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Mẫu số 01" in text and "03/2025/TT-VPCP" in text
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ PHÚ TÚC" in text  # the receiving agency
    assert "Nguyễn Thị Hồng Nhung" in text
    assert "Ấp Phú Hòa, xã Phú Túc, tỉnh Vĩnh Long" in text
    assert "0912345678" in text and "nhung@example.vn" in text
    assert "Đăng ký khai sinh" in text
    assert "1 Tờ khai đăng ký khai sinh Bản chính 1" in text
    assert "2 Giấy chứng sinh Bản sao 2" in text
    assert "Thời gian nhận hồ sơ: 09 giờ 05 phút, ngày 25 tháng 11 năm 2025" in text
    assert (
        "Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 05 phút, ngày 28 tháng 11 năm 2025" in text
    )
    assert "3 ngày làm việc" in text  # counter channel
    assert "Trần Văn Bình" in text  # the receiving officer signs
    assert "Vĩnh Long, ngày 25 tháng 11 năm 2025" in text


def test_online_receipt_lists_uploaded_files_and_online_processing_time(tmp_path, clerk):
    dossier = f.dossier(channel=Channel.ONLINE)
    for name in ("to-khai.pdf", "giay-chung-sinh-1.pdf", "giay-chung-sinh-2.pdf"):
        Attachment.objects.create(
            dossier=dossier,
            document_code="GCS" if "sinh" in name else "TK",
            file=f"x/{name}",
            original_name=name,
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            uploaded_by=dossier.filed_by,
        )
    entry = f.history(dossier, "receive", at=f.at(25, 9, 5), actor=clerk)

    text = pdftools.text(tmp_path, services.render_slip("receipt", dossier=dossier, entry=entry))

    assert "1 Tờ khai đăng ký khai sinh Bản điện tử 1" in text
    assert "2 Giấy chứng sinh Bản điện tử 2" in text
    assert "2,5 ngày làm việc" in text
    assert "Nhận trực tuyến" in text


def test_times_are_written_in_ho_chi_minh_time_whatever_the_active_timezone(tmp_path, clerk):
    dossier = f.dossier(received_at=datetime.datetime(2025, 11, 25, 17, 30, tzinfo=datetime.UTC))
    entry = f.history(dossier, "receive", at=dossier.received_at, actor=clerk)

    with timezone.override("UTC"):
        text = pdftools.text(
            tmp_path, services.render_slip("receipt", dossier=dossier, entry=entry)
        )

    assert "00 giờ 30 phút, ngày 26 tháng 11 năm 2025" in text


def test_slip_embeds_be_vietnam_pro_and_no_other_font(tmp_path, dossier, receipt_entry):
    fonts = pdftools.fonts(
        tmp_path, services.render_slip("receipt", dossier=dossier, entry=receipt_entry)
    )

    names = {row["name"].split("+")[-1].replace("-", "").lower() for row in fonts}
    assert names == {"bevietnampro", "bevietnamprobold", "bevietnamproitalic"}
    assert all(row["emb"] == "yes" for row in fonts)


@pytest.mark.parametrize("kind", ["receipt", "control"])
def test_receipt_and_control_slips_carry_a_qr_code_of_the_dossier_code(
    tmp_path, dossier, receipt_entry, kind
):
    entry = receipt_entry if kind == "receipt" else None
    pdf = services.render_slip(kind, dossier=dossier, entry=entry)

    (image,) = pdftools.images(tmp_path, pdf)
    expected = segno.make_qr(f.CODE, error="m")
    border = 4
    assert image.size == (expected.symbol_size(scale=1, border=border))
    gray = image.convert("L")
    modules = [
        [gray.getpixel((x + border, y + border)) < 128 for x in range(len(row))]
        for y, row in enumerate(expected.matrix)
    ]
    assert modules == [[bool(cell) for cell in row] for row in expected.matrix]
    assert f.CODE in pdftools.text(tmp_path, pdf)


def test_refusal_slip_has_no_qr_code(tmp_path, dossier, clerk):
    entry = f.history(
        dossier, "refuse", at=f.at(25, 10), actor=clerk, comment="Hồ sơ không thuộc thẩm quyền"
    )

    assert (
        pdftools.images(tmp_path, services.render_slip("refusal", dossier=dossier, entry=entry))
        == []
    )


def test_markup_typed_by_a_citizen_is_printed_as_literal_text(tmp_path, clerk):
    name = "<script>alert('x')</script> <b>Lê Văn Tám</b>"
    dossier = f.dossier(applicant_name=name, applicant_address='<img src="file:///etc/passwd">')
    entry = f.history(
        dossier, "refuse", at=f.at(25, 10), actor=clerk, comment="<i>không đủ</i> & thiếu"
    )

    html = services.render_slip_html("refusal", dossier=dossier, entry=entry)
    text = pdftools.text(tmp_path, services.render_slip("refusal", dossier=dossier, entry=entry))

    assert "<script>" not in html and "<b>Lê" not in html and '<img src="file' not in html
    assert "&lt;script&gt;" in html
    assert name in text
    assert '<img src="file:///etc/passwd">' in text
    assert "<i>không đủ</i> & thiếu" in text


def test_supplement_slip_lists_each_item_with_reason_and_requesting_agency(
    tmp_path, dossier, leader
):
    entry = f.history(
        dossier,
        "request_supplement",
        at=f.at(26, 11),
        actor=leader,
        from_status=Status.PROCESSING,
        comment="Bản sao giấy chứng sinh bị mờ",
        details={"items": ["Giấy chứng sinh (bản sao rõ nét)", "Giấy đăng ký kết hôn của cha mẹ"]},
    )

    text = pdftools.text(tmp_path, services.render_slip("supplement", dossier=dossier, entry=entry))

    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Mẫu số 02" in text
    assert "1. Giấy chứng sinh (bản sao rõ nét)" in text
    assert "2. Giấy đăng ký kết hôn của cha mẹ" in text
    assert "Lý do: Bản sao giấy chứng sinh bị mờ" in text
    assert "Căn cứ pháp lý: Luật Hộ tịch số 60/2014/QH13" in text
    assert "theo đề nghị của Ủy ban nhân dân xã Phú Túc" in text
    assert "Phạm Minh Đức" in text


def test_supplement_requested_at_receipt_does_not_name_a_requesting_agency(
    tmp_path, dossier, clerk
):
    entry = f.history(
        dossier,
        "request_supplement",
        at=f.at(25, 9),
        actor=clerk,
        from_status=Status.SUBMITTED,
        comment="Thiếu tờ khai",
        details={"items": ["Tờ khai đăng ký khai sinh"]},
    )

    text = pdftools.text(tmp_path, services.render_slip("supplement", dossier=dossier, entry=entry))

    assert "1. Tờ khai đăng ký khai sinh" in text
    assert "theo đề nghị của" not in text


def test_refusal_slip_states_the_reason(tmp_path, dossier, clerk):
    entry = f.history(
        dossier, "refuse", at=f.at(25, 10), actor=clerk, comment="Hồ sơ không thuộc thẩm quyền"
    )

    text = pdftools.text(tmp_path, services.render_slip("refusal", dossier=dossier, entry=entry))

    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Mẫu số 03" in text
    assert "Hồ sơ không thuộc thẩm quyền" in text
    assert "Trần Văn Bình" in text


def test_apology_is_issued_by_the_competent_agency_with_old_and_new_dates(
    tmp_path, dossier, leader
):
    dossier.due_at = f.at(2, 9, 5, month=12)
    dossier.save()
    entry = f.history(
        dossier,
        "apologize",
        at=f.at(27, 9),
        actor=leader,
        comment="Cần xác minh thêm tại nơi cư trú",
        details={
            "previous_due_at": f.at(28, 9, 5).isoformat(),
            "new_due_at": dossier.due_at.isoformat(),
        },
    )

    text = pdftools.text(tmp_path, services.render_slip("apology", dossier=dossier, entry=entry))

    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "Mẫu số 04" in text
    assert text.index("ỦY BAN NHÂN DÂN XÃ PHÚ TÚC") < text.index(
        "CỘNG HÒA"
    )  # issuer in the masthead
    assert "Kính gửi: Nguyễn Thị Hồng Nhung" in text
    assert "và hẹn trả kết quả: 09 giờ 05 phút, ngày 28 tháng 11 năm 2025" in text
    assert "đến: 09 giờ 05 phút, ngày 02 tháng 12 năm 2025" in text
    assert "Lý do: Cần xác minh thêm tại nơi cư trú" in text
    assert "Phạm Minh Đức" in text


def test_stop_notice_after_an_online_withdrawal_names_no_officer(tmp_path, dossier):
    entry = f.history(
        dossier,
        "withdraw",
        at=f.at(27, 16),
        actor=dossier.applicant,
        actor_role="applicant",
        from_status=Status.PROCESSING,
        to_status=Status.WITHDRAWN,
    )

    text = pdftools.text(tmp_path, services.render_slip("stop", dossier=dossier, entry=entry))

    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Mẫu số 05" in text
    assert (
        "16 giờ 00 phút, ngày 27 tháng 11 năm 2025, Ông/Bà có yêu cầu dừng giải quyết hồ sơ" in text
    )
    assert "hình thức: Trực tuyến" in text
    assert "Tình trạng hồ sơ khi dừng: Đang xử lý" in text
    assert "Hồ sơ không phát sinh phí, lệ phí." in text
    assert text.count("Nguyễn Thị Hồng Nhung") == 1  # addressee only, not the signer
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ PHÚ TÚC" in text


def test_stop_by_the_agency_is_issued_by_it_with_reason_and_fee(tmp_path, leader):
    dossier = f.dossier(fee_amount=150000)
    entry = f.history(
        dossier,
        "stop",
        at=f.at(27, 16),
        actor=leader,
        from_status=Status.PROCESSING,
        comment="Người yêu cầu không đủ điều kiện",
    )

    text = pdftools.text(tmp_path, services.render_slip("stop", dossier=dossier, entry=entry))

    assert "cơ quan có thẩm quyền quyết định dừng giải quyết hồ sơ" in text
    assert "Lý do: Người yêu cầu không đủ điều kiện" in text
    assert "150.000 đồng" in text
    assert text.index("ỦY BAN NHÂN DÂN XÃ PHÚ TÚC") < text.index("CỘNG HÒA")


def _processed(dossier, clerk, specialist, leader):
    f.history(
        dossier,
        "receive",
        at=f.at(25, 9, 5),
        actor=clerk,
        step_name="Tiếp nhận",
        step_outcome="on_time",
    )
    f.history(dossier, "claim", at=f.at(25, 10), actor=specialist)
    f.history(
        dossier,
        "complete_step",
        at=f.at(26, 10),
        actor=specialist,
        step_name="Thẩm định",
        step_outcome="early",
        from_status=Status.RECEIVED,
    )
    f.history(
        dossier,
        "request_supplement",
        at=f.at(26, 11),
        actor=leader,
        comment="thiếu",
        details={"items": ["x"]},
    )
    return f.history(
        dossier,
        "approve",
        at=f.at(27, 15),
        actor=leader,
        step_name="Phê duyệt",
        step_outcome="late",
        comment="Ký duyệt muộn do đi công tác",
    )


def test_control_slip_has_one_row_per_hand_over_with_outcome_and_note(
    tmp_path, dossier, clerk, specialist, leader
):
    _processed(dossier, clerk, specialist, leader)
    dossier.status = Status.PROCESSING
    dossier.assignee = clerk
    dossier.save()

    text = pdftools.text(tmp_path, services.render_control_slip(dossier))

    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Mẫu số 06" in text
    assert "Kèm theo hồ sơ của: Nguyễn Thị Hồng Nhung" in text
    rows = services._control_context(dossier, None)["rows"]
    assert [row["note"] for row in rows] == [
        "Đã tiếp nhận",
        "Đã xử lý",
        "Ký duyệt muộn do đi công tác",
    ]
    assert [row["outcome"] for row in rows] == ["Đúng hạn", "Trước hạn", "Quá hạn"]
    assert rows[0]["from_unit"] == "Trung tâm Phục vụ hành chính công xã Phú Túc"
    assert (rows[0]["giver"], rows[0]["receiver"]) == ("Trần Văn Bình", "Lê Thị Cúc")
    assert (rows[2]["giver"], rows[2]["receiver"]) == (
        "Phạm Minh Đức",
        "Trần Văn Bình",
    )  # assignee now
    for expected in ("Đúng hạn", "Trước hạn", "Quá hạn", "Đã tiếp nhận", "Thẩm định", "Phê duyệt"):
        assert expected in text
    assert "thiếu" not in text  # the supplement request is not a hand-over
    assert "Tình trạng hồ sơ: Đang xử lý" in text


def test_control_slip_for_a_history_entry_stops_at_that_entry(
    tmp_path, dossier, clerk, specialist, leader
):
    _processed(dossier, clerk, specialist, leader)
    complete = dossier.history.get(action="complete_step")

    text = pdftools.text(tmp_path, services.render_slip("control", dossier=dossier, entry=complete))

    assert "Thẩm định" in text
    assert "Phê duyệt" not in text


def test_returned_dossier_control_slip_ends_with_hand_over_to_the_applicant(dossier, clerk):
    f.history(dossier, "receive", at=f.at(25, 9, 5), actor=clerk)
    f.history(dossier, "return_result", at=f.at(28, 8), actor=clerk, step_outcome="early")

    rows = services._control_context(dossier, None)["rows"]

    assert rows[-1]["to_unit"] == "Tổ chức, cá nhân"
    assert rows[-1]["receiver"] == "Nguyễn Thị Hồng Nhung"
    assert rows[-1]["note"] == "Đã trả kết quả"


def test_slip_for_the_wrong_action_is_refused(dossier, clerk):
    entry = f.history(dossier, "refuse", at=f.at(25, 10), actor=clerk, comment="x")

    with pytest.raises(ValueError, match="not issued for action 'refuse'"):
        services.render_slip("receipt", dossier=dossier, entry=entry)
    with pytest.raises(ValueError, match="needs the history entry"):
        services.render_slip("refusal", dossier=dossier, entry=None)


def test_same_day_procedure_prints_within_the_day(tmp_path, clerk):
    version = f.procedure_version(same_day=True, processing_days=Decimal("0"))
    dossier = f.dossier(procedure_version=version)
    entry = f.history(dossier, "receive", at=f.at(25, 9, 5), actor=clerk)

    text = pdftools.text(tmp_path, services.render_slip("receipt", dossier=dossier, entry=entry))

    assert "Thời gian giải quyết hồ sơ theo quy định: Trong ngày" in text
