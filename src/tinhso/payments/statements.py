"""Incoming bank transfers: statement import (CSV, XLSX), the bank webhook, matching, resolutions.

A transfer to the collecting account is recorded once per (bank, bank reference), whether it
arrives from a statement, from the webhook or from both. A new transfer is matched at once:
when its description contains the reference of a pending payment of a provider settled by bank
credit (``PaymentProvider.settles_by_bank_credit``: VietQR) (after normalising:
banks drop punctuation and spaces and change case) and the amount is equal, the payment is
confirmed with ``services.confirm_payment``. Everything else waits in the accountant's queue
(status unmatched or mismatch) until an official matches it by hand, or marks it refunded or
ignored. Nothing is ever applied twice: the bank reference is unique and a payment is confirmed
once. See docs/payments-vietqr.md for the statement column mapping and the webhook contract.
Who may see and resolve transfers: ``tinhso.payments.selectors``.
"""

import csv
import datetime
import hashlib
import hmac
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.documents.formatting import VN_TZ, dong
from tinhso.dossiers.models import Dossier
from tinhso.payments import services
from tinhso.payments.collecting import collecting_account, collecting_agency
from tinhso.payments.models import (
    OPEN_TRANSFER_STATUSES,
    BankStatement,
    IncomingTransfer,
    Payment,
    PaymentStatus,
    TransferProblem,
    TransferSource,
    TransferStatus,
)
from tinhso.payments.providers import bank_credit_providers
from tinhso.text import fold
from tinhso.uploads import UploadRejected, check_zip

MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 30  # bank exports put account details above the header row

# A payment reference inside a normalised description (overlapping matches are all found).
REFERENCE_IN_TEXT = re.compile(rf"(?=(TS[{services.REFERENCE_ALPHABET}]{{8}}))")


def normalise_description(text: str) -> str:
    """What is left of a transfer note once banks have had it: A-Z and 0-9 only."""
    return re.sub(r"[^0-9A-Z]", "", fold(text).upper())


def references_in(text: str) -> list[str]:
    """Candidate payment references found in a transfer description, in order, without repeats."""
    found = REFERENCE_IN_TEXT.findall(normalise_description(text))
    return list(dict.fromkeys(found))


# --- recording and matching --------------------------------------------------------------------


@dataclass(frozen=True)
class TransferData:
    """One credit as the bank reports it."""

    amount: int
    description: str
    bank_reference: str
    received_at: datetime.datetime


def receive_transfer(
    *, data: TransferData, source: str, statement: BankStatement | None = None
) -> tuple[IncomingTransfer, bool]:
    """Record a credit to the collecting account and match it. Returns (transfer, created).

    Idempotent on (bank, bank reference): a transfer already recorded is returned unchanged,
    so a statement row and a webhook call for the same credit are applied once.
    """
    target = collecting_account()
    with transaction.atomic():
        existing = IncomingTransfer.objects.filter(
            bank=target.bank_bin, bank_reference=data.bank_reference
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                transfer = IncomingTransfer.objects.create(
                    bank=target.bank_bin,
                    account=target.account,
                    amount=data.amount,
                    description=data.description,
                    bank_reference=data.bank_reference,
                    received_at=data.received_at,
                    source=source,
                    statement=statement,
                    status=TransferStatus.UNMATCHED,
                    agency=collecting_agency(),
                )
        except IntegrityError:
            # Lost a race with another import of the same credit.
            return IncomingTransfer.objects.get(
                bank=target.bank_bin, bank_reference=data.bank_reference
            ), False
        _match(transfer)
    return transfer, True


def _match(transfer: IncomingTransfer) -> None:
    """Confirm the pending bank-transfer payment the transfer names, or say why not."""
    references = references_in(transfer.description)
    payments = list(Payment.objects.filter(reference__in=references))
    if len(payments) != 1:
        problem = (
            TransferProblem.NO_REFERENCE
            if not references
            else TransferProblem.UNKNOWN_REFERENCE
            if not payments
            else TransferProblem.SEVERAL_REFERENCES
        )
        _set(transfer, TransferStatus.UNMATCHED, problem)
        return
    payment = payments[0]
    transfer.payment = payment
    if payment.provider not in bank_credit_providers():
        _set(transfer, TransferStatus.UNMATCHED, TransferProblem.WRONG_METHOD)
        return
    if payment.amount != transfer.amount:
        _set(transfer, TransferStatus.MISMATCH, TransferProblem.AMOUNT)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        services.log_event(
            locked,
            "transfer_amount_mismatch",
            {
                "transfer_id": transfer.pk,
                "expected": payment.amount,
                "received": transfer.amount,
                "source": transfer.source,
            },
        )
        return
    if payment.status == PaymentStatus.EXPIRED or (
        payment.status == PaymentStatus.PENDING
        and payment.expires_at is not None
        and transfer.received_at >= payment.expires_at
    ):
        # The reference was closed (or past its time, the sweep not yet run): the money is kept
        # for the officials, who match it to what the dossier still owes (match_to_dossier) or
        # send it back; it is never applied on its own, so a fee paid meanwhile is not paid twice.
        _set(transfer, TransferStatus.UNMATCHED, TransferProblem.EXPIRED)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        services.log_event(
            locked,
            "transfer_after_expiry",
            {
                "transfer_id": transfer.pk,
                "received_at": transfer.received_at.isoformat(),
                "source": transfer.source,
            },
        )
        return
    if payment.status != PaymentStatus.PENDING:
        problem = (
            TransferProblem.NOT_PAYABLE
            if payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED)
            else TransferProblem.ALREADY_PAID
        )
        _set(transfer, TransferStatus.UNMATCHED, problem)
        return
    try:
        _confirmed, applied = services.confirm_payment(
            reference=payment.reference,
            amount=transfer.amount,
            provider_txn=transfer.bank_reference,
            source=transfer.source,
            data={"transfer_id": transfer.pk, "bank_reference": transfer.bank_reference},
        )
    except services.PaymentError:
        applied = False
    if applied:
        _set(transfer, TransferStatus.MATCHED, "")
    else:
        _set(transfer, TransferStatus.UNMATCHED, TransferProblem.ALREADY_PAID)


