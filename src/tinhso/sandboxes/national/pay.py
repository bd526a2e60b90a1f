"""The national payment platform's side of the sandbox (PayGov v1.0.6, spec §5.2, §11): protocol
checks (S-7) and the transactions' state, kept in ``pay.json`` under the sandbox directory (so
``POST reset`` clears it). Like the rest of the sandbox it imports nothing of Tỉnh Số: the
``MaXacThuc`` recipe is written again here, so a mistake on our side is not mirrored.

Transactions are keyed by (``MaThamChieu``, ``ThoiGianGD``): a QUERY or GET_BILL whose
``ThoiGianGD`` is not the INIT's exact string finds nothing (the 12-hour-clock bug, R-NAT-062).
"""

import datetime
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone

from tinhso.sandboxes.national import faults, store

SERVICE = "pay"
STATE = "pay"
VERSION = "1.0.6"
INIT_FIELDS = [
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
]
CALLBACK_FIELDS = [
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
]
QUERY_FIELDS = ["LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD"]
REFERENCE = re.compile(r"^[A-Za-z0-9]{1,255}$")
TIME = re.compile(r"^\d{14}$")
CLOCK_SKEW = datetime.timedelta(minutes=5)  # S-7
# An attempt nobody finished on the checkout page for this long is reported failed (4).
CHECKOUT_MINUTES = 60
# OUT_OF_ORDER: how long the callbacks wait, so that a QUERY made meanwhile answers first.
OUT_OF_ORDER_DELAY = 1.5

INITIATED, PAID, FAILED, PENDING = "initiated", "paid", "failed", "pending"


class Refused(Exception):
    """A request the platform refuses (answered ``{"error_code": "-1", "message": …}``)."""


def partner_code() -> str:
    return str(settings.TINHSO_PAYGOV_SANDBOX_PARTNER_CODE or settings.TINHSO_PAYGOV_PARTNER_CODE)


def secret() -> str:
    return str(settings.TINHSO_PAYGOV_SANDBOX_SECRET or settings.TINHSO_PAYGOV_SECRET)


def sign(message: Mapping[str, Any], names: Sequence[str], key: str) -> str:
    text = "|".join([*(str(message.get(n, "")) for n in names), key])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_signature(message: Mapping[str, Any], names: Sequence[str]) -> None:
    if not hmac.compare_digest(str(message.get("MaXacThuc", "")), sign(message, names, secret())):
        raise Refused("Sai MaXacThuc")


def _check_partner(message: Mapping[str, Any], kind: str) -> None:
    if message.get("LoaiBanTin") != kind:
        raise Refused(f"LoaiBanTin phai la {kind}")
    if message.get("PhienBan") != VERSION:
        raise Refused(f"PhienBan phai la {VERSION}")
    if message.get("MaDoiTac") != partner_code():
        raise Refused("MaDoiTac khong hop le")


def _key(reference: str, moment: str) -> str:
    return f"{reference}|{moment}"


def _empty() -> dict[str, Any]:
    return {"txns": {}, "refs": {}}


def _local(text: str) -> datetime.datetime:
    naive = datetime.datetime.strptime(text, "%Y%m%d%H%M%S")  # noqa: DTZ007 (local time, made aware below)
    return timezone.make_aware(naive, timezone.get_default_timezone())


