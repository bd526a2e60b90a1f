"""VNPay 2.1.0 protocol helpers against published and regression vectors (spec §1.3, §1.6, §1.7).

The vector values are copied from the shared test vectors; the project never reads them at run time.
"""

import datetime
import zoneinfo

import pytest

from tinhso.payments.providers.vnpay import protocol

# External vector (lehuygiang28/vnpay test fixtures, secret "test_secret"), confirmed by its tests.
RETURN_SECRET = "test_secret"
RETURN_PARAMS = {
    "vnp_Amount": "1000000",
    "vnp_BankCode": "NCB",
    "vnp_BankTranNo": "VNP14422574",
    "vnp_CardType": "ATM",
    "vnp_OrderInfo": "Thanh toan don hang 2024-05-21T02:17:31.249Z",
    "vnp_PayDate": "20240521091806",
    "vnp_ResponseCode": "00",
    "vnp_TmnCode": "TEST_TMN_CODE",
    "vnp_TransactionNo": "14422574",
    "vnp_TransactionStatus": "00",
    "vnp_TxnRef": "1716257871703",
}
RETURN_CANONICAL = (
    "vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM"
    "&vnp_OrderInfo=Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806"
    "&vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574"
    "&vnp_TransactionStatus=00&vnp_TxnRef=1716257871703"
)
RETURN_HASH = (
    "649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361d"
    "bf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895"
)
RETURN_FAILED_HASH = (
    "503194f6d93b57b357b2d1d09742565e67e86d771352c5dca4fc8d39df3d392c"
    "6b3809add9405f97cfb9631f445e36c80656cfbf47eac67d97fa165865c13e1b"
)
UNENCODED_HASH = (
    "ca767ab7b0981055170f20cc23558b9e652baad5e1b9da55215b5bc9631cee66"
    "9b288e68650aac84299442e8053e025f2cb539ad58e4435687723db465f0ca62"
)

# Regression vectors (dummy terminal and secret).
SECRET = "SECRETKEYFORTESTONLY0123456789AB"
PAY_PARAMS = {
    "vnp_Version": "2.1.0",
    "vnp_Command": "pay",
    "vnp_TmnCode": "DEMOV210",
    "vnp_Amount": "15000000",
    "vnp_CurrCode": "VND",
    "vnp_TxnRef": "HS2025000123",
    "vnp_OrderInfo": "Nop le phi ho so HS2025000123",
    "vnp_OrderType": "billpayment",
    "vnp_Locale": "vn",
    "vnp_ReturnUrl": "https://dvc.example.gov.vn/payment/vnpay/return",
    "vnp_IpAddr": "203.0.113.10",
    "vnp_CreateDate": "20250115103000",
    "vnp_ExpireDate": "20250115104500",
}
PAY_HASH = (
    "30ecb23953f279500eabcbbfa1a14b58d1e48c1285d906603f660afab5262a66"
    "d149638bcec85171a0501e33a65e98e848bc469cc2413798e177616a00c1bacc"
)
PAY_URL = (
    "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?vnp_Amount=15000000&vnp_Command=pay"
    "&vnp_CreateDate=20250115103000&vnp_CurrCode=VND&vnp_ExpireDate=20250115104500"
    "&vnp_IpAddr=203.0.113.10&vnp_Locale=vn&vnp_OrderInfo=Nop+le+phi+ho+so+HS2025000123"
    "&vnp_OrderType=billpayment"
    "&vnp_ReturnUrl=https%3A%2F%2Fdvc.example.gov.vn%2Fpayment%2Fvnpay%2Freturn"
    "&vnp_TmnCode=DEMOV210&vnp_TxnRef=HS2025000123&vnp_Version=2.1.0&vnp_SecureHash=" + PAY_HASH
)
QUERYDR_DATA = (
    "20250115110000123456|2.1.0|querydr|DEMOV210|HS2025000123|20250115103000|20250115110000"
    "|203.0.113.10|Truy van giao dich HS2025000123"
)
QUERYDR_HASH = (
    "0a78ccc1a6922c95168d74af7cacf54c3bca65ef7a71f44e6c701ed3507bf4f7"
    "3188638e754d345c8dc38b9938d007e12603bcf98d1f9a787cfb0545bcbc5943"
)
REFUND_DATA = (
    "20250116090000654321|2.1.0|refund|DEMOV210|02|HS2025000123|15000000|14226112|20250115103000"
    "|canbo01|20250116090000|203.0.113.10|Hoan tien ho so HS2025000123"
)
REFUND_HASH = (
    "157d21713ae4c502521e7c8ef68abfca94502c23b87ea846d5c64e776e83d33e"
    "0c05195ded1eeb9eb931331ca934d1cc1a0837729866d11b8af9c5131e0d705f"
)
GMT7 = datetime.timezone(datetime.timedelta(hours=7))


