"""Checks S-1..S-5 (spec §11.2), over the Profile B routes (bare arrays)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from tinhso.sandboxes.tests.support import CODE, dossier, insert_b, post, state, step

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


def refused(response, *phrases: str) -> None:
    answer = response.json()
    assert answer["error_code"] == "-1", answer
    for phrase in phrases:
        assert phrase in answer["message"]


def test_valid_dossier_is_inserted(client):
    answer = insert_b(client).json()
    assert answer == {"error_code": "0", "message": "Thêm mới hồ sơ thành công"}
    assert state(client).json()["inserts"] == 1


@pytest.mark.parametrize("value", ["2025-12-01 08:30", "2025120108300", "20251340083000", 1.5])
def test_malformed_date_is_refused(client, value):
    refused(
        insert_b(client, dossier(NgayKetThucXuLy=value)),
        "NgayKetThucXuLy",
        "thời gian không hợp lệ",
    )
    assert state(client).status_code == 404


def test_empty_date_means_no_value(client):
    assert insert_b(client, dossier(NgayTra="", NgayTuChoi="")).json()["error_code"] == "0"


def test_date_more_than_five_minutes_ahead_is_refused(client):
    ahead = stamp(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=6))
    refused(insert_b(client, dossier(NgayKetThucXuLy=ahead)), "thời gian không hợp lệ")


def test_date_a_little_ahead_is_tolerated(client):
    ahead = stamp(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=4))
    assert insert_b(client, dossier(NgayKetThucXuLy=ahead)).json()["error_code"] == "0"


def test_due_date_in_the_future_is_accepted(client):
    due = stamp(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=20))
    assert insert_b(client, dossier(NgayHenTra=due)).json()["error_code"] == "0"


def test_dates_of_supplement_rounds_are_checked(client):
    round_ = {"HoSoBoSungId": 1, "NgayBoSung": "2025-12-02", "NgayHenTraMoi": "20251210170000"}
    refused(insert_b(client, dossier(DanhSachHoSoBoSung=[round_])), "NgayBoSung")


def test_unknown_procedure_code_is_refused(client):
    refused(insert_b(client, dossier(MaTTHC="1.999999")), "MaTTHC")


@pytest.mark.parametrize("code", ["1.000656", "2.001610", "3.000347", "2.002154"])
def test_catalogue_codes_are_accepted(client, code):
    assert insert_b(client, dossier(MaTTHC=code)).json()["error_code"] == "0"


@pytest.mark.parametrize(
    "code",
    [
        "HS-2025-0001",
        "000.00.01.h61-251201-0001",
        "000.00.01.H61-251201-001",
        "000.00.01.H61-20251201-0001",
    ],
)
def test_dossier_code_outside_the_national_pattern_is_refused(client, code):
    refused(insert_b(client, dossier(MaHoSo=code)), "MaHoSo")


def test_sequence_may_grow_past_four_digits(client):
    code = "H15.50.05.13-251201-12345"
    assert insert_b(client, dossier(MaHoSo=code)).json()["error_code"] == "0"
    assert state(client, code).status_code == 200


def test_code_date_must_be_the_receipt_or_submission_date(client):
    refused(insert_b(client, dossier(MaHoSo="000.00.01.H61-251130-0001")), "251130")


def test_code_dated_by_submission_is_accepted(client):
    national = dossier(MaHoSo="000.00.01.H61-251130-0007", NgayNopHoSo="20251130220000")
    assert insert_b(client, national).json()["error_code"] == "0"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("TrangThaiHoSo", "0"),
        ("TrangThaiHoSo", "11"),
        ("TrangThaiHoSo", ""),
        ("KenhThucHien", "4"),
        ("KenhThucHien", None),
        ("LoaiDoiTuong", "5"),
        ("LoaiDoiTuong", True),
    ],
)
def test_code_lists_are_enforced(client, field, value):
    refused(insert_b(client, dossier(**{field: value})), field)


def test_batch_with_one_bad_dossier_stores_nothing(client):
    good = dossier(MaHoSo="000.00.01.H61-251201-0002")
    answer = insert_b(client, good, dossier(MaTTHC="9.9")).json()
    assert answer["error_code"] == "-1"
    assert state(client, "000.00.01.H61-251201-0002").status_code == 404


def test_insert_of_existing_dossier_answers_minus_three(client):
    insert_b(client)
    answer = insert_b(client).json()
    assert answer["error_code"] == "-3"
    assert "đã tồn tại" in answer["message"]
    assert state(client).json()["inserts"] == 1


def test_same_code_twice_in_one_insert_batch_is_a_duplicate(client):
    assert insert_b(client, dossier(), dossier()).json()["error_code"] == "-3"
    assert state(client).status_code == 404


def test_update_of_unknown_dossier_answers_does_not_exist(client):
    refused(post(client, "hoso/capnhat", [dossier()]), "không tồn tại")


@pytest.mark.parametrize("terminal", ["3", "7", "8", "10"])
def test_dossier_does_not_leave_a_terminal_status(client, terminal):
    insert_b(client, dossier(TrangThaiHoSo=terminal))
    refused(post(client, "hoso/capnhat", [dossier(TrangThaiHoSo="4")]), "đã kết thúc")
    assert state(client).json()["dossier"]["TrangThaiHoSo"] == terminal


def test_terminal_dossier_may_be_sent_again_unchanged(client):
    insert_b(client, dossier(TrangThaiHoSo="10"))
    assert post(client, "hoso/capnhat", [dossier(TrangThaiHoSo=10)]).json()["error_code"] == "0"


def test_result_ready_may_become_returned(client):
    insert_b(client, dossier(TrangThaiHoSo="9", NgayKetThucXuLy="20251204100000"))
    returned = dossier(
        TrangThaiHoSo="10", NgayKetThucXuLy="20251204100000", NgayTra="20251205090000"
    )
    assert post(client, "hoso/capnhat", [returned]).json()["error_code"] == "0"
    assert state(client).json()["dossier"]["TrangThaiHoSo"] == "10"


def test_progress_answers_plain_text_success(client):
    insert_b(client)
    response = post(client, "hoso/tientrinh", [step()])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Cập nhật thành công"
    assert state(client).json()["progress"] == [step()]


def test_progress_for_unknown_dossier_is_a_plain_text_error(client):
    response = post(client, "hoso/tientrinh", [step()])
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "không tồn tại" in response.content.decode()


def test_progress_long_before_receipt_is_refused(client):
    insert_b(client)
    response = post(client, "hoso/tientrinh", [step(), step(ThoiDiemXuLy="20251031083000")])
    assert response.status_code == 400
    assert "thời gian không hợp lệ" in response.content.decode()
    assert state(client).json()["progress"] == []


def test_progress_within_thirty_days_before_receipt_is_accepted(client):
    insert_b(client)
    assert post(client, "hoso/tientrinh", [step(ThoiDiemXuLy="20251101090000")]).status_code == 200


@pytest.mark.parametrize(
    "changes", [{"ThoiDiemXuLy": ""}, {"ThoiDiemXuLy": "2025-12-01"}, {"TrangThai": "12"}]
)
def test_progress_entry_fields_are_checked(client, changes):
    insert_b(client)
    assert post(client, "hoso/tientrinh", [step(**changes)]).status_code == 400


def test_progress_with_unknown_code_form_is_refused(client):
    insert_b(client)
    response = post(client, "hoso/tientrinh", [step(MaHoSo="abc")])
    assert response.status_code == 400
    assert "MaHoSo" in response.content.decode()


def test_code_must_match_exactly(client):
    insert_b(client)
    assert (
        post(client, "hoso/tientrinh", [step(MaHoSo=CODE.replace("0001", "00001"))]).status_code
        == 400
    )


def test_several_dossiers_in_one_batch_are_all_stored(client):
    second = dossier(MaHoSo="000.00.01.H61-251201-0002", KenhThucHien="2")
    assert insert_b(client, dossier(), second).json()["error_code"] == "0"
    assert client.get("/sandbox/national/state").json() == {
        "dossiers": [CODE, "000.00.01.H61-251201-0002"]
    }


@pytest.mark.parametrize("path", ["hoso/themmoi", "hoso/capnhat"])
@pytest.mark.parametrize("body", [dossier(), [], "text"])
def test_upsert_body_must_be_a_non_empty_array(client, path, body):
    refused(post(client, path, body), "data")


def test_progress_body_must_be_a_non_empty_array(client):
    insert_b(client)
    response = post(client, "hoso/tientrinh", step())
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
