"""What the sandbox gateway does, without HTTP: check a payment request, settle it, sign results,
and answer the ``querydr``/``refund`` API, following VNPay 2.1.0 (docs/payments-vnpay.md)."""

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from tinhso.payments.providers.vnpay import protocol
from tinhso.payments.providers.vnpay.config import vnpay_config
from tinhso.payments.sandbox import store
from tinhso.payments.sandbox.store import SandboxTransaction

REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CreateDate",
    "vnp_CurrCode",
    "vnp_IpAddr",
    "vnp_Locale",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_ReturnUrl",
    "vnp_TxnRef",
    "vnp_ExpireDate",
    "vnp_SecureHash",
)
# Buttons of the sandbox page: (vnp_ResponseCode, vnp_TransactionStatus).
OUTCOMES: dict[str, tuple[str, str]] = {
    "pay": ("00", "00"),
    "cancel": ("24", "02"),
    "insufficient": ("51", "02"),
}
# The contradictory notice sent after a success when TINHSO_VNPAY_SANDBOX_IPN_LATE_FAILURE is on.
LATE_FAILURE = ("99", "02")


class SandboxError(Exception):
    """The gateway refuses the request; ``message`` is shown to the payer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PayRequest:
    params: dict[str, str]
    tmn_code: str
    txn_ref: str
    amount: int  # đồng
    order_info: str
    return_url: str
    create_date: str
    expire_date: datetime
    locale: str
    bank_code: str


def merchant() -> tuple[str, str]:
    """The one merchant the sandbox knows: (TmnCode, HashSecret) from the VNPay settings."""
    config = vnpay_config()
    return config.tmn_code, config.hash_secret


def check_pay_request(params: Mapping[str, str], now: datetime) -> PayRequest:
    """Validate a ``pay`` request as VNPay does; SandboxError says what is wrong."""
    tmn_code, secret = merchant()
    missing = [name for name in REQUIRED if not params.get(name)]
    if missing:
        raise SandboxError(_("Thiếu tham số: %(names)s.") % {"names": ", ".join(missing)})
    if params.get("vnp_SecureHashType"):
        raise SandboxError(_("Phiên bản 2.1.0 không gửi vnp_SecureHashType."))
    if params["vnp_TmnCode"] != tmn_code:
        raise SandboxError(_("Website chưa được đăng ký (vnp_TmnCode không tồn tại)."))
    if not protocol.verify(params, secret):
        raise SandboxError(_("Sai chữ ký (vnp_SecureHash)."))
    if params["vnp_Version"] != protocol.VERSION or params["vnp_Command"] != "pay":
        raise SandboxError(_("Phiên bản hoặc lệnh không được hỗ trợ."))
    amount = protocol.from_vnp_amount(params["vnp_Amount"])
    if not amount or len(params["vnp_Amount"]) > 12:
        raise SandboxError(_("Số tiền không hợp lệ."))
    if params["vnp_CurrCode"] != "VND" or params["vnp_Locale"] not in ("vn", "en"):
        raise SandboxError(_("Loại tiền hoặc ngôn ngữ không hợp lệ."))
    if not params["vnp_OrderInfo"].isascii() or len(params["vnp_OrderInfo"]) > 255:
        raise SandboxError(_("Nội dung thanh toán phải là tiếng Việt không dấu, tối đa 255 ký tự."))
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", params["vnp_TxnRef"]):
        raise SandboxError(_("Mã giao dịch (vnp_TxnRef) không hợp lệ."))
    if not re.fullmatch(r"https?://\S{3,247}", params["vnp_ReturnUrl"]):
        raise SandboxError(_("Địa chỉ trả về (vnp_ReturnUrl) không hợp lệ."))
    try:
        protocol.parse_date(params["vnp_CreateDate"])
        expires = protocol.parse_date(params["vnp_ExpireDate"])
    except ValueError:
        raise SandboxError(_("Thời gian tạo hoặc hết hạn không đúng định dạng.")) from None
    if expires <= now:
        raise SandboxError(_("Giao dịch đã quá thời gian chờ thanh toán."))
    return PayRequest(
        params=dict(params),
        tmn_code=params["vnp_TmnCode"],
        txn_ref=params["vnp_TxnRef"],
        amount=amount,
        order_info=params["vnp_OrderInfo"],
        return_url=params["vnp_ReturnUrl"],
        create_date=params["vnp_CreateDate"],
        expire_date=expires,
        locale=params["vnp_Locale"],
        bank_code=params.get("vnp_BankCode") or "NCB",
    )


def settle(request: PayRequest, outcome: str, now: datetime) -> SandboxTransaction:
    """Record the payer's choice; a TxnRef is settled once (SandboxError afterwards)."""
    response_code, status = OUTCOMES[outcome]
    txn = SandboxTransaction(
        tmn_code=request.tmn_code,
        txn_ref=request.txn_ref,
        transaction_no=store.next_transaction_no(),
        amount=request.amount,
        order_info=request.order_info,
        return_url=request.return_url,
        create_date=request.create_date,
        pay_date=protocol.format_date(now),
        response_code=response_code,
        transaction_status=status,
        bank_code=request.bank_code,
        card_type="ATM" if request.bank_code != "VNPAYQR" else "QRCODE",
        locale=request.locale,
    )
    try:
        store.create(txn)
    except store.AlreadyExists:
        raise SandboxError(_("Giao dịch này đã được xử lý.")) from None
    return txn