def _set(transfer: IncomingTransfer, status: str, problem: str) -> None:
    transfer.status, transfer.problem = status, problem
    transfer.save(update_fields=["status", "problem", "payment"])


# --- the accountant's resolutions --------------------------------------------------------------


def _open_transfer(transfer_id: int) -> IncomingTransfer:
    transfer = IncomingTransfer.objects.select_for_update().get(pk=transfer_id)
    if transfer.status not in OPEN_TRANSFER_STATUSES:
        raise services.PaymentError(_("Giao dịch này đã được xử lý."), "transfer")
    return transfer


def _confirm_by_hand(transfer: IncomingTransfer, payment: Payment, actor: User, note: str) -> None:
    if payment.provider not in bank_credit_providers():
        raise services.PaymentError(
            _("Chỉ khớp được với khoản thanh toán bằng chuyển khoản ngân hàng."), "target"
        )
    if payment.amount != transfer.amount:
        raise services.PaymentError(
            _("Số tiền chuyển khoản (%(received)s) khác số phải nộp (%(due)s).")
            % {"received": dong(transfer.amount), "due": dong(payment.amount)},
            "target",
        )
    _paid, applied = services.confirm_payment(
        reference=payment.reference,
        amount=transfer.amount,
        provider_txn=transfer.bank_reference,
        source="manual",
        data={"transfer_id": transfer.pk, "bank_reference": transfer.bank_reference},
        actor=actor,
    )
    if not applied:
        raise services.PaymentError(
            _("Khoản thanh toán hoặc hồ sơ này đã được thanh toán, không khớp được."), "target"
        )
    transfer.payment = payment
    _resolve(transfer, TransferStatus.MATCHED, actor, note)


def match_to_payment(
    *, transfer_id: int, payment: Payment, actor: User, note: str = ""
) -> IncomingTransfer:
    """Match an open transfer to a pending bank-transfer payment of the same amount and confirm it."""
    with transaction.atomic():
        transfer = _open_transfer(transfer_id)
        if payment.status != PaymentStatus.PENDING:
            raise services.PaymentError(
                _("Khoản thanh toán này không còn chờ thanh toán."), "target"
            )
        _confirm_by_hand(transfer, payment, actor, note)
    return transfer


