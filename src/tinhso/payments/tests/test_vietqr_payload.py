"""VietQR payloads: the published vectors rebuild byte for byte, the CRC is CRC-16/CCITT-FALSE,
and malformed payloads are refused."""

import pytest

from tinhso.payments.providers.vietqr import payload as vq

# (payload, bank BIN, account, amount, purpose) from the NAPAS-profile vectors of
# test-vectors/payments.json (vietqr.io API sample, giautm/emvqr-go, liopayvn/vietqr-php,
# xuannghia/vietnam-qr-pay), copied here so the tests never read outside the project.
VECTORS = [
    (
        "00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA53037045405790005802VN62220818Ung Ho Quy Vac Xin63043ACF",
        "970415",
        "113366668888",
        79000,
        "Ung Ho Quy Vac Xin",
    ),
    (
        "00020101021138560010A0000007270126000697041501121133666688880208QRIBFTTA53037045802VN6304F443",
        "970415",
        "113366668888",
        None,
        None,
    ),
    (
        "00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA530370454061800005802VN62230819thanh toan don hang630470FA",
        "970436",
        "1017595600",
        180000,
        "thanh toan don hang",
    ),
    (
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F",
        "970416",
        "257678859",
        None,
        None,
    ),
    (
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN62150811Chuyen tien630453E6",
        "970416",
        "257678859",
        10000,
        "Chuyen tien",
    ),
    (
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB8",
        "970416",
        "257678859",
        1000,
        "Chuyen tien",
    ),
]
QRPUSH = "00020101021138480010A00000072701300006970403011621129950446040255204581253037045802VN5910PHUONG CAC6005HANOI62110307NPS686963045802"


def test_crc_check_value():
    assert vq.crc16_ccitt_false(b"123456789") == "29B1"
    assert vq.crc16_ccitt_false(b"") == "FFFF"


@pytest.mark.parametrize(("payload", "bank_bin", "account", "amount", "purpose"), VECTORS)
def test_builder_reproduces_published_vectors(payload, bank_bin, account, amount, purpose):
    assert vq.build(bank_bin=bank_bin, account=account, amount=amount, purpose=purpose) == payload


@pytest.mark.parametrize(("payload", "bank_bin", "account", "amount", "purpose"), VECTORS)
def test_parser_reads_published_vectors(payload, bank_bin, account, amount, purpose):
    parsed = vq.parse(payload)
    assert (parsed.bank_bin, parsed.account, parsed.amount, parsed.purpose) == (
        bank_bin,
        account,
        amount,
        purpose,
    )
    assert parsed.guid == "A000000727" and parsed.service == "QRIBFTTA"
    assert parsed.currency == "704" and parsed.country == "VN"
    assert parsed.is_dynamic == (amount is not None)
    assert parsed.crc == payload[-4:]


def test_parser_reads_a_merchant_qr_without_service_code():
    parsed = vq.parse(QRPUSH)
    assert parsed.bank_bin == "970403" and parsed.service is None
    assert parsed.fields["52"] == "5812" and parsed.fields["59"] == "PHUONG CAC"


def test_payment_reference_goes_into_purpose_and_round_trips():
    payload = vq.build(bank_bin="970418", account="0123456789", amount=100000, purpose="TS7K3M9Q2X")
    assert "62140810TS7K3M9Q2X6304" in payload
    assert payload.startswith("000201010212")
    parsed = vq.parse(payload)
    assert (parsed.amount, parsed.purpose, parsed.bank_bin) == (100000, "TS7K3M9Q2X", "970418")


def test_a_changed_character_breaks_the_crc():
    payload = VECTORS[0][0]
    tampered = payload.replace("79000", "19000")
    with pytest.raises(vq.PayloadError, match="CRC"):
        vq.parse(tampered)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "000201",
        # lengths that do not add up (CRC recomputed so only the structure is wrong)
        "0002010103126304",
        # IDs out of order
        "0102120002016304",
    ],
)
def test_malformed_payloads_are_refused(payload):
    if payload.endswith("6304"):
        payload += vq.crc16_ccitt_false(payload.encode())
    with pytest.raises(vq.PayloadError):
        vq.parse(payload)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bank_bin": "97041", "account": "1"},
        {"bank_bin": "970415", "account": "12-34"},
        {"bank_bin": "970415", "account": "1" * 20},
        {"bank_bin": "970415", "account": "1", "amount": 0},
        {"bank_bin": "970415", "account": "1", "amount": -5},
        {"bank_bin": "970415", "account": "1", "amount": 10**13},
        {"bank_bin": "970415", "account": "1", "purpose": "x" * 26},
        {"bank_bin": "970415", "account": "1", "purpose": "Nộp phí"},
    ],
)
def test_builder_refuses_what_banks_would_reject(kwargs):
    with pytest.raises(vq.PayloadError):
        vq.build(**kwargs)
