"""Profile A (OpenCPS adapter): ``auth`` then ``integration`` dispatched on ``service``."""

import datetime

import pytest
import time_machine

from tinhso.sandboxes.tests.support import (
    BASE,
    CODE,
    HEADERS,
    call,
    dossier,
    login,
    post,
    state,
    step,
    upsert,
)


def test_right_credentials_and_dstcode_give_a_session(client):
    answer = post(
        client, "auth", {"username": "tinhso-demo", "password": "demo-password"}, headers=HEADERS
    ).json()
    assert answer["error_code"] == 0
    assert len(answer["session"]) >= 20


def test_two_logins_give_different_sessions(client):
    assert login(client) != login(client)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"username": "tinhso-demo", "password": "wrong"}, HEADERS),
        ({"username": "someone", "password": "demo-password"}, HEADERS),
        ({"username": "tinhso-demo", "password": "demo-password"}, {"dstcode": "OTHER"}),
        ({"username": "tinhso-demo", "password": "demo-password"}, {}),
        (["tinhso-demo", "demo-password"], HEADERS),
    ],
)
def test_wrong_credentials_or_dstcode_answer_minus_one_and_no_session(client, body, headers):
    answer = post(client, "auth", body, headers=headers).json()
    assert answer["error_code"] == -1
    assert "session" not in answer


def test_unknown_session_answers_the_auth_error(client):
    answer = call(client, "not-a-session", "TraCuuHoSo", mahoso=CODE).json()
    assert answer == {"error_code": -2, "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"}


def test_session_expires_after_session_ttl(client):
    with time_machine.travel(datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)) as clock:
        session = login(client)
        clock.shift(1799)
        assert call(client, session, "TraCuuHoSo", mahoso=CODE).json()["error_code"] == 0
        clock.shift(2)
        assert call(client, session, "TraCuuHoSo", mahoso=CODE).json()["error_code"] == -2


def test_session_ttl_knob_shortens_sessions(client):
    post(client, "faults", {"SESSION_TTL": 60})
    with time_machine.travel(datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)) as clock:
        session = login(client)
        clock.shift(61)
        assert call(client, session, "TraCuuHoSo", mahoso=CODE).json()["error_code"] == -2


def test_integration_needs_the_dstcode_header(client):
    session = login(client)
    body = {"session": session, "madonvi": "X", "service": "TraCuuHoSo", "mahoso": CODE}
    assert post(client, "integration", body).json()["error_code"] == -1


def test_integration_needs_madonvi(client):
    session = login(client)
    body = {"session": session, "service": "TraCuuHoSo", "mahoso": CODE}
    answer = post(client, "integration", body, headers=HEADERS).json()
    assert answer["error_code"] == -1
    assert "madonvi" in answer["message"]


def test_unknown_service_is_refused(client):
    answer = call(client, login(client), "XoaHoSo").json()
    assert answer["error_code"] == -1
    assert "XoaHoSo" in answer["message"]


def test_body_that_is_not_an_object_is_refused(client):
    answer = post(client, "integration", [1, 2], headers=HEADERS).json()
    assert answer["error_code"] == -1


def test_insert_is_stored_and_found_by_lookup(client):
    session = login(client)
    answer = upsert(client, session).json()
    assert answer["error_code"] == 0
    assert "thành công" in answer["message"]
    found = call(client, session, "TraCuuHoSo", mahoso=CODE).json()
    assert found["error_code"] == 0
    assert found["result"] == [dossier()]
    held = state(client).json()
    assert held["dossier"] == dossier()
    assert held["inserts"] == 1
    assert held["updates"] == 0
    assert held["progress"] == []


def test_lookup_of_unknown_dossier_gives_empty_result(client):
    answer = call(client, login(client), "TraCuuHoSo", mahoso=CODE).json()
    assert answer["error_code"] == 0
    assert answer["result"] == []