def match_to_dossier(
    *, transfer_id: int, dossier: Dossier, actor: User, note: str = ""
) -> IncomingTransfer:
    """Match an open transfer to what a dossier owes: its pending bank-transfer payment of that
    amount, or a new one opened for the amount due (with the first provider settled by bank
    credit: VietQR), then confirm it."""
    methods = bank_credit_providers()
    if not methods:
        raise services.PaymentError(_("Không có hình thức chuyển khoản nào được bật."), "target")
    with transaction.atomic():
        transfer = _open_transfer(transfer_id)
        payment = (
            dossier.payments.filter(
                provider__in=methods, status=PaymentStatus.PENDING, amount=transfer.amount
            )
            .order_by("-created_at")
            .first()
        )
        if payment is None:
            payment, _started = services.start_payment(
                user=actor, dossier=dossier, provider_id=methods[0]
            )
        _confirm_by_hand(transfer, payment, actor, note)
    return transfer


def close_transfer(*, transfer_id: int, status: str, actor: User, note: str) -> IncomingTransfer:
    """Take an open transfer out of the queue: paid back to the sender, or not a fee at all."""
    if status not in (TransferStatus.REFUNDED, TransferStatus.IGNORED):
        raise services.PaymentError(_("Thao tác không hợp lệ."), "action", 400)
    if not note.strip():
        raise services.PaymentError(_("Vui lòng ghi rõ lý do."), "note", 400)
    with transaction.atomic():
        transfer = _open_transfer(transfer_id)
        _resolve(transfer, status, actor, note)
    return transfer


def _resolve(transfer: IncomingTransfer, status: str, actor: User, note: str) -> None:
    transfer.status = status
    transfer.resolved_by = actor
    transfer.resolved_at = timezone.now()
    transfer.note = note.strip()[:500]
    transfer.save(update_fields=["status", "payment", "resolved_by", "resolved_at", "note"])


# --- statement files ---------------------------------------------------------------------------

# Folded header text -> field. Headers are folded (no diacritics, lower case), text in brackets
# is dropped and punctuation becomes spaces: "Số tiền (VND)" -> "so tien".
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "date": (
        "ngay giao dich",
        "ngay gd",
        "ngay",
        "ngay gio",
        "thoi gian",
        "thoi gian giao dich",
        "ngay hach toan",
        "date",
        "transaction date",
        "posting date",
    ),
    "amount": (
        "so tien",
        "so tien ghi co",
        "ghi co",
        "so tien co",
        "phat sinh co",
        "amount",
        "credit",
        "credit amount",
    ),
    "description": (
        "noi dung",
        "noi dung chuyen khoan",
        "noi dung giao dich",
        "dien giai",
        "mo ta",
        "description",
        "details",
        "remarks",
    ),
    "reference": (
        "ma giao dich",
        "ma gd",
        "so tham chieu",
        "ma tham chieu",
        "so but toan",
        "so giao dich",
        "reference",
        "transaction id",
        "ref",
    ),
}


def _column_labels() -> dict[str, str]:
    return {
        "date": _("Ngày giao dịch"),
        "amount": _("Số tiền"),
        "description": _("Nội dung"),
        "reference": _("Mã giao dịch"),
    }


@dataclass(frozen=True)
class RowError:
    """A problem in the file: ``row`` is the spreadsheet row number (None: the whole file)."""

    row: int | None
    message: str


@dataclass
class ParsedStatement:
    rows: list[tuple[int, TransferData]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # debits and zero amounts: not credits to match


@dataclass
class ImportResult:
    statement: BankStatement | None
    errors: list[RowError]
    created: list[IncomingTransfer] = field(default_factory=list)
    duplicates: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, status: str) -> int:
        return sum(1 for t in self.created if t.status == status)


def _header_key(value: object) -> str:
    text = re.sub(r"\(.*?\)", " ", fold(str(value or "")))
    return " ".join(re.sub(r"[^0-9a-z]", " ", text).split())


