"""The sandbox's population database (spec §11.1 ``POST dancu/lookup``, S-8, ``DANCU_UNAVAILABLE``)."""

import json
import time
from xml.etree import ElementTree

import pytest

from tinhso.accounts.identifiers import validate_personal_id
from tinhso.sandboxes.national import dancu, faults

URL = "/sandbox/national/dancu/lookup"


def ask(client, **changes):
    body = {
        "HoVaTen": "TRAN THI BICH",
        "SoDinhDanh": "083301004567",
        "SoCMND": "",
        "NgayThangNam": "",
        "Nam": "",
        "MaTichHop": "037",
        "MaDVC": "VPCP",
        "MaCanBo": "VPUB_VINHLONG",
        "MaYeuCau": f"TEST_{time.monotonic_ns()}",
    }
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(URL, json.dumps(body), content_type="application/json")
    return response


def citizens(answer: dict) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(answer["message"])
    return [e for e in root.iter() if e.tag == "CongDan"]


def test_a_known_id_answers_one_citizen_with_both_residences_in_soap_xml(client):
    response = ask(client)
    assert response.status_code == 200
    answer = response.json()
    assert answer["error_code"] == "0"
    [person] = citizens(answer)
    assert person.findtext("SoDinhDanh") == "083301004567"
    assert person.findtext("HoVaTen/Ten") == "Bích"
    assert person.findtext("NgayThangNamSinh/NgayThangNam") == "20010720"
    assert person.findtext("ThuongTru/ChiTiet") == "78 Ấp 5"
    assert person.findtext("NoiOHienTai/ChiTiet") == "45 Ấp 3"


def test_an_unknown_id_answers_success_without_any_citizen(client):
    answer = ask(client, SoDinhDanh="083095009999").json()
    assert answer["error_code"] == "0"
    assert "CongdanCollection" in answer["message"]
    assert citizens(answer) == []


@pytest.mark.parametrize("name", ["Tran Thi Bich", "TRẦN THỊ BÍCH", "tran thi bich"])
def test_a_name_in_lower_case_or_with_diacritics_is_refused(client, name):
    answer = ask(client, HoVaTen=name).json()
    assert answer["error_code"] == "-1"
    assert "HoVaTen" in answer["message"]


def test_a_request_without_request_id_is_refused(client):
    answer = ask(client, MaYeuCau=None).json()
    assert answer == {"error_code": "-1", "message": "Thiếu MaYeuCau"}


def test_a_request_id_used_again_within_a_day_is_refused_and_accepted_after(client):
    assert ask(client, MaYeuCau="VLG_DVC_1").json()["error_code"] == "0"
    again = ask(client, MaYeuCau="VLG_DVC_1").json()
    assert again["error_code"] == "-1" and "24 giờ" in again["message"]
    later = dancu.lookup(
        {"SoDinhDanh": "083301004567", "MaYeuCau": "VLG_DVC_1"}, now=time.time() + 86_401
    )
    assert later["error_code"] == "0"


def test_reset_forgets_the_request_ids_seen(client):
    ask(client, MaYeuCau="VLG_DVC_2")
    client.post("/sandbox/national/reset", "{}", content_type="application/json")
    assert ask(client, MaYeuCau="VLG_DVC_2").json()["error_code"] == "0"


def test_dancu_unavailable_answers_only_after_the_timeout_and_then_504(client):
    faults.set_knobs({"DANCU_UNAVAILABLE": True})
    faults.set_knobs({"service": "dancu", "TIMEOUT_SECONDS": 0.3})
    started = time.monotonic()
    response = ask(client)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 504
    faults.set_knobs({"DANCU_UNAVAILABLE": None})
    assert ask(client).status_code == 200


def test_the_lookup_takes_json_only_and_is_404_when_the_sandbox_is_off(client, settings):
    assert client.post(URL, "HoVaTen=X", content_type="text/plain").status_code == 415
    settings.TINHSO_NATIONAL_SANDBOX = False
    assert ask(client).status_code == 404


def test_every_fixture_citizen_has_a_valid_id_matching_birth_year_and_sex():
    assert len(dancu.PEOPLE) >= 10
    assert {"083095001234", "083301004567"} <= set(dancu.PEOPLE)
    for pid, person in dancu.PEOPLE.items():
        sex = "male" if person.sex == "1" else "female"
        assert validate_personal_id(pid, birth_year=int(person.birth[:4]), sex=sex) == pid
