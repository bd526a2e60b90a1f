"""The texts sent to applicants, one subject, e-mail body and SMS per event, in Vietnamese.

The appointment shown is the one recorded with the event (``details["new_due_at"]`` or
``details["due_at"]`` of the history entry), else ``dossier.due_at``; an apology also shows the
previous one (``details["previous_due_at"]``), supplement requests list ``details["items"]``,
and the entry's comment is given as the reason or guidance.

Every text is a gettext msgid with named placeholders, rendered in the site language
(``settings.LANGUAGE_CODE``) whatever language the triggering request was in. Messages carry
the dossier code, procedure, status, the appointment time and a link to the dossier page;
never the applicant's personal ID number. SMS texts are kept to 160 characters for common
codes and site addresses, and keep their diacritics.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from tinhso.dossiers.models import Dossier, HistoryEntry, Status
from tinhso.notifications.events import Event

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    sms: str


def format_appointment(moment: datetime.datetime) -> str:
    """``"08 giờ 05 phút, ngày 12/06/2025"``, in Asia/Ho_Chi_Minh whatever the input zone."""
    local = moment.astimezone(VIETNAM)
    return _("%(hour)02d giờ %(minute)02d phút, ngày %(day)02d/%(month)02d/%(year)04d") % {
        "hour": local.hour,
        "minute": local.minute,
        "day": local.day,
        "month": local.month,
        "year": local.year,
    }


def dossier_url(code: str) -> str:
    """The public page of a dossier: ``{TINHSO_SITE_URL}/ho-so/<code>/``."""
    return f"{settings.TINHSO_SITE_URL.rstrip('/')}/ho-so/{quote(code)}/"


def _parse_moment(value: object) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM)


@dataclass
class _Facts:
    """What a message may say, gathered once from the dossier and the history entry."""

    code: str
    name: str
    procedure: str
    agency: str
    status: str
    link: str
    comment: str
    due: str
    previous_due: str
    items: list[str] = field(default_factory=list)

    @property
    def values(self) -> dict[str, str]:
        return {
            "code": self.code,
            "agency": self.agency,
            "link": self.link,
            "due": self.due,
            "previous_due": self.previous_due,
            "comment": self.comment,
        }


@dataclass
class _Parts:
    subject: str
    lead: list[str]
    sms: str


def _facts(dossier: Dossier, entry: HistoryEntry) -> _Facts:
    if not dossier.code:
        raise ValueError(f"Dossier {dossier.pk} has no code: drafts are never notified")
    statuses = dict(Status.choices)
    details = entry.details if isinstance(entry.details, dict) else {}
    raw_items = details.get("items")
    items = [item.strip() for item in raw_items or [] if isinstance(item, str) and item.strip()]
    previous = _parse_moment(details.get("previous_due_at"))
    # The appointment as of the event (a retried message must not show a later change);
    # entries written before these keys existed fall back to the dossier's current one.
    due = (
        _parse_moment(details.get("new_due_at"))
        or _parse_moment(details.get("due_at"))
        or dossier.due_at
    )
    return _Facts(
        code=dossier.code,
        name=dossier.applicant_name,
        procedure=dossier.procedure_version.name,
        agency=dossier.agency.name,
        status=str(statuses.get(entry.to_status, dossier.get_status_display())),
        link=dossier_url(dossier.code),
        comment=entry.comment.strip(),
        due=format_appointment(due) if due else "",
        previous_due=format_appointment(previous) if previous else "",
        items=items,
    )


def _reason_line(facts: _Facts) -> list[str]:
    return [_("Lý do: %(comment)s") % facts.values] if facts.comment else []


def _received(facts: _Facts) -> _Parts:
    lead = [_("Hồ sơ của ông/bà đã được tiếp nhận và đang được giải quyết.")]
    if facts.due:
        lead.append(_("Ngày hẹn trả kết quả: %(due)s.") % facts.values)
        sms = _("Hồ sơ %(code)s đã được tiếp nhận, hẹn trả %(due)s. %(link)s")
    else:
        sms = _("Hồ sơ %(code)s đã được tiếp nhận. Xem: %(link)s")
    return _Parts(_("Hồ sơ %(code)s đã được tiếp nhận"), lead, sms)


def _supplement_requested(facts: _Facts) -> _Parts:
    lead = [_("Hồ sơ của ông/bà cần được bổ sung, hoàn thiện như sau:")]
    lead += [f"  - {item}" for item in facts.items]
    if facts.comment:
        lead.append(_("Hướng dẫn: %(comment)s") % facts.values)
    lead.append(_("Ông/bà có thể nộp bổ sung trực tuyến hoặc tại nơi đã tiếp nhận hồ sơ."))
    return _Parts(
        _("Hồ sơ %(code)s cần bổ sung, hoàn thiện"),
        lead,
        _("Hồ sơ %(code)s cần bổ sung giấy tờ. Xem hướng dẫn: %(link)s"),
    )


def _refused(facts: _Facts) -> _Parts:
    return _Parts(
        _("Hồ sơ %(code)s không được tiếp nhận"),
        [_("Rất tiếc, hồ sơ của ông/bà không được tiếp nhận."), *_reason_line(facts)],
        _("Hồ sơ %(code)s không được tiếp nhận. Xem lý do: %(link)s"),
    )


def _apologized(facts: _Facts) -> _Parts:
    lead = [
        _("%(agency)s chân thành xin lỗi ông/bà vì hồ sơ không thể trả kết quả đúng hẹn.")
        % facts.values,
        *_reason_line(facts),
    ]
    if facts.previous_due:
        lead.append(_("Ngày hẹn trả kết quả trước đây: %(previous_due)s.") % facts.values)
    if facts.due:
        lead.append(_("Ngày hẹn trả kết quả mới: %(due)s.") % facts.values)
        sms = _("Xin lỗi ông/bà, hồ sơ %(code)s trễ hẹn; hẹn mới %(due)s. %(link)s")
    else:
        sms = _("Xin lỗi ông/bà, hồ sơ %(code)s trễ hẹn. Xem: %(link)s")
    return _Parts(_("Xin lỗi và hẹn lại ngày trả kết quả hồ sơ %(code)s"), lead, sms)


def _result_ready(facts: _Facts) -> _Parts:
    return _Parts(
        _("Hồ sơ %(code)s đã có kết quả"),
        [
            _("Hồ sơ của ông/bà đã được giải quyết xong."),
            _(
                "Kết quả được trả theo hình thức ông/bà đã đăng ký; "
                "xem chi tiết tại đường dẫn dưới đây."
            ),
        ],
        _("Hồ sơ %(code)s đã có kết quả. Xem: %(link)s"),
    )


def _returned(facts: _Facts) -> _Parts:
    return _Parts(
        _("Hồ sơ %(code)s đã trả kết quả"),
        [
            _("Kết quả giải quyết hồ sơ đã được trả cho ông/bà."),
            _("Mời ông/bà đánh giá mức độ hài lòng tại đường dẫn dưới đây."),
        ],
        _("Hồ sơ %(code)s đã trả kết quả. Mời ông/bà đánh giá mức độ hài lòng: %(link)s"),
    )


def _stopped(facts: _Facts) -> _Parts:
    return _Parts(
        _("Hồ sơ %(code)s đã dừng xử lý"),
        [_("Hồ sơ của ông/bà đã được dừng xử lý."), *_reason_line(facts)],
        _("Hồ sơ %(code)s đã dừng xử lý. Xem lý do: %(link)s"),
    )


def _withdrawn(facts: _Facts) -> _Parts:
    lead = [_("Theo yêu cầu của ông/bà, hồ sơ đã được rút và dừng giải quyết.")]
    if facts.comment:
        lead.append(_("Ghi chú: %(comment)s") % facts.values)
    return _Parts(
        _("Hồ sơ %(code)s đã được rút theo yêu cầu"),
        lead,
        _("Hồ sơ %(code)s đã được rút theo yêu cầu của ông/bà. Xem: %(link)s"),
    )


_BUILDERS: dict[Event, Callable[[_Facts], _Parts]] = {
    Event.RECEIVED: _received,
    Event.SUPPLEMENT_REQUESTED: _supplement_requested,
    Event.REFUSED: _refused,
    Event.APOLOGIZED: _apologized,
    Event.RESULT_READY: _result_ready,
    Event.RETURNED: _returned,
    Event.STOPPED: _stopped,
    Event.WITHDRAWN: _withdrawn,
}


def _email_body(facts: _Facts, lead: list[str]) -> str:
    lines = [
        _("Kính gửi ông/bà %(name)s,") % {"name": facts.name},
        "",
        *lead,
        "",
        _("Mã hồ sơ: %(code)s") % facts.values,
        _("Thủ tục: %(procedure)s") % {"procedure": facts.procedure},
        _("Cơ quan giải quyết: %(agency)s") % facts.values,
        _("Trạng thái: %(status)s") % {"status": facts.status},
        "",
        _("Xem chi tiết hồ sơ: %(link)s") % facts.values,
        "",
        "-- ",
        _(
            "Thư này được gửi tự động từ Hệ thống thông tin giải quyết thủ tục hành chính "
            "tỉnh %(province)s. Vui lòng không trả lời thư này."
        )
        % {"province": settings.TINHSO_PROVINCE_NAME},
    ]
    return "\n".join(lines) + "\n"


def render(dossier: Dossier, entry: HistoryEntry, event: str) -> Message:
    """The message for ``event`` about ``dossier``, using the facts of history ``entry``.

    Raises ``ValueError`` for an unknown event or a dossier without a code.
    """
    builder = _BUILDERS[Event(event)]
    with translation.override(settings.LANGUAGE_CODE):
        facts = _facts(dossier, entry)
        parts = builder(facts)
        return Message(
            subject=parts.subject % facts.values,
            body=_email_body(facts, parts.lead),
            sms=parts.sms % facts.values,
        )
