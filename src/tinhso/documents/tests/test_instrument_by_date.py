"""A slip cites the circular in force at its date (R-LAW-2, issue 15): Circular 01/2018/TT-VPCP
before 1 July 2025, Circular 03/2025/TT-VPCP from that day, in Viet Nam's time."""

import datetime

import pytest
from django.core.files.storage import default_storage

from tinhso.documents import numbering, services
from tinhso.documents.tests import factories as f
from tinhso.documents.tests import pdftools

pytestmark = pytest.mark.django_db

VN = datetime.timezone(datetime.timedelta(hours=7))


def _receipt_text(tmp_path, dossier, clerk, at: datetime.datetime) -> str:
    entry = f.history(dossier, "receive", at=at, actor=clerk, step_name="Tiếp nhận")
    return pdftools.text(tmp_path, services.render_slip("receipt", dossier=dossier, entry=entry))


def test_receipt_dated_before_july_2025_cites_circular_01_2018(tmp_path, dossier, clerk):
    text = _receipt_text(tmp_path, dossier, clerk, datetime.datetime(2025, 6, 30, 16, 0, tzinfo=VN))
    assert "Mẫu số 01 – Phụ lục I, Thông tư số 01/2018/TT-VPCP" in text
    assert "03/2025/TT-VPCP" not in text
    assert "ngày 30 tháng 06 năm 2025" in text


def test_receipt_dated_from_july_2025_cites_circular_03_2025(tmp_path, dossier, clerk):
    text = _receipt_text(tmp_path, dossier, clerk, datetime.datetime(2025, 7, 1, 7, 30, tzinfo=VN))
    assert "Mẫu số 01 – Phụ lục I, Thông tư số 03/2025/TT-VPCP" in text
    assert "01/2018/TT-VPCP" not in text


def test_the_date_is_read_in_viet_nam_not_utc():
    # 30/6/2025 18:00 UTC is already 1/7/2025 01:00 in Viet Nam.
    moment = datetime.datetime(2025, 6, 30, 18, 0, tzinfo=datetime.UTC)
    assert numbering.instrument_at(moment) == "03/2025/TT-VPCP"
    assert numbering.instrument_at(moment - datetime.timedelta(hours=2)) == "01/2018/TT-VPCP"


def test_apology_before_july_2025_has_the_2018_title_and_number(tmp_path, dossier, leader):
    entry = f.history(
        dossier,
        "apologize",
        at=datetime.datetime(2025, 3, 12, 10, 0, tzinfo=VN),
        actor=leader,
        comment="Cần xác minh thêm",
        details={
            "previous_due_at": "2025-03-13T10:00:00+07:00",
            "new_due_at": "2025-03-20T10:00:00+07:00",
        },
    )
    text = pdftools.text(tmp_path, services.render_slip("apology", dossier=dossier, entry=entry))
    assert "Mẫu số 04 – Phụ lục I, Thông tư số 01/2018/TT-VPCP" in text
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text


def test_control_slip_before_july_2025_is_form_05_of_2018(tmp_path, dossier, receipt_entry, clerk):
    early = f.history(
        dossier, "receive", at=datetime.datetime(2025, 5, 5, 9, 0, tzinfo=VN), actor=clerk
    )
    content = services.render_slip("control", dossier=dossier, entry=early)
    assert "Mẫu số 05 – Phụ lục I, Thông tư số 01/2018/TT-VPCP" in pdftools.text(tmp_path, content)


def test_stop_notice_before_july_2025_prints_no_form_line(tmp_path, dossier, clerk):
    entry = f.history(
        dossier,
        "withdraw",
        at=datetime.datetime(2025, 2, 3, 9, 0, tzinfo=VN),
        actor=clerk,
        comment="Công dân rút hồ sơ",
    )
    text = pdftools.text(tmp_path, services.render_slip("stop", dossier=dossier, entry=entry))
    assert "Mẫu số" not in text and "TT-VPCP" not in text
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text


def test_issued_slip_records_the_instrument_of_its_date(dossier, clerk):
    entry = f.history(
        dossier, "receive", at=datetime.datetime(2025, 6, 2, 9, 0, tzinfo=VN), actor=clerk
    )
    slip = services.issue_slip(dossier_id=dossier.pk, kind="receipt", history_seq=entry.seq)
    assert (slip.instrument, slip.form_number) == ("01/2018/TT-VPCP", "01")
    assert default_storage.exists(slip.file.name)


def test_switch_date_is_a_setting(settings, dossier, clerk):
    settings.TINHSO_CIRCULAR_03_2025_FROM = "2025-11-01"
    assert numbering.instrument_at(datetime.date(2025, 10, 31)) == "01/2018/TT-VPCP"
    assert numbering.instrument_at(datetime.date(2025, 11, 1)) == "03/2025/TT-VPCP"
