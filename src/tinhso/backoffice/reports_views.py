"""The officials' pages for reports and petitions (phản ánh, kiến nghị; issue 18).

Thin views over the reports core: what a user sees comes from ``tinhso.reports.selectors``
(``handled_by``, ``inbox``, ``overdue``, ``due_soon``, ``dispatch_queue``), who may act from
``services.may_act``, and every change goes through the use cases in
``tinhso.reports.services``, which check the roles and the state again and write the history
and the audit log. A report the user does not handle answers 404, as a dossier of another
agency does, so its existence is not disclosed.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from tinhso.accounts.access import official, staff_required
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, StaffAssignment
from tinhso.audit.services import log_event
from tinhso.backoffice.views import _render
from tinhso.calendars.worktime import get_calendar
from tinhso.reports import duplicates, selectors, services
from tinhso.reports.deadlines import DUE_SOON, OVERDUE, alert_level
from tinhso.reports.errors import ReportError
from tinhso.reports.models import OPEN_STATUSES, Report

PER_PAGE = 50
COMMENT_MAX = services.MAX_DESCRIPTION


# --- the inbox ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str
    empty: str


def _tabs(dispatcher: bool) -> list[Tab]:
    tabs = [
        Tab("sap-den-han", _("Sắp đến hạn"), _("Không có phản ánh nào sắp đến hạn trả lời.")),
        Tab("qua-han", _("Quá hạn"), _("Không có phản ánh nào quá hạn.")),
        Tab("dang-mo", _("Tất cả đang xử lý"), _("Không có phản ánh nào đang chờ xử lý.")),
    ]
    if dispatcher:
        tabs.append(Tab("dieu-phoi", _("Hàng chờ điều phối"), _("Hàng chờ điều phối đang trống.")))
    return tabs


def _tab_rows(user: User, slug: str) -> QuerySet[Report]:
    now = timezone.now()
    if slug == "sap-den-han":
        return selectors.due_soon(user, now)
    if slug == "qua-han":
        return selectors.overdue(user, now)
    if slug == "dieu-phoi":
        return selectors.dispatch_queue(user)
    return selectors.inbox(user)


@dataclass(frozen=True)
class Row:
    report: Report
    alert: str
    left: str


def remaining(due_at: Any, now: Any) -> str:
    """Working days (and hours) left before ``due_at``, or how long it is overdue."""
    cal = get_calendar()
    if now > due_at:
        return _("quá hạn")
    minutes = cal.working_minutes_between(now, due_at)
    days, rest = divmod(minutes, cal.minutes_per_day)
    hours = rest // 60
    if days:
        return _("còn %(days)d ngày %(hours)d giờ làm việc") % {"days": days, "hours": hours}
    return _("còn %(hours)d giờ làm việc") % {"hours": hours}


def _row(report: Report, now: Any) -> Row:
    return Row(report, alert_level(report.due_at, now), remaining(report.due_at, now))


@require_GET
@staff_required
def reports_inbox(request: HttpRequest) -> HttpResponse:
    """Open reports of the user's agencies by urgency, and the dispatch queue for dispatchers."""
    user = official(request)
    tabs = _tabs(services.is_dispatcher(user))
    slugs = [tab.slug for tab in tabs]
    slug = request.GET.get("tab", "dang-mo")
    current = tabs[slugs.index(slug)] if slug in slugs else tabs[2]
    raw_page = request.GET.get("trang", "")
    page = Paginator(_tab_rows(user, current.slug), PER_PAGE).get_page(
        int(raw_page) if raw_page.isdigit() and len(raw_page) < 6 else 1
    )
    now = timezone.now()
    counts = {tab.slug: _tab_rows(user, tab.slug).count() for tab in tabs}
    response = _render(
        request,
        "backoffice/reports/inbox.html",
        {
            "tabs": [{"tab": t, "count": counts[t.slug], "current": t == current} for t in tabs],
            "current_tab": current,
            "rows": [_row(report, now) for report in page.object_list],
            "page": page,
            "OVERDUE": OVERDUE,
            "DUE_SOON": DUE_SOON,
        },
        section="reports",
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the handling page: forms of the actions -----------------------------------------------------


def _comment(label: str, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _lazy("Vui lòng nhập nội dung.")},
    )


