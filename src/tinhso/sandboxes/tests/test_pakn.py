"""The national portal's Q&A exchange (spec §8.1) on Profile A ``integration``: questions citizens
file on the portal (seeded with ``pakn/seed``), the agency's own questions (``DongBoHoiDap``), the
answers sent up (``DongBoKetQuaHoiDapGuiTuDVCQG``), the test control and the 766 indicators 5.2/5.3."""

import datetime

import pytest

from tinhso.sandboxes.national import index766
from tinhso.sandboxes.tests.support import BASE, HEADERS, call, faults, login, post

UNIT = "000.28756.H61"
OTHER_UNIT = "000.28777.H61"
SENT = "20251201090000"  # Monday 1/12/2025, 09:00


def seed(client, **body):
    response = post(client, "pakn/seed", body)
    assert response.status_code == 200, response.content
    return response.json()["HOIDAPID"]


def qa(client, session, service, **fields):
    return call(client, session, service, **fields).json()


def question(**changes):
    item = {
        "HOIDAPID": "15",
        "MaLinhVuc": "hotich",
        "NOIDUNG": "Thủ tục đăng ký kết hôn cần những giấy tờ gì?",
        "MADONVI": UNIT,
        "TENDONVI": "UBND phường Phú Khương",
    }
    return item | changes


def answer(ident, **changes):
    item = {
        "HOIDAPID": ident,
        "MADONVI": UNIT,
        "NGUOITRALOI": "Trần Thị Bình",
        "CHUCVUNGUOITRALOI": "Công chức tư pháp - hộ tịch",
        "NGAYTRALOI": "20251202100000",
        "NOIDUNGTRALOI": "Ông/bà đăng ký khai sinh tại UBND phường nơi cư trú của cha hoặc mẹ.",
    }
    return item | changes


def state(client, ident):
    return client.get(BASE + "state", {"HOIDAPID": ident})


# --- Questions filed on the portal ----------------------------------------------------------------


def test_seeded_question_is_listed_for_its_unit_with_every_field(client):
    ident = seed(client, NGAYGUI=SENT, MATTHCDP="1.001193")
    session = login(client)
    listed = qa(client, session, "LayDanhSachHoiDapGuiTuDVCQG", MADONVI=UNIT)
    assert listed["error_code"] == 0
    assert listed["result"] == [
        {
            "HOIDAPID": ident,
            "MALINHVUC": "hotich",
            "TENDONVI": "UBND phường Phú Khương",
            "MADONVI": UNIT,
            "NOIDUNG": listed["result"][0]["NOIDUNG"],
            "NOIDUNGTRALOI": "",
            "TRALOIID": "",
            "HOVATEN": "Lê Thị Thu Hà",
            "DIACHI": "25 Đường Nguyễn Đình Chiểu, phường Phú Khương, tỉnh Vĩnh Long",
            "THUDIENTU": "le.thu.ha@example.vn",
            "SODIENTHOAI": "0918123456",
            "MATTHCDP": "1.001193",
            "TRANGTHAI": "0",
            "NGAYGUI": SENT,
        }
    ]
    assert "khai sinh" in listed["result"][0]["NOIDUNG"]
    assert ident == "9000001"


def test_answers_carrying_the_askers_details_are_never_cached(client):
    seeded = post(client, "pakn/seed", {})
    ident = seeded.json()["HOIDAPID"]
    session = login(client)
    listed = call(client, session, "LayDanhSachHoiDapGuiTuDVCQG", MADONVI=UNIT)
    assert listed.json()["result"][0]["SODIENTHOAI"]
    for response in (seeded, listed, state(client, ident)):
        assert response["Cache-Control"] == "no-store"


