"""VNPay API 2.1.0 as pure functions: signing, the payment URL, IPN/Return parsing, querydr and refund.

Nothing here reads settings or the database, so the same code serves the merchant side
(``provider.py``, ``notifications.py``) and the in-project sandbox gateway
(``tinhso.payments.sandbox``), which depends on this module and never the reverse.
The rules are those of VNPay's integration guide (docs/payments-vnpay.md):

* Payment URL, Return URL and IPN: HMAC-SHA512 over the ``vnp_*`` parameters sorted by name,
  empty values and ``vnp_SecureHash``/``vnp_SecureHashType`` left out, each value form-encoded
  (space → ``+``) exactly as it goes on the wire; lower-case hex.
* ``querydr`` and ``refund`` (JSON API): HMAC-SHA512 over the *values* joined with ``|`` in a fixed
  field order, missing values as empty strings.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote_plus, urlencode

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from tinhso.text import fold

VERSION = "2.1.0"
GMT7 = timezone(timedelta(hours=7), "GMT+7")
DATE_FORMAT = "%Y%m%d%H%M%S"
EXPIRES_AFTER = timedelta(minutes=15)
HASH_EXCLUDED = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})

# Fixed value orders of the pipe-joined checksums (JSON API).
QUERYDR_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERYDR_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)
REQUEST_FIELDS = {"querydr": QUERYDR_REQUEST_FIELDS, "refund": REFUND_REQUEST_FIELDS}
RESPONSE_FIELDS = {"querydr": QUERYDR_RESPONSE_FIELDS, "refund": REFUND_RESPONSE_FIELDS}

# vnp_TransactionType of a refund request.
REFUND_FULL = "02"
REFUND_PARTIAL = "03"
# vnp_TransactionType of a payment in querydr answers.
TRANSACTION_PAYMENT = "01"


class IpnAnswer:
    """The merchant's answers to an IPN call: (RspCode, Message) as in VNPay's official demos.

    VNPay stops after ``00`` and ``02``; it retries the others (up to 10 calls, 5 minutes apart).
    These strings are read by VNPay's servers, not by people, so they are not translated.
    """

    CONFIRMED = ("00", "Confirm Success")
    ORDER_NOT_FOUND = ("01", "Order not found")
    ALREADY_CONFIRMED = ("02", "Order already confirmed")
    INVALID_AMOUNT = ("04", "invalid amount")
    INVALID_SIGNATURE = ("97", "Invalid signature")
    UNKNOWN_ERROR = ("99", "Unknow error")
    INPUT_REQUIRED = ("99", "Input data required")


# vnp_ResponseCode of a payment (Return URL and IPN), in Vietnamese for the payer.
RESPONSE_CODES: dict[str, StrOrPromise] = {
    "00": _("Giao dịch thành công."),
    "07": _("Trừ tiền thành công nhưng giao dịch bị nghi ngờ (liên quan tới lừa đảo, bất thường)."),
    "09": _("Thẻ/tài khoản chưa đăng ký dịch vụ Internet Banking tại ngân hàng."),
    "10": _("Xác thực thông tin thẻ/tài khoản không đúng quá 3 lần."),
    "11": _("Đã hết hạn chờ thanh toán."),
    "12": _("Thẻ/tài khoản bị khóa."),
    "13": _("Nhập sai mật khẩu xác thực giao dịch (OTP)."),
    "24": _("Khách hàng đã hủy giao dịch."),
    "51": _("Tài khoản không đủ số dư để thực hiện giao dịch."),
    "65": _("Tài khoản đã vượt quá hạn mức giao dịch trong ngày."),
    "75": _("Ngân hàng thanh toán đang bảo trì."),
    "79": _("Nhập sai mật khẩu thanh toán quá số lần quy định."),
    "99": _("Lỗi khác."),
}
# vnp_TransactionStatus.
TRANSACTION_STATUSES: dict[str, StrOrPromise] = {
    "00": _("Giao dịch thành công."),
    "01": _("Giao dịch chưa hoàn tất."),
    "02": _("Giao dịch bị lỗi."),
    "04": _(
        "Giao dịch đảo (khách hàng đã bị trừ tiền tại ngân hàng nhưng giao dịch chưa thành công ở VNPAY)."
    ),
    "05": _("VNPAY đang xử lý giao dịch hoàn tiền."),
    "06": _("VNPAY đã gửi yêu cầu hoàn tiền sang ngân hàng."),
    "07": _("Giao dịch bị nghi ngờ gian lận."),
    "09": _("Giao dịch hoàn tiền bị từ chối."),
}
# vnp_ResponseCode of the querydr/refund API.
API_RESPONSE_CODES: dict[str, StrOrPromise] = {
    "00": _("Yêu cầu thành công."),
    "02": _("Mã định danh kết nối (vnp_TmnCode) không hợp lệ."),
    "03": _("Dữ liệu gửi sang không đúng định dạng."),
    "91": _("Không tìm thấy giao dịch yêu cầu."),
    "94": _("Yêu cầu bị trùng lặp trong thời gian giới hạn của API."),
    "95": _("Giao dịch gốc không thành công tại VNPAY, không thể hoàn tiền."),
    "97": _("Chữ ký không hợp lệ."),
    "99": _("Lỗi khác."),
}


# --- dates and amounts -----------------------------------------------------------------------


def format_date(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in GMT+7, whatever the zone of ``moment`` (must be aware)."""
    if moment.tzinfo is None:
        raise ValueError("VNPay dates need a timezone-aware datetime")
    return moment.astimezone(GMT7).strftime(DATE_FORMAT)