class ReportActionForm(forms.Form):
    """One action on one report; ``action`` names it and the fields follow from it."""

    LABELS = {
        "acknowledge": _lazy("Tiếp nhận, phân loại"),
        "assign": _lazy("Giao cán bộ xử lý"),
        "transfer": _lazy("Chuyển cơ quan có thẩm quyền"),
        "answer": _lazy("Trả lời"),
        "close": _lazy("Kết thúc"),
        "reject": _lazy("Không xem xét"),
        "merge": _lazy("Gộp vào phản ánh khác"),
    }
    DANGER = frozenset({"reject"})
    PRIMARY = frozenset({"acknowledge", "answer"})

    def __init__(self, name: str, report: Report, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        self.report = report
        self.label = self.LABELS[name]
        if name == "assign":
            self.fields["assignee"] = forms.ChoiceField(
                label=_lazy("Cán bộ được giao"), choices=_colleagues(report)
            )
        if name == "transfer":
            self.fields["agency"] = forms.ModelChoiceField(
                label=_lazy("Cơ quan nhận"),
                queryset=Agency.objects.filter(is_active=True)
                .exclude(pk=report.agency_id or 0)
                .order_by("name"),
                error_messages={"invalid_choice": _lazy("Vui lòng chọn cơ quan trong danh sách.")},
            )
        if name == "merge":
            self.fields["duplicate_of"] = forms.CharField(
                label=_lazy("Mã phản ánh được giữ lại (PA-…)"), max_length=16
            )
        required = name in ("transfer", "answer", "reject")
        labels = {
            "transfer": _("Lý do chuyển"),
            "answer": _("Nội dung trả lời (công khai với phản ánh công khai)"),
            "reject": _("Lý do không xem xét"),
        }
        self.fields["comment"] = _comment(labels.get(name, _("Ý kiến")), required)

    @property
    def danger(self) -> bool:
        return self.name in self.DANGER

    @property
    def primary(self) -> bool:
        return self.name in self.PRIMARY

    def add_service_error(self, exc: ReportError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)


def _colleagues(report: Report) -> list[tuple[str, str]]:
    """Active staff of the responsible agency today: whom a report may be assigned to."""
    if report.agency_id is None:
        return []
    today = timezone.localdate()
    users = (
        User.objects.filter(
            pk__in=StaffAssignment.objects.filter(
                Q(valid_from__isnull=True) | Q(valid_from__lte=today),
                Q(valid_to__isnull=True) | Q(valid_to__gt=today),
                agency_id=report.agency_id,
            ).values("user_id"),
            is_active=True,
        )
        .order_by("full_name", "username")
        .distinct()
    )
    return [("", "—")] + [(u.username, f"{u.display_name} ({u.username})") for u in users]


# The states in which each action is offered (the services check them again).
OFFERED_IN: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({Report.Status.RECEIVED}),
    "assign": OPEN_STATUSES,
    "transfer": OPEN_STATUSES,
    "answer": OPEN_STATUSES,
    "close": frozenset({Report.Status.ANSWERED}),
    "reject": OPEN_STATUSES,
}


def available_actions(user: User, report: Report) -> list[str]:
    """The actions the page offers ``user`` on ``report`` now (merge is offered per candidate)."""
    return [
        name
        for name, states in OFFERED_IN.items()
        if report.status in states and services.may_act(user, report, name)
    ]


# --- the handling page ---------------------------------------------------------------------------


def _handled_report(user: User, public_id: str) -> Report:
    """The report if ``user`` handles it (its agency's staff, or a dispatcher for the queue)."""
    try:
        report = selectors.report_by_public_id(public_id)
    except ReportError:
        raise Http404 from None
    if not services.is_handler(user, report):
        raise Http404
    return report


def _candidates(report: Report) -> list[duplicates.Suggestion]:
    """Nearby and textually similar open reports of the same category, itself excluded."""
    found: list[duplicates.Suggestion] = []
    if report.lat is not None and report.lon is not None:
        found += duplicates.nearby(float(report.lat), float(report.lon), report.category)
    seen = {s.report.pk for s in found}
    for suggestion in duplicates.similar(report.description, report.category):
        if suggestion.report.pk not in seen:
            found.append(suggestion)
            seen.add(suggestion.report.pk)
    return [s for s in found if s.report.pk != report.pk]


def _page(
    request: HttpRequest, report: Report, posted: ReportActionForm | None = None, status: int = 200
) -> HttpResponse:
    user = official(request)
    now = timezone.now()
    forms_ = [
        posted if posted is not None and posted.name == name else ReportActionForm(name, report)
        for name in available_actions(user, report)
    ]
    may_merge = report.status in OPEN_STATUSES and services.may_act(user, report, "merge")
    merge_form = posted if posted is not None and posted.name == "merge" else None
    context = {
        "report": report,
        "row": _row(report, now) if report.status in OPEN_STATUSES else None,
        "forms": forms_,
        "history": _history(report),
        "photos": list(report.photos.order_by("pk")),
        "supporters": report.supporters.count(),
        "candidates": _candidates(report) if may_merge else [],
        "may_merge": may_merge,
        "merge_form": merge_form,
    }
    response = _render(request, "backoffice/reports/report.html", context, section="reports")
    response.status_code = status
    response["Cache-Control"] = "no-store"  # the reporter's contact is personal data
    return response


