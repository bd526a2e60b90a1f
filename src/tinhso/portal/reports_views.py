"""The citizens' pages for reports and petitions (phản ánh, kiến nghị; issue 18, part 2).

Thin like the rest of the portal: the pages read through ``reports.selectors`` and
``reports.pages`` and change a report only through ``reports.services`` (file, support, rate,
reopen, request a phone code), which check, audit and save all or nothing. Every page works
without JavaScript: the map, the "current position" button and the live nearby check are
``static/js/reports.js`` on top of plain fields, and without it the server shows the possible
duplicates on a check step before filing.
"""

import math
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tinhso.accounts import ratelimit
from tinhso.accounts.identifiers import normalize_phone
from tinhso.accounts.models import User
from tinhso.reports import pages, selectors, services
from tinhso.reports.errors import ReportError
from tinhso.reports.models import Category, Report

PAGE_SIZE = 20
# One SMS code per phone a minute, and a few an hour per address: the code costs an SMS and
# must not become a way to flood someone's phone.
CODE_PHONE_SECONDS = 60
CODE_PER_ADDRESS_HOUR = 10
# The core's field names → the form's.
FIELD_OF = {"long": "lon", "lat": "lat", "name": "contact_name"}


def _citizen(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages carrying a person's reports or contact are never kept by a cache."""
    response["Cache-Control"] = "no-store"
    return response


# --- the form --------------------------------------------------------------------------------


class ReportForm(forms.Form):
    """The shape of a report from the portal; the rules (place inside the province, photos,
    the phone code) are the core's, whose errors are put back on these fields."""

    category = forms.ChoiceField(
        label=gettext_lazy("Loại phản ánh"),
        error_messages={
            "required": gettext_lazy("Vui lòng chọn loại phản ánh."),
            "invalid_choice": gettext_lazy("Vui lòng chọn loại phản ánh hợp lệ."),
        },
    )
    description = forms.CharField(
        label=gettext_lazy("Nội dung phản ánh"),
        help_text=gettext_lazy("Mô tả sự việc: ở đâu, từ khi nào, ảnh hưởng ra sao."),
        max_length=services.MAX_DESCRIPTION,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": gettext_lazy("Vui lòng nhập nội dung phản ánh."),
            "max_length": gettext_lazy("Nội dung dài quá 4.000 ký tự."),
        },
    )
    address = forms.CharField(
        label=gettext_lazy("Địa chỉ, địa điểm"),
        help_text=gettext_lazy("Ví dụ: trước số 12 đường Đồng Khởi, phường Phú Khương."),
        required=False,
        max_length=300,
        strip=False,
        error_messages={"max_length": gettext_lazy("Địa chỉ dài quá 300 ký tự.")},
    )
    lat = forms.CharField(label=gettext_lazy("Vĩ độ"), required=False, max_length=20)
    lon = forms.CharField(label=gettext_lazy("Kinh độ"), required=False, max_length=20)
    private = forms.BooleanField(
        label=gettext_lazy("Giữ kín phản ánh (chỉ cơ quan xử lý và bạn xem được)"),
        required=False,
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Họ và tên (không bắt buộc)"), required=False, max_length=200
    )
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại di động"),
        help_text=gettext_lazy("Để nhận kết quả trả lời; không công khai."),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    phone_code = forms.CharField(
        label=gettext_lazy("Mã xác nhận qua SMS"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args: Any, categories: list[Category], anonymous: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— Chọn loại phản ánh —"))] + [(c.code, c.name) for c in categories]
        if not anonymous:
            for name in ("contact_name", "phone", "phone_code"):
                del self.fields[name]

    def put_error(self, exc: ReportError) -> None:
        """Put a core error on its field (or on the form when it names none of ours)."""
        name = FIELD_OF.get(exc.field or "", exc.field or "")
        if name == "photos":
            self.photo_error = exc.message
        self.add_error(name if name in self.fields else None, exc.message)

    photo_error = ""


def _categories() -> list[Category]:
    return list(selectors.active_categories())


def _coordinate(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _form_page(
    request: HttpRequest, form: ReportForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "form": form,
        "anonymous": _citizen(request) is None,
        "seats": pages.reference_seats(),
        "max_photos": _max_photos(),
        **extra,
    }
    return _no_store(render(request, "portal/reports/new.html", context, status=status))


def _max_photos() -> int:
    return int(settings.TINHSO_REPORTS_MAX_PHOTOS)


def _new_report(form: ReportForm, request: HttpRequest) -> services.NewReport:
    data = form.cleaned_data
    return services.NewReport(
        category=data["category"],
        description=data["description"],
        lat=data["lat"].strip() or None,
        lon=data["lon"].strip() or None,
        address=data["address"],
        private=data["private"],
        contact_name=data.get("contact_name", ""),
        contact_phone=data.get("phone", ""),
        phone_code=data.get("phone_code", ""),
        photos=request.FILES.getlist("photos"),
        source=Report.Source.PORTAL,
    )


def report_new(request: HttpRequest) -> HttpResponse:
    """The report form. Before a new report is filed the citizen sees the open reports of the
    category nearby (and similar ones by text) unless they chose "file a new one anyway"."""
    citizen = _citizen(request)
    categories = _categories()
    if request.method != "POST":
        initial = {"category": request.GET.get("loai", "")[:60]}
        form = ReportForm(initial=initial, categories=categories, anonymous=citizen is None)
        return _form_page(request, form)
    form = ReportForm(request.POST, categories=categories, anonymous=citizen is None)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    if request.POST.get("confirm_new") != "1":
        category = next(c for c in categories if c.code == form.cleaned_data["category"])
        candidates = pages.possible_duplicates(
            category,
            form.cleaned_data["description"],
            _coordinate(form.cleaned_data["lat"]),
            _coordinate(form.cleaned_data["lon"]),
        )
        if candidates:
            return _form_page(
                request,
                form,
                candidates=candidates,
                photos_dropped=bool(request.FILES.getlist("photos")),
            )
    try:
        report = services.file_report(data=_new_report(form, request), reporter=citizen)
    except ReportError as exc:
        form.put_error(exc)
        return _form_page(request, form, status=400)
    messages.success(
        request,
        _("Đã gửi phản ánh %(id)s. Cơ quan chịu trách nhiệm sẽ trả lời trước %(due)s.")
        % {
            "id": report.public_id,
            "due": timezone.localtime(report.due_at).strftime("%H:%M %d/%m/%Y"),
        },
    )
    return redirect("portal:report", public_id=report.public_id)


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _code_refused(phone: str, address: str) -> str:
    """Why a new code may not be sent now, or "" (a per-phone pause and a per-address cap,
    counted by the accounts app's fixed-window counters)."""
    if ratelimit.over_limit(f"reports-code-phone:{phone}", 1, CODE_PHONE_SECONDS):
        return _("Mã vừa được gửi tới số này; vui lòng chờ một phút rồi thử lại.")
    if ratelimit.over_limit(f"reports-code-addr:{address}", CODE_PER_ADDRESS_HOUR, 3600):
        return _("Đã gửi quá nhiều mã; vui lòng thử lại sau.")
    return ""


def _send_code(request: HttpRequest) -> tuple[int, str]:
    """(status, message) of sending an SMS code to the phone in the form."""
    raw = request.POST.get("phone", "")
    try:
        phone = normalize_phone(raw)
    except ValidationError:
        return 400, _("Số điện thoại di động không hợp lệ.")
    address = _client_address(request)
    refused = _code_refused(phone, address)
    if refused:
        return 429, refused
    services.request_phone_code(phone=phone)
    shown = f"{phone[:-3]}***" if len(phone) > 3 else phone
    return 200, _("Đã gửi mã xác nhận tới %(phone)s.") % {"phone": shown}


@never_cache
@require_POST
def report_code(request: HttpRequest) -> HttpResponse:
    """Send the SMS code that confirms an anonymous citizen's phone. From reports.js a JSON
    answer; without JavaScript the form comes back as it was, with the message."""
    status, message = _send_code(request)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"message": message}, status=status)
    support_for = request.POST.get("support_for", "")
    if support_for:  # from a report's page: back there (the phone is typed again)
        (messages.success if status == 200 else messages.error)(request, message)
        return _back(_load(request, support_for).public_id)
    citizen = _citizen(request)
    form = ReportForm(request.POST, categories=_categories(), anonymous=citizen is None)
    form.is_valid()
    form.errors.clear()  # the report is not being checked yet: no errors on untouched fields
    if status != 200:
        form.add_error("phone" if "phone" in form.fields else None, message)
        return _form_page(request, form, status=status)
    return _form_page(request, form, code_message=message)


# --- the public list and page ----------------------------------------------------------------


def report_list(request: HttpRequest) -> HttpResponse:
    """Public reports (no personal data), filterable by category and open/closed."""
    category = request.GET.get("loai", "")
    status = request.GET.get("trang-thai", "")
    rows = pages.public_list(category, status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/reports/list.html",
        {
            "page": page,
            "categories": _categories(),
            "category": category,
            "status": status,
            "now": timezone.now(),
        },
    )


def _photo_urls(report: Report) -> list[str]:
    return [
        reverse("api:report_photo", kwargs={"public_id": report.public_id, "photo_id": pk})
        for pk in report.photos.order_by("pk").values_list("pk", flat=True)
    ]


def _load(request: HttpRequest, public_id: str) -> Report:
    try:
        return selectors.report_for_user(request.user, public_id)
    except ReportError as exc:
        raise Http404(exc.message) from exc


def report_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """A public report for anyone; a private one for its reporter and handlers only (404). The
    reporter sees their own contact and may rate or reopen; another citizen may support."""
    report = _load(request, public_id)
    citizen = _citizen(request)
    mine = selectors.is_reporter(citizen, report)
    open_public = report.is_public and report.status in pages.STATUS_FILTERS["open"]
    supported = bool(citizen is not None and report.supporters.filter(user_id=citizen.pk).exists())
    context = {
        "report": report,
        "mine": mine,
        "photo_urls": _photo_urls(report),
        "supporters": report.supporters.count(),
        "answered": report.status in (Report.Status.ANSWERED, Report.Status.CLOSED),
        "may_rate": mine and report.status in (Report.Status.ANSWERED, Report.Status.CLOSED),
        "may_reopen": mine and pages.may_reopen(report),
        "may_support": open_public and not mine and citizen is not None and not supported,
        "supported": supported,
        "anonymous_support": open_public and citizen is None,
    }
    return _no_store(render(request, "portal/reports/detail.html", context))


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    """The signed-in citizen's reports, private ones too, with their status and due date."""
    rows = pages.reports_of(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _no_store(
        render(
            request,
            "portal/reports/mine.html",
            {"page": page, "now": timezone.now()},
        )
    )


# --- the citizen's actions -------------------------------------------------------------------


def _signed_in(request: HttpRequest) -> User:
    citizen = _citizen(request)
    assert citizen is not None  # behind login_required
    return citizen


def _back(public_id: str) -> HttpResponse:
    return redirect("portal:report", public_id=public_id)


@require_POST
def report_support(request: HttpRequest, public_id: str) -> HttpResponse:
    """ "Đây cũng là vấn đề của tôi": a signed-in citizen, or a phone confirmed by its code
    (posted from the report form's duplicate panel or from the report's page)."""
    report = _load(request, public_id)
    citizen = _citizen(request)
    try:
        services.support(
            report=report,
            user=citizen,
            phone=request.POST.get("phone", ""),
            phone_code=request.POST.get("phone_code", ""),
        )
    except ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Đã ghi nhận: bạn sẽ được báo khi phản ánh %(id)s có trả lời.")
            % {"id": report.public_id},
        )
    return _back(report.public_id)


@login_required
@require_POST
def report_rate(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _load(request, public_id)
    try:
        services.rate(
            report=report, user=_signed_in(request), rating=request.POST.get("rating", "")
        )
    except ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cảm ơn bạn đã đánh giá kết quả trả lời."))
    return _back(report.public_id)


@login_required
@require_POST
def report_reopen(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _load(request, public_id)
    try:
        services.reopen(
            report=report,
            user=_signed_in(request),
            comment=request.POST.get("comment", ""),
        )
    except ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã mở lại phản ánh; cơ quan sẽ xem xét lại."))
    return _back(report.public_id)