def parse_date(value: str) -> datetime:
    """The aware datetime of a ``yyyyMMddHHmmss`` GMT+7 string; ValueError when malformed."""
    if not re.fullmatch(r"\d{14}", value):
        raise ValueError(f"not a VNPay date: {value!r}")
    return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=GMT7)


def to_vnp_amount(dong: int) -> str:
    """Money leaves Tỉnh Số as integer đồng and travels as đồng × 100 (10 000 đ → "1000000")."""
    if dong <= 0:
        raise ValueError("amount must be positive")
    return str(dong * 100)


def from_vnp_amount(value: str) -> int | None:
    """Received ``vnp_Amount`` in đồng, or None when it is not a whole number of đồng × 100."""
    if not re.fullmatch(r"\d{1,15}", value or ""):
        return None
    raw = int(value)
    return raw // 100 if raw % 100 == 0 else None


# --- the sorted, form-encoded checksum (payment URL, Return URL, IPN) ------------------------


def _signed_items(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (key, str(value))
        for key, value in params.items()
        if key.startswith("vnp_")
        and key not in HASH_EXCLUDED
        and value is not None
        and str(value) != ""
    )


def canonical(params: Mapping[str, Any]) -> str:
    """The data that is hashed and sent: ``k=quote_plus(v)`` joined with ``&``, sorted by name."""
    return "&".join(f"{key}={quote_plus(value)}" for key, value in _signed_items(params))


def hmac_sha512(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


def sign(params: Mapping[str, Any], secret: str) -> str:
    """``vnp_SecureHash`` of ``params``: lower-case hex HMAC-SHA512 of ``canonical(params)``."""
    return hmac_sha512(secret, canonical(params))


def same_hash(expected: str, received: str) -> bool:
    """Constant-time, case-insensitive comparison (some libraries emit upper-case hex)."""
    return hmac.compare_digest(expected.lower().encode(), received.strip().lower().encode())


def verify(params: Mapping[str, Any], secret: str) -> bool:
    """True when ``params["vnp_SecureHash"]`` is the checksum of the other ``vnp_*`` parameters."""
    received = str(params.get("vnp_SecureHash") or "")
    if not received or not secret:
        return False
    return same_hash(sign(params, secret), received)


def signed(params: Mapping[str, Any], secret: str) -> dict[str, str]:
    """``params`` (empty values dropped) plus their ``vnp_SecureHash``."""
    kept = dict(_signed_items(params))
    return kept | {"vnp_SecureHash": sign(kept, secret)}


def signed_query(params: Mapping[str, Any], secret: str) -> str:
    """The query string sent: the canonical string, then ``&vnp_SecureHash=<hash>``."""
    return f"{canonical(params)}&vnp_SecureHash={sign(params, secret)}"


def append_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


# --- the payment request ---------------------------------------------------------------------

_ORDER_INFO_ALLOWED = re.compile(r"[^A-Za-z0-9 .,:_-]")
_TXN_REF = re.compile(r"[A-Za-z0-9._-]{1,100}")


def clean_order_info(text: str, limit: int = 255) -> str:
    """``vnp_OrderInfo``: Vietnamese without diacritics, letters case kept, no special characters.

    Characters are folded one by one with ``tinhso.text.fold`` (which also maps đ/Đ to d/D) and
    anything outside ``[A-Za-z0-9 .,:_-]`` is dropped, so every encoder hashes it the same way.
    """
    out = []
    for char in text:
        if char.isspace():
            out.append(" ")
            continue
        plain = fold(char)
        out.append(plain.upper() if char.isupper() else plain)
    cleaned = " ".join(_ORDER_INFO_ALLOWED.sub("", "".join(out)).split())
    return cleaned[:limit].strip() or "Thanh toan"


def check_txn_ref(value: str) -> str:
    if not _TXN_REF.fullmatch(value):
        raise ValueError(f"vnp_TxnRef must be 1-100 characters of [A-Za-z0-9._-]: {value!r}")
    return value


def pay_params(
    *,
    tmn_code: str,
    amount: int,
    txn_ref: str,
    order_info: str,
    return_url: str,
    ip_addr: str,
    created: datetime,
    locale: str = "vn",
    order_type: str = "other",
    bank_code: str = "",
    expires_after: timedelta = EXPIRES_AFTER,
) -> dict[str, str]:
    """The unsigned parameters of a ``pay`` request; ``amount`` in đồng."""
    params = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": to_vnp_amount(amount),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": check_txn_ref(txn_ref),
        "vnp_OrderInfo": clean_order_info(order_info),
        "vnp_OrderType": order_type,
        "vnp_Locale": "en" if locale == "en" else "vn",
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": ip_addr,
        "vnp_CreateDate": format_date(created),
        "vnp_ExpireDate": format_date(created + expires_after),
    }
    if bank_code:
        params["vnp_BankCode"] = bank_code
    return params


