"""The catalogue gateway (``catalogue/…``, answers wrapped in ``message``), Profile A's catalogue
services, the fixture packages and ``CATALOGUE_CHANGE``."""

import datetime
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tinhso.sandboxes.national import catalogue
from tinhso.sandboxes.tests.support import BASE, bearer, call, faults, login, post

OUR_CATALOGUE = Path(__file__).resolve().parents[2] / "procedures" / "catalogue"
PROVINCE = "000.00.00.H61"


def get(client, route: str, token: str | None = None, **params: str):
    headers = bearer(token) if token else {}
    return client.get(BASE + f"catalogue/{route}", params, headers=headers)


def unwrapped(response) -> list:
    """The ``result`` inside ``message`` of a wrapped answer (R-NAT-004)."""
    answer = response.json()
    assert answer["error_code"] == "0", answer
    assert set(answer) == {"error_code", "message"}
    return list(json.loads(answer["message"])["result"])


def procedure(client, code: str) -> dict:
    (package,) = unwrapped(get(client, "LayThuTuc", login(client), maTTHC=code))
    return dict(package)


def channel(package: dict, kenh: str) -> dict:
    (found,) = [c for c in package["CACHTHUCTHUCHIEN"] if c["KENH"] == kenh]
    return dict(found["THOIGIAN"][0])


def fee(timing: dict) -> int:
    return sum(int(item["SOTIEN"]) for item in timing["PHILEPHI"])


@pytest.mark.parametrize("route", ["LayDanhSachTTHCDonVi", "LayThuTuc", "LayQDCB"])
def test_catalogue_routes_need_a_bearer_session(client, route):
    for token in (None, "made-up"):
        response = get(client, route, token, maDonVi=PROVINCE, maTTHC="1.001193", idQDCB="x")
        assert response.status_code == 401
        assert response.json()["error_code"] == "-2"


def test_every_code_the_sandbox_knows_for_our_demo_has_a_package(client):
    token = login(client)
    listed = {
        item["MATTHC"]
        for item in unwrapped(get(client, "LayDanhSachTTHCDonVi", token, maDonVi=PROVINCE))
    }
    assert listed >= catalogue.DEMO_CODES
    others = listed - catalogue.DEMO_CODES
    assert len(others) == 2 and others <= catalogue.OTHER_CODES


def test_package_has_every_field_of_spec_3_3(client):
    package = procedure(client, "1.001193")
    for field in (
        "MATTHC",
        "TENTTHC",
        "LINHVUCTHUCHIEN",
        "CACHTHUCTHUCHIEN",
        "THANHPHANHOSO",
        "KETQUATHUCHIEN",
        "CANCUPHAPLY",
        "COQUANTHUCHIEN",
        "IDQUYETDINHCONGBO",
        "QUYETDINH",
        "TRINHTUTHUCHIEN",
        "CAPTHUCHIEN",
        "DOITUONGTHUCHIEN",
    ):
        assert package[field], field
    assert package["TRANGTHAI"] == "1"
    assert [c["KENH"] for c in package["CACHTHUCTHUCHIEN"]] == ["1", "2", "3"]
    assert channel(package, "1") == {
        "THOIGIANGIAIQUYET": "1",
        "DONVITINH": "Ngày làm việc",
        "MOTA": "Trả kết quả trong ngày nếu hồ sơ nhận trước 15:00",
        "PHILEPHI": [],
    }
    assert package["KETQUATHUCHIEN"][0]["MAKETQUA"] == "GIAY_KHAI_SINH"
    assert package["COQUANTHUCHIEN"][0] == {
        "MADONVI": "000.28756.H61",
        "TENDONVI": "UBND phường Phú Khương",
    }