def init(message: Any, checkout_base: str) -> dict[str, Any]:
    """INIT: S-7 checks, then a new transaction; returns the inner answer (with ``UrlThanhToan``)."""
    if not isinstance(message, dict):
        raise Refused("Du lieu khong phai JSON")
    _check_partner(message, "INIT")
    _check_signature(message, INIT_FIELDS)
    reference, moment = str(message.get("MaThamChieu", "")), str(message.get("ThoiGianGD", ""))
    if not REFERENCE.fullmatch(reference):
        raise Refused("MaThamChieu khong hop le")
    if not TIME.fullmatch(moment):
        raise Refused("ThoiGianGD khong hop le")
    try:
        sent = _local(moment)
    except ValueError:
        raise Refused("ThoiGianGD khong hop le") from None
    if abs(sent - timezone.now()) > CLOCK_SKEW:
        raise Refused("ThoiGianGD lech qua 5 phut")
    amount = str(message.get("SoTien", ""))
    if not amount.isdigit() or int(amount) <= 0:
        raise Refused("SoTien khong hop le")
    with store.document(STATE, _empty()) as state:
        if reference in state["refs"]:
            raise Refused("MaThamChieu da ton tai")  # R-NAT-060: never re-INITed
        state["refs"][reference] = moment
        state["txns"][_key(reference, moment)] = {
            "init": {k: v for k, v in message.items() if k != "MaXacThuc"},
            "status": INITIATED,
            "created": time.time(),
            "settled": None,
            "MaGiaoDich": "",
            "deliveries": [],
        }
    echo = {k: message.get(k, "") for k in ("MaDoiTac", "MaThamChieu", "SoTien", "ThoiGianGD")}
    return echo | {"UrlThanhToan": f"{checkout_base.rstrip('/')}/{reference}"}


def find(reference: str) -> tuple[str, dict[str, Any]] | None:
    """The transaction of ``reference`` (the checkout page knows only the reference)."""
    state = store.read(STATE, _empty())
    moment = state["refs"].get(reference)
    if moment is None:
        return None
    return moment, state["txns"][_key(reference, moment)]


def _lookup(message: Any, kind: str) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise Refused("Du lieu khong phai JSON")
    _check_partner(message, kind)
    _check_signature(message, QUERY_FIELDS)
    state = store.read(STATE, _empty())
    txn = state["txns"].get(
        _key(str(message.get("MaThamChieu", "")), str(message.get("ThoiGianGD", "")))
    )
    if txn is None:
        raise Refused("Khong tim thay giao dich")
    return dict(txn)


def trang_thai(txn: Mapping[str, Any], now: float | None = None) -> str:
    """``TrangThaiGD``: 1 paid (after ``PAY_PENDING_FOR`` minutes of 3), 3 pending, 4 failed."""
    moment = time.time() if now is None else now
    if txn["status"] == PAID:
        held = int(txn.get("pending_for") or 0) * 60
        return "3" if moment < float(txn["settled"]) + held else "1"
    if txn["status"] == FAILED:
        return "4"
    if txn["status"] == INITIATED and moment > float(txn["created"]) + CHECKOUT_MINUTES * 60:
        return "4"
    return "3"


def notice(
    txn: Mapping[str, Any], paid: bool, kind: str = "CONFIRM", bad_signature: bool = False
) -> dict[str, str]:
    """A signed message with the callback fields (the confirm callback, the QUERY answer)."""
    sent = txn["init"]
    message = {
        "LoaiBanTin": kind,
        "MaLoi": "00" if paid else "99",
        "MaDoiTac": str(sent.get("MaDoiTac", "")),
        "MaThamChieu": str(sent.get("MaThamChieu", "")),
        "SoTien": str(sent.get("SoTien", "")),
        "MaTienTe": str(sent.get("MaTienTe", "VND")),
        "MaGiaoDich": str(txn.get("MaGiaoDich", "")),
        "MaNganHang": "NCB",
        "ThoiGianGD": str(sent.get("ThoiGianGD", "")),
        "ThongTinGiaoDich": str(sent.get("ThongTinGiaoDich", "")),
    }
    message["MaXacThuc"] = sign(
        message, CALLBACK_FIELDS, "not-the-secret" if bad_signature else secret()
    )
    return message


def query(message: Any) -> dict[str, Any]:
    txn = _lookup(message, "QUERY")
    state = trang_thai(txn)
    answer: dict[str, Any] = notice(txn, state == "1", "QUERY")
    if state == "3":
        answer["MaLoi"] = "03"
        answer["MaXacThuc"] = sign(answer, CALLBACK_FIELDS, secret())
    return answer | {"TrangThaiGD": state}


