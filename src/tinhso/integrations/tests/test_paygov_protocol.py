"""PayGov v1.0.6 messages (spec §5.2): the ``MaXacThuc`` recipe against hand-computed vectors,
the 24-hour ``ThoiGianGD``, references, answers."""

import datetime
import json

from tinhso.integrations.paygov import protocol

SECRET = "s3cr3t"


def test_init_signature_matches_a_hand_computed_vector():
    data = protocol.InitData(
        partner_code="TINHSO",
        reference="dvc00000H61TSABC23456",
        amount=150000,
        description="THANH TOAN HO SO 000.00.H61-260315-0001",
        time="20260315143005",
        ip="127.0.0.1",
        receipt={"MaHoSo": "000.00.H61-260315-0001"},
    )
    message = protocol.init_message(data, SECRET)
    # sha256("INIT|1.0.6|TINHSO|dvc00000H61TSABC23456|150000|PAY|1|1|vi-VN|VND|PAYMENT|
    #         THANH TOAN HO SO 000.00.H61-260315-0001|20260315143005|127.0.0.1|s3cr3t")
    assert (
        message["MaXacThuc"] == "5a2bdea71c864a5adcd811368aa908d221f4cd86d95037a09de5d4441650eef8"
    )
    assert message["ThongTinBienLai"] == {"MaHoSo": "000.00.H61-260315-0001"}


def test_query_signature_matches_a_hand_computed_vector():
    message = protocol.lookup_message(
        "QUERY", "TINHSO", "dvc00000H61TSABC23456", "20260315143005", SECRET
    )
    assert (
        message["MaXacThuc"] == "0f95361e391a590cafe0f9e6003f7f6f9ab4a5f546add210269dad93fc53feee"
    )
    bill = protocol.lookup_message(
        "GET_BILL", "TINHSO", "dvc00000H61TSABC23456", "20260315143005", SECRET
    )
    assert bill["MaXacThuc"] != message["MaXacThuc"]


def test_time_uses_the_24_hour_clock():
    afternoon = datetime.datetime(2026, 3, 15, 15, 4, 5)
    assert protocol.format_time(afternoon) == "20260315150405"


def test_reference_is_alphanumeric_and_ends_with_the_payment_reference():
    reference = protocol.reference_for("000.00.H61-260315-0001", "TSABC23456")
    assert reference == "dvc00000H61260315" + "0001TSABC23456"
    assert protocol.payment_reference_of(reference, 10) == "TSABC23456"
    assert protocol.payment_reference_of("short", 10) == ""


def test_description_is_folded_to_ascii():
    assert protocol.ascii_text("Thanh toán hồ sơ Đắk Lắk") == "Thanh toan ho so Dak Lak"


def callback(**changes):
    message = {
        "LoaiBanTin": "CONFIRM",
        "MaLoi": "00",
        "MaDoiTac": "TINHSO",
        "MaThamChieu": "dvcXTSABC23456",
        "SoTien": "150000",
        "MaTienTe": "VND",
        "MaGiaoDich": "PG1",
        "MaNganHang": "NCB",
        "ThoiGianGD": "20260315143005",
        "ThongTinGiaoDich": "X",
    } | changes
    message["MaXacThuc"] = protocol.sign_fields(message, protocol.CALLBACK_FIELDS, SECRET)
    return message


def test_callback_is_verified_and_a_changed_field_breaks_it():
    note = protocol.parse_confirmation(callback(), SECRET)
    assert note.verified and note.paid and note.amount == 150000
    tampered = callback() | {"SoTien": "1"}
    assert not protocol.parse_confirmation(tampered, SECRET).verified
    assert not protocol.parse_confirmation(callback(), "other").paid
    assert not protocol.parse_confirmation(callback(MaLoi="99"), SECRET).paid


def test_query_answer_is_paid_only_for_state_1():
    assert protocol.parse_confirmation(callback(TrangThaiGD="1"), SECRET).paid
    assert not protocol.parse_confirmation(callback(TrangThaiGD="3"), SECRET).paid


def test_unwrap_reads_the_message_string_and_refusals():
    inner = {"UrlThanhToan": "https://x/y"}
    assert protocol.unwrap({"error_code": "0", "message": json.dumps(inner)}) == inner
    assert protocol.unwrap({"error_code": "-1", "message": "sai"}) is None
    assert protocol.unwrap({"error_code": "0", "message": "not json"}) is None
    assert protocol.unwrap(["x"]) is None
    assert protocol.unwrap(inner) == inner