def test_list_is_filtered_by_madonvi_or_the_envelope_unit(client):
    mine = seed(client, NOIDUNG="Câu hỏi của phường Phú Khương")
    theirs = seed(client, MADONVI=OTHER_UNIT, NOIDUNG="Câu hỏi của phường An Hội")
    session = login(client)
    by_field = qa(client, session, "LayDanhSachHoiDapGuiTuDVCQG", MADONVI=OTHER_UNIT)
    assert [item["HOIDAPID"] for item in by_field["result"]] == [theirs]
    assert by_field["result"][0]["TENDONVI"] == "UBND phường An Hội"
    body = {"session": session, "madonvi": UNIT, "service": "LayDanhSachHoiDapGuiTuDVCQG"}
    by_envelope = post(client, "integration", body, headers=HEADERS).json()
    assert [item["HOIDAPID"] for item in by_envelope["result"]] == [mine]


def test_q_and_a_services_need_a_session_and_the_dstcode(client):
    seed(client)
    denied = qa(client, "no-session", "LayDanhSachHoiDapGuiTuDVCQG", MADONVI=UNIT)
    assert denied == {"error_code": -2, "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"}
    session = login(client)
    body = {"session": session, "madonvi": UNIT, "service": "DongBoHoiDap", "data": [question()]}
    assert post(client, "integration", body).json()["error_code"] == -1
    assert qa(client, session, "LayDanhSachHoiDapBoCoQuan", MADONVI=UNIT)["result"] == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"MADONVI": "phường Phú Khương"}, "MADONVI"),
        ({"MALINHVUC": "khong-co"}, "MALINHVUC"),
        ({"NOIDUNG": "  "}, "NOIDUNG"),
        ({"NGAYGUI": "2025-12-01 09:00"}, "NGAYGUI"),
        ({"NGAYGUI": "20991231235959"}, "NGAYGUI"),
        ({"MATTHCDP": "9.999999"}, "MATTHCDP"),
        ({"HOVATEN": 12}, "HOVATEN"),
        ({"HOIDAPID": "1"}, "HOIDAPID"),
    ],
)
def test_bad_seed_is_400_and_nothing_seeded(client, body, reason):
    response = post(client, "pakn/seed", body)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert client.get(BASE + "state", {"HOIDAPID": ""}).json() == {"hoidap": []}


def test_seed_takes_json_only(client):
    response = client.post(BASE + "pakn/seed", "NOIDUNG=x", content_type="text/plain")
    assert response.status_code == 415
    undecodable = client.post(BASE + "pakn/seed", b"\xff\xfe", content_type="application/json")
    assert undecodable.status_code == 400


# --- The agency's own questions ---------------------------------------------------------------


def test_dongbohoidap_keeps_questions_and_is_idempotent_by_hoidapid(client):
    session = login(client)
    sent = qa(client, session, "DongBoHoiDap", data=[question(), question(HOIDAPID=16)])
    assert sent == {"error_code": 0, "message": "Đồng bộ hỏi đáp thành công"}
    again = qa(client, session, "DongBoHoiDap", data=[question(NOIDUNG="Nội dung đã sửa")])
    assert again["error_code"] == 0
    listed = qa(client, session, "LayDanhSachHoiDapBoCoQuan", MADONVI=UNIT)["result"]
    assert [(item["HOIDAPID"], item["NOIDUNG"]) for item in listed] == [
        ("15", "Nội dung đã sửa"),
        ("16", "Thủ tục đăng ký kết hôn cần những giấy tờ gì?"),
    ]
    assert listed[0]["MALINHVUC"] == "hotich"
    held = state(client, "15").json()
    assert (held["origin"], held["syncs"]) == ("coquan", 2)
    assert qa(client, session, "LayDanhSachHoiDapGuiTuDVCQG", MADONVI=UNIT)["result"] == []


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (question(HOIDAPID="abc"), "HOIDAPID"),
        (question(HOIDAPID=""), "HOIDAPID"),
        (question(HOIDAPID=0), "HOIDAPID"),
        (question(HOIDAPID=10**20), "HOIDAPID"),
        (question(HOIDAPID=2**63), "HOIDAPID"),
        (
            {k: v for k, v in question().items() if k != "MaLinhVuc"} | {"MALINHVUC": "hotich"},
            "MaLinhVuc",
        ),
        (question(MaLinhVuc="khong-co"), "MaLinhVuc"),
        (question(NOIDUNG=""), "NOIDUNG"),
        (question(MADONVI="UBND"), "MADONVI"),
        (question(TENDONVI=None), "TENDONVI"),
        ("not an object", "đối tượng"),
    ],
)
def test_dongbohoidap_checks_every_field_and_keeps_nothing_of_a_bad_batch(client, item, reason):
    session = login(client)
    refused = qa(client, session, "DongBoHoiDap", data=[question(HOIDAPID="17"), item])
    assert refused["error_code"] == -1
    assert reason in refused["message"]
    assert qa(client, session, "LayDanhSachHoiDapBoCoQuan", MADONVI=UNIT)["result"] == []