def bill(message: Any) -> bytes:
    """GET_BILL: the receipt PDF of a paid transaction."""
    txn = _lookup(message, "GET_BILL")
    if trang_thai(txn) != "1":
        raise Refused("Giao dich chua thanh toan")
    sent = txn["init"]
    return receipt_pdf(
        [
            "BIEN LAI THU PHI, LE PHI (THU NGHIEM)",
            f"Ma tham chieu: {sent.get('MaThamChieu', '')}",
            f"Ma giao dich: {txn.get('MaGiaoDich', '')}",
            f"So tien: {sent.get('SoTien', '')} VND",
            f"Noi dung: {sent.get('ThongTinGiaoDich', '')}",
        ]
    )


def receipt_pdf(lines: Sequence[str]) -> bytes:
    """A one-page PDF with ``lines`` in Helvetica (ASCII): the platform's receipt, small."""

    def escape(text: str) -> str:
        safe = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
        return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 50 780 Td 16 TL " + " ".join(f"({escape(t)}) '" for t in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode(
            "ascii"
        )
    )
    return out


def complete(reference: str, result: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """What the checkout page's buttons do: ``pay`` / ``fail`` settle the transaction, ``pending``
    leaves it pending. Returns (the transaction, the confirm callbacks to send, in order).

    Knobs: ``PAY_PENDING_FOR`` (minutes) — the callback is dropped and QUERY answers 3 for that
    long; ``CALLBACK_LATE_FAILURE`` — a contradicting failure notice after the success;
    ``CALLBACK_BAD_SIGNATURE`` — the callbacks carry a wrong ``MaXacThuc``; ``OUT_OF_ORDER`` —
    the callbacks go in reverse order (and late, see ``OUT_OF_ORDER_DELAY``).
    """
    if result not in ("pay", "fail", "pending"):
        raise Refused("result phai la pay, fail hoac pending")
    found = find(reference)
    if found is None:
        raise Refused("Khong tim thay giao dich")
    moment, _txn = found
    with store.document(STATE, _empty()) as state:
        txn = state["txns"][_key(reference, moment)]
        if txn["status"] in (PAID, FAILED):
            raise Refused("Giao dich da ket thuc")
        if result == "pending":
            txn["status"] = PENDING
            return dict(txn), []
        paid = result == "pay"
        txn["status"] = PAID if paid else FAILED
        txn["settled"] = time.time()
        txn["MaGiaoDich"] = "PG" + secrets.token_hex(6).upper()
        pending_for = int(faults.value("PAY_PENDING_FOR", SERVICE)) if paid else 0
        txn["pending_for"] = pending_for
        snapshot = json.loads(json.dumps(txn))
    if pending_for:
        return snapshot, []  # the callback is lost; only QUERY will tell
    bad = bool(faults.value("CALLBACK_BAD_SIGNATURE", SERVICE))
    calls = [notice(snapshot, paid, bad_signature=bad)]
    if paid and faults.value("CALLBACK_LATE_FAILURE", SERVICE):
        calls.append(notice(snapshot, False, bad_signature=bad))
    if faults.value("OUT_OF_ORDER", SERVICE):
        calls.reverse()
    return snapshot, calls


def record_delivery(reference: str, message: Mapping[str, str], answer: Mapping[str, Any]) -> None:
    found = find(reference)
    if found is None:
        return
    with store.document(STATE, _empty()) as state:
        txn = state["txns"][_key(reference, found[0])]
        txn["deliveries"].append({"MaLoi": message.get("MaLoi", ""), "answer": dict(answer)})


def deliveries(reference: str) -> list[dict[str, Any]]:
    found = find(reference)
    return list(found[1]["deliveries"]) if found else []
