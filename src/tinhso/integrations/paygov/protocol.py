"""The national payment platform's message set v1.0.6 (spec §5.2): building INIT, QUERY and
GET_BILL, the ``MaXacThuc`` recipe, reading the confirm callback and the answers.

Nothing here talks to the network or the database, so every rule can be tested on its own.
``MaXacThuc`` is the lower-case hex SHA-256 of the field values joined by "|" followed by "|" and
the partner secret: a keyed hash, not an HMAC (R-NAT-061). ``ThoiGianGD`` is the 24-hour
``yyyyMMddHHmmss`` (R-NAT-062: Thanh Hóa's 12-hour ``hh`` made afternoon QUERYs miss); the string
sent at INIT is kept and reused verbatim in QUERY and GET_BILL.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

VERSION = "1.0.6"
TIME_FORMAT = "%Y%m%d%H%M%S"  # 24-hour clock (%H), never %I (R-NAT-062)

INIT_FIELDS = (
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
)
CALLBACK_FIELDS = (
    "LoaiBanTin",
    "MaLoi",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "MaTienTe",
    "MaGiaoDich",
    "MaNganHang",
    "ThoiGianGD",
    "ThongTinGiaoDich",
)
QUERY_FIELDS = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")

SUCCESS = "00"  # MaLoi of a paid callback
# TrangThaiGD of a QUERY answer.
STATE_PAID = "1"
STATE_PENDING = "3"
STATE_FAILED = "4"

# Our answers to the confirm callback (MaLoi). Only "00" is in the spec; the other codes are ours
# (the platform's expected error codes are unknown, spec R-NAT-061 [U]).
ANSWER_OK = "00"
ANSWER_NOT_FOUND = "01"
ANSWER_BAD_AMOUNT = "02"
ANSWER_BAD_SIGNATURE = "07"
ANSWER_BAD_INPUT = "08"
ANSWER_ERROR = "99"

_NOT_REFERENCE_CHARS = re.compile(r"[^A-Za-z0-9]")
_ASCII_FOLD = str.maketrans(
    "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"
    "ÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸĐ",
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
    "AAAAAAAAAAAAAAAAAEEEEEEEEEEEIIIIIOOOOOOOOOOOOOOOOOUUUUUUUUUUUYYYYYD",
)


def sign(values: Sequence[str], secret: str) -> str:
    """``MaXacThuc``: SHA-256 hex of ``v1|v2|…|vn|secret``."""
    return hashlib.sha256("|".join([*values, secret]).encode("utf-8")).hexdigest()


def sign_fields(message: Mapping[str, Any], names: Sequence[str], secret: str) -> str:
    return sign([str(message.get(name, "")) for name in names], secret)


def verify(message: Mapping[str, Any], names: Sequence[str], secret: str) -> bool:
    """Whether ``message["MaXacThuc"]`` is right, compared in constant time (R-NAT-061)."""
    given = str(message.get("MaXacThuc", "")).lower()
    return bool(secret) and hmac.compare_digest(given, sign_fields(message, names, secret))


def format_time(moment: datetime) -> str:
    """``ThoiGianGD`` of a local (Vietnam) time, 24-hour clock."""
    return moment.strftime(TIME_FORMAT)


def ascii_text(text: str) -> str:
    """Vietnamese folded to ASCII (``ThongTinGiaoDich`` is ASCII, spec §5.2)."""
    folded = text.translate(_ASCII_FOLD)
    return "".join(c for c in folded if 32 <= ord(c) < 127)


def reference_for(dossier_code: str, payment_reference: str) -> str:
    """``MaThamChieu``: "dvc" + the dossier code without non-alphanumerics + our payment reference
    (unique per attempt, R-NAT-060; the spec's timestamp is replaced by the attempt's reference,
    which is unique even for two attempts in one second)."""
    return "dvc" + _NOT_REFERENCE_CHARS.sub("", dossier_code) + payment_reference


def payment_reference_of(ma_tham_chieu: str, length: int) -> str:
    """Our payment reference inside a ``MaThamChieu`` (its last ``length`` characters)."""
    return ma_tham_chieu[-length:] if len(ma_tham_chieu) > length else ""


@dataclass(frozen=True)
class InitData:
    partner_code: str
    reference: str  # MaThamChieu
    amount: int
    description: str  # ThongTinGiaoDich
    time: str  # ThoiGianGD, kept verbatim afterwards
    ip: str
    receipt: dict[str, Any] = field(default_factory=dict)  # ThongTinBienLai


def init_message(data: InitData, secret: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "LoaiBanTin": "INIT",
        "PhienBan": VERSION,
        "MaDoiTac": data.partner_code,
        "MaThamChieu": data.reference,
        "SoTien": str(data.amount),
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "1",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "PAYMENT",
        "ThongTinGiaoDich": ascii_text(data.description),
        "ThoiGianGD": data.time,
        "Ip": data.ip,
    }
    message["MaXacThuc"] = sign_fields(message, INIT_FIELDS, secret)
    message["ThongTinBienLai"] = data.receipt
    return message


def lookup_message(
    kind: str, partner_code: str, reference: str, time: str, secret: str
) -> dict[str, str]:
    """QUERY or GET_BILL: same fields, same recipe; ``time`` is the INIT's ``ThoiGianGD``."""
    message = {
        "LoaiBanTin": kind,
        "PhienBan": VERSION,
        "MaDoiTac": partner_code,
        "MaThamChieu": reference,
        "ThoiGianGD": time,
    }
    message["MaXacThuc"] = sign_fields(message, QUERY_FIELDS, secret)
    return message


