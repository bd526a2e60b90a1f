"""Operations-centre endpoints: /api/v1/ioc/summary, /api/v1/ioc/index766 and
/api/v1/ioc/sync-health (docs/ioc.md)."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tinhso.accounts.api import bearer, session_user
from tinhso.agencies.models import Agency
from tinhso.apierrors import ApiError
from tinhso.ioc import index766, receivers, selectors, sync_health
from tinhso.units.selectors import today_in_vietnam

router = Router(tags=["ioc"], auth=[bearer, session_user])


def _date(value: str | None, field: str, default: datetime.date) -> datetime.date:
    if value is None or value == "":
        return default
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(400, _("Ngày không hợp lệ (định dạng YYYY-MM-DD)."), field) from exc


def _agency_id(value: str | None) -> int | None:
    if not value:
        return None
    condition: dict[str, Any] = {"pk": int(value)} if value.isdigit() else {"slug": value}
    agency = Agency.objects.filter(**condition).values_list("pk", flat=True).first()
    if agency is None:
        raise ApiError(404, _("Không tìm thấy cơ quan."), "agency")
    return int(agency)


def _access(request: HttpRequest) -> selectors.IocAccess:
    access = selectors.ioc_access(request.user)
    if not access.any:
        raise ApiError(403, _("Bạn không có quyền xem trung tâm điều hành."))
    return access


@router.get(
    "/ioc/summary",
    summary="Service-quality figures of a scope and period",
    description=(
        "Counts and rates (each with numerator and denominator) for the days `from`…`to` "
        "(inclusive, Vietnam time; default: this month so far), for the whole province, an "
        "agency (`agency`: id or slug) and/or an administrative unit (`unit`: GSO code, a "
        "former district or commune included). The figures follow the dossier changes a few "
        "moments after each commit: `freshness` gives the changes not yet counted "
        "(`pending_changes`), how long the oldest has waited (`lag_seconds`) and when the last "
        "counted change happened (`counted_up_to`)."
    ),
)
def ioc_summary(
    request: HttpRequest,
    from_: str | None = Query(None, alias="from"),
    to: str | None = None,
    agency: str | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    access = _access(request)
    today = today_in_vietnam()
    start = _date(from_, "from", today.replace(day=1))
    end = _date(to, "to", today)
    if start > end:
        raise ApiError(400, _("Ngày bắt đầu phải trước ngày kết thúc."), "from")
    if (end - start).days > 366 * 20:
        raise ApiError(400, _("Khoảng thời gian quá dài."), "from")
    scope = selectors.Scope(agency_id=_agency_id(agency), unit_code=unit or None)
    if not access.allows(scope):
        raise ApiError(403, _("Bạn không có quyền xem phạm vi này."), "agency")
    try:
        figures = selectors.summary(scope=scope, start=start, end=end)
    except selectors.UnknownScope as exc:
        raise ApiError(404, _("Không tìm thấy đơn vị hành chính."), exc.field) from exc
    previous = selectors.previous_period(start, end)
    return {
        "from": start,
        "to": end,
        "freshness": receivers.freshness(),
        "agency": scope.agency_id,
        "unit": scope.unit_code,
        "summary": figures.as_dict(),
        "previous": {
            "from": previous[0],
            "to": previous[1],
            "summary": selectors.summary(scope=scope, start=previous[0], end=previous[1]).as_dict(),
        },
    }


class IndexOut(Schema):
    period: str
    level: str
    rows: list[dict[str, Any]]


@router.get(
    "/ioc/index766",
    response=IndexOut,
    summary="Decision 766 index per agency or unit for a month",
    description=(
        "Each indicator with numerator, denominator, target, points and formula; the six group "
        "scores, the total normalised over the points the platform can compute, and the rank. "
        "An agency leader receives only their agency's rows (ranked among all)."
    ),
)
def ioc_index766(request: HttpRequest, period: str, level: str = "agency") -> dict[str, Any]:
    access = _access(request)
    if level not in index766.LEVELS:
        raise ApiError(400, _("Cấp phải là agency, unit hoặc province."), "level")
    if not access.sees_all and level == "unit":
        raise ApiError(403, _("Bạn không có quyền xem bảng xếp hạng theo đơn vị."), "level")
    if not access.sees_all and level == "province":
        raise ApiError(403, _("Bạn không có quyền xem chỉ số của toàn tỉnh."), "level")
    try:
        rows = index766.compute(period=period, level=level)
    except ValueError as exc:
        raise ApiError(400, _("Kỳ không hợp lệ (định dạng YYYY-MM)."), "period") from exc
    if not access.sees_all:
        rows = [r for r in rows if int(r.key) in access.agency_ids]
    return {"period": period, "level": level, "rows": [r.as_dict() for r in rows]}


@router.get(
    "/ioc/sync-health",
    summary="National portal sync health per agency",
    description=(
        "Of the dossiers each agency received in the last `days` days (default 30, at most "
        "366): how many the national portal (Cổng DVCQG) holds (`held`, what 766 indicator 1.4 "
        "counts), how many are up to date there (`up_to_date`: held and not changed since the "
        "last accepted upsert), how many wait (`waiting`), how long the oldest change has waited "
        "(`lag_seconds`) and when the agency's last dossier was accepted (`last_synced_at`). "
        "Agencies with dossiers waiting come first. An agency leader receives their agency only."
    ),
)
def ioc_sync_health(request: HttpRequest, days: int = sync_health.DEFAULT_DAYS) -> dict[str, Any]:
    access = _access(request)
    if not 1 <= days <= sync_health.MAX_DAYS:
        raise ApiError(400, _("Số ngày phải từ 1 đến 366."), "days")
    now = timezone.now()
    return {
        "days": days,
        "agencies": [row.as_dict(now) for row in sync_health.per_agency(access, days=days)],
    }
