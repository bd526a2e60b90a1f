"""Officials' payment pages: the accountant's queue of bank transfers, statement import, daily
reconciliation (page and Excel), payment at the counter, e-receipts.

Mounted at ``backoffice/thanh-toan/`` (namespace ``payments_staff``). Pages require a staff
assignment (``accounts.access.staff_required``); the accountant's pages are for clerks,
leaders and agency administrators, the counter for clerks (rules: ``payments.selectors``).
Everyone else gets 404. The bank webhook is the VietQR provider's (``/payments/vietqr/webhook``).
"""

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.accounts.access import clerk_agency_ids, is_platform_admin, official, staff_required
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.documents.formatting import VN_TZ
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.selectors import DossierNotFound
from tinhso.payments import receipts, reconciliation, selectors, services, statements
from tinhso.payments.collecting import BANKS, collecting_account, collecting_agency
from tinhso.payments.models import (
    OPEN_TRANSFER_STATUSES,
    BankStatement,
    EReceipt,
    IncomingTransfer,
    Payment,
    PaymentStatus,
    TransferStatus,
)
from tinhso.payments.providers import bank_credit_providers, providers

PAGE_SIZE = 50
TABS = {
    "can-xu-ly": (gettext_lazy("Cần xử lý"), OPEN_TRANSFER_STATUSES),
    "da-khop": (gettext_lazy("Đã khớp"), (TransferStatus.MATCHED,)),
    "da-dong": (
        gettext_lazy("Đã trả lại hoặc bỏ qua"),
        (TransferStatus.REFUNDED, TransferStatus.IGNORED),
    ),
}


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *, section: str, status: int = 200
) -> HttpResponse:
    user = official(request)
    context = {
        "bo_is_clerk": bool(clerk_agency_ids(user)),
        "bo_is_leader": selectors.is_accountant(user),
        "bo_section": "payments",
        "pay_section": section,
        "pay_is_accountant": selectors.is_accountant(user),
        "pay_can_import": selectors.is_collecting_accountant(user),
        **context,
    }
    return render(request, f"payments/staff/{template}", context, status=status)


def _accountant(request: HttpRequest) -> User:
    user = official(request)
    if not selectors.is_accountant(user):
        raise Http404
    return user


# --- the accountant's queue ----------------------------------------------------------------------


@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    user = _accountant(request)
    tab = request.GET.get("tab", "can-xu-ly")
    if tab not in TABS:
        tab = "can-xu-ly"
    visible = selectors.visible_transfers(user)
    counts = {
        slug: visible.filter(status__in=statuses).count() for slug, (_l, statuses) in TABS.items()
    }
    page = Paginator(visible.filter(status__in=TABS[tab][1]), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    tabs = [
        {"slug": slug, "label": label, "count": counts[slug], "current": slug == tab}
        for slug, (label, _s) in TABS.items()
    ]
    return _page(request, "queue.html", {"tabs": tabs, "tab": tab, "page": page}, section="queue")


def _transfer_for(user: User, pk: int) -> IncomingTransfer:
    transfer = selectors.visible_transfers(user).filter(pk=pk).first()
    if transfer is None:
        raise Http404
    return transfer


class ResolveForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("match", "match"),
            (TransferStatus.REFUNDED, "refunded"),
            (TransferStatus.IGNORED, "ignored"),
        ]
    )
    target = forms.CharField(
        label=gettext_lazy("Mã thanh toán hoặc mã hồ sơ"), max_length=64, required=False, strip=True
    )
    note = forms.CharField(
        label=gettext_lazy("Ghi chú, lý do"), max_length=500, required=False, strip=True
    )


@require_GET
@staff_required
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _accountant(request)
    transfer = _transfer_for(user, pk)
    return _page(request, "transfer.html", _transfer_context(user, transfer), section="queue")


RESOLVE_ACTIONS = ("match", TransferStatus.REFUNDED, TransferStatus.IGNORED)


def _resolve_form(action: str, data: Any = None) -> ResolveForm:
    """One form per action on the page, each with its own element ids."""
    return ResolveForm(data, auto_id=f"pay-{action}-%s")