def unwrap(answer: Any) -> dict[str, Any] | None:
    """The inner object of ``{"error_code": "0", "message": "<JSON text>"}``; a bare object is
    taken as it is. None when the platform refused (``error_code`` ≠ 0) or the answer is not JSON."""
    if not isinstance(answer, dict):
        return None
    if "error_code" in answer:
        if str(answer.get("error_code")) not in ("0", "00"):
            return None
        inner = answer.get("message")
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError:
                return None
        return inner if isinstance(inner, dict) else None
    return answer


def refusal(answer: Any) -> str:
    """The platform's reason for a refused call, for the log and officials."""
    if isinstance(answer, dict):
        return str(answer.get("message") or answer.get("MoTaLoi") or answer.get("error_code", ""))[
            :500
        ]
    return ""


@dataclass(frozen=True)
class Confirmation:
    """A confirm callback or a QUERY answer, checked."""

    reference: str
    amount: int | None
    error_code: str  # MaLoi
    transaction_id: str  # MaGiaoDich
    time: str
    state: str  # TrangThaiGD ("" in a callback)
    verified: bool

    @property
    def paid(self) -> bool:
        if self.state:
            return self.verified and self.state == STATE_PAID
        return self.verified and self.error_code == SUCCESS

    def audit_data(self) -> dict[str, str]:
        return {
            "MaThamChieu": self.reference,
            "MaLoi": self.error_code,
            "MaGiaoDich": self.transaction_id,
            "TrangThaiGD": self.state,
        }


def parse_confirmation(message: Mapping[str, Any], secret: str) -> Confirmation:
    amount_text = str(message.get("SoTien", ""))
    return Confirmation(
        reference=str(message.get("MaThamChieu", "")),
        amount=int(amount_text) if amount_text.isdigit() else None,
        error_code=str(message.get("MaLoi", "")),
        transaction_id=str(message.get("MaGiaoDich", ""))[:64],
        time=str(message.get("ThoiGianGD", "")),
        state=str(message.get("TrangThaiGD", "")),
        verified=verify(message, CALLBACK_FIELDS, secret),
    )


def callback_answer(
    code: str, text: str, partner_code: str, received: Mapping[str, Any]
) -> dict[str, str]:
    """Our answer to a confirm callback: ``{MaLoi, MoTaLoi, MaDoiTac, ThoiGianGD, MaXacThuc}``;
    the received ``MaXacThuc`` is echoed as Thanh Hóa does (the right answer signature is [U])."""
    return {
        "MaLoi": code,
        "MoTaLoi": text,
        "MaDoiTac": partner_code,
        "ThoiGianGD": str(received.get("ThoiGianGD", "")),
        "MaXacThuc": str(received.get("MaXacThuc", "")),
    }
