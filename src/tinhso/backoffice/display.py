"""How the back office shows deadlines, durations, e-form data and history to officials.

Pure functions over objects already loaded: nothing here queries the database, so the inbox
can call them once per row.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tinhso.agencies.models import Role
from tinhso.calendars.worktime import WorkCalendar
from tinhso.dossiers.models import CLOCK_RUNNING, PAUSED, Dossier, HistoryEntry, Status, Timeliness
from tinhso.dossiers.workflow import APPLICANT
from tinhso.dossiers.workflow import action_label as action_label

RETURN_METHODS = {"counter": "counter", "postal": "postal", "online": "online"}


def return_method_labels() -> dict[str, str]:
    return {
        "counter": _("Trực tiếp tại Bộ phận Một cửa"),
        "postal": _("Qua dịch vụ bưu chính công ích"),
        "online": _("Trực tuyến"),
    }


def due_soon_minutes() -> int:
    return int(settings.TINHSO_DUE_SOON_WORKING_HOURS) * 60


def working_duration(minutes: int, minutes_per_day: int) -> str:
    """Working minutes as officials count them: '2 ngày 3 giờ', '45 phút'."""
    minutes = abs(minutes)
    days, rest = divmod(minutes, minutes_per_day)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d ngày", "%(n)d ngày", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d giờ", "%(n)d giờ", hours) % {"n": hours})
    if mins and not days:
        parts.append(ngettext("%(n)d phút", "%(n)d phút", mins) % {"n": mins})
    return " ".join(parts) or _("0 phút")


@dataclass(frozen=True)
class Deadline:
    """A deadline badge: ``tone`` is the CSS modifier, ``label`` the short text."""

    tone: str  # overdue, soon, ok, paused, done, late, none
    label: str
    remaining_minutes: int | None = None
    # The applicant's response period for a supplement has run out (R-DL-10): the official
    # decides what follows (remind, refuse or stop); the clock stays paused.
    supplement_overdue: bool = False


def deadline(dossier: Dossier, now: datetime.datetime, cal: WorkCalendar) -> Deadline:
    """The state of the dossier's appointment at ``now``, measured in working time."""
    per_day = cal.minutes_per_day
    if dossier.status in CLOCK_RUNNING and dossier.due_at is not None:
        if now > dossier.due_at:
            late = cal.working_minutes_between(dossier.due_at, now)
            if late == 0:  # past the appointment, but no working time has gone by since
                return Deadline("overdue", _("Quá hạn"), 0)
            return Deadline(
                "overdue", _("Quá hạn %(d)s") % {"d": working_duration(late, per_day)}, -late
            )
        left = cal.working_minutes_between(now, dossier.due_at)
        tone = "soon" if left <= due_soon_minutes() else "ok"
        return Deadline(tone, _("Còn %(d)s") % {"d": working_duration(left, per_day)}, left)
    if dossier.status in PAUSED:
        expired = supplement_overdue(dossier, now)
        if expired:
            assert dossier.supplement_due_at is not None
            return Deadline(
                "overdue",
                _("Quá hạn nộp bổ sung (hạn %(at)s)")
                % {"at": local_datetime(dossier.supplement_due_at)},
                dossier.remaining_minutes,
                supplement_overdue=True,
            )
        if dossier.remaining_minutes is None:
            return Deadline("paused", _("Tạm dừng tính hạn"))
        left = dossier.remaining_minutes
        text = (_("Tạm dừng, còn %(d)s") if left >= 0 else _("Tạm dừng, đã quá %(d)s")) % {
            "d": working_duration(left, per_day)
        }
        return Deadline("paused", text, left)
    if dossier.timeliness:
        tone = "late" if dossier.timeliness == Timeliness.LATE else "done"
        return Deadline(tone, str(Timeliness(dossier.timeliness).label))
    if dossier.status == Status.SUBMITTED:
        return Deadline("none", _("Chưa tiếp nhận"))
    return Deadline("none", "")


def supplement_overdue(dossier: Dossier, now: datetime.datetime) -> bool:
    """A supplement is awaited and its response period has ended."""
    return (
        dossier.status == Status.SUPPLEMENT_REQUESTED
        and dossier.supplement_due_at is not None
        and now > dossier.supplement_due_at
    )