def test_return_vector_canonical_string_and_hash():
    assert protocol.canonical(RETURN_PARAMS) == RETURN_CANONICAL
    assert protocol.sign(RETURN_PARAMS, RETURN_SECRET) == RETURN_HASH


def test_failed_return_vector_is_verified_but_not_paid():
    params = RETURN_PARAMS | {"vnp_ResponseCode": "99", "vnp_SecureHash": RETURN_FAILED_HASH}
    assert protocol.verify(params, RETURN_SECRET)
    note = protocol.parse_notification(params)
    assert not note.paid and note.amount == 10000 and note.transaction_no == "14422574"


def test_verification_ignores_case_hash_type_and_empty_values():
    params = RETURN_PARAMS | {
        "vnp_SecureHash": RETURN_HASH.upper(),
        "vnp_SecureHashType": "HmacSHA512",
        "vnp_BankTranNo": "VNP14422574",
        "vnp_PromotionCode": "",
        "other": "ignored",
    }
    assert protocol.verify(params, RETURN_SECRET)


@pytest.mark.parametrize(
    "change",
    [
        {"vnp_Amount": "100000000"},
        {"vnp_ResponseCode": "24"},
        {"vnp_SecureHash": RETURN_HASH[:-1] + "0"},
        {"vnp_SecureHash": ""},
        {"vnp_TxnRef": "1716257871704"},
    ],
)
def test_any_change_breaks_the_signature(change):
    params = RETURN_PARAMS | {"vnp_SecureHash": RETURN_HASH} | change
    assert not protocol.verify(params, RETURN_SECRET)


def test_wrong_secret_or_missing_hash_fails():
    assert not protocol.verify(RETURN_PARAMS | {"vnp_SecureHash": RETURN_HASH}, "other")
    assert not protocol.verify(RETURN_PARAMS, RETURN_SECRET)


def test_hashing_unencoded_values_is_the_old_habit_and_gives_another_hash():
    unencoded = "&".join(f"{k}={v}" for k, v in sorted(RETURN_PARAMS.items()))
    assert protocol.hmac_sha512(RETURN_SECRET, unencoded) == UNENCODED_HASH != RETURN_HASH


def test_payment_url_vector():
    assert (
        protocol.payment_url(
            "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", PAY_PARAMS, SECRET
        )
        == PAY_URL
    )
    assert protocol.sign(PAY_PARAMS, SECRET) == PAY_HASH


def test_pay_params_build_the_vector_request():
    created = datetime.datetime(2025, 1, 15, 3, 30, tzinfo=datetime.UTC)  # 10:30 in GMT+7
    params = protocol.pay_params(
        tmn_code="DEMOV210",
        amount=150000,
        txn_ref="HS2025000123",
        order_info="Nộp lệ phí hồ sơ HS2025000123",
        return_url="https://dvc.example.gov.vn/payment/vnpay/return",
        ip_addr="203.0.113.10",
        created=created,
        order_type="billpayment",
    )
    assert params == PAY_PARAMS
    assert "vnp_SecureHashType" not in params