def result_params(txn: SandboxTransaction, codes: tuple[str, str] | None = None) -> dict[str, str]:
    """The signed parameters sent to the Return URL and the IPN URL."""
    response_code, status = codes or (txn.response_code, txn.transaction_status)
    params = {
        "vnp_Amount": protocol.to_vnp_amount(txn.amount),
        "vnp_BankCode": txn.bank_code,
        "vnp_BankTranNo": f"VNP{txn.transaction_no}" if response_code == "00" else "",
        "vnp_CardType": txn.card_type,
        "vnp_OrderInfo": txn.order_info,
        "vnp_PayDate": txn.pay_date,
        "vnp_ResponseCode": response_code,
        "vnp_TmnCode": txn.tmn_code,
        "vnp_TransactionNo": txn.transaction_no if response_code == "00" else "0",
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": txn.txn_ref,
    }
    return protocol.signed(params, merchant()[1])


def return_url(txn: SandboxTransaction) -> str:
    return protocol.append_query(txn.return_url, protocol.query_string(result_params(txn)))


# --- querydr and refund ----------------------------------------------------------------------


def _answer(command: str, code: str, fields: Mapping[str, Any]) -> dict[str, str]:
    body = {
        "vnp_ResponseId": uuid.uuid4().hex,
        "vnp_Command": command,
        "vnp_ResponseCode": code,
        "vnp_Message": str(
            protocol.API_RESPONSE_CODES.get(code, protocol.API_RESPONSE_CODES["99"])
        ),
        "vnp_TmnCode": merchant()[0],
    } | dict(fields)
    if command not in protocol.RESPONSE_FIELDS:  # unknown command: nothing to sign against
        return {key: str(value) for key, value in body.items()}
    return protocol.sign_response(command, body, merchant()[1])


def _txn_fields(txn: SandboxTransaction) -> dict[str, str]:
    return {
        "vnp_TxnRef": txn.txn_ref,
        "vnp_Amount": protocol.to_vnp_amount(txn.amount),
        "vnp_BankCode": txn.bank_code,
        "vnp_PayDate": txn.pay_date,
        "vnp_TransactionNo": txn.transaction_no,
        "vnp_TransactionType": protocol.TRANSACTION_PAYMENT,
        "vnp_TransactionStatus": txn.transaction_status,
        "vnp_OrderInfo": txn.order_info,
    }


def handle_api(body: Any, now: datetime) -> dict[str, str]:
    """Answer a ``querydr`` or ``refund`` call with VNPay's response codes and a signed body."""
    if not isinstance(body, dict):
        return _answer("", "03", {})
    command = str(body.get("vnp_Command", ""))
    if command not in protocol.REQUEST_FIELDS:
        return _answer(command, "03", {})
    tmn_code, secret = merchant()
    if str(body.get("vnp_TmnCode", "")) != tmn_code:
        return _answer(command, "02", {})
    if not protocol.verify_pipe(body, protocol.REQUEST_FIELDS[command], secret):
        return _answer(command, "97", {})
    request_id = str(body.get("vnp_RequestId", ""))
    if body.get("vnp_Version") != protocol.VERSION or not re.fullmatch(
        r"[A-Za-z0-9]{1,32}", request_id
    ):
        return _answer(command, "03", {})
    if not store.claim_request_id(tmn_code, request_id):
        return _answer(command, "94", {})
    txn = store.load(tmn_code, str(body.get("vnp_TxnRef", "")))
    if txn is None or txn.create_date != body.get("vnp_TransactionDate"):
        return _answer(command, "91", {})
    if command == "querydr":
        return _answer(
            command, "00", _txn_fields(txn) | {"vnp_PromotionCode": "", "vnp_PromotionAmount": ""}
        )
    return _refund(body, txn, now)


def _refund(body: Mapping[str, Any], txn: SandboxTransaction, now: datetime) -> dict[str, str]:
    kind = str(body.get("vnp_TransactionType", ""))
    amount = protocol.from_vnp_amount(str(body.get("vnp_Amount", "")))
    if kind not in (protocol.REFUND_FULL, protocol.REFUND_PARTIAL) or not amount:
        return _answer("refund", "03", {})
    if not txn.paid:
        return _answer("refund", "95", {})
    number = str(body.get("vnp_TransactionNo") or "0")
    if number not in ("0", txn.transaction_no):
        return _answer("refund", "91", {})
    with store.update(txn.tmn_code, txn.txn_ref) as locked:
        remaining = locked.amount - locked.refunded_amount
        if amount > remaining or (kind == protocol.REFUND_FULL and amount != locked.amount):
            return _answer("refund", "99", {})
        refund_no = store.next_transaction_no()
        locked.refunded_amount += amount
        locked.refunds.append(
            {
                "transaction_no": refund_no,
                "request_id": body.get("vnp_RequestId"),
                "amount": amount,
                "type": kind,
                "by": body.get("vnp_CreateBy"),
                "at": protocol.format_date(now),
            }
        )
    return _answer(
        "refund",
        "00",
        _txn_fields(txn)
        | {
            "vnp_Amount": str(body.get("vnp_Amount")),
            "vnp_PayDate": protocol.format_date(now),
            "vnp_TransactionNo": refund_no,
            "vnp_TransactionType": kind,
            "vnp_TransactionStatus": "05",
        },
    )
