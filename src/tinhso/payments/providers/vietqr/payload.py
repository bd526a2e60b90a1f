"""VietQR (NAPAS 247 bank-transfer QR) payloads: EMVCo TLV builder, CRC and parser.

Pure functions, no Django. The layout is EMVCo Merchant-Presented Mode as profiled by NAPAS
("Technical Specifications on NAPAS QR Switching, Part IV", v1.5.2), described in
docs/payments-vietqr.md:

- every data object is TLV: a 2-digit ID, a 2-digit decimal length (01-99), the value;
- objects appear in ascending ID order; values are kept ASCII so characters = bytes;
- the payload ends with ``6304`` + CRC-16/CCITT-FALSE over every byte up to and including
  that ``6304`` (polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR), written
  as 4 upper-case hex digits.

A VietQR string is not signed: it tells the payer's bank where to send money, nothing more.
Payment is confirmed only by the bank (statement or webhook), never by the QR.
"""

import re
from dataclasses import dataclass, field

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
SERVICE_TO_CARD = "QRIBFTTC"
POI_STATIC = "11"  # reusable, no amount
POI_DYNAMIC = "12"  # single use, with amount
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
PURPOSE_MAX = 25  # 62/08 "purpose of transaction", the transfer note
AMOUNT_MAX_DIGITS = 13

# Top-level IDs and the nested ones this module reads and writes.
ID_FORMAT, ID_POI, ID_NAPAS, ID_MCC, ID_CURRENCY, ID_AMOUNT = "00", "01", "38", "52", "53", "54"
ID_COUNTRY, ID_NAME, ID_CITY, ID_ADDITIONAL, ID_CRC = "58", "59", "60", "62", "63"
NAPAS_GUID_ID, NAPAS_BENEFICIARY_ID, NAPAS_SERVICE_ID = "00", "01", "02"
BENEFICIARY_BIN_ID, BENEFICIARY_ACCOUNT_ID = "00", "01"
ADDITIONAL_PURPOSE_ID = "08"
NESTED = frozenset({ID_NAPAS, ID_ADDITIONAL})  # templates whose value is itself TLV

_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
_BIN = re.compile(r"\d{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")


class PayloadError(ValueError):
    """The input cannot be encoded, or the text is not a well-formed VietQR payload."""


def crc16_ccitt_false(data: bytes) -> str:
    """CRC-16/CCITT-FALSE of ``data`` as 4 upper-case hex digits (``b"123456789"`` -> ``29B1``)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def tlv(tag: str, value: str) -> str:
    """One data object: ID, two-digit length, value. Values must be printable ASCII, 1-99 long."""
    if not (len(tag) == 2 and tag.isdigit()):
        raise PayloadError(f"invalid ID {tag!r}")
    if not 1 <= len(value) <= 99:
        raise PayloadError(f"value of ID {tag} must be 1-99 characters, got {len(value)}")
    if not _PRINTABLE_ASCII.fullmatch(value):
        raise PayloadError(f"value of ID {tag} must be printable ASCII")
    return f"{tag}{len(value):02d}{value}"


def build(
    *,
    bank_bin: str,
    account: str,
    amount: int | None = None,
    purpose: str | None = None,
    service: str = SERVICE_TO_ACCOUNT,
) -> str:
    """A bank-transfer VietQR payload (NAPAS spec; docs/payments-vietqr.md).

    ``amount`` in whole đồng makes the code dynamic (point of initiation ``12``); without it the
    code is static (``11``) and the payer types the amount. ``purpose`` (the transfer note,
    ID 62/08) is printable ASCII, at most 25 characters: banks may drop or truncate more.
    """
    if not _BIN.fullmatch(bank_bin):
        raise PayloadError("bank BIN must be 6 digits")
    if not _ACCOUNT.fullmatch(account):
        raise PayloadError("account must be 1-19 letters or digits")
    if service not in (SERVICE_TO_ACCOUNT, SERVICE_TO_CARD):
        raise PayloadError(f"unsupported service {service!r}")
    if amount is not None and (
        isinstance(amount, bool)
        or not isinstance(amount, int)
        or amount <= 0
        or len(str(amount)) > AMOUNT_MAX_DIGITS
    ):
        raise PayloadError("amount must be a positive whole number of đồng (at most 13 digits)")
    if purpose is not None and len(purpose) > PURPOSE_MAX:
        raise PayloadError(f"purpose must be at most {PURPOSE_MAX} characters")
    beneficiary = tlv(BENEFICIARY_BIN_ID, bank_bin) + tlv(BENEFICIARY_ACCOUNT_ID, account)
    napas = (
        tlv(NAPAS_GUID_ID, NAPAS_GUID)
        + tlv(NAPAS_BENEFICIARY_ID, beneficiary)
        + tlv(NAPAS_SERVICE_ID, service)
    )
    body = (
        tlv(ID_FORMAT, "01")
        + tlv(ID_POI, POI_DYNAMIC if amount is not None else POI_STATIC)
        + tlv(ID_NAPAS, napas)
        + tlv(ID_CURRENCY, CURRENCY_VND)
        + (tlv(ID_AMOUNT, str(amount)) if amount is not None else "")
        + tlv(ID_COUNTRY, COUNTRY_VN)
        + (tlv(ID_ADDITIONAL, tlv(ADDITIONAL_PURPOSE_ID, purpose)) if purpose else "")
        + ID_CRC
        + "04"
    )
    return body + crc16_ccitt_false(body.encode("ascii"))


def parse_tlv(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into (ID, value) pairs; IDs must be ascending and lengths consistent."""
    items: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        head = text[position : position + 4]
        if len(head) < 4 or not head.isdigit():
            raise PayloadError(f"truncated or malformed data object at offset {position}")
        tag, length = head[:2], int(head[2:])
        value = text[position + 4 : position + 4 + length]
        if length == 0 or len(value) != length:
            raise PayloadError(f"length of ID {tag} at offset {position} does not match")
        if items and tag <= items[-1][0]:
            raise PayloadError(f"ID {tag} at offset {position} is out of order")
        items.append((tag, value))
        position += 4 + length
    return items