EVENT_LABELS = {
    "file": _lazy("Gửi phản ánh"),
    "support": _lazy("Người dân cùng phản ánh"),
    "acknowledge": _lazy("Tiếp nhận, phân loại"),
    "assign": _lazy("Giao cán bộ xử lý"),
    "transfer": _lazy("Chuyển cơ quan có thẩm quyền"),
    "answer": _lazy("Trả lời"),
    "close": _lazy("Kết thúc"),
    "reject": _lazy("Không xem xét"),
    "merge": _lazy("Gộp vào phản ánh khác"),
    "reopen": _lazy("Người phản ánh mở lại"),
    "rate": _lazy("Người phản ánh đánh giá"),
    "update": _lazy("Cập nhật từ hệ thống ngoài"),
}


def _history(report: Report) -> list[dict[str, Any]]:
    statuses = dict(Report.Status.choices)
    return [
        {
            "event": event,
            "label": EVENT_LABELS.get(event.action, event.action),
            "from": statuses.get(event.from_status, ""),
            "to": statuses.get(event.to_status, event.to_status),
        }
        for event in report.events.select_related("actor", "agency").order_by("at", "pk")
    ]


@require_GET
@staff_required
def report_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """The full report for its handlers, the reporter's contact included; the access is
    audited (the contact is personal data)."""
    user = official(request)
    report = _handled_report(user, public_id)
    log_event(
        action="report.view", actor=user, target=f"report:{report.public_id}", request=request
    )
    return _page(request, report)


@require_POST
@staff_required
def report_act(request: HttpRequest, public_id: str) -> HttpResponse:
    """One action from the page's forms, through the use case; errors shown on the form."""
    user = official(request)
    report = _handled_report(user, public_id)
    name = request.POST.get("action", "")
    if name not in ReportActionForm.LABELS:
        messages.error(request, _("Thao tác không hợp lệ."))
        return redirect("backoffice:report", public_id=report.public_id)
    form = ReportActionForm(name, report, data=request.POST)
    if not form.is_valid():
        return _page(request, report, posted=form, status=400)
    try:
        _perform(user, report, form)
    except ReportError as exc:
        fresh = selectors.report_by_public_id(report.public_id)
        if name != "merge" and name not in available_actions(user, fresh):
            messages.error(request, exc.message)  # the page does not offer this form
        form.add_service_error(exc)
        return _page(request, fresh, form, exc.status)
    messages.success(
        request,
        _("Đã thực hiện “%(action)s” cho phản ánh %(code)s.")
        % {"action": form.label, "code": report.public_id},
    )
    return redirect("backoffice:report", public_id=report.public_id)


def _perform(user: User, report: Report, form: ReportActionForm) -> None:
    data = form.cleaned_data
    comment = data.get("comment") or ""
    name = form.name
    if name == "acknowledge":
        services.acknowledge(report=report, user=user, comment=comment)
    elif name == "assign":
        assignee = services.users_by_username(data["assignee"])
        if assignee is None:
            raise services.InvalidInput(_("Không tìm thấy cán bộ được giao."), "assignee")
        services.assign(report=report, user=user, assignee=assignee, comment=comment)
    elif name == "transfer":
        services.transfer(report=report, user=user, agency=data["agency"], comment=comment)
    elif name == "answer":
        services.answer(report=report, user=user, comment=comment)
    elif name == "close":
        services.close(report=report, user=user, comment=comment)
    elif name == "reject":
        services.reject(report=report, user=user, comment=comment)
    else:
        survivor = Report.objects.filter(public_id=data["duplicate_of"].strip().upper()).first()
        # Another agency's private report stays unknown: only public ones or one's own.
        if survivor is None or not (survivor.is_public or services.is_handler(user, survivor)):
            raise services.InvalidInput(_("Không tìm thấy phản ánh được gộp vào."), "duplicate_of")
        services.merge(report=report, user=user, into=survivor, comment=comment)


@require_GET
@staff_required
def report_photo(request: HttpRequest, public_id: str, pk: int) -> FileResponse:
    """A photo of a report the user handles (private reports' too); never from ``/media``."""
    user = official(request)
    report = _handled_report(user, public_id)
    photo = report.photos.filter(pk=pk).first()
    if photo is None:
        raise Http404
    log_event(
        action="report.photo_view",
        actor=user,
        target=f"report:{report.public_id}",
        details={"photo": photo.pk},
        request=request,
    )
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response
