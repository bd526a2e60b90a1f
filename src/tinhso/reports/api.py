"""``/api/v1/feedback/…``: reports and petitions (issue 18). Thin: parse, load through the
selectors, call one service; errors in the API's JSON shape (``tinhso.apierrors``)."""

import datetime
import math
from typing import Any, NoReturn

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tinhso.accounts.api import bearer, session_user
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.apierrors import ApiError, ErrorOut
from tinhso.reports import duplicates, selectors, services
from tinhso.reports.errors import ReportError
from tinhso.reports.models import Report

router = Router(tags=["Phản ánh, kiến nghị"])

MAX_NEARBY_DISTANCE_M = 2000


def _fail(exc: ReportError) -> NoReturn:
    raise ApiError(exc.status, exc.message, exc.field) from exc


def _number(value: str, field: str, low: float, high: float) -> float:
    try:
        number = float((value or "").strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise ApiError(400, _("Giá trị không hợp lệ."), field)
    return number


# --- nearby open reports (anonymous) -----------------------------------------------------------


class FeedbackNearbyQuery(Schema):
    lat: str
    long: str
    service_code: str
    distance: str | None = None


class FeedbackNearbyItem(Schema):
    service_request_id: str
    distance_m: float
    service_code: str
    description: str
    status: str
    requested_datetime: datetime.datetime


class FeedbackNearbyOut(Schema):
    items: list[FeedbackNearbyItem]


@router.get(
    "/feedback/nearby",
    response={200: FeedbackNearbyOut, 400: ErrorOut},
    auth=None,
    summary="Phản ánh đang mở ở gần (gợi ý trùng)",
)
def nearby(request: HttpRequest, params: Query[FeedbackNearbyQuery]) -> dict[str, Any]:
    """Open public reports of the category around a point, nearest first (at most 5): offered
    before a citizen files, so they can support one instead. No personal data."""
    lat = _number(params.lat, "lat", -90, 90)
    lon = _number(params.long, "long", -180, 180)
    distance = None
    if params.distance not in (None, ""):
        distance = _number(params.distance or "", "distance", 1, MAX_NEARBY_DISTANCE_M)
    try:
        category = services.active_category(params.service_code)
    except ReportError as exc:
        raise ApiError(400, exc.message, "service_code") from exc
    found = duplicates.nearby(lat, lon, category, distance)
    return {
        "items": [
            {
                "service_request_id": s.report.public_id,
                "distance_m": s.distance_m,
                "service_code": category.code,
                "description": s.report.description,
                "status": s.report.open311_status,
                "requested_datetime": s.report.received_at,
            }
            for s in found
        ]
    }


# --- one report --------------------------------------------------------------------------------


class FeedbackOut(Schema):
    service_request_id: str
    service_code: str
    service_name: str
    description: str
    status: str
    status_label: str
    open311_status: str
    lat: float | None
    long: float | None
    address: str
    commune: str | None
    commune_approximate: bool
    agency_responsible: str | None
    agency_code: str | None
    requested_datetime: datetime.datetime
    updated_datetime: datetime.datetime
    expected_datetime: datetime.datetime
    answer: str
    answered_at: datetime.datetime | None
    duplicate_of: str | None
    supporters: int
    photos: list[int]  # ids for /feedback/{id}/photos/{photo_id}
    private: bool
    alert: str
    # The reporter's own (never anyone else's):
    reporter_name: str | None = None
    reporter_phone: str | None = None
    # The reporter's and the handlers':
    citizen_rating: str | None = None
    reopened: bool | None = None
    # The handlers':
    assignee: str | None = None
    classify_due_at: datetime.datetime | None = None
    reopen_count: int | None = None


def _caller(request: HttpRequest) -> Any:
    """The signed-in caller on an operation open to anonymous callers, or None."""
    return bearer(request) or session_user(request)


def _view(report: Report, user: Any) -> dict[str, Any]:
    data = selectors.public_view(report)
    if services.is_handler(user, report):
        data.update(selectors.handling_view(report))
    if selectors.is_reporter(user, report):
        data.update(selectors.personal_view(report))
    return data


@router.get(
    "/feedback/{public_id}",
    response={200: FeedbackOut, 404: ErrorOut},
    auth=None,
    summary="Một phản ánh",
)
def report_detail(request: HttpRequest, response: HttpResponse, public_id: str) -> dict[str, Any]:
    """A public report for anyone; a private one for its reporter and handlers only (404 for
    others). The reporter's name and contact only for the reporter."""
    user = _caller(request)
    try:
        report = selectors.report_for_user(user, public_id)
    except ReportError as exc:
        _fail(exc)
    response["Cache-Control"] = "no-store"
    return _view(report, user)


@router.get(
    "/feedback/{public_id}/photos/{photo_id}",
    response={200: None, 404: ErrorOut},
    auth=None,
    summary="Ảnh của một phản ánh",
)
def report_photo(request: HttpRequest, public_id: str, photo_id: int) -> FileResponse:
    """A photo of a report the caller may see (public, or their own, or one they handle):
    photos are never served from ``/media``."""
    user = _caller(request)
    try:
        report = selectors.report_for_user(user, public_id)
    except ReportError as exc:
        _fail(exc)
    photo = report.photos.filter(pk=photo_id).first()
    if photo is None:
        raise ApiError(404, _("Không tìm thấy ảnh."))
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    if not report.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


# --- officials' actions ------------------------------------------------------------------------


class FeedbackActionIn(Schema):
    action: str
    comment: str = ""
    assignee: str | None = None  # username
    agency: str | None = None  # agency code
    duplicate_of: str | None = None  # service_request_id of the surviving report


def _run(action: FeedbackActionIn, report: Report, user: User) -> Report:
    name = action.action
    if name == "acknowledge":
        return services.acknowledge(report=report, user=user, comment=action.comment)
    if name == "assign":
        assignee = services.users_by_username(action.assignee or "")
        if assignee is None:
            raise ApiError(400, _("Không tìm thấy cán bộ được giao."), "assignee")
        return services.assign(report=report, user=user, assignee=assignee, comment=action.comment)
    if name == "transfer":
        agency = Agency.objects.filter(code=action.agency or "", is_active=True).first()
        if agency is None:
            raise ApiError(400, _("Không tìm thấy cơ quan nhận."), "agency")
        return services.transfer(report=report, user=user, agency=agency, comment=action.comment)
    if name == "answer":
        return services.answer(report=report, user=user, comment=action.comment)
    if name == "close":
        return services.close(report=report, user=user, comment=action.comment)
    if name == "reject":
        return services.reject(report=report, user=user, comment=action.comment)
    if name == "merge":
        survivor = Report.objects.filter(public_id=(action.duplicate_of or "")[:16]).first()
        if survivor is None:
            raise ApiError(400, _("Không tìm thấy phản ánh được gộp vào."), "duplicate_of")
        return services.merge(report=report, user=user, into=survivor, comment=action.comment)
    raise ApiError(400, _("Thao tác không hợp lệ."), "action")


@router.post(
    "/feedback/{public_id}/actions",
    response={
        200: FeedbackOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    auth=[bearer, session_user],
    summary="Xử lý phản ánh (cán bộ)",
)
def report_action(
    request: HttpRequest, response: HttpResponse, public_id: str, payload: FeedbackActionIn
) -> dict[str, Any]:
    """acknowledge, assign, transfer, answer, close, reject or merge, by staff of the responsible
    agency in a role allowed for the action (dispatchers for the queue)."""
    user: User = request.auth  # type: ignore[attr-defined]
    try:
        report = selectors.report_by_public_id(public_id)
        if payload.action not in services.OFFICIAL_ACTIONS:
            raise ApiError(400, _("Thao tác không hợp lệ."), "action")
        if not services.may_act(user, report, payload.action):
            raise ApiError(403, _("Bạn không có quyền thực hiện thao tác này với phản ánh."))
        report = _run(payload, report, user)
    except ReportError as exc:
        _fail(exc)
    response["Cache-Control"] = "no-store"
    return _view(selectors.report_by_public_id(report.public_id), user)