def payment_url(base_url: str, params: Mapping[str, Any], secret: str) -> str:
    """Where to send the payer: the payment page, the canonical query, then the checksum."""
    return append_query(base_url, signed_query(params, secret))


# --- Return URL and IPN ----------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """A payment result as VNPay sends it to the Return URL and the IPN URL (already verified)."""

    txn_ref: str
    amount: int | None  # đồng; None when vnp_Amount is malformed
    response_code: str
    transaction_status: str
    transaction_no: str
    bank_code: str
    bank_tran_no: str
    card_type: str
    pay_date: str
    tmn_code: str

    @property
    def paid(self) -> bool:
        """Paid only when both codes say so (VNPay's C# demo; the PHP demo accepts either)."""
        return self.response_code == "00" and self.transaction_status == "00"

    @property
    def reason(self) -> StrOrPromise:
        """What happened, in Vietnamese, from the response code (fallback: transaction status)."""
        return RESPONSE_CODES.get(self.response_code) or TRANSACTION_STATUSES.get(
            self.transaction_status, RESPONSE_CODES["99"]
        )

    def audit_data(self) -> dict[str, str]:
        return {
            "vnp_ResponseCode": self.response_code,
            "vnp_TransactionStatus": self.transaction_status,
            "vnp_TransactionNo": self.transaction_no,
            "vnp_BankCode": self.bank_code,
            "vnp_BankTranNo": self.bank_tran_no,
            "vnp_CardType": self.card_type,
            "vnp_PayDate": self.pay_date,
        }


def single_values(query: Any) -> dict[str, str]:
    """A flat ``{name: value}`` from a QueryDict or mapping (last value wins, as in PHP)."""
    if hasattr(query, "lists"):
        return {key: values[-1] for key, values in query.lists() if values}
    return {str(key): str(value) for key, value in dict(query).items()}


def parse_notification(params: Mapping[str, str]) -> Notification:
    """Read a Return/IPN query (call ``verify`` first)."""
    return Notification(
        txn_ref=params.get("vnp_TxnRef", ""),
        amount=from_vnp_amount(params.get("vnp_Amount", "")),
        response_code=params.get("vnp_ResponseCode", ""),
        transaction_status=params.get("vnp_TransactionStatus", ""),
        transaction_no=params.get("vnp_TransactionNo", ""),
        bank_code=params.get("vnp_BankCode", ""),
        bank_tran_no=params.get("vnp_BankTranNo", ""),
        card_type=params.get("vnp_CardType", ""),
        pay_date=params.get("vnp_PayDate", ""),
        tmn_code=params.get("vnp_TmnCode", ""),
    )


# --- querydr and refund (JSON API, pipe-joined checksums) ------------------------------------


def pipe_data(body: Mapping[str, Any], fields: Iterable[str]) -> str:
    return "|".join("" if body.get(f) is None else str(body.get(f)) for f in fields)


def pipe_hash(body: Mapping[str, Any], fields: Sequence[str], secret: str) -> str:
    return hmac_sha512(secret, pipe_data(body, fields))


def verify_pipe(body: Mapping[str, Any], fields: Sequence[str], secret: str) -> bool:
    received = str(body.get("vnp_SecureHash") or "")
    return bool(received and secret) and same_hash(pipe_hash(body, fields, secret), received)


