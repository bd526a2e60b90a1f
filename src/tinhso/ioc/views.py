"""Pages of the operations centre (leaders) and the public transparency page.

Figures come only from ``tinhso.ioc.selectors`` (aggregates, access) and ``tinhso.ioc.index766``;
each table is built once (``tinhso.ioc.exports``) and either rendered or exported.
"""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from tinhso.accounts.access import is_platform_admin
from tinhso.agencies.models import Agency
from tinhso.audit.services import log_event
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.ioc import (
    dashboard_alerts,
    exports,
    index766,
    periods,
    receivers,
    selectors,
    sync_health,
)
from tinhso.ioc.periods import Period
from tinhso.ioc.selectors import IocAccess, Scope
from tinhso.units.models import AdministrativeUnit

SYNC_ROWS = 20  # agencies shown on the dashboard, those with dossiers waiting first
BY_LABELS = {
    "agency": gettext_noop("Cơ quan"),
    "unit": gettext_noop("Đơn vị hành chính"),
    "procedure": gettext_noop("Thủ tục"),
}


# --- request parsing ------------------------------------------------------------------------


class Filters:
    """Period, scope and breakdown chosen in the query string, checked against the user's access."""

    def __init__(self, request: HttpRequest, access: IocAccess) -> None:
        params = request.GET
        self.period: Period = periods.parse_period(params)
        self.errors = list(self.period.errors)
        self.sees_all = access.sees_all
        self.quarter = periods.quarter_of(self.period.start)
        self.agencies = _agency_choices(access)
        self.agency: Agency | None = None
        agency_param = params.get("agency", "")
        if agency_param:
            self.agency = next((a for a in self.agencies if str(a.pk) == agency_param), None)
            if self.agency is None:
                raise PermissionDenied
        elif not access.sees_all:
            self.agency = self.agencies[0] if self.agencies else None
        self.units = _unit_choices(self.period)
        self.unit_code = params.get("unit", "")
        self.unit = next((u for u in self.units if u.code == self.unit_code), None)
        if self.unit_code and self.unit is None:
            self.errors.append(_("Đơn vị hành chính không có trong kỳ đã chọn."))
            self.unit_code = ""
        self.scope = Scope(
            agency_id=self.agency.pk if self.agency else None, unit_code=self.unit_code or None
        )
        if not access.allows(self.scope):
            raise PermissionDenied
        default_by = "procedure" if self.agency else "agency"
        self.by = params.get("by", default_by)
        if self.by not in selectors.BREAKDOWNS:
            self.by = default_by

    def params(self, **changes: Any) -> dict[str, str]:
        out = self.period.params()
        if self.agency:
            out["agency"] = str(self.agency.pk)
        if self.unit_code:
            out["unit"] = self.unit_code
        out["by"] = self.by
        out.update({k: str(v) for k, v in changes.items() if v is not None})
        return {k: v for k, v in out.items() if v != ""}

    def query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))

    @property
    def scope_label(self) -> str:
        parts = [self.agency.name if self.agency else _("Toàn tỉnh")]
        if self.unit:
            parts.append(self.unit.name)
        return " · ".join(parts)


def _agency_choices(access: IocAccess) -> list[Agency]:
    agencies = Agency.objects.filter(is_active=True).order_by("kind", "name")
    if not access.sees_all:
        agencies = agencies.filter(pk__in=access.agency_ids)
    return list(agencies)


def _unit_choices(period: Period) -> list[AdministrativeUnit]:
    """Districts and communes valid at some day of the period (historical ones before 7/2025)."""
    units = AdministrativeUnit.objects.filter(
        valid_from__lte=period.end, level__in=["district", "commune"]
    )
    units = units.exclude(valid_to__lte=period.start).select_related("parent")
    return list(units.order_by("-valid_from", "level", "parent__name", "name"))


def _ioc_user(request: HttpRequest) -> IocAccess:
    access = selectors.ioc_access(request.user)
    if not access.any:
        raise PermissionDenied
    return access


# --- figures ----------------------------------------------------------------------------------

COUNT_CARDS = (
    ("received", gettext_noop("Hồ sơ tiếp nhận")),
    ("resolved", gettext_noop("Đã giải quyết")),
    ("in_progress", gettext_noop("Đang giải quyết")),
    ("in_progress_on_time", gettext_noop("Đang giải quyết trong hạn")),
    ("in_progress_overdue", gettext_noop("Đang giải quyết quá hạn")),
    ("early", gettext_noop("Giải quyết trước hạn")),
    ("on_time", gettext_noop("Giải quyết đúng hạn")),
    ("late", gettext_noop("Giải quyết trễ hạn")),
)
RATE_CARDS = (
    (
        "on_time_rate",
        gettext_noop("Tỷ lệ đúng hạn (trước hạn + đúng hạn / đã giải quyết)"),
        "resolved",
    ),
    ("online_rate", gettext_noop("Tỷ lệ nộp trực tuyến"), "online_received"),
    ("online_payment_rate", gettext_noop("Tỷ lệ thanh toán trực tuyến"), "paid_online"),
    ("digitisation_rate", gettext_noop("Tỷ lệ số hóa hồ sơ"), "digitised"),
    ("reuse_rate", gettext_noop("Tỷ lệ tái sử dụng giấy tờ số"), "reused"),
    ("satisfaction", gettext_noop("Tỷ lệ hài lòng (4–5 sao / đã đánh giá)"), "satisfied"),
)
LOWER_IS_BETTER = {"in_progress_overdue", "late", "average_processing_days"}