@pytest.mark.parametrize("data", [[], None, {"HOIDAPID": "15"}])
def test_dongbohoidap_needs_a_non_empty_list(client, data):
    session = login(client)
    assert qa(client, session, "DongBoHoiDap", data=data)["error_code"] == -1


def test_dongbohoidap_cannot_overwrite_a_question_filed_on_the_portal(client):
    ident = seed(client)
    session = login(client)
    refused = qa(client, session, "DongBoHoiDap", data=[question(HOIDAPID=ident)])
    assert refused["error_code"] == -1
    assert state(client, ident).json()["origin"] == "dvcqg"


# --- Answers ----------------------------------------------------------------------------------


def test_answer_is_shown_by_the_list_and_by_layNoiDungTraLoiTheoCauHoi(client):
    ident = seed(client, NGAYGUI=SENT)
    session = login(client)
    before = qa(client, session, "LayNoiDungTraLoiTheoCauHoi", HOIDAPID=ident)
    assert (before["error_code"], before["result"]) == (0, [])
    sent = qa(client, session, "DongBoKetQuaHoiDapGuiTuDVCQG", data=[answer(ident)])
    assert sent == {"error_code": 0, "message": "Đồng bộ kết quả trả lời thành công"}
    shown = qa(client, session, "LayNoiDungTraLoiTheoCauHoi", HOIDAPID=int(ident))["result"]
    assert shown == [
        {
            "HOIDAPID": ident,
            "NGAYTRALOI": "20251202100000",
            "NGUOITRALOI": "Trần Thị Bình",
            "CHUCVUNGUOITRALOI": "Công chức tư pháp - hộ tịch",
            "NOIDUNGTRALOI": answer(ident)["NOIDUNGTRALOI"],
            "TRALOIID": "TL000001",
        }
    ]
    listed = qa(client, session, "LayDanhSachHoiDapGuiTuDVCQG", MADONVI=UNIT)["result"][0]
    assert (listed["TRANGTHAI"], listed["TRALOIID"]) == ("1", "TL000001")
    assert listed["NOIDUNGTRALOI"] == answer(ident)["NOIDUNGTRALOI"]


def test_answer_sent_again_replaces_it_but_keeps_its_id_and_first_date(client):
    ident = seed(client, NGAYGUI=SENT)
    session = login(client)
    qa(client, session, "DongBoKetQuaHoiDapGuiTuDVCQG", data=[answer(ident)])
    corrected = answer(ident, NOIDUNGTRALOI="Nội dung đã đính chính", NGAYTRALOI="20251203080000")
    assert qa(client, session, "DongBoKetQuaHoiDapGuiTuDVCQG", data=[corrected])["error_code"] == 0
    held = state(client, ident).json()
    assert held["answers"] == 2
    assert held["answer"]["NOIDUNGTRALOI"] == "Nội dung đã đính chính"
    assert held["answer"]["TRALOIID"] == "TL000001"
    assert held["first_answered"] == "20251202100000"


