"""Daily reconciliation of fees per agency and payment method (đối soát thu phí, lệ phí).

For one day (Asia/Ho_Chi_Minh) and one agency (the dossiers it decides or receives), each
payment method gets a row: what was started (expected), what was received, refunded and is
still pending, and for bank transfers what the bank reported. Differences are flagged: payments
recorded as paid by transfer without a matching bank credit, and credits that match nothing or
carry the wrong amount. ``workbook`` exports the same report to Excel with every text cell
neutralised against formula injection.
"""

import datetime
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from tinhso.agencies.models import Agency
from tinhso.documents.formatting import VN_TZ
from tinhso.dossiers.models import Dossier
from tinhso.payments.models import (
    OPEN_TRANSFER_STATUSES,
    IncomingTransfer,
    Payment,
    PaymentEvent,
    PaymentStatus,
    TransferStatus,
)
from tinhso.payments.providers import bank_credit_providers, providers

PAID = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The day in Asia/Ho_Chi_Minh as [start, end) aware datetimes."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=VN_TZ)
    return start, start + datetime.timedelta(days=1)


@dataclass
class ProviderRow:
    provider: str
    label: str
    started_count: int = 0
    started_amount: int = 0  # expected: payments started that day
    pending_count: int = 0
    pending_amount: int = 0  # of those, still waiting for money
    paid_count: int = 0
    paid_amount: int = 0  # received that day
    refunded_amount: int = 0  # given back that day
    bank_amount: int | None = None  # bank credits matched to the payments received that day
    flags: list[str] = field(default_factory=list)

    @property
    def net_amount(self) -> int:
        return self.paid_amount - self.refunded_amount

    @property
    def difference(self) -> int | None:
        return None if self.bank_amount is None else self.paid_amount - self.bank_amount


@dataclass
class AgencyReport:
    agency: Agency
    day: datetime.date
    rows: list[ProviderRow]
    dossier_count: int = 0  # dossiers received that day with fees
    fees_due: int = 0
    fees_paid: int = 0
    open_transfers: list[IncomingTransfer] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def total(self) -> ProviderRow:
        total = ProviderRow("", _("Tổng cộng"))
        for row in self.rows:
            for name in (
                "started_count",
                "started_amount",
                "pending_count",
                "pending_amount",
                "paid_count",
                "paid_amount",
                "refunded_amount",
            ):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total

    @property
    def all_flags(self) -> list[str]:
        return [flag for row in self.rows for flag in row.flags] + self.flags


def _payments_of(agency: Agency) -> QuerySet[Payment]:
    return Payment.objects.filter(Q(dossier__agency=agency) | Q(dossier__receiving_agency=agency))


def _by_provider(payments: QuerySet[Payment]) -> dict[str, tuple[int, int]]:
    return {
        row["provider"]: (row["n"], row["total"] or 0)
        for row in payments.values("provider").annotate(n=Count("pk"), total=Sum("amount"))
    }


def agency_report(agency: Agency, day: datetime.date) -> AgencyReport:
    """The reconciliation of ``agency`` for ``day`` (see the module docstring)."""
    start, end = day_bounds(day)
    payments = _payments_of(agency)
    started_qs = payments.filter(created_at__gte=start, created_at__lt=end)
    started = _by_provider(started_qs)
    pending = _by_provider(started_qs.filter(status=PaymentStatus.PENDING))
    paid_qs = payments.filter(status__in=PAID, paid_at__gte=start, paid_at__lt=end)
    paid = _by_provider(paid_qs)
    refunded: dict[str, int] = defaultdict(int)
    for provider, data in PaymentEvent.objects.filter(
        kind="refunded", at__gte=start, at__lt=end, payment__in=payments
    ).values_list("payment__provider", "data"):
        refunded[provider] += int(data.get("amount", 0))
    names = list(providers())
    for provider in [*started, *paid, *refunded]:
        if provider not in names:
            names.append(provider)
    labels = {pid: str(p.label) for pid, p in providers().items()}
    bank_methods = bank_credit_providers()  # their money is checked against bank credits
    rows = []
    for provider in names:
        row = ProviderRow(provider, labels.get(provider, provider))
        row.started_count, row.started_amount = started.get(provider, (0, 0))
        row.pending_count, row.pending_amount = pending.get(provider, (0, 0))
        row.paid_count, row.paid_amount = paid.get(provider, (0, 0))
        row.refunded_amount = refunded.get(provider, 0)
        if provider in bank_methods:
            _check_bank(row, paid_qs.filter(provider=provider))
        rows.append(row)
    report = AgencyReport(agency=agency, day=day, rows=rows)
    fees = Dossier.objects.filter(
        Q(agency=agency) | Q(receiving_agency=agency),
        received_at__gte=start,
        received_at__lt=end,
        fee_amount__gt=0,
    ).aggregate(n=Count("pk"), due=Sum("fee_amount"), paid=Sum("paid_amount"))
    report.dossier_count, report.fees_due, report.fees_paid = (
        fees["n"],
        fees["due"] or 0,
        fees["paid"] or 0,
    )
    report.open_transfers = list(
        IncomingTransfer.objects.filter(
            Q(agency=agency)
            | Q(payment__dossier__agency=agency)
            | Q(payment__dossier__receiving_agency=agency),
            status__in=OPEN_TRANSFER_STATUSES,
            received_at__gte=start,
            received_at__lt=end,
        ).order_by("received_at", "pk")
    )
    if report.open_transfers:
        report.flags.append(
            _("%(count)s giao dịch ngân hàng chưa khớp hoặc sai số tiền, tổng %(amount)s đồng.")
            % {
                "count": len(report.open_transfers),
                "amount": f"{sum(t.amount for t in report.open_transfers):,}".replace(",", "."),
            }
        )
    return report