def _transfer_context(
    user: User, transfer: IncomingTransfer, bound: ResolveForm | None = None
) -> dict[str, Any]:
    suggestions: list[Payment] = []
    if transfer.is_open:
        suggestions = list(
            selectors.visible_payments(user)
            .filter(
                provider__in=bank_credit_providers(),
                status=PaymentStatus.PENDING,
                amount=transfer.amount,
            )
            .select_related("dossier")
            .order_by("-created_at")[:10]
        )
    forms_by_action = {action: _resolve_form(action) for action in RESOLVE_ACTIONS}
    failed = ""
    if bound is not None:
        failed = bound.data.get("action", "")
        failed = failed if failed in forms_by_action else "match"
        forms_by_action[failed] = bound
    return {
        "transfer": transfer,
        "bank_name": BANKS.get(transfer.bank, transfer.bank),
        "match_form": forms_by_action["match"],
        "refund_form": forms_by_action[TransferStatus.REFUNDED],
        "ignore_form": forms_by_action[TransferStatus.IGNORED],
        "failed": failed,
        "suggestions": suggestions,
        "references": statements.references_in(transfer.description),
    }


@require_POST
@staff_required
def transfer_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _accountant(request)
    transfer = _transfer_for(user, pk)
    action = request.POST.get("action", "")
    form = _resolve_form(action if action in RESOLVE_ACTIONS else "match", request.POST)
    if not form.is_valid():
        return _page(
            request,
            "transfer.html",
            _transfer_context(user, transfer, form),
            section="queue",
            status=400,
        )
    action, target, note = (
        form.cleaned_data["action"],
        form.cleaned_data["target"],
        form.cleaned_data["note"],
    )
    try:
        if action == "match":
            _match(user, transfer, target, note)
            messages.success(request, _("Đã khớp giao dịch và ghi nhận thanh toán."))
        else:
            statements.close_transfer(transfer_id=transfer.pk, status=action, actor=user, note=note)
            messages.success(request, _("Đã cập nhật giao dịch."))
    except services.PaymentError as exc:
        form.add_error(
            "target" if exc.field == "target" else "note" if exc.field == "note" else None,
            exc.message,
        )
        return _page(
            request,
            "transfer.html",
            _transfer_context(user, transfer, form),
            section="queue",
            status=400,
        )
    return redirect("payments_staff:transfer", pk=transfer.pk)


def _match(user: User, transfer: IncomingTransfer, target: str, note: str) -> None:
    """Match to a payment (by reference) or to what a dossier owes (by dossier code)."""
    if not target:
        raise services.PaymentError(_("Nhập mã thanh toán hoặc mã hồ sơ."), "target", 400)
    reference = statements.normalise_description(target)
    payment = selectors.visible_payments(user).filter(reference=reference).first()
    if payment is not None:
        statements.match_to_payment(transfer_id=transfer.pk, payment=payment, actor=user, note=note)
        return
    try:
        dossier = selectors.dossier_for_accountant(user, target)
    except DossierNotFound:
        raise services.PaymentError(
            _("Không tìm thấy khoản thanh toán hoặc hồ sơ này."), "target", 404
        ) from None
    statements.match_to_dossier(transfer_id=transfer.pk, dossier=dossier, actor=user, note=note)


# --- statements ----------------------------------------------------------------------------------


class StatementForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp sao kê (.csv hoặc .xlsx)"),
        help_text=gettext_lazy("Cột bắt buộc: Ngày giao dịch, Số tiền, Nội dung, Mã giao dịch."),
    )


@require_http_methods(["GET", "POST"])
@staff_required
def statement_upload(request: HttpRequest) -> HttpResponse:
    user = official(request)
    if not selectors.is_collecting_accountant(user):
        raise Http404
    form = StatementForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.TINHSO_UPLOAD_MAX_BYTES:
            form.add_error("file", _("Tệp quá lớn."))
            status = 400
        else:
            result = statements.import_statement(
                user=user, filename=upload.name, content=upload.read()
            )
            status = 200 if result.ok else 400
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "result": result,
        "account": collecting_account(),
        "matched": result.count(TransferStatus.MATCHED) if result else 0,
        "open": sum(result.count(s) for s in OPEN_TRANSFER_STATUSES) if result else 0,
        "recent": BankStatement.objects.select_related("uploaded_by").order_by("-uploaded_at")[:10],
    }
    return _page(request, "statement.html", context, section="statement", status=status)


# --- reconciliation ------------------------------------------------------------------------------


def _report_params(
    request: HttpRequest, user: User
) -> tuple[datetime.date, list[Agency], list[Agency], bool]:
    if is_platform_admin(user):
        allowed = list(Agency.objects.filter(is_active=True).order_by("name"))
    else:
        allowed = list(
            Agency.objects.filter(pk__in=selectors.accountant_agency_ids(user)).order_by("name")
        )
    today = timezone.localtime(timezone.now(), VN_TZ).date()
    raw_day = request.GET.get("ngay", "")
    bad_day = False
    try:
        day = datetime.date.fromisoformat(raw_day) if raw_day else today
    except ValueError:
        day, bad_day = today, True
    raw_agency = request.GET.get("co_quan", "")
    chosen = [a for a in allowed if str(a.pk) == raw_agency] if raw_agency else []
    if not chosen:
        collecting = collecting_agency()
        chosen = [collecting] if is_platform_admin(user) and collecting else allowed
    return day, allowed, chosen, bad_day