def local_datetime(value: datetime.datetime | None) -> str:
    """'25/11/2025 09:05' in Asia/Ho_Chi_Minh."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def role_label(role: str) -> str:
    if role == APPLICANT:
        return _("Người nộp hồ sơ")
    if role in Role.values:
        return str(Role(role).label)
    return role


def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


# --- e-form data ---------------------------------------------------------------------------


@dataclass
class DataRow:
    """One entry of the e-form as a definition-list item; ``children`` for nested objects."""

    label: str
    value: str = ""
    items: list[str] = field(default_factory=list)
    children: list["DataRow"] = field(default_factory=list)


def form_data_rows(schema: dict[str, Any], data: dict[str, Any]) -> list[DataRow]:
    """The submitted e-form with the schema's titles, in schema order, then any extra keys."""
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    keys = [k for k in properties if k in data] + [k for k in data if k not in properties]
    rows = []
    for key in keys:
        prop = properties.get(key, {}) if isinstance(properties.get(key), dict) else {}
        rows.append(_row(str(prop.get("title") or key), prop, data[key]))
    return rows


def _row(label: str, prop: dict[str, Any], value: Any) -> DataRow:
    if isinstance(value, dict):
        return DataRow(label, children=form_data_rows(prop, value))
    if isinstance(value, list):
        item_schema = prop.get("items", {}) if isinstance(prop.get("items"), dict) else {}
        return DataRow(label, items=[_scalar(item_schema, item) for item in value])
    return DataRow(label, _scalar(prop, value))


def _scalar(prop: dict[str, Any], value: Any) -> str:
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if value is None or value == "":
        return "—"
    enum, names = prop.get("enum"), prop.get("enumNames") or prop.get("x-enumNames")
    if isinstance(enum, list) and isinstance(names, list) and value in enum:
        index = enum.index(value)
        if index < len(names):
            return str(names[index])
    if prop.get("format") == "date" and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(formats.number_format(value, use_l10n=True, force_grouping=True))
    return str(value)


# --- history -------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    entry: HistoryEntry
    label: str
    actor: str
    role: str
    agency: str
    from_status: str
    to_status: str
    notes: list[str]


def history_rows(entries: list[HistoryEntry]) -> list[HistoryRow]:
    return [
        HistoryRow(
            entry=entry,
            label=action_label(entry.action),
            actor=entry.actor.display_name if entry.actor else "",
            role=role_label(entry.actor_role),
            agency=entry.agency.name if entry.agency else "",
            from_status=status_label(entry.from_status),
            to_status=status_label(entry.to_status),
            notes=_history_notes(entry),
        )
        for entry in entries
    ]


def _history_notes(entry: HistoryEntry) -> list[str]:
    details = entry.details or {}
    notes = [_("Cần bổ sung: %(item)s") % {"item": item} for item in details.get("items", [])]
    for key, text in (
        ("new_due_at", _("Hẹn trả mới: %(at)s")),
        ("due_at", _("Hẹn trả: %(at)s")),
        ("previous_due_at", _("Hẹn trả trước đó: %(at)s")),
    ):
        moment = _parse(details.get(key))
        if moment is not None:
            notes.append(text % {"at": local_datetime(moment)})
    moment = _parse(details.get("respond_by"))
    if moment is not None:
        notes.append(_("Hạn nộp bổ sung: %(at)s") % {"at": local_datetime(moment)})
    if details.get("beyond_limit"):
        notes.append(
            _("Yêu cầu bổ sung lần %(n)s, vượt số lần cho phép, do lãnh đạo quyết định")
            % {"n": details.get("request_number", "")}
        )
    if details.get("number"):
        notes.append(_("Số văn bản: %(n)s") % {"n": details["number"]})
    if details.get("assignee"):
        notes.append(_("Người xử lý: %(u)s") % {"u": details["assignee"]})
    method = details.get("return_method")
    if method:
        notes.append(_("Hình thức trả: %(m)s") % {"m": return_method_labels().get(method, method)})
    if details.get("postal_tracking"):
        notes.append(_("Mã vận đơn: %(t)s") % {"t": details["postal_tracking"]})
    if entry.step_outcome:
        notes.append(_("Kết quả bước: %(o)s") % {"o": Timeliness(entry.step_outcome).label})
    return notes


def _parse(value: object) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
