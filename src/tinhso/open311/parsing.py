"""Reading GeoReport v2 input: date-times, the request window, coordinates and the
``attribute[code]=value`` fields, each refused with an :class:`Open311Error` (400) that says
which field is wrong."""

import datetime
import math
import re
import zoneinfo

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.open311.adapter import Attribute, Open311Error, ServiceDefinition, Status

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
WINDOW = datetime.timedelta(days=90)  # the spec's longest range and default window
MAX_RESULTS = 1000  # the spec's default cap on a search
MAX_IDS = 1000  # service_request_id=a,b,c…: no more ids than a search may answer
ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")  # the spec: a description holds no HTML
MAX_TEXT = 4000  # the spec's limit for description (and our text attributes)
MAX_STRING = 500


def bad(description: str) -> Open311Error:
    return Open311Error(400, description)


def parse_datetime(value: str, field: str) -> datetime.datetime:
    """W3C/ISO 8601 (``2026-01-01T00:00:00Z``, ``…+07:00``); a time without a zone, or a bare
    date, is read in the province's time (Asia/Ho_Chi_Minh)."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise bad(
            _("%(field)s không phải ngày giờ ISO 8601 (ví dụ 2026-01-01T00:00:00+07:00).")
            % {"field": field}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)
    return moment


def comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def window(
    start_text: str, end_text: str, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The search range: both given → at most 90 days, start before end; one given → 90 days
    from (or up to) it; none → the last 90 days."""
    now = now or timezone.now()
    start = parse_datetime(start_text, "start_date") if start_text.strip() else None
    end = parse_datetime(end_text, "end_date") if end_text.strip() else None
    if start is not None and end is not None:
        if end < start:
            raise bad(_("end_date phải sau start_date."))
        if end - start > WINDOW:
            raise bad(_("Khoảng thời gian tìm kiếm không được quá 90 ngày."))
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    return now - WINDOW, now


def statuses(value: str) -> tuple[Status, ...]:
    found: list[Status] = []
    for part in comma_list(value.lower()):
        if part == "open":
            found.append("open")
        elif part == "closed":
            found.append("closed")
        else:
            raise bad(_("status chỉ nhận open hoặc closed."))
    return tuple(dict.fromkeys(found))


def coordinates(lat_text: str, long_text: str) -> tuple[float | None, float | None]:
    """WGS84 ``lat`` and ``long``: both or neither, finite and within range."""
    lat_text, long_text = lat_text.strip(), long_text.strip()
    if not lat_text and not long_text:
        return None, None
    if not lat_text or not long_text:
        raise bad(_("Cần cả lat và long."))
    try:
        lat, lon = float(lat_text), float(long_text)
    except ValueError:
        raise bad(_("lat và long phải là số (độ, WGS84).")) from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        raise bad(_("lat phải trong [-90, 90] và long trong [-180, 180]."))
    return lat, lon


def text(value: str, field: str, limit: int, *, html: bool = True) -> str:
    value = value.strip()
    if len(value) > limit:
        raise bad(_("%(field)s dài quá %(limit)d ký tự.") % {"field": field, "limit": limit})
    if not html and TAG.search(value):
        raise bad(_("%(field)s không được chứa HTML.") % {"field": field})
    return value


# --- attribute[code]=value -------------------------------------------------------------------


def raw_attributes(data: QueryDict) -> dict[str, list[str]]:
    """The ``attribute`` fields as the spec writes them: ``attribute[code]=value`` and, for a
    multivaluelist, ``attribute[code][]=v1&attribute[code][]=v2`` (a repeated
    ``attribute[code]`` counts the same). Empty values are dropped."""
    found: dict[str, list[str]] = {}
    for name in data:
        if not name.startswith("attribute"):
            continue
        match = ATTRIBUTE_FIELD.match(name)
        if match is None:
            raise bad(_("Trường %(name)s không đúng dạng attribute[mã].") % {"name": name})
        values = [v.strip() for v in data.getlist(name) if v.strip()]
        if values:
            found.setdefault(match.group(1), []).extend(values)
    return found


def attributes(data: QueryDict, definition: ServiceDefinition) -> dict[str, list[str]]:
    """The answers to the service's questions, checked against its definition: known codes
    only, required ones present, values of the attribute's datatype."""
    given = raw_attributes(data)
    known = {attribute.code: attribute for attribute in definition.attributes}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise bad(_("Dịch vụ không có thuộc tính: %(codes)s.") % {"codes": ", ".join(unknown)})
    checked: dict[str, list[str]] = {}
    for attribute in definition.attributes:
        values = given.get(attribute.code, [])
        if not attribute.variable:
            if values:
                raise bad(_("Thuộc tính %(code)s chỉ để đọc.") % {"code": attribute.code})
            continue
        if not values:
            if attribute.required:
                raise bad(_("Thiếu thuộc tính bắt buộc %(code)s.") % {"code": attribute.code})
            continue
        checked[attribute.code] = _typed(attribute, values)
    return checked


def _typed(attribute: Attribute, values: list[str]) -> list[str]:
    code = attribute.code
    if attribute.datatype != "multivaluelist" and len(values) > 1:
        raise bad(_("Thuộc tính %(code)s chỉ nhận một giá trị.") % {"code": code})
    if attribute.datatype in ("singlevaluelist", "multivaluelist"):
        keys = {value.key for value in attribute.values}
        wrong = [value for value in values if value not in keys]
        if wrong:
            raise bad(
                _("Giá trị không hợp lệ cho %(code)s: %(values)s.")
                % {"code": code, "values": ", ".join(wrong)}
            )
        return list(dict.fromkeys(values))
    value = values[0]
    if attribute.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise bad(_("Thuộc tính %(code)s phải là số.") % {"code": code})
    elif attribute.datatype == "datetime":
        value = parse_datetime(value, f"attribute[{code}]").isoformat()
    else:
        limit = MAX_TEXT if attribute.datatype == "text" else MAX_STRING
        value = text(value, f"attribute[{code}]", limit)
    return [value]


def ids(value: str) -> list[str]:
    found = list(dict.fromkeys(comma_list(value)))
    if len(found) > MAX_IDS:
        raise bad(_("Tối đa %(count)d mã yêu cầu một lần.") % {"count": MAX_IDS})
    return found