def new_request_id(now: datetime) -> str:
    """``vnp_RequestId``: unique per request within a day; time (GMT+7) plus 6 random digits."""
    return format_date(now) + f"{secrets.randbelow(10**6):06d}"


def querydr_request(
    *,
    secret: str,
    request_id: str,
    tmn_code: str,
    txn_ref: str,
    transaction_date: str,
    created: datetime,
    ip_addr: str,
    order_info: str,
    transaction_no: str = "",
) -> dict[str, str]:
    """Body of a ``querydr`` call; ``transaction_date`` is the original ``vnp_CreateDate``."""
    body = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "querydr",
        "vnp_TmnCode": tmn_code,
        "vnp_TxnRef": txn_ref,
        "vnp_OrderInfo": clean_order_info(order_info),
        "vnp_TransactionDate": transaction_date,
        "vnp_CreateDate": format_date(created),
        "vnp_IpAddr": ip_addr,
    }
    if transaction_no:
        body["vnp_TransactionNo"] = transaction_no
    return body | {"vnp_SecureHash": pipe_hash(body, QUERYDR_REQUEST_FIELDS, secret)}


def refund_request(
    *,
    secret: str,
    request_id: str,
    tmn_code: str,
    txn_ref: str,
    amount: int,
    full: bool,
    transaction_no: str,
    transaction_date: str,
    create_by: str,
    created: datetime,
    ip_addr: str,
    order_info: str,
) -> dict[str, str]:
    """Body of a ``refund`` call; ``amount`` in đồng, ``full`` picks type 02 (else 03)."""
    body = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "refund",
        "vnp_TmnCode": tmn_code,
        "vnp_TransactionType": REFUND_FULL if full else REFUND_PARTIAL,
        "vnp_TxnRef": txn_ref,
        "vnp_Amount": to_vnp_amount(amount),
        "vnp_TransactionNo": transaction_no or "0",
        "vnp_TransactionDate": transaction_date,
        "vnp_CreateBy": create_by,
        "vnp_CreateDate": format_date(created),
        "vnp_IpAddr": ip_addr,
        "vnp_OrderInfo": clean_order_info(order_info),
    }
    return body | {"vnp_SecureHash": pipe_hash(body, REFUND_REQUEST_FIELDS, secret)}


def sign_response(command: str, body: Mapping[str, Any], secret: str) -> dict[str, str]:
    """An API answer (``querydr``/``refund``) with its checksum; used by the sandbox gateway."""
    flat = {key: "" if value is None else str(value) for key, value in body.items()}
    return flat | {"vnp_SecureHash": pipe_hash(flat, RESPONSE_FIELDS[command], secret)}


@dataclass(frozen=True)
class ApiResponse:
    """A decoded ``querydr``/``refund`` answer."""

    command: str
    response_code: str
    message: str
    verified: bool
    txn_ref: str
    amount: int | None  # đồng
    transaction_no: str
    transaction_type: str
    transaction_status: str
    pay_date: str
    bank_code: str
    raw: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.response_code == "00" and self.verified

    @property
    def paid(self) -> bool:
        """For ``querydr``: the payment went through (verified, type 01, status 00)."""
        return (
            self.ok
            and self.transaction_type == TRANSACTION_PAYMENT
            and self.transaction_status == "00"
        )

    @property
    def reason(self) -> StrOrPromise:
        return API_RESPONSE_CODES.get(self.response_code, self.message or API_RESPONSE_CODES["99"])


def parse_api_response(command: str, body: Mapping[str, Any], secret: str) -> ApiResponse:
    """Decode an API answer, checking its checksum over the raw received values."""
    raw = {key: "" if value is None else str(value) for key, value in body.items()}
    return ApiResponse(
        command=raw.get("vnp_Command", command),
        response_code=raw.get("vnp_ResponseCode", ""),
        message=raw.get("vnp_Message", ""),
        verified=verify_pipe(raw, RESPONSE_FIELDS[command], secret),
        txn_ref=raw.get("vnp_TxnRef", ""),
        amount=from_vnp_amount(raw.get("vnp_Amount", "")),
        transaction_no=raw.get("vnp_TransactionNo", ""),
        transaction_type=raw.get("vnp_TransactionType", ""),
        transaction_status=raw.get("vnp_TransactionStatus", ""),
        pay_date=raw.get("vnp_PayDate", ""),
        bank_code=raw.get("vnp_BankCode", ""),
        raw=raw,
    )


def query_string(params: Mapping[str, str]) -> str:
    """Form-encode signed parameters for a redirect or an IPN call (same encoder as the hash)."""
    return urlencode(list(params.items()), quote_via=quote_plus)