@pytest.mark.parametrize("path", sorted(OUR_CATALOGUE.glob("*.json")), ids=lambda p: p.stem)
def test_packages_equal_our_catalogue_files(path):
    """Drift guard: an import of an unchanged package must change nothing, so the fixture must
    keep the demo catalogue's names, time limits, fees and documents (read here, at test time
    only; the sandbox never reads them)."""
    ours = json.loads(path.read_text(encoding="utf-8"))
    package = catalogue.package(ours["code"])
    assert package is not None
    assert package["TENTTHC"] == ours["name"]
    assert package["LINHVUCTHUCHIEN"] == [
        {"MALINHVUC": ours["field"]["code"], "TENLINHVUC": ours["field"]["name"]}
    ]
    counter, online = channel(package, "1"), channel(package, "2")
    if ours["code"] != "2.001263":  # the deliberately unknown unit, below
        assert counter["THOIGIANGIAIQUYET"] == ours["processing"]["counter_days"]
        expected_online = ours["processing"]["online_days"] or ours["processing"]["counter_days"]
        assert online["THOIGIANGIAIQUYET"] == expected_online
    assert fee(counter) == ours["fees"]["counter"]
    online_fee = ours["fees"]["online"]
    assert fee(online) == (ours["fees"]["counter"] if online_fee is None else online_fee)
    documents = [
        (doc["MAGIAYTO"], doc["TENGIAYTO"])
        for group in package["THANHPHANHOSO"]
        for doc in group["GIAYTO"]
    ]
    assert sorted(documents) == sorted((d["code"], d["name"]) for d in ours["documents"])
    required = {doc["MAGIAYTO"] for doc in package["THANHPHANHOSO"][0]["GIAYTO"]}
    assert required == {d["code"] for d in ours["documents"] if d["required"]}
    if ours["code"] != "1.000894":  # the deliberately incomplete package, below
        legal = "; ".join(item["TENVANBAN"] for item in package["CANCUPHAPLY"])
        assert legal == ours["legal_basis"]


def test_the_two_deliberately_odd_packages(client):
    incomplete = procedure(client, "1.000894")
    assert "CANCUPHAPLY" not in incomplete
    monthly = procedure(client, "2.001263")
    assert {channel(monthly, k)["DONVITINH"] for k in "123"} == {"Tháng"}


def test_unknown_procedure_or_missing_parameter_answers_minus_one(client):
    token = login(client)
    for params in ({"maTTHC": "9.999999"}, {}):
        answer = get(client, "LayThuTuc", token, **params).json()
        assert answer["error_code"] == "-1"
        assert answer["message"]
    assert get(client, "LayDanhSachTTHCDonVi", token).json()["error_code"] == "-1"
    assert get(client, "LayQDCB", token, idQDCB="nope").json()["error_code"] == "-1"


def test_unit_list_by_agency_or_whole_province(client):
    token = login(client)

    def codes(unit: str) -> set[str]:
        items = unwrapped(get(client, "LayDanhSachTTHCDonVi", token, maDonVi=unit))
        return {item["MATTHC"] for item in items}

    police = codes("000.00.02.H61")
    assert police == {"3.000333", "3.000347"}
    commune = codes("000.28756.H61")
    assert "1.001193" in commune and "2.001610" not in commune
    assert codes("000.00.05.H61") == {"2.001610"}
    assert codes(PROVINCE) == set(catalogue.DEMO_CODES) | {"1.001757", "2.002154"}
    assert codes("000.00.00.H62") == set()
    assert codes("000.99.99.H61") == set()
    item = unwrapped(get(client, "LayDanhSachTTHCDonVi", token, maDonVi="000.00.05.H61"))[0]
    assert set(item) == {
        "MATTHC",
        "TENTTHC",
        "MALINHVUC",
        "TENLINHVUC",
        "IDQUYETDINHCONGBO",
        "QUYETDINH",
        "TRANGTHAI",
    }


def test_publication_decision_of_a_package(client):
    token = login(client)
    package = procedure(client, "1.001193")
    (decision,) = unwrapped(get(client, "LayQDCB", token, idQDCB=package["IDQUYETDINHCONGBO"]))
    assert decision == {
        "IDQUYETDINHCONGBO": package["IDQUYETDINHCONGBO"],
        "SOQUYETDINH": "163/QĐ-BTP",
        "NGAYBANHANH": "20250617",
        "NGAYHIEULUC": "20250701",
        "COQUANBANHANH": "Bộ Tư pháp",
        "NGAYCONGKHAI": "20250624",
    }