@require_GET
@staff_required
def reconciliation_page(request: HttpRequest) -> HttpResponse:
    user = _accountant(request)
    day, allowed, chosen, bad_day = _report_params(request, user)
    if bad_day:
        messages.error(request, _("Ngày không hợp lệ; đang hiển thị hôm nay."))
    context = {
        "day": day,
        "agencies": allowed,
        "chosen": chosen[0].pk if len(chosen) == 1 and len(allowed) > 1 else None,
        "reports": reconciliation.reports(chosen, day),
        "excel_query": request.GET.urlencode(),
    }
    return _page(request, "reconciliation.html", context, section="reconciliation")


@require_GET
@staff_required
def reconciliation_excel(request: HttpRequest) -> HttpResponse:
    user = _accountant(request)
    day, _allowed, chosen, _bad = _report_params(request, user)
    content = reconciliation.workbook(reconciliation.reports(chosen, day), day)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="doi-soat-{day.isoformat()}.xlsx"'
    return response


# --- payment at the counter ----------------------------------------------------------------------


class CounterForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("Hình thức nộp"),
        choices=[
            ("cash", gettext_lazy("Tiền mặt")),
            ("card", gettext_lazy("Thẻ ngân hàng (máy POS)")),
        ],
        widget=forms.RadioSelect,
        initial="cash",
    )


def _clerk(request: HttpRequest) -> User:
    user = official(request)
    if not clerk_agency_ids(user):
        raise Http404
    return user


@require_GET
@staff_required
def counter_find(request: HttpRequest) -> HttpResponse:
    _clerk(request)
    code = request.GET.get("ma", "").strip()
    if code:
        return redirect("payments_staff:counter", code=code)
    return _page(request, "counter_find.html", {}, section="counter")


@require_http_methods(["GET", "POST"])
@staff_required
def counter(request: HttpRequest, code: str) -> HttpResponse:
    user = _clerk(request)
    dossier = selectors.dossier_for_clerk(user, code)
    form = CounterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                payment = _record_counter_payment(user, dossier, form.cleaned_data["method"])
            except services.PaymentError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(
                    request,
                    _("Đã ghi nhận nộp %(amount)s, mã thanh toán %(ref)s.")
                    % {
                        "amount": f"{payment.amount:,}".replace(",", ".") + " đồng",
                        "ref": payment.reference,
                    },
                )
                return redirect("payments_staff:counter", code=dossier.code)
        else:
            status = 400
    payments = list(Payment.objects.filter(dossier=dossier).order_by("created_at"))
    issued = set(EReceipt.objects.filter(payment__in=payments).values_list("payment_id", flat=True))
    context = {
        "dossier": dossier,
        "due": services.amount_due(dossier),
        "form": form,
        "payments": [_counter_row(p, p.pk in issued) for p in payments],
    }
    return _page(request, "counter.html", context, section="counter", status=status)


def _counter_row(payment: Payment, receipt: bool) -> dict[str, Any]:
    provider = providers().get(payment.provider)
    return {
        "payment": payment,
        "label": provider.label if provider else payment.provider,
        "receipt": receipt,
        # A pending or expired payment whose provider can be asked (its callback may never
        # have come; an expired one the gateway reports paid is still confirmed).
        "can_query": provider is not None
        and provider.can_query
        and payment.status in (PaymentStatus.PENDING, PaymentStatus.EXPIRED),
    }


def _record_counter_payment(user: User, dossier: Dossier, method: str) -> Payment:
    with transaction.atomic():
        payment, _started = services.start_payment(
            user=user, dossier=dossier, provider_id="counter"
        )
        payment, _applied = services.confirm_payment(
            reference=payment.reference,
            amount=payment.amount,
            source="counter",
            data={"method": method},
            actor=user,
        )
    return payment


# --- e-receipts ----------------------------------------------------------------------------------


@require_GET
@staff_required
def receipt(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The e-receipt PDF of a paid payment; issued now if the background task has not yet."""
    user = official(request)
    payment = selectors.payment_for_official(user, pk=pk)
    if payment.status not in receipts.PAID_STATUSES:
        raise Http404
    issued = receipts.issue_receipt(payment.pk)
    handle = default_storage.open(issued.file.name, "rb")
    return FileResponse(
        handle, content_type="application/pdf", filename=f"bien-lai-{issued.number}.pdf"
    )