def _check_bank(row: ProviderRow, paid: QuerySet[Payment]) -> None:
    """Compare transfer payments received with the bank credits matched to them."""
    matched = IncomingTransfer.objects.filter(payment__in=paid, status=TransferStatus.MATCHED)
    row.bank_amount = matched.aggregate(total=Sum("amount"))["total"] or 0
    without = paid.exclude(pk__in=matched.values("payment_id")).count()
    if without:
        row.flags.append(
            _("%(count)s khoản %(method)s đã ghi nhận thu nhưng không có giao dịch ngân hàng khớp.")
            % {"count": without, "method": row.label}
        )
    elif row.difference:
        row.flags.append(
            _("Chênh lệch giữa số đã thu và số ngân hàng báo có (%(method)s).")
            % {"method": row.label}
        )


def reports(agencies: Iterable[Agency], day: datetime.date) -> list[AgencyReport]:
    return [agency_report(agency, day) for agency in agencies]


# --- Excel ---------------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: object) -> object:
    """Neutralise spreadsheet formula injection: text starting with = + - @ (or a tab or carriage
    return) gets a leading apostrophe, so it is shown as text and never evaluated."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def workbook(report_list: list[AgencyReport], day: datetime.date) -> bytes:
    """The reconciliation as an .xlsx file: one sheet of rows, one of open bank credits."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Đối soát")
    bold = Font(bold=True)

    def put(target: Any, values: Sequence[object], *, strong: bool = False) -> None:
        target.append([cell_text(v) for v in values])
        if strong:
            for cell in target[target.max_row]:
                cell.font = bold

    put(
        sheet,
        [_("Đối soát thu phí, lệ phí ngày %(day)s") % {"day": day.strftime("%d/%m/%Y")}],
        strong=True,
    )
    header = [
        _("Cơ quan"),
        _("Hình thức thanh toán"),
        _("Số khoản khởi tạo"),
        _("Phải thu (đồng)"),
        _("Số khoản đã thu"),
        _("Đã thu (đồng)"),
        _("Hoàn trả (đồng)"),
        _("Thực thu (đồng)"),
        _("Còn chờ (đồng)"),
        _("Ngân hàng báo có (đồng)"),
        _("Chênh lệch (đồng)"),
        _("Cảnh báo"),
    ]
    put(sheet, [])
    put(sheet, header, strong=True)
    for report in report_list:
        for row in [*report.rows, report.total]:
            put(
                sheet,
                [
                    report.agency.name,
                    row.label,
                    row.started_count,
                    row.started_amount,
                    row.paid_count,
                    row.paid_amount,
                    row.refunded_amount,
                    row.net_amount,
                    row.pending_amount,
                    row.bank_amount,
                    row.difference,
                    " ".join(row.flags if row.provider else report.flags),
                ],
                strong=not row.provider,
            )
        put(
            sheet,
            [
                report.agency.name,
                _(
                    "Hồ sơ tiếp nhận trong ngày có phí, lệ phí: %(count)s; phải nộp %(due)s; đã nộp %(paid)s."
                )
                % {"count": report.dossier_count, "due": report.fees_due, "paid": report.fees_paid},
            ],
        )
    for column, width in zip(
        "ABCDEFGHIJKL", (32, 30, 10, 14, 10, 14, 14, 14, 14, 16, 14, 60), strict=True
    ):
        sheet.column_dimensions[column].width = width

    transfers = book.create_sheet(_("Giao dịch chưa khớp"))
    put(
        transfers,
        [
            _("Cơ quan"),
            _("Thời điểm ghi có"),
            _("Mã giao dịch ngân hàng"),
            _("Số tiền (đồng)"),
            _("Nội dung chuyển khoản"),
            _("Trạng thái"),
            _("Vấn đề"),
            _("Mã thanh toán"),
        ],
        strong=True,
    )
    for report in report_list:
        for transfer in report.open_transfers:
            put(
                transfers,
                [
                    report.agency.name,
                    transfer.received_at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M"),
                    transfer.bank_reference,
                    transfer.amount,
                    transfer.description,
                    transfer.get_status_display(),
                    transfer.get_problem_display(),
                    transfer.payment.reference if transfer.payment else "",
                ],
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