def test_answer_to_an_unknown_or_an_agency_question_is_minus_one(client):
    session = login(client)
    qa(client, session, "DongBoHoiDap", data=[question()])
    for ident in ("424242", "15"):
        refused = qa(client, session, "DongBoKetQuaHoiDapGuiTuDVCQG", data=[answer(ident)])
        assert refused["error_code"] == -1
        assert "không tồn tại" in refused["message"]
    unknown = qa(client, session, "LayNoiDungTraLoiTheoCauHoi", HOIDAPID="424242")
    assert unknown["error_code"] == -1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"NGAYTRALOI": "02/12/2025 10:00"}, "NGAYTRALOI"),
        ({"NGAYTRALOI": "20251232100000"}, "NGAYTRALOI"),
        ({"NGAYTRALOI": ""}, "NGAYTRALOI"),
        ({"NGAYTRALOI": "20991231100000"}, "tương lai"),
        ({"NGAYTRALOI": "20251130100000"}, "trước khi"),
        ({"MADONVI": OTHER_UNIT}, "MADONVI"),
        ({"NGUOITRALOI": ""}, "NGUOITRALOI"),
        ({"CHUCVUNGUOITRALOI": None}, "CHUCVUNGUOITRALOI"),
        ({"NOIDUNGTRALOI": " "}, "NOIDUNGTRALOI"),
    ],
)
def test_answer_checks_refuse_the_whole_batch(client, changes, reason):
    first = seed(client, NGAYGUI=SENT)
    second = seed(client, NGAYGUI=SENT)
    session = login(client)
    batch = [answer(first), answer(second, **changes)]
    refused = qa(client, session, "DongBoKetQuaHoiDapGuiTuDVCQG", data=batch)
    assert refused["error_code"] == -1
    assert reason in refused["message"]
    assert state(client, first).json()["answer"] is None


# --- Knobs, test control ----------------------------------------------------------------------


def test_error_code_style_and_wrap_message_apply_by_service_name(client):
    ident = seed(client)
    session = login(client)
    faults(client, service="LayDanhSachHoiDapGuiTuDVCQG", ERROR_CODE_STYLE="str00")
    faults(client, service="LayDanhSachHoiDapGuiTuDVCQG", WRAP_MESSAGE=True)
    wrapped = qa(client, session, "LayDanhSachHoiDapGuiTuDVCQG", MADONVI=UNIT)
    assert wrapped["error_code"] == "00"
    assert "result" not in wrapped
    assert f'"HOIDAPID": "{ident}"' in wrapped["message"]
    assert qa(client, session, "LayDanhSachHoiDapBoCoQuan", MADONVI=UNIT)["error_code"] == 0


def test_http5xx_and_session_expiry_knobs_apply_to_q_and_a_services(client):
    session = login(client)
    faults(client, service="DongBoHoiDap", HTTP5XX_RATE=1)
    failed = call(client, session, "DongBoHoiDap", data=[question()])
    assert failed.status_code == 502
    assert failed["Content-Type"].startswith("text/html")
    faults(client, service="DongBoHoiDap", HTTP5XX_RATE=0, SESSION_EXPIRE_NOW=True)
    assert qa(client, session, "DongBoHoiDap", data=[question()])["error_code"] == -2
    assert qa(client, login(client), "DongBoHoiDap", data=[question()])["error_code"] == 0


@pytest.mark.parametrize(("after_commit", "held"), [(False, []), (True, ["15"])])
def test_timeout_knob_serves_the_push_only_after_commit(client, after_commit, held):
    session = login(client)
    faults(
        client,
        service="DongBoHoiDap",
        TIMEOUT_RATE=1,
        TIMEOUT_SECONDS=0,
        TIMEOUT_AFTER_COMMIT=after_commit,
    )
    response = call(client, session, "DongBoHoiDap", data=[question()])
    assert response.status_code == (200 if after_commit else 504)
    assert client.get(BASE + "state", {"HOIDAPID": ""}).json() == {"hoidap": held}


def test_state_shows_questions_and_reset_forgets_them(client):
    ident = seed(client)
    assert client.get(BASE + "state", {"HOIDAPID": ""}).json() == {"hoidap": [ident]}
    held = state(client, ident).json()
    assert (held["origin"], held["answer"], held["item"]["HOIDAPID"]) == ("dvcqg", None, ident)
    assert state(client, "424242").status_code == 404
    assert post(client, "reset", {}).status_code == 200
    assert state(client, ident).status_code == 404
    assert seed(client) == "9000001"


