"""The sandbox's citizen data store (spec §6, §11.1): results pushed in, what an owner holds, files."""

import base64
import hashlib
import json
from typing import Any

import pytest

from tinhso.sandboxes.national import kho
from tinhso.sandboxes.tests.support import BASE, faults, post
from tinhso.testing import PDF_BYTES

OWNER = "083095001234"  # a demo citizen, with fixture results
NEWCOMER = "083200009876"  # no fixture results


@pytest.fixture(autouse=True)
def _credentials(settings):
    settings.TINHSO_DATASTORE_USERNAME = "kho-user"
    settings.TINHSO_DATASTORE_PASSWORD = "kho-password"


def basic(user: str = "kho-user", password: str = "kho-password") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def ketqua(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "SoDinhDanhChuSoHuu": NEWCOMER,
        "MaHoSo": "000.00.15.H61-251201-0001",
        "MaKetQua": "KQ.GP",
        "TenGiayTo": "Giấy phép xây dựng",
        "SoKyHieu": "12/2025/GPXD",
        "CoQuanChuQuan": "000.00.15.H61",
        "NgayCap": "20251201090000",
        "TepDinhKem": {
            "TenTep": "12-2025-GPXD.pdf",
            "DinhDang": "application/pdf",
            "NoiDung": base64.b64encode(PDF_BYTES).decode(),
            "MaBam": hashlib.sha256(PDF_BYTES).hexdigest(),
        },
    }
    body.update(changes)
    return body


def push(client, body: dict[str, Any], **headers: str):
    return post(client, "store/ketqua", body, headers=headers or basic())


def held(client, owner: str, **params: Any) -> dict[str, Any]:
    response = client.get(BASE + "store/results", {"SoDinhDanh": owner, **params})
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_a_pushed_result_is_listed_for_its_owner_with_its_file(client):
    answer = push(client, ketqua()).json()
    assert answer["errorCode"] == "0", answer
    listed = held(client, NEWCOMER)["result"]["DanhSachGiayToKetQua"]
    assert [(e["SoKyHieu"], e["MaKetQua"], e["MaHoSo"]) for e in listed] == [
        ("12/2025/GPXD", "KQ.GP", "000.00.15.H61-251201-0001")
    ]
    location = listed[0]["DanhSachTepDinhKem"][0]["DuongDan"]
    assert location == answer["result"]["DuongDan"]
    body = {"CoQuanChuQuan": "000.00.15.H61", "DuongDan": location}
    got = post(client, "store/file", body, headers=basic()).json()
    assert got["errorCode"] == "0" and base64.b64decode(got["result"]) == PDF_BYTES


def test_pushing_the_same_result_again_keeps_one_document(client):
    first = push(client, ketqua()).json()["result"]
    second = push(client, ketqua()).json()["result"]
    assert first == second
    assert len(held(client, NEWCOMER)["result"]["DanhSachGiayToKetQua"]) == 1


def test_demo_citizens_hold_fixture_results_and_others_nothing(client):
    listed = held(client, OWNER)["result"]["DanhSachGiayToKetQua"]
    assert {e["TenGiayTo"] for e in listed} == {"Giấy khai sinh", "Phiếu lý lịch tư pháp số 1"}
    assert held(client, "083300000000")["result"]["DanhSachGiayToKetQua"] == []
    only = held(client, OWNER, MaKetQua="KQ.KS")["result"]["DanhSachGiayToKetQua"]
    assert [e["SoKyHieu"] for e in only] == ["125/2019/TLKS-BS"]
    path = listed[0]["DanhSachTepDinhKem"][0]["DuongDan"]
    got = post(client, "store/file", {"DuongDan": path}, headers=basic()).json()
    assert base64.b64decode(got["result"]).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"SoDinhDanhChuSoHuu": "08309500123"}, "SoDinhDanhChuSoHuu"),
        ({"SoDinhDanhChuSoHuu": "abc"}, "SoDinhDanhChuSoHuu"),
        ({"SoKyHieu": ""}, "SoKyHieu"),
        ({"NgayCap": "2025-12-01"}, "NgayCap"),
        ({"TepDinhKem": None}, "TepDinhKem"),
        ({"TepDinhKem": {"TenTep": "a.pdf", "DinhDang": "application/pdf", "NoiDung": "%%%"}},
         "base64"),
        ({"TepDinhKem": {"TenTep": "a.png", "DinhDang": "application/pdf",
                         "NoiDung": base64.b64encode(b"\x89PNG....").decode()}}, "PDF"),
        ({"TepDinhKem": {"TenTep": "a.pdf", "DinhDang": "application/pdf",
                         "NoiDung": base64.b64encode(PDF_BYTES).decode(), "MaBam": "0" * 64}},
         "MaBam"),
    ],
)  # fmt: skip
def test_a_bad_push_is_refused_with_the_reason_and_not_stored(client, changes, reason):
    answer = push(client, ketqua(**changes)).json()
    assert answer["errorCode"] == "-1" and reason in answer["message"], answer
    assert held(client, NEWCOMER)["result"]["DanhSachGiayToKetQua"] == []


def test_the_store_refuses_wrong_or_missing_credentials(client):
    assert push(client, ketqua(), **basic(password="wrong")).status_code == 401
    response = post(client, "store/ketqua", ketqua())
    assert response.status_code == 401 and response.json()["errorCode"] == "-2"
    wrong = client.get(BASE + "store/results", {"SoDinhDanh": OWNER}, headers=basic("x", "y"))
    assert wrong.status_code == 401
    assert held(client, NEWCOMER)["result"]["DanhSachGiayToKetQua"] == []


def test_results_of_a_malformed_id_and_an_unknown_file_are_errors(client):
    assert held(client, "12345")["errorCode"] == "-1"
    answer = post(client, "store/file", {"DuongDan": "ketqua/x/none.pdf"}, headers=basic()).json()
    assert answer["errorCode"] == "-1"


def test_wrap_message_puts_the_answer_inside_message(client):
    faults(client, service=kho.SERVICE, WRAP_MESSAGE=True)
    answer = held(client, OWNER)
    assert "result" not in answer
    inner = json.loads(answer["message"])
    assert len(inner["result"]["DanhSachGiayToKetQua"]) == 2


def test_http5xx_knob_answers_an_html_error_without_storing(client):
    faults(client, service=kho.SERVICE, HTTP5XX_RATE=1)
    response = push(client, ketqua())
    assert response.status_code == 502 and b"<html>" in response.content
    faults(client, service=kho.SERVICE, HTTP5XX_RATE=0)
    assert held(client, NEWCOMER)["result"]["DanhSachGiayToKetQua"] == []


def test_reset_forgets_what_was_pushed(client):
    push(client, ketqua())
    assert post(client, "reset", {}).status_code == 200
    assert held(client, NEWCOMER)["result"]["DanhSachGiayToKetQua"] == []