def _find_header(rows: list[tuple[object, ...]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_header_key(cell) for cell in row]
        columns: dict[str, int] = {}
        for name, aliases in COLUMN_ALIASES.items():
            positions = [i for i, key in enumerate(keys) if key in aliases]
            if len(positions) == 1:
                columns[name] = positions[0]
        if len(columns) == len(COLUMN_ALIASES):
            return index, columns
    return None


def parse_amount(value: object) -> int:
    """Whole đồng from a cell: 100000, 100000.0, "100.000", "100,000", "100.000 đ", "-50.000".

    Groups of three after a dot or comma are thousands (Vietnamese and English styles); one or
    two digits after the last separator are decimals, which must be zero. Raises ValueError.
    """
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        exact = Decimal(str(value))
        if exact != exact.to_integral_value():
            raise ValueError
        return int(exact)
    text = re.sub(r"(?i)\s|vn[dđ]|đ$|\u00a0", "", str(value or ""))
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("+-()")
    if re.fullmatch(r"\d+", text):
        whole = text
    elif match := re.fullmatch(r"(\d{1,3}([.,])\d{3}(?:\2\d{3})*)(?:(?!\2)[.,](\d{1,2}))?", text):
        whole = re.sub(r"[.,]", "", match.group(1))
        if match.group(3) and int(match.group(3)):
            raise ValueError
    elif match := re.fullmatch(r"(\d+)[.,](\d{1,2})", text):
        whole = match.group(1)
        if int(match.group(2)):
            raise ValueError
    else:
        raise ValueError
    number = int(whole)
    return -number if negative else number


DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


def parse_when(value: object) -> datetime.datetime:
    """An aware moment from a cell; times without a zone are Asia/Ho_Chi_Minh. Raises ValueError."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=VN_TZ)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time(), tzinfo=VN_TZ)
    text = " ".join(str(value or "").split())
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=VN_TZ)
        except ValueError:
            continue
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VN_TZ)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value if value is not None else "").split())


def _read_rows(filename: str, content: bytes) -> list[tuple[object, ...]]:
    """The cells of a CSV or XLSX file. Raises ValueError with a Vietnamese message."""
    is_xlsx = content[:4] == b"PK\x03\x04"
    if filename.lower().endswith(".xls") and not is_xlsx:
        raise ValueError(_("Tệp Excel cũ (.xls) không được hỗ trợ; hãy lưu lại dưới dạng .xlsx."))
    if is_xlsx:
        from openpyxl import load_workbook

        try:
            check_zip(content)  # a decompression bomb is refused before openpyxl opens it
        except UploadRejected as exc:
            raise ValueError(exc.message) from None
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise ValueError(_("Không đọc được tệp Excel (.xlsx).")) from None
        try:
            sheet = book.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(tuple(row))
                if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                    break
            return rows
        finally:
            book.close()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("Tệp CSV phải dùng bảng mã UTF-8.")) from None
    if "\x00" in text:
        raise ValueError(_("Tệp không phải CSV hoặc Excel (.xlsx)."))
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [tuple(row) for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error:
        raise ValueError(_("Tệp CSV không đúng định dạng.")) from None


def parse_statement(filename: str, content: bytes) -> ParsedStatement:
    """Read a statement file into credits, collecting every row error (row number + message)."""
    result = ParsedStatement()
    if len(content) > settings.TINHSO_UPLOAD_MAX_BYTES:
        result.errors.append(RowError(None, _("Tệp quá lớn.")))
        return result
    try:
        rows = _read_rows(filename, content)
    except ValueError as exc:
        result.errors.append(RowError(None, str(exc)))
        return result
    header = _find_header(rows)
    if header is None:
        labels = ", ".join(_column_labels().values())
        result.errors.append(
            RowError(
                None,
                _("Không tìm thấy dòng tiêu đề có đủ các cột: %(columns)s.") % {"columns": labels},
            )
        )
        return result
    header_index, columns = header
    data_rows = rows[header_index + 1 :]
    if len(data_rows) > MAX_ROWS:
        result.errors.append(
            RowError(None, _("Tệp có quá %(max)s dòng; hãy chia nhỏ.") % {"max": MAX_ROWS})
        )
        return result
    latest = timezone.now() + datetime.timedelta(days=1)
    for offset, row in enumerate(data_rows):
        number = header_index + offset + 2  # 1-based, after the header
        if all(_text(cell) == "" for cell in row):
            continue
        cells = {name: row[i] if i < len(row) else None for name, i in columns.items()}
        problems: list[str] = []
        try:
            amount = parse_amount(cells["amount"])
        except ValueError:
            problems.append(_("số tiền không hợp lệ (phải là số đồng nguyên)"))
            amount = 0
        try:
            when = parse_when(cells["date"])
            if when > latest:
                problems.append(_("ngày giao dịch ở tương lai"))
        except ValueError:
            problems.append(_("ngày giao dịch không hợp lệ (dd/mm/yyyy)"))
            when = latest
        reference = _text(cells["reference"])
        if not reference:
            problems.append(_("thiếu mã giao dịch"))
        elif len(reference) > 100:
            problems.append(_("mã giao dịch dài quá 100 ký tự"))
        if problems:
            result.errors.append(
                RowError(
                    number,
                    _("Dòng %(row)s: %(problems)s.")
                    % {"row": number, "problems": "; ".join(problems)},
                )
            )
            continue
        if amount <= 0:
            result.skipped += 1
            continue
        description = _text(cells["description"])[:500]
        result.rows.append((number, TransferData(amount, description, reference, when)))
    if not result.rows and not result.errors:
        result.errors.append(RowError(None, _("Tệp không có giao dịch ghi có nào.")))
    return result


def import_statement(*, user: User, filename: str, content: bytes) -> ImportResult:
    """Import a statement of the collecting account: all of it, or nothing when any row is wrong.

    Credits already recorded (same bank reference, e.g. from the webhook or an earlier import)
    are counted as duplicates and not applied again; the same reference with another amount is
    an error.
    """
    parsed = parse_statement(filename, content)
    if parsed.errors:
        return ImportResult(None, parsed.errors)
    target = collecting_account()
    errors = _conflicts(parsed.rows, target.bank_bin)
    if errors:
        return ImportResult(None, errors)
    result = ImportResult(None, [], skipped=parsed.skipped)
    with transaction.atomic():
        statement = BankStatement.objects.create(
            bank=target.bank_bin,
            account=target.account,
            filename=filename[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            agency=collecting_agency(),
            uploaded_by=user,
            row_count=len(parsed.rows) + parsed.skipped,
        )
        for _number, data in parsed.rows:
            transfer, created = receive_transfer(
                data=data, source=TransferSource.STATEMENT, statement=statement
            )
            if created:
                result.created.append(transfer)
            else:
                result.duplicates += 1
        statement.imported_count = len(result.created)
        statement.duplicate_count = result.duplicates
        statement.save(update_fields=["imported_count", "duplicate_count"])
    result.statement = statement
    return result


def _conflicts(rows: list[tuple[int, TransferData]], bank: str) -> list[RowError]:
    """Rows whose bank reference is already known (in the file or recorded) with another amount."""
    seen: dict[str, int] = {}
    known = dict(
        IncomingTransfer.objects.filter(
            bank=bank, bank_reference__in=[data.bank_reference for _n, data in rows]
        ).values_list("bank_reference", "amount")
    )
    errors = []
    for number, data in rows:
        previous = seen.setdefault(data.bank_reference, data.amount)
        recorded = known.get(data.bank_reference, data.amount)
        if previous != data.amount or recorded != data.amount:
            errors.append(
                RowError(
                    number,
                    _("Dòng %(row)s: mã giao dịch %(ref)s đã có với số tiền khác.")
                    % {"row": number, "ref": data.bank_reference},
                )
            )
    return errors


# --- the bank webhook --------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Tinhso-Signature"
TIMESTAMP_HEADER = "X-Tinhso-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` + hex HMAC-SHA256 over ``timestamp + "." + body``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_valid(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: datetime.datetime
) -> bool:
    """Constant-time check of the signature, and the timestamp within the allowed clock skew."""
    if not secret or not timestamp.isdigit():
        return False
    skew = abs(now.timestamp() - int(timestamp))
    if skew > settings.TINHSO_BANK_WEBHOOK_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip().lower())


def transfer_from_webhook(body: object) -> TransferData:
    """Validate a webhook body (JSON object; docs/payments-vietqr.md). Raises ValueError."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    target = collecting_account()
    if body.get("bank_bin") != target.bank_bin or body.get("account") != target.account:
        raise ValueError("bank_bin/account is not the collecting account")
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount must be a positive integer (đồng)")
    reference = body.get("reference")
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 100:
        raise ValueError("reference must be a non-empty string of at most 100 characters")
    description = body.get("description", "")
    if not isinstance(description, str):
        raise ValueError("description must be a string")
    raw_when = body.get("received_at")
    if raw_when is None:
        when = timezone.now()
    else:
        moment = parse_datetime(raw_when) if isinstance(raw_when, str) else None
        if moment is None:
            raise ValueError("received_at must be an ISO 8601 date-time")
        when = moment if moment.tzinfo is not None else moment.replace(tzinfo=VN_TZ)
    return TransferData(amount, " ".join(description.split())[:500], reference.strip(), when)