def percent(rate: selectors.Rate) -> float | None:
    value = rate.value
    return None if value is None else round(value * 100, 1)


def cards(current: selectors.Summary, before: selectors.Summary) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, label in COUNT_CARDS:
        now, then = getattr(current, key), getattr(before, key)
        out.append(
            {
                "key": key,
                "label": _(label),
                "value": now,
                "previous": then,
                "delta": now - then,
                "kind": "int",
                "metric": key,
                "good": _is_good(key, now - then),
            }
        )
    for key, label, metric in RATE_CARDS:
        rate, old = getattr(current, key), getattr(before, key)
        now_pct, then_pct = percent(rate), percent(old)
        delta = None if now_pct is None or then_pct is None else round(now_pct - then_pct, 1)
        out.append(
            {
                "key": key,
                "label": _(label),
                "value": now_pct,
                "previous": then_pct,
                "delta": delta,
                "kind": "pct",
                "metric": metric,
                "numerator": rate.numerator,
                "denominator": rate.denominator,
                "good": _is_good(key, delta),
            }
        )
    days, old_days = current.average_processing_days, before.average_processing_days
    delta_days = None if days is None or old_days is None else round(days - old_days, 2)
    out.append(
        {
            "key": "average_processing_days",
            "label": _("Thời gian giải quyết trung bình (ngày làm việc)"),
            "value": days,
            "previous": old_days,
            "delta": delta_days,
            "kind": "decimal",
            "metric": "resolved",
            "good": _is_good("average_processing_days", delta_days),
        }
    )
    return out


def _is_good(key: str, delta: float | int | None) -> bool | None:
    if not delta:
        return None
    return (delta < 0) if key in LOWER_IS_BETTER else (delta > 0)


def chart_data(points: list[tuple[datetime.date, selectors.Summary]], grain: str) -> dict[str, Any]:
    fmt = {"day": "%d/%m", "month": "%m/%Y", "quarter": "%m/%Y", "year": "%Y"}[grain]
    return {
        "labels": [day.strftime(fmt) for day, _s in points],
        "series": [
            {"name": _("Tiếp nhận"), "type": "bar", "data": [s.received for _d, s in points]},
            {"name": _("Đã giải quyết"), "type": "bar", "data": [s.resolved for _d, s in points]},
            {
                "name": _("Tỷ lệ đúng hạn (%)"),
                "type": "line",
                "axis": 1,
                "data": [percent(s.on_time_rate) for _d, s in points],
            },
            {
                "name": _("Tỷ lệ trực tuyến (%)"),
                "type": "line",
                "axis": 1,
                "data": [percent(s.online_rate) for _d, s in points],
            },
        ],
    }


def breakdown_rows(filters: Filters) -> list[dict[str, Any]]:
    rows = selectors.breakdown(
        scope=filters.scope, start=filters.period.start, end=filters.period.end, by=filters.by
    )
    codes: dict[str, str] = {}
    if filters.by == "unit":
        ids = [int(r.key) for r in rows if r.key.isdigit()]
        codes = {
            str(pk): code
            for pk, code in AdministrativeUnit.objects.filter(pk__in=ids).values_list("pk", "code")
        }
    out = []
    for row in rows:
        s = row.summary
        drill = None
        if filters.by == "agency" and row.key.isdigit():
            drill = filters.query(agency=row.key, by="procedure")
        elif filters.by == "unit" and row.key in codes:
            drill = filters.query(unit=codes[row.key], by="agency")
        out.append(
            {
                "key": row.key,
                "label": row.label,
                "drill": drill,
                "summary": s,
                "on_time": percent(s.on_time_rate),
                "online": percent(s.online_rate),
                "satisfaction": percent(s.satisfaction),
            }
        )
    return out


# --- pages ---------------------------------------------------------------------------------------