def test_catalogue_change_bumps_fees_time_limits_and_decision(client):
    before = procedure(client, "2.000913")
    with time_machine.travel(datetime.datetime(2026, 12, 8, 3, 0, tzinfo=ZoneInfo("UTC"))):
        faults(client, CATALOGUE_CHANGE="2.000913")
        after = procedure(client, "2.000913")
        token = login(client)
        (decision,) = unwrapped(get(client, "LayQDCB", token, idQDCB=after["IDQUYETDINHCONGBO"]))
    for kenh in "123":
        assert fee(channel(after, kenh)) == fee(channel(before, kenh)) + 10_000
        assert channel(after, kenh)["THOIGIANGIAIQUYET"] == "4"  # 2 + 2 days
    assert after["IDQUYETDINHCONGBO"] == "SB-CHANGE-2.000913-20261208"
    assert after["IDQUYETDINHCONGBO"] != before["IDQUYETDINHCONGBO"]
    assert after["QUYETDINH"] != before["QUYETDINH"]
    assert after["TENTTHC"] == before["TENTTHC"]
    assert decision["NGAYBANHANH"] == decision["NGAYHIEULUC"] == "20261208"
    assert decision["SOQUYETDINH"] == after["QUYETDINH"]
    # Other packages are untouched, and turning the knob off restores the package.
    assert procedure(client, "1.004873") == catalogue.package("1.004873")
    faults(client, CATALOGUE_CHANGE=None)
    assert procedure(client, "2.000913") == before


def test_catalogue_change_true_bumps_khai_sinh_and_adds_a_fee_where_there_was_none(client):
    faults(client, CATALOGUE_CHANGE=True)
    after = procedure(client, "1.001193")
    assert fee(channel(after, "2")) == 10_000
    assert channel(after, "1")["THOIGIANGIAIQUYET"] == "3"
    listed = unwrapped(get(client, "LayDanhSachTTHCDonVi", login(client), maDonVi="000.28756.H61"))
    (item,) = [i for i in listed if i["MATTHC"] == "1.001193"]
    assert item["IDQUYETDINHCONGBO"] == after["IDQUYETDINHCONGBO"]


@pytest.mark.parametrize("value", ["1001193", "abc", 5, 0.5])
def test_catalogue_change_refuses_what_is_not_a_code(client, value):
    assert post(client, "faults", {"CATALOGUE_CHANGE": value}).status_code == 400


# --- Profile A services ---------------------------------------------------------------------


def test_profile_a_lay_thu_tuc_answers_the_package_in_result(client):
    session = login(client)
    answer = call(client, session, "LayThuTuc", maTTHC="1.004873").json()
    assert answer["error_code"] == 0
    assert answer["result"] == [catalogue.package("1.004873")]
    unknown = call(client, session, "LayThuTuc", maTTHC="9.999999").json()
    assert unknown["error_code"] == -1


def test_profile_a_unit_list_defaults_to_the_envelope_unit(client):
    session = login(client)
    envelope = call(client, session, "LayDanhSachTTHC").json()  # madonvi 000.00.01.H61
    assert envelope["error_code"] == 0
    assert envelope["result"] == []  # the one-stop centre implements none itself
    police = call(client, session, "LayDanhSachTTHC", maDonVi="000.00.02.H61").json()
    assert {i["MATTHC"] for i in police["result"]} == {"3.000333", "3.000347"}


def test_profile_a_dictionaries(client):
    session = login(client)
    agencies = call(client, session, "LayDanhMucCoQuan").json()["result"]
    by_code = {a["MADONVI"]: a for a in agencies}
    assert by_code["000.28756.H61"] == {
        "MADONVI": "000.28756.H61",
        "TENDONVI": "UBND phường Phú Khương",
        "CAPDONVI": "4",
    }
    assert by_code["000.00.02.H61"]["CAPDONVI"] == "2"
    fields = call(client, session, "LayDanhMucLinhVuc").json()["result"]
    assert {"MALINHVUC": "hotich", "TENLINHVUC": "Hộ tịch"} in fields
    assert len({f["MALINHVUC"] for f in fields}) == len(fields)


def test_profile_a_wrap_message_puts_the_result_in_message(client):
    session = login(client)
    faults(client, WRAP_MESSAGE=True)
    answer = call(client, session, "LayThuTuc", maTTHC="1.001193").json()
    assert "result" not in answer
    assert json.loads(answer["message"])["result"][0]["MATTHC"] == "1.001193"


def test_catalogue_routes_obey_the_generic_knobs(client):
    token = login(client)
    faults(client, service="LayThuTuc", HTTP5XX_RATE=1)
    assert get(client, "LayThuTuc", token, maTTHC="1.001193").status_code == 502
    assert get(client, "LayQDCB", token, idQDCB="x").status_code == 200