def test_second_insert_answers_already_exists_and_is_not_counted(client):
    session = login(client)
    upsert(client, session)
    answer = upsert(client, session, dossier(TrangThaiHoSo="5")).json()
    assert answer["error_code"] == -3
    assert "đã tồn tại" in answer["message"]
    held = state(client).json()
    assert held["inserts"] == 1
    assert held["dossier"]["TrangThaiHoSo"] == "4"


def test_update_replaces_the_whole_dossier(client):
    session = login(client)
    upsert(client, session)
    answer = upsert(client, session, dossier(TrangThaiHoSo="9"), updating=True).json()
    assert answer["error_code"] == 0
    held = state(client).json()
    assert held["dossier"]["TrangThaiHoSo"] == "9"
    assert (held["inserts"], held["updates"]) == (1, 1)


def test_update_of_unknown_dossier_answers_does_not_exist(client):
    answer = upsert(client, login(client), updating=True).json()
    assert answer["error_code"] == -1
    assert "không tồn tại" in answer["message"]
    assert state(client).status_code == 404


def test_is_updating_may_come_as_a_query_parameter(client):
    session = login(client)
    upsert(client, session)
    body = {
        "session": session,
        "madonvi": "000.00.01.H61",
        "service": "DongBoHoSoMC",
        "data": [dossier(TrangThaiHoSo="9")],
    }
    answer = post(client, "integration?isUpdating=True", body, headers=HEADERS).json()
    assert answer["error_code"] == 0
    assert state(client).json()["updates"] == 1


@pytest.mark.parametrize("value", [None, "Maybe", 1])
def test_missing_or_bad_is_updating_is_refused(client, value):
    session = login(client)
    body = {"session": session, "madonvi": "M", "service": "DongBoHoSoMC", "data": [dossier()]}
    if value is not None:
        body["isUpdating"] = value
    answer = post(client, "integration", body, headers=HEADERS).json()
    assert answer["error_code"] == -1
    assert "isUpdating" in answer["message"]
    assert state(client).status_code == 404


def test_scalars_may_arrive_as_numbers(client):
    numeric = dossier(TrangThaiHoSo=4, KenhThucHien=2, LoaiDoiTuong=1, NgayTiepNhan=20251201083000)
    assert upsert(client, login(client), numeric).json()["error_code"] == 0


def test_progress_entries_are_kept_in_arrival_order(client):
    session = login(client)
    upsert(client, session)
    first = [step(), step(ThoiDiemXuLy="20251202090000", TrangThai="4", NoiDungXuLy="Thẩm định")]
    second = [step(ThoiDiemXuLy="20251201100000", TrangThai=4, NoiDungXuLy="Chuyển xử lý")]
    for batch in (first, second):
        answer = call(client, session, "CapNhatTienDoHoSoMC", data=batch).json()
        assert answer["error_code"] == 0
    progress = state(client).json()["progress"]
    assert [entry["NoiDungXuLy"] for entry in progress] == [
        "Tiếp nhận hồ sơ",
        "Thẩm định",
        "Chuyển xử lý",
    ]


def test_progress_for_unknown_dossier_is_refused(client):
    answer = call(client, login(client), "CapNhatTienDoHoSoMC", data=[step()]).json()
    assert answer["error_code"] == -1
    assert "không tồn tại" in answer["message"]


def test_state_lists_held_dossiers_and_reset_forgets_them(client):
    session = login(client)
    upsert(client, session)
    assert client.get(BASE + "state").json() == {"dossiers": [CODE]}
    assert post(client, "reset", {}).json() == {"reset": True}
    assert client.get(BASE + "state").json() == {"dossiers": []}
    assert state(client).status_code == 404
    assert call(client, session, "TraCuuHoSo", mahoso=CODE).json()["error_code"] == -2


def test_state_of_unknown_dossier_is_json_404(client):
    response = state(client, "000.00.01.H61-251201-9999")
    assert response.status_code == 404
    assert "detail" in response.json()
