"""Public calendar API: the due time of a processing period counted in working days."""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from tinhso.apierrors import ApiError, ErrorOut
from tinhso.calendars.worktime import TZ, get_calendar

router = Router(tags=["calendar"])

MAX_WORKING_DAYS = Decimal(3650)
MIN_YEAR, MAX_YEAR = 1990, 2100
# A "+" left unencoded in a query string arrives as a space: "…T09:00:00 07:00".
_SPACE_FOR_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class DueOut(Schema):
    due_at: dt.datetime


@router.get(
    "/calendar/due",
    response={200: DueOut, 400: ErrorOut},
    auth=None,
    summary="Hạn trả kết quả theo ngày làm việc",
    description=(
        "Thời điểm hẹn trả khi tiếp nhận lúc `start` (ISO 8601; không có múi giờ thì hiểu là "
        "giờ Việt Nam) với thời hạn `working_days` ngày làm việc (có thể lẻ, ví dụ 0.5). "
        "Tính theo giờ hành chính, bỏ thứ Bảy, Chủ nhật, ngày lễ, ngày nghỉ bù; tính ngày "
        "làm việc bù."
    ),
)
def calendar_due(
    request: HttpRequest, start: str | None = None, working_days: str | None = None
) -> DueOut:
    received = _parse_start(start)
    days = _parse_working_days(working_days)
    calendar = get_calendar()
    minutes = int((days * calendar.minutes_per_day).to_integral_value(ROUND_HALF_UP))
    return DueOut(due_at=calendar.due_at(received, minutes))


def _parse_start(value: str | None) -> dt.datetime:
    if value is None or not value.strip():
        raise _invalid("start", _("Thiếu thời điểm tiếp nhận (start)."))
    try:
        moment = _fromisoformat(value.strip())
    except ValueError:
        raise _invalid(
            "start",
            _("Thời điểm tiếp nhận phải theo định dạng ISO 8601, ví dụ 2025-06-10T09:00:00+07:00."),
        ) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise _invalid(
            "start",
            _("Năm của thời điểm tiếp nhận phải từ %(min)d đến %(max)d.")
            % {"min": MIN_YEAR, "max": MAX_YEAR},
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(400, message, field)


def _fromisoformat(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        repaired = _SPACE_FOR_PLUS.sub(r"\1+\2", text)
        if repaired == text:
            raise
        return dt.datetime.fromisoformat(repaired)


def _parse_working_days(value: str | None) -> Decimal:
    if value is None or not value.strip():
        raise _invalid("working_days", _("Thiếu số ngày làm việc (working_days)."))
    try:
        days = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise _invalid(
            "working_days", _("Số ngày làm việc phải là một số, ví dụ 3 hoặc 0.5.")
        ) from None
    if not days.is_finite() or days < 0 or days > MAX_WORKING_DAYS:
        raise _invalid(
            "working_days",
            _("Số ngày làm việc phải từ 0 đến %(max)d.") % {"max": int(MAX_WORKING_DAYS)},
        )
    return days