@dataclass(frozen=True)
class VietQR:
    """The fields of a parsed payload; ``fields`` keeps every top-level object as read."""

    point_of_initiation: str
    guid: str
    bank_bin: str
    account: str
    service: str | None
    currency: str
    amount: int | None
    country: str
    purpose: str | None
    crc: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def is_dynamic(self) -> bool:
        return self.point_of_initiation == POI_DYNAMIC


def parse(payload: str) -> VietQR:
    """Read a VietQR payload back, checking its structure and CRC. Raises PayloadError."""
    if not _PRINTABLE_ASCII.fullmatch(payload):
        raise PayloadError("payload must be printable ASCII")
    if len(payload) < 8 or payload[-8:-4] != ID_CRC + "04":
        raise PayloadError("payload must end with the CRC object 6304XXXX")
    expected = crc16_ccitt_false(payload[:-4].encode("ascii"))
    if payload[-4:].upper() != expected:
        raise PayloadError(f"CRC mismatch: payload says {payload[-4:]}, computed {expected}")
    fields = dict(parse_tlv(payload))
    if fields.get(ID_FORMAT) != "01":
        raise PayloadError("payload format indicator (ID 00) must be 01")
    if ID_NAPAS not in fields:
        raise PayloadError("no NAPAS merchant account information (ID 38)")
    napas = dict(parse_tlv(fields[ID_NAPAS]))
    if napas.get(NAPAS_GUID_ID) != NAPAS_GUID:
        raise PayloadError(f"ID 38 is not a NAPAS template (GUID {NAPAS_GUID})")
    beneficiary = dict(parse_tlv(napas.get(NAPAS_BENEFICIARY_ID, "")))
    if BENEFICIARY_BIN_ID not in beneficiary or BENEFICIARY_ACCOUNT_ID not in beneficiary:
        raise PayloadError("beneficiary (ID 38/01) needs a BIN (00) and an account (01)")
    raw_amount = fields.get(ID_AMOUNT)
    if raw_amount is not None and not raw_amount.isdigit():
        raise PayloadError("amount (ID 54) must be whole đồng")
    additional = dict(parse_tlv(fields[ID_ADDITIONAL])) if ID_ADDITIONAL in fields else {}
    return VietQR(
        point_of_initiation=fields.get(ID_POI, ""),
        guid=napas[NAPAS_GUID_ID],
        bank_bin=beneficiary[BENEFICIARY_BIN_ID],
        account=beneficiary[BENEFICIARY_ACCOUNT_ID],
        service=napas.get(NAPAS_SERVICE_ID),
        currency=fields.get(ID_CURRENCY, ""),
        amount=int(raw_amount) if raw_amount is not None else None,
        country=fields.get(ID_COUNTRY, ""),
        purpose=additional.get(ADDITIONAL_PURPOSE_ID),
        crc=payload[-4:],
        fields=fields,
    )
