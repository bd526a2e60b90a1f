"""Dossiers filed on the national portal: ``inbound/seed`` and the pull adapter (list → detail →
ack) with its knobs ``DUPLICATE_ACK`` and ``ACK_LOST``."""

import base64
import datetime
import json

import pytest
import time_machine

from tinhso.sandboxes.tests.support import (
    BASE,
    bearer,
    dossier,
    faults,
    insert_b,
    login,
    post,
    seed,
    state,
)
from tinhso.sandboxes.tests.test_profile_c import get_token

# 8 December 2026, 09:30 in Vietnam.
MORNING = datetime.datetime(2026, 12, 8, 2, 30, tzinfo=datetime.UTC)


def listed(client, token: str, **params: str):
    return client.get(BASE + "inbound/list", params, headers=bearer(token))


def detail(client, token: str, item_id: str):
    return client.get(BASE + f"inbound/detail/{item_id}", headers=bearer(token))


def ack(client, token: str, code: str, done: object = True):
    body = json.dumps({"maHoSo": code, "daNhan": done})
    return client.put(
        BASE + "inbound/ack", body, content_type="application/json", headers=bearer(token)
    )


def test_seed_issues_national_codes_from_9000_per_agency_and_day(client):
    with time_machine.travel(MORNING, tick=False) as clock:
        first = seed(client, agency="000.28756.H61").json()
        second = seed(client, agency="000.28756.H61").json()
        other = seed(client, agency="000.28777.H61").json()
        clock.shift(datetime.timedelta(days=1))
        next_day = seed(client, agency="000.28756.H61").json()
    assert first["MaHoSo"] == "000.28756.H61-261208-9000"
    assert second["MaHoSo"] == "000.28756.H61-261208-9001"
    assert other["MaHoSo"] == "000.28777.H61-261208-9000"
    assert next_day["MaHoSo"] == "000.28756.H61-261209-9000"
    assert len({first["id"], second["id"], other["id"], next_day["id"]}) == 4


def test_seed_uses_the_vietnam_date_of_issue(client):
    # 20:00 UTC on 8 December is 03:00 on 9 December in Vietnam.
    with time_machine.travel(datetime.datetime(2026, 12, 8, 20, 0, tzinfo=datetime.UTC)):
        code = seed(client, agency="000.00.12.H61").json()["MaHoSo"]
        token = login(client)
        dossier = detail(client, token, seed_id(client, code)).json()["result"]
    assert code == "000.00.12.H61-261209-9000"
    assert dossier["NgayNopHoSo"] == "20261209030000"


def seed_id(client, code: str) -> str:
    return str(state(client, code).json()["inbound"]["id"])


