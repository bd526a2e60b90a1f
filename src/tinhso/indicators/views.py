"""Programme pages: scheme tracker, tasks, sector panels, map and alerts (thin views)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.accounts.models import User
from tinhso.indicators import access, alerts, exports, mapdata, selectors, services
from tinhso.indicators.forms import SectorUploadForm, TargetValueForm, TaskReportForm
from tinhso.indicators.models import (
    ActionTask,
    AlertSubscription,
    IndicatorAlert,
    PilotUnit,
    SchemeTarget,
    Sector,
    SectorPanel,
    SectorUpload,
)
from tinhso.indicators.sectors import INDICATORS
from tinhso.ioc.exports import FORMATS, export_response
from tinhso.sensors.selectors import salinity_overview
from tinhso.units.selectors import display_with_successor, today_in_vietnam


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not access.can_view(user):
        raise PermissionDenied
    return user


@require_GET
@login_required
def tracker_view(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    today = today_in_vietnam()
    tasks = ActionTask.objects.select_related("agency", "target").prefetch_related(
        "pilot_units__unit"
    )
    pilots = [
        (pilot, display_with_successor(pilot.unit))
        for pilot in PilotUnit.objects.select_related("unit")
    ]
    context = {
        "rows": selectors.tracker(today),
        "tasks": [
            (task, task.is_late(today), access.can_edit_for(user, task.agency)) for task in tasks
        ],
        "pilots": pilots,
        "today": today,
        "ioc_section": "tracker",
    }
    return render(request, "indicators/tracker.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def target_view(request: HttpRequest, code: str) -> HttpResponse:
    user = _viewer(request)
    target = get_object_or_404(SchemeTarget.objects.select_related("agency"), code=code)
    can_edit = not target.computed and access.can_edit_for(user, target.agency)
    form = TargetValueForm()
    errors: list[str] = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = TargetValueForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.record_target_value(user=user, target=target, **form.cleaned_data)
            except services.InvalidInput as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Đã ghi nhận giá trị thực hiện."))
                return redirect("indicators:target", code=target.code)
    today = today_in_vietnam()
    context = {
        "target": target,
        "row": selectors.progress_of(target, selectors.latest_actual(target, today)),
        "values": target.values.select_related("entered_by").order_by("-as_of", "-entered_at"),
        "chart": selectors.timeline(target, today),
        "form": form,
        "errors": errors,
        "can_edit": can_edit,
        "ioc_section": "tracker",
    }
    return render(
        request, "indicators/target.html", context, status=400 if errors or form.errors else 200
    )


@require_GET
@login_required
def target_document_view(request: HttpRequest, code: str, pk: int) -> FileResponse:
    _viewer(request)
    target = get_object_or_404(SchemeTarget, code=code)
    entry = get_object_or_404(target.values, pk=pk)
    return FileResponse(
        entry.document.open("rb"),
        as_attachment=True,
        filename=entry.document_name,
        content_type="application/pdf",
    )


@require_http_methods(["GET", "POST"])
@login_required
def task_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    task = get_object_or_404(ActionTask.objects.select_related("agency", "target"), pk=pk)
    can_edit = access.can_edit_for(user, task.agency)
    form = TaskReportForm(initial={"status": task.status, "progress": task.progress})
    errors: list[str] = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = TaskReportForm(request.POST)
        if form.is_valid():
            try:
                services.report_task(user=user, task=task, **form.cleaned_data)
            except services.InvalidInput as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Đã ghi nhận báo cáo tiến độ."))
                return redirect("indicators:task", pk=task.pk)
    context = {
        "task": task,
        "late": task.is_late(today_in_vietnam()),
        "reports": task.reports.select_related("author"),
        "form": form,
        "errors": errors,
        "can_edit": can_edit,
        "ioc_section": "tracker",
    }
    return render(
        request, "indicators/task.html", context, status=400 if errors or form.errors else 200
    )


# --- sector panels ---------------------------------------------------------------------------


@require_GET
@login_required
def sectors_view(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    panels = []
    for sector, label in Sector.choices:
        panels.append((sector, label, selectors.latest_upload(sector)))
    return render(request, "indicators/sectors.html", {"panels": panels, "ioc_section": "sectors"})


def _sector_or_404(sector: str) -> str:
    if sector not in Sector.values:
        raise Http404
    return sector


@require_http_methods(["GET", "POST"])
@login_required
def sector_view(request: HttpRequest, sector: str) -> HttpResponse:
    user = _viewer(request)
    _sector_or_404(sector)
    panel = SectorPanel.objects.filter(sector=sector).select_related("agency").first()
    can_upload = panel is not None and access.can_edit_for(user, panel.agency)
    form = SectorUploadForm()
    errors: list[str] = []
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        form = SectorUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                stored = services.upload_sector_file(
                    user=user,
                    sector=sector,
                    upload=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                )
            except services.InvalidInput as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Đã nhận tệp: phiên bản %(v)s, %(n)s dòng.")
                    % {"v": stored.version, "n": stored.row_count},
                )
                return redirect("indicators:sector", sector=sector)
    version = request.GET.get("phien-ban")
    upload = selectors.latest_upload(
        sector, int(version) if version and version.isdigit() else None
    )
    context = {
        "sector": sector,
        "label": Sector(sector).label,
        "panel": panel,
        "upload": upload,
        "table": mapdata.sector_rows(sector, upload),
        "chart": mapdata.sector_chart(sector, upload),
        "export_query": urlencode({"phien-ban": upload.version}) if upload else "",
        "history": SectorUpload.objects.filter(sector=sector).select_related("uploaded_by"),
        # The agriculture panel also shows the salinity network's latest state (tinhso.sensors).
        "salinity": salinity_overview() if sector == Sector.AGRICULTURE else None,
        "indicators": INDICATORS[sector],
        "form": form,
        "errors": errors,
        "can_upload": can_upload,
        "ioc_section": "sectors",
    }
    return render(
        request, "indicators/sector.html", context, status=400 if errors or form.errors else 200
    )


@require_GET
@login_required
def sector_file_view(request: HttpRequest, sector: str, version: int) -> FileResponse:
    _viewer(request)
    upload = get_object_or_404(SectorUpload, sector=_sector_or_404(sector), version=version)
    return FileResponse(upload.file.open("rb"), as_attachment=True, filename=upload.original_name)


# --- map ----------------------------------------------------------------------------------------


@require_GET
@login_required
def map_view(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    choice = mapdata.MapChoice.from_request(request.GET, user)
    context = {
        "choice": choice,
        "data": mapdata.map_data(choice, user),
        "has_boundaries": mapdata.boundaries_path() is not None,
        "ioc_section": "map",
    }
    return render(request, "indicators/map.html", context)


@require_GET
@login_required
def boundaries_view(request: HttpRequest) -> FileResponse:
    _viewer(request)
    path = mapdata.boundaries_path()
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), content_type="application/geo+json")


# --- alerts -----------------------------------------------------------------------------------


@require_GET
@login_required
def alerts_view(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    recent = IndicatorAlert.objects.select_related("rule", "agency").order_by("-raised_at")[:200]
    context = {
        "open": alerts.open_alerts_for(user),
        "recent": [a for a in recent if alerts.visible_to(a, user)],
        "subscribed": AlertSubscription.objects.filter(user=user).exists(),
        "ioc_section": "alerts",
    }
    return render(request, "indicators/alerts.html", context)


@require_POST
@login_required
def subscribe_view(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    on = request.POST.get("subscribe") == "1"
    services.set_subscription(user=user, subscribed=on)
    messages.success(
        request,
        _("Đã đăng ký nhận cảnh báo qua thư điện tử.")
        if on
        else _("Đã hủy đăng ký nhận cảnh báo."),
    )
    return redirect("indicators:alerts")


# --- exports ------------------------------------------------------------------------------------


@require_GET
@login_required
def export_view(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    user = _viewer(request)
    if fmt not in FORMATS:
        raise Http404
    today = today_in_vietnam()
    built: Any
    if table == "targets":
        built = exports.targets_table(selectors.tracker(today), today)
    elif table == "tasks":
        built = exports.tasks_table(ActionTask.objects.select_related("agency"), today)
    elif table == "alerts":
        built = exports.alerts_table(alerts.open_alerts_for(user))
    elif table in Sector.values:
        version = request.GET.get("phien-ban")
        upload = selectors.latest_upload(
            table, int(version) if version and version.isdigit() else None
        )
        built = exports.sector_table(table, upload, mapdata.sector_rows(table, upload))
    else:
        raise Http404
    return export_response(built, fmt, f"{table}-{today:%Y%m%d}")