@require_GET
@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    access = _ioc_user(request)
    filters = Filters(request, access)
    period = filters.period
    current = selectors.summary(scope=filters.scope, start=period.start, end=period.end)
    compared = periods.comparison(period)
    before_period = compared.previous
    before = selectors.summary(
        scope=filters.scope, start=before_period.start, end=before_period.end
    )
    backlog = selectors.backlog(scope=filters.scope)
    points = selectors.trend(
        scope=filters.scope, start=period.start, end=period.end, grain=period.grain
    )
    context = {
        "filters": filters,
        "cards": cards(current, before),
        "previous": before_period,
        "compared": compared,
        "backlog": backlog,
        "chart": chart_data(points, period.grain),
        "rows": breakdown_rows(filters),
        "by_choices": [(key, _(label), filters.query(by=key)) for key, label in BY_LABELS.items()],
        "alerts": dashboard_alerts.open_alerts(request.user)[:10],
        "freshness": receivers.freshness(),
        "sync_rows": sync_health.per_agency(access)[:SYNC_ROWS],
        "sync_days": sync_health.DEFAULT_DAYS,
        "ioc_section": "dashboard",
    }
    return render(request, "ioc/dashboard.html", context)


@require_GET
@login_required
def dossiers_view(request: HttpRequest) -> HttpResponse:
    access = _ioc_user(request)
    filters = Filters(request, access)
    metric = request.GET.get("metric", "")
    if metric not in selectors.METRICS:
        raise Http404
    dossiers = _dossiers(request, filters, metric)
    total = getattr(
        selectors.summary(scope=filters.scope, start=filters.period.start, end=filters.period.end),
        metric,
    )
    paginator = Paginator(dossiers, 50)
    if isinstance(total, int) and selectors.sees_every_dossier(request.user, filters.scope):
        paginator.count = total  # the figure itself: no COUNT over the dossier table
    page = paginator.get_page(request.GET.get("trang"))
    province_reader = selectors.reads_every_dossier(request.user)
    rows = []
    for d in page.object_list:
        link = _backoffice_link(request, d)
        rows.append({"dossier": d, "link": link, "read_only": province_reader and not link})
    if province_reader:
        _audit_list(request, filters, metric, [row["dossier"].code for row in rows])
    context = {
        "filters": filters,
        "metric": metric,
        "metric_label": _(METRIC_LABELS.get(metric, metric)),
        "page": page,
        "rows": rows,
        "total": total,
        "province_reader": province_reader,
        "query": filters.query(metric=metric),
        "ioc_section": "dashboard",
    }
    return render(request, "ioc/dossiers.html", context)


METRIC_LABELS = {key: label for key, label in COUNT_CARDS} | {
    "online_received": gettext_noop("Hồ sơ nộp trực tuyến"),
    "paid_online": gettext_noop("Hồ sơ thanh toán trực tuyến"),
    "digitised": gettext_noop("Hồ sơ được số hóa"),
    "reused": gettext_noop("Hồ sơ tái sử dụng giấy tờ số"),
    "satisfied": gettext_noop("Hồ sơ được đánh giá hài lòng"),
    "submitted": gettext_noop("Hồ sơ đã nộp"),
}


def _dossiers(request: HttpRequest, filters: Filters, metric: str) -> Any:
    try:
        qs = selectors.dossiers_behind(
            user=request.user,
            metric=metric,
            scope=filters.scope,
            start=filters.period.start,
            end=filters.period.end,
        )
    except selectors.IocForbidden:
        raise PermissionDenied from None
    return qs.select_related("procedure_version", "agency")


def _audit_list(request: HttpRequest, filters: Filters, metric: str, codes: list[str]) -> None:
    """A province reader's list of the dossiers behind a figure is audited with the codes it
    showed (docs/security.md, "Province leaders")."""
    log_event(
        action="ioc.dossiers_read",
        actor=None,
        target=f"ioc:{metric}",
        details={
            "metric": metric,
            "period": [filters.period.start.isoformat(), filters.period.end.isoformat()],
            "agency": filters.scope.agency_id,
            "unit": filters.scope.unit_code,
            "codes": codes,
        },
        request=request,
    )


@require_GET
@login_required
def dossier_view(request: HttpRequest, code: str) -> HttpResponse:
    """A dossier behind a figure, read only, for a province reader (leader of the provincial
    People's Committee); every read is audited. Others get 404 and use the back office."""
    dossier = selectors.dossier_behind_figures(request.user, code)
    if dossier is None:
        raise Http404
    log_event(
        action="ioc.dossier_read",
        actor=None,
        target=f"dossier:{dossier.code}",
        details={"agency": dossier.agency_id, "status": dossier.status},
        request=request,
    )
    history = dossier.history.select_related("agency").order_by("seq")
    context = {"dossier": dossier, "history": history, "ioc_section": "dashboard"}
    return render(request, "ioc/dossier.html", context)


def _backoffice_link(request: HttpRequest, dossier: Any) -> bool:
    user = request.user
    return is_platform_admin(user) or bool(dossier_selectors.roles_on(user, dossier, "either"))