def test_detail_holds_the_contract_object_with_defaults(client):
    with time_machine.travel(MORNING, tick=False):
        answer = seed(client).json()
        token = login(client)
        body = detail(client, token, answer["id"]).json()
    assert body["error_code"] == "0"
    dossier = body["result"]
    assert dossier["MaHoSo"] == answer["MaHoSo"]
    assert dossier["MaTTHC"] == "1.001193"
    # The default agency is the package's first implementing agency.
    assert dossier["MaCoQuan"] == "000.28756.H61"
    assert dossier["KenhThucHien"] == "2"
    assert dossier["NgayNopHoSo"] == "20261208093000"
    assert dossier["TrichYeuHoSo"].startswith("Đăng ký khai sinh")
    applicant = dossier["ChuHoSo"]
    assert set(applicant) == {"HoVaTen", "SoDinhDanh", "SoDienThoai", "Email", "DiaChi", "MaXa"}
    assert applicant["SoDinhDanh"].startswith("083") and len(applicant["SoDinhDanh"]) == 12
    assert dossier["DuLieuBieuMau"]["ho_ten_tre"]
    assert dossier["DuLieuBieuMau"]["quan_he_nguoi_yeu_cau"] == "Mẹ"
    # One PDF per document every dossier must carry, so a seeded dossier arrives complete.
    papers = [(d["MaGiayTo"], d["TenTepDinhKem"]) for d in dossier["TaiLieuNop"]]
    assert papers == [("TK", "tk.pdf"), ("GCS", "gcs.pdf")]
    document = dossier["TaiLieuNop"][1]
    pdf = base64.b64decode(document["Base64"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    # The cross-reference table points at the objects (a valid PDF, not just a header).
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:].startswith(b"xref")
    first = int(pdf[startxref:].split(b"\n")[3].split()[0])
    assert pdf[first:].startswith(b"1 0 obj")


@pytest.mark.parametrize("procedure", ["2.000913", "1.004873", "1.004859", "2.001610"])
def test_other_demo_procedures_have_sample_data(client, procedure):
    answer = seed(client, procedure=procedure)
    assert answer.status_code == 200
    dossier = detail(client, login(client), answer.json()["id"]).json()["result"]
    assert dossier["DuLieuBieuMau"]
    assert dossier["MaTTHC"] == procedure


def test_seed_takes_given_data_files_and_applicant(client):
    content = base64.b64encode(b"%PDF-1.4 my form").decode()
    answer = seed(
        client,
        procedure="1.000656",
        agency="000.28777.H61",
        data={"a": 1},
        files=[{"code": "TK", "name": "don.pdf", "content_base64": content}],
        applicant={"HoVaTen": "Phạm Văn Bình", "MaXa": ""},
    ).json()
    dossier = detail(client, login(client), answer["id"]).json()["result"]
    assert dossier["DuLieuBieuMau"] == {"a": 1}
    assert dossier["MaCoQuan"] == "000.28777.H61"
    assert dossier["TaiLieuNop"][0]["TenTepDinhKem"] == "don.pdf"
    assert dossier["TaiLieuNop"][0]["Base64"] == content
    assert dossier["TaiLieuNop"][0]["TenGiayTo"].startswith("Tờ khai")
    assert dossier["ChuHoSo"]["HoVaTen"] == "Phạm Văn Bình"
    assert dossier["ChuHoSo"]["MaXa"] == ""
    assert len(dossier["ChuHoSo"]["SoDinhDanh"]) == 12  # the rest stays the default


@pytest.mark.parametrize(
    "body",
    [
        {"procedure": "9.999999"},
        {"procedure": 1001193},
        {"procedure": "1.001757"},  # in the catalogue, but no sample data: needs data
        {"agency": "ubnd phu khuong"},
        {"data": [1, 2]},
        {"files": [{"code": "TK", "name": "x.pdf", "content_base64": "not base64!"}]},
        {"files": [{"code": "TK", "name": "x.pdf"}]},
        {"applicant": {"Tuoi": "30"}},
        {"push": "yes"},
    ],
)
def test_bad_seed_is_refused_with_400_and_nothing_seeded(client, body):
    response = post(client, "inbound/seed", {"procedure": "1.001193", **body})
    assert response.status_code == 400
    assert response.json()["detail"]
    assert listed(client, login(client)).json()["result"] == []


def test_seed_needs_a_json_object(client):
    assert post(client, "inbound/seed", ["1.001193"]).status_code == 400


def test_list_shows_unacknowledged_items_and_ack_removes_them(client):
    with time_machine.travel(MORNING, tick=False):
        one = seed(client).json()
        two = seed(client, agency="000.28777.H61").json()
    token = login(client)
    answer = listed(client, token).json()
    assert answer["error_code"] == "0"
    assert answer["result"] == [
        {
            "id": one["id"],
            "maDonVi": "000.28756.H61",
            "maTTHC": "1.001193",
            "maHoSo": one["MaHoSo"],
            "ngayTiepNhan": "20261208093000",
        },
        {
            "id": two["id"],
            "maDonVi": "000.28777.H61",
            "maTTHC": "1.001193",
            "maHoSo": two["MaHoSo"],
            "ngayTiepNhan": "20261208093000",
        },
    ]
    only = listed(client, token, maDonVi="000.28777.H61").json()["result"]
    assert [item["id"] for item in only] == [two["id"]]
    assert ack(client, token, one["MaHoSo"]).json() == {"error_code": "0", "message": ""}
    assert [item["id"] for item in listed(client, token).json()["result"]] == [two["id"]]
    held = state(client, one["MaHoSo"]).json()
    assert held["inbound"] == {"id": one["id"], "acked": True, "acks": 1, "pushes": []}
    assert held["dossier"] is None  # nothing synced upward yet


def test_detail_of_unknown_id_answers_minus_one(client):
    answer = detail(client, login(client), "no-such-id")
    assert answer.status_code == 200
    assert answer.json() == {"error_code": "-1", "message": "Không tìm thấy hồ sơ"}


def test_ack_of_unknown_code_or_without_dana_nhan_is_refused(client):
    code = seed(client).json()["MaHoSo"]
    token = login(client)
    assert ack(client, token, "000.28756.H61-261208-1234").json()["error_code"] == "-1"
    assert ack(client, token, code, done=False).json()["error_code"] == "-1"
    assert state(client, code).json()["inbound"]["acked"] is False


@pytest.mark.parametrize("how", ["none", "wrong", "basic"])
def test_pull_routes_need_a_bearer_session(client, how):
    item = seed(client).json()
    headers = {"none": {}, "wrong": bearer("made-up"), "basic": {"Authorization": "Basic eDp5"}}
    for response in (
        client.get(BASE + "inbound/list", headers=headers[how]),
        client.get(BASE + f"inbound/detail/{item['id']}", headers=headers[how]),
        client.put(
            BASE + "inbound/ack",
            json.dumps({"maHoSo": item["MaHoSo"], "daNhan": True}),
            content_type="application/json",
            headers=headers[how],
        ),
    ):
        assert response.status_code == 401
        assert response.json()["error_code"] == "-2"
    assert state(client, item["MaHoSo"]).json()["inbound"]["acked"] is False


def test_profile_c_token_opens_the_pull_routes(client):
    item = seed(client).json()
    token = get_token(client)
    assert listed(client, token).json()["result"][0]["id"] == item["id"]
    assert ack(client, token, item["MaHoSo"]).json()["error_code"] == "0"


def test_duplicate_ack_lists_acknowledged_items_again(client):
    item = seed(client).json()
    token = login(client)
    ack(client, token, item["MaHoSo"])
    assert listed(client, token).json()["result"] == []
    faults(client, service="inbound", DUPLICATE_ACK=True)
    assert [i["id"] for i in listed(client, token).json()["result"]] == [item["id"]]
    ack(client, token, item["MaHoSo"])
    assert state(client, item["MaHoSo"]).json()["inbound"]["acks"] == 2


@pytest.mark.parametrize(("mode", "applied"), [("applied", True), ("lost", False)])
def test_ack_lost_answers_500_and_applies_as_forced(client, mode, applied):
    item = seed(client).json()
    token = login(client)
    faults(client, service="inbound", ACK_LOST=mode)
    response = ack(client, token, item["MaHoSo"])
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert state(client, item["MaHoSo"]).json()["inbound"]["acked"] is applied
    assert bool(listed(client, token).json()["result"]) is not applied


def test_ack_lost_true_alternates_applied_and_lost(client):
    token = login(client)
    items = [seed(client).json() for _ in range(3)]
    faults(client, ACK_LOST=True)
    for item in items:
        assert ack(client, token, item["MaHoSo"]).status_code == 500
    acked = [state(client, i["MaHoSo"]).json()["inbound"]["acked"] for i in items]
    assert acked == [True, False, True]
    faults(client, ACK_LOST=False)
    assert ack(client, token, items[1]["MaHoSo"]).status_code == 200
    assert listed(client, token).json()["result"] == []


def test_ack_lost_rejects_other_values(client):
    assert post(client, "faults", {"ACK_LOST": "maybe"}).status_code == 400


def test_pull_routes_obey_the_generic_knobs(client):
    token = login(client)
    faults(client, service="inbound", HTTP5XX_RATE=1)
    assert listed(client, token).status_code == 502


def test_state_of_a_code_never_seeded_or_synced_is_404(client):
    seed(client)
    assert state(client, "000.28756.H61-261208-0001").status_code == 404


def test_state_shows_the_upward_sync_and_the_inbound_record_together(client):
    with time_machine.travel(MORNING, tick=False):
        item = seed(client, agency="000.00.01.H61").json()
        synced = dossier(
            MaHoSo=item["MaHoSo"],
            KenhThucHien="2",
            NgayNopHoSo="20261208093000",
            NgayTiepNhan="20261208093000",
            NgayHenTra="20261209170000",
        )
        answer = insert_b(client, synced).json()
        assert answer["error_code"] == "0", answer
    held = state(client, item["MaHoSo"]).json()
    assert held["inserts"] == 1
    assert held["dossier"]["MaHoSo"] == item["MaHoSo"]
    assert held["inbound"]["id"] == item["id"]
