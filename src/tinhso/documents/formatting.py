"""Dates, durations and amounts written the way Vietnamese administrative forms write them."""

import datetime
import zoneinfo
from decimal import Decimal

from django.utils.translation import gettext as _

VN_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def local(value: datetime.datetime) -> datetime.datetime:
    """``value`` in Asia/Ho_Chi_Minh, whatever the active timezone; naive values are refused."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(VN_TZ)


def vn_date(value: datetime.datetime | datetime.date | None) -> str:
    """'ngày 25 tháng 11 năm 2025'."""
    if value is None:
        return ""
    day = local(value).date() if isinstance(value, datetime.datetime) else value
    return _("ngày %(day)s tháng %(month)s năm %(year)s") % {
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}",
        "year": day.year,
    }


def vn_datetime(value: datetime.datetime | None) -> str:
    """'09 giờ 05 phút, ngày 25 tháng 11 năm 2025'."""
    if value is None:
        return ""
    moment = local(value)
    return _("%(hour)s giờ %(minute)s phút, %(date)s") % {
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "date": vn_date(moment),
    }


def vn_number(value: Decimal | int) -> str:
    """3 -> '3', Decimal('0.50') -> '0,5', 150000 -> '150.000'."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{int(number):,}".replace(",", ".")
    return format(number.normalize(), "f").replace(".", ",")


def working_days(value: Decimal | int) -> str:
    """'3 ngày làm việc'."""
    return _("%(days)s ngày làm việc") % {"days": vn_number(value)}


def dong(value: int) -> str:
    """'150.000 đồng'."""
    return _("%(amount)s đồng") % {"amount": vn_number(value)}