def test_seed_route_is_404_when_the_sandbox_is_off(client, settings):
    settings.TINHSO_NATIONAL_SANDBOX = False
    assert post(client, "pakn/seed", {}).status_code == 404


# --- 766 simulator: 5.2 and 5.3 ---------------------------------------------------------------


def rows(client, period="2025-12", **params):
    answer = client.get(BASE + "index766", {"period": period, **params}).json()
    return {row["id"]: row for row in answer["indicators"]}


def counts(row):
    return row["numerator"], row["denominator"]


def test_add_weekdays_skips_saturday_and_sunday():
    friday = datetime.datetime(2025, 12, 5, 10, 0, tzinfo=index766.VIETNAM)
    saturday = friday + datetime.timedelta(days=1)
    assert index766.add_weekdays(friday, 1) == friday + datetime.timedelta(days=3)
    assert index766.add_weekdays(saturday, 1) == friday + datetime.timedelta(days=3)
    assert index766.add_weekdays(friday, 10) == friday + datetime.timedelta(days=14)


def test_no_question_means_no_data_for_5_2_and_5_3(client):
    result = rows(client)
    for indicator in ("5.2", "5.3"):
        assert counts(result[indicator]) == (None, None)
        assert result[indicator]["no_data"] is True


def answer_at(client, session, ident, moment):
    sent = qa(
        client, session, "DongBoKetQuaHoiDapGuiTuDVCQG", data=[answer(ident, NGAYTRALOI=moment)]
    )
    assert sent["error_code"] == 0, sent


def test_5_2_counts_answers_within_ten_weekdays_and_questions_still_within_time(client):
    session = login(client)
    on_time = seed(client, NGAYGUI=SENT)
    late = seed(client, NGAYGUI=SENT)
    answer_at(client, session, on_time, "20251215090000")  # 10 weekdays after Monday 1/12, 09:00
    answer_at(client, session, late, "20251215090100")
    seed(client, NGAYGUI="20251229090000")  # open at the period's end, still within time
    seed(client, NGAYGUI="20251201100000")  # open at the period's end, overdue
    early = seed(client, NGAYGUI="20251120090000")
    answer_at(client, session, early, "20251121090000")  # answered in November: not counted
    after = seed(client, NGAYGUI="20251230090000")
    answer_at(client, session, after, "20260105090000")  # answered in January: open at the end
    result = rows(client)
    assert counts(result["5.2"]) == (3, 5)
    assert result["5.2"]["ratio"] == 0.6
    assert counts(result["5.3"]) == (3, 5)
    assert "10" in result["5.2"]["note"]
    assert counts(rows(client, "2025-11")["5.2"]) == (1, 1)


def test_answer_days_setting_moves_the_limit(client):
    session = login(client)
    ident = seed(client, NGAYGUI=SENT)
    answer_at(client, session, ident, "20251216090000")  # 11 weekdays
    assert counts(rows(client)["5.2"]) == (0, 1)
    faults(client, PAKN_ANSWER_DAYS=11)
    assert counts(rows(client)["5.2"]) == (1, 1)
    assert post(client, "faults", {"PAKN_ANSWER_DAYS": 0}).status_code == 400


def test_5_2_filters_by_agency(client):
    session = login(client)
    ident = seed(client, NGAYGUI=SENT)
    answer_at(client, session, ident, "20251202090000")
    seed(client, MADONVI=OTHER_UNIT, NGAYGUI=SENT)
    assert counts(rows(client)["5.2"]) == (1, 2)
    assert counts(rows(client, MaCoQuan=UNIT)["5.2"]) == (1, 1)
    assert counts(rows(client, MaCoQuan=OTHER_UNIT)["5.2"]) == (0, 1)
    assert counts(rows(client, MaCoQuan="000.00.02.H61")["5.2"]) == (None, None)
