"""The audit pages of the back office: search, entry, JSON-lines export, SOC, acknowledgement."""

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.accounts.models import User
from tinhso.audit import selectors
from tinhso.audit.access import auditor_required, can_operate_soc, security_required
from tinhso.audit.alerts import acknowledge_alert
from tinhso.audit.export import export_lines, record_export
from tinhso.audit.forms import AcknowledgeForm, SearchForm
from tinhso.audit.models import AuditEntry, SecurityAlert
from tinhso.audit.services import log_event
from tinhso.audit.verify import check_and_record


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _filters(request: HttpRequest) -> tuple[SearchForm, selectors.Filters]:
    form = SearchForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, selectors.Filters(
            actor=data["actor"].strip(),
            target=data["target"].strip(),
            action=data["action"].strip(),
            since=data["since"],
            until=data["until"],
        )
    return form, selectors.Filters()


@require_GET
@auditor_required
def search(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    before = request.GET.get("truoc", "")
    before_id = int(before) if before.isdigit() else None
    entries, cursor = selectors.search_entries(_user(request), filters, before_id=before_id)
    log_event(
        action="audit.search",
        actor=_user(request),
        target="audit:log",
        details={"filters": {k: v for k, v in filters.as_dict().items() if v}, "before": before_id},
        request=request,
    )
    query = request.GET.copy()
    query.pop("truoc", None)
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "entries": entries,
            "next_url": f"?{query.urlencode()}&truoc={cursor}" if cursor else "",
            "export_query": query.urlencode(),
            "is_security": can_operate_soc(request.user),
            "audit_section": "search",
        },
    )


@require_GET
@auditor_required
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = selectors.entry_for_auditor(_user(request), pk)
    except AuditEntry.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "audit/entry.html",
        {
            "entry": item,
            "details_text": json.dumps(item.details, indent=2, ensure_ascii=False, sort_keys=True),
            "is_security": can_operate_soc(request.user),
            "audit_section": "search",
        },
    )


@require_GET
@auditor_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    _form, filters = _filters(request)
    record_export(actor=_user(request), request=request, filters=filters.as_dict())
    lines = export_lines(entries=selectors.filtered_entries(filters))
    response = StreamingHttpResponse(lines, content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tinhso-audit.jsonl"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@security_required
def soc(request: HttpRequest) -> HttpResponse:
    overview = selectors.soc_overview(_user(request))
    chart = {
        "labels": [label for label, _count in overview.failed_logins_by_hour],
        "values": [count for _label, count in overview.failed_logins_by_hour],
    }
    return render(
        request,
        "audit/soc.html",
        {
            "o": overview,
            "chart": chart,
            "ack_form": AcknowledgeForm(),
            "is_security": True,
            "audit_section": "soc",
        },
    )


@require_POST
@security_required
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(SecurityAlert, pk=pk)
    form = AcknowledgeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    acknowledge_alert(alert=alert, user=_user(request), note=note)
    messages.success(request, _("Đã xác nhận cảnh báo."))
    return redirect("audit:soc")


@require_POST
@security_required
def verify_now(request: HttpRequest) -> HttpResponse:
    report = check_and_record()
    log_event(
        action="audit.verify",
        actor=_user(request),
        target="audit:chain",
        details={"ok": report.ok, "entries": report.entries},
        request=request,
        outcome="success" if report.ok else "failure",
    )
    if report.ok:
        messages.success(request, _("Chuỗi nhật ký toàn vẹn."))
    else:
        messages.error(request, _("Chuỗi nhật ký KHÔNG toàn vẹn: xem chi tiết bên dưới."))
    return redirect("audit:soc")