def test_dates_are_gmt7_whatever_the_zone():
    moment = datetime.datetime(2025, 12, 31, 20, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    assert protocol.format_date(moment) == "20260101020000"
    assert protocol.parse_date("20260101020000") == moment
    with pytest.raises(ValueError):
        protocol.format_date(datetime.datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        protocol.parse_date("2025-01-01")


def test_amounts_are_sent_times_100_and_read_back_only_when_whole():
    assert protocol.to_vnp_amount(10000) == "1000000"
    assert protocol.from_vnp_amount("1000000") == 10000
    assert protocol.from_vnp_amount("1000050") is None
    assert protocol.from_vnp_amount("-100") is None
    assert protocol.from_vnp_amount("1e5") is None
    with pytest.raises(ValueError):
        protocol.to_vnp_amount(0)


def test_order_info_loses_diacritics_and_special_characters_but_keeps_case():
    text = "Nộp phí hồ sơ ĐKKS/Bến Tre #12 (ưu tiên) – “gấp” & 100%"
    assert protocol.clean_order_info(text) == "Nop phi ho so DKKSBen Tre 12 uu tien gap 100"
    assert protocol.clean_order_info("Đ" * 300) == "D" * 255
    assert protocol.clean_order_info("###") == "Thanh toan"


def test_txn_ref_outside_the_safe_alphabet_is_refused():
    with pytest.raises(ValueError):
        protocol.check_txn_ref("TS 123")


def test_querydr_request_vector():
    body = protocol.querydr_request(
        secret=SECRET,
        request_id="20250115110000123456",
        tmn_code="DEMOV210",
        txn_ref="HS2025000123",
        transaction_date="20250115103000",
        created=datetime.datetime(2025, 1, 15, 11, 0, tzinfo=GMT7),
        ip_addr="203.0.113.10",
        order_info="Truy van giao dich HS2025000123",
    )
    assert protocol.pipe_data(body, protocol.QUERYDR_REQUEST_FIELDS) == QUERYDR_DATA
    assert body["vnp_SecureHash"] == QUERYDR_HASH
    assert protocol.verify_pipe(body, protocol.QUERYDR_REQUEST_FIELDS, SECRET)


def test_refund_request_vector():
    body = protocol.refund_request(
        secret=SECRET,
        request_id="20250116090000654321",
        tmn_code="DEMOV210",
        txn_ref="HS2025000123",
        amount=150000,
        full=True,
        transaction_no="14226112",
        transaction_date="20250115103000",
        create_by="canbo01",
        created=datetime.datetime(2025, 1, 16, 2, 0, tzinfo=datetime.UTC),
        ip_addr="203.0.113.10",
        order_info="Hoàn tiền hồ sơ HS2025000123",
    )
    assert protocol.pipe_data(body, protocol.REFUND_REQUEST_FIELDS) == REFUND_DATA
    assert body["vnp_SecureHash"] == REFUND_HASH


def test_partial_refund_without_transaction_number_sends_type_03_and_zero():
    body = protocol.refund_request(
        secret=SECRET,
        request_id="1",
        tmn_code="DEMOV210",
        txn_ref="HS1",
        amount=5000,
        full=False,
        transaction_no="",
        transaction_date="20250115103000",
        create_by="x",
        created=datetime.datetime(2025, 1, 16, tzinfo=GMT7),
        ip_addr="127.0.0.1",
        order_info="Hoan",
    )
    assert body["vnp_TransactionType"] == "03" and body["vnp_TransactionNo"] == "0"
    assert body["vnp_Amount"] == "500000"


def test_api_response_is_verified_over_raw_values_and_paid_needs_type_01_status_00():
    answer = protocol.sign_response(
        "querydr",
        {
            "vnp_ResponseId": "r1",
            "vnp_Command": "querydr",
            "vnp_ResponseCode": "00",
            "vnp_Message": "Yêu cầu thành công.",
            "vnp_TmnCode": "DEMOV210",
            "vnp_TxnRef": "HS2025000123",
            "vnp_Amount": 15000000,
            "vnp_TransactionNo": "14226112",
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": "00",
        },
        SECRET,
    )
    parsed = protocol.parse_api_response("querydr", answer, SECRET)
    assert parsed.verified and parsed.paid and parsed.amount == 150000
    tampered = protocol.parse_api_response("querydr", answer | {"vnp_Amount": "100"}, SECRET)
    assert not tampered.verified and not tampered.paid
    refunded = protocol.sign_response("querydr", answer | {"vnp_TransactionType": "02"}, SECRET)
    assert not protocol.parse_api_response("querydr", refunded, SECRET).paid