@require_GET
@login_required
def index766_view(request: HttpRequest) -> HttpResponse:
    access = _ioc_user(request)
    month, level, rows, error = _index766(request, access)
    context = {
        "month": month,
        "level": level,
        "rows": rows,
        "error": error,
        "query": urlencode({"period": month, "level": level}),
        "ioc_section": "index766",
    }
    return render(request, "ioc/index766.html", context)


def _index766(request: HttpRequest, access: IocAccess) -> tuple[str, str, list[Any], str]:
    today = periods.today_in_vietnam()
    default = f"{today:%Y-%m}"
    month = request.GET.get("period", default)
    level = request.GET.get("level", "agency")
    error = ""
    if level not in ("agency", "unit"):
        level = "agency"
    try:
        periods.month_period(int(month[:4]), int(month[5:7]))
        if len(month) != 7 or month[4] != "-":
            raise ValueError(month)
    except ValueError:
        month, error = default, _("Tháng không hợp lệ; đang hiển thị tháng hiện tại.")
    rows = list(index766.compute(period=month, level=level))
    if not access.sees_all:
        rows = [r for r in rows if level == "agency" and _row_agency(r) in access.agency_ids]
    return month, level, rows, error


def _row_agency(row: Any) -> int | None:
    key = getattr(row, "agency_id", None) or getattr(row, "key", None)
    try:
        return int(key) if key is not None else None
    except (TypeError, ValueError):
        return None


# --- exports -------------------------------------------------------------------------------------

TABLES = ("summary", "trend", "breakdown", "dossiers", "index766")


@require_GET
@login_required
def export_view(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    access = _ioc_user(request)
    if table not in TABLES or fmt not in exports.FORMATS:
        raise Http404
    if table == "index766":
        month, level, rows, _error = _index766(request, access)
        return exports.export_response(
            exports.index766_table(rows, month, level), fmt, f"chi-so-766-{month}-{level}"
        )
    filters = Filters(request, access)
    period = filters.period
    subtitle = f"{filters.scope_label} · {period.label}"
    if table == "summary":
        before_period = periods.comparison(period).previous
        current = selectors.summary(scope=filters.scope, start=period.start, end=period.end)
        before = selectors.summary(
            scope=filters.scope, start=before_period.start, end=before_period.end
        )
        built = exports.summary_table(cards(current, before), subtitle, before_period.label)
    elif table == "trend":
        points = selectors.trend(
            scope=filters.scope, start=period.start, end=period.end, grain=period.grain
        )
        built = exports.trend_table(points, subtitle, period.grain)
    elif table == "breakdown":
        built = exports.breakdown_table(breakdown_rows(filters), subtitle, _(BY_LABELS[filters.by]))
    else:
        metric = request.GET.get("metric", "")
        if metric not in selectors.METRICS:
            raise Http404
        listed = list(_dossiers(request, filters, metric)[:5000])
        if selectors.reads_every_dossier(request.user):
            _audit_list(request, filters, metric, [d.code for d in listed])
        built = exports.dossiers_table(
            listed,
            subtitle,
            _(METRIC_LABELS.get(metric, metric)),
        )
    return exports.export_response(built, fmt, f"{table}-{period.start:%Y%m%d}-{period.end:%Y%m%d}")


# --- public transparency page --------------------------------------------------------------------


def public_period(request: HttpRequest) -> Period:
    """Month or year only; the current month by default."""
    params = {k: request.GET[k] for k in ("period", "month", "year") if k in request.GET}
    if params.get("period") not in ("month", "year"):
        params["period"] = "month"
    return periods.parse_period(params)


def public_rows(period: Period) -> list[dict[str, Any]]:
    rows = selectors.breakdown(scope=Scope(), start=period.start, end=period.end, by="agency")
    return [
        {
            "label": r.label,
            "received": r.summary.received,
            "resolved": r.summary.resolved,
            "on_time": percent(r.summary.on_time_rate),
            "online": percent(r.summary.online_rate),
            "satisfaction": percent(r.summary.satisfaction),
            "rated": r.summary.rated,
        }
        for r in rows
    ]


@require_GET
def public_view(request: HttpRequest) -> HttpResponse:
    period = public_period(request)
    total = selectors.summary(scope=Scope(), start=period.start, end=period.end)
    context = {
        "period": period,
        "rows": public_rows(period),
        "total": total,
        "on_time": percent(total.on_time_rate),
        "online": percent(total.online_rate),
        "satisfaction": percent(total.satisfaction),
        "query": urlencode(period.params()),
        "years": list(range(periods.today_in_vietnam().year, 2019, -1)),
    }
    return render(request, "ioc/public.html", context)


@require_GET
def public_export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    period = public_period(request)
    table = exports.public_table(public_rows(period), period.label)
    return exports.export_response(table, fmt, f"minh-bach-{period.start:%Y%m}")
