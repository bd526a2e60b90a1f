import datetime

import pytest

from tinhso.dossiers.models import Status
from tinhso.notifications.events import Event
from tinhso.notifications.messages import format_appointment, render
from tinhso.notifications.tests.factories import VN, add_history, make_dossier

pytestmark = pytest.mark.django_db

TO_STATUS = {
    Event.RECEIVED: Status.RECEIVED,
    Event.SUPPLEMENT_REQUESTED: Status.SUPPLEMENT_REQUESTED,
    Event.REFUSED: Status.REFUSED,
    Event.APOLOGIZED: Status.PROCESSING,
    Event.RESULT_READY: Status.RESULT_READY,
    Event.RETURNED: Status.RETURNED,
    Event.STOPPED: Status.STOPPED,
    Event.WITHDRAWN: Status.WITHDRAWN,
}


def test_appointment_is_written_in_words_in_vietnam_time():
    moment = datetime.datetime(2025, 6, 26, 1, 5, tzinfo=datetime.UTC)
    assert format_appointment(moment) == "08 giờ 05 phút, ngày 26/06/2025"


def test_appointment_crossing_midnight_uses_the_vietnamese_date():
    moment = datetime.datetime(2025, 12, 31, 18, 30, tzinfo=datetime.UTC)
    assert format_appointment(moment) == "01 giờ 30 phút, ngày 01/01/2026"


@pytest.mark.parametrize("event", list(Event))
def test_every_event_names_code_procedure_status_and_link_but_never_the_personal_id(event):
    dossier = make_dossier(status=TO_STATUS[event])
    entry = add_history(dossier, action=event, to_status=TO_STATUS[event], comment="Thiếu giấy tờ")

    message = render(dossier, entry, event)

    link = f"http://127.0.0.1:8000/ho-so/{dossier.code}/"
    assert dossier.code in message.subject
    assert dossier.code in message.body and dossier.code in message.sms
    assert "Thủ tục: Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam" in message.body
    assert f"Trạng thái: {TO_STATUS[event].label}" in message.body
    assert "Kính gửi ông/bà Nguyễn Văn An," in message.body
    assert link in message.body and link in message.sms
    for text in (message.subject, message.body, message.sms):
        assert dossier.applicant_id_number not in text
    assert len(message.sms) <= 160, message.sms


def test_received_message_gives_the_appointment():
    dossier = make_dossier(due_at=datetime.datetime(2025, 6, 26, 14, 0, tzinfo=VN))
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)

    message = render(dossier, entry, Event.RECEIVED)

    assert message.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert "Ngày hẹn trả kết quả: 14 giờ 00 phút, ngày 26/06/2025." in message.body
    assert "hẹn trả 14 giờ 00 phút, ngày 26/06/2025." in message.sms


def test_supplement_message_lists_every_item_and_the_guidance():
    dossier = make_dossier(status=Status.SUPPLEMENT_REQUESTED)
    entry = add_history(
        dossier,
        action="request_supplement",
        to_status=Status.SUPPLEMENT_REQUESTED,
        comment="Bản sao phải được chứng thực.",
        details={"items": ["Bản sao Giấy khai sinh", "Ảnh 4x6 chụp trong 6 tháng"]},
    )

    body = render(dossier, entry, Event.SUPPLEMENT_REQUESTED).body

    assert "  - Bản sao Giấy khai sinh\n  - Ảnh 4x6 chụp trong 6 tháng\n" in body
    assert "Hướng dẫn: Bản sao phải được chứng thực." in body
    assert "Trạng thái: Yêu cầu bổ sung giấy tờ" in body


def test_refusal_gives_the_reason():
    dossier = make_dossier(status=Status.REFUSED)
    entry = add_history(
        dossier,
        action="refuse",
        to_status=Status.REFUSED,
        comment="Thủ tục không thuộc thẩm quyền của Sở Tư pháp.",
    )

    message = render(dossier, entry, Event.REFUSED)

    assert message.subject == f"Hồ sơ {dossier.code} không được tiếp nhận"
    assert "Lý do: Thủ tục không thuộc thẩm quyền của Sở Tư pháp." in message.body


def test_apology_gives_the_old_and_the_new_appointment():
    dossier = make_dossier(
        status=Status.PROCESSING, due_at=datetime.datetime(2025, 7, 3, 16, 30, tzinfo=VN)
    )
    entry = add_history(
        dossier,
        action="apologize",
        to_status=Status.PROCESSING,
        comment="Cần xác minh thêm tại cơ quan công an.",
        details={"previous_due_at": "2025-06-26T01:05:00+00:00"},
    )

    message = render(dossier, entry, Event.APOLOGIZED)

    assert message.subject == f"Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {dossier.code}"
    assert "Sở Tư pháp chân thành xin lỗi ông/bà" in message.body
    assert "Lý do: Cần xác minh thêm tại cơ quan công an." in message.body
    assert "Ngày hẹn trả kết quả trước đây: 08 giờ 05 phút, ngày 26/06/2025." in message.body
    assert "Ngày hẹn trả kết quả mới: 16 giờ 30 phút, ngày 03/07/2025." in message.body
    assert "hẹn mới 16 giờ 30 phút, ngày 03/07/2025." in message.sms


def test_status_label_is_the_one_of_the_event_not_the_current_one():
    dossier = make_dossier(status=Status.RETURNED)
    entry = add_history(dossier, action="complete", to_status=Status.RESULT_READY)

    body = render(dossier, entry, Event.RESULT_READY).body

    assert "Trạng thái: Đã xử lý xong" in body


def test_link_uses_the_configured_site_address(settings):
    settings.TINHSO_SITE_URL = "https://dichvucong.vinhlong.gov.vn/"
    dossier = make_dossier()
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)

    message = render(dossier, entry, Event.RECEIVED)

    assert f"https://dichvucong.vinhlong.gov.vn/ho-so/{dossier.code}/" in message.sms
    assert len(message.sms) <= 160, message.sms


def test_a_draft_without_code_is_never_rendered():
    dossier = make_dossier(status=Status.DRAFT, code=None)
    entry = add_history(dossier, action="edit", to_status=Status.DRAFT)

    with pytest.raises(ValueError, match="no code"):
        render(dossier, entry, Event.RECEIVED)


def test_unknown_event_is_refused():
    dossier = make_dossier()
    entry = add_history(dossier, action="receive", to_status=Status.RECEIVED)

    with pytest.raises(ValueError):
        render(dossier, entry, "birthday")


def test_appointment_is_the_one_recorded_with_the_event_when_the_dossier_moved_on():
    dossier = make_dossier(
        status=Status.PROCESSING, due_at=datetime.datetime(2025, 7, 10, 9, 0, tzinfo=VN)
    )
    entry = add_history(
        dossier,
        action="apology",
        to_status=Status.PROCESSING,
        details={
            "previous_due_at": "2025-06-26T08:05:00+07:00",
            "new_due_at": "2025-07-03T16:30:00+07:00",
        },
    )

    message = render(dossier, entry, Event.APOLOGIZED)

    assert "Ngày hẹn trả kết quả mới: 16 giờ 30 phút, ngày 03/07/2025." in message.body
    assert "10/07/2025" not in message.body
