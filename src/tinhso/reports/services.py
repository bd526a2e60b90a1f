"""Use cases of reports and petitions: one atomic, audited function each (issue 18).

Every channel (the portal, ``/api/v1/feedback``, the Open311 adapter, the national PAKN sync)
calls these functions and nothing else, so the rules live in one place: who may act on a report
in which state, the deadlines, and what is written to the history and the audit log.

Who may act (docs/adr/0021-reports-and-petitions.md): staff of the responsible agency by role —
acknowledge, assign, transfer, merge and reject for clerks and leaders, answer for specialists
and leaders, close for leaders and clerks. Reports without an agency wait in the dispatch queue,
handled by dispatchers: clerks and agency administrators of the province's one-stop centre.
"""

import datetime
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts import code_senders
from tinhso.accounts.access import agency_roles
from tinhso.accounts.identifiers import normalize_phone
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role
from tinhso.audit.services import log_event
from tinhso.dossiers.models import Dossier
from tinhso.procedures.models import Procedure
from tinhso.reports import geo, notify, photos
from tinhso.reports.deadlines import after_working_days, deadlines_for
from tinhso.reports.errors import (
    ActionNotAllowed,
    InvalidInput,
    NotFound,
    NotPermitted,
    ReportError,
)
from tinhso.reports.models import (
    OPEN_STATUSES,
    Category,
    PhoneCode,
    Report,
    ReportEvent,
    Supporter,
    Update,
    new_public_id,
)
from tinhso.text import fold

Status = Report.Status
MAX_DESCRIPTION = 4000
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")

# Roles of the responsible agency that may take each official action.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({Role.CLERK, Role.LEADER}),
    "assign": frozenset({Role.CLERK, Role.LEADER}),
    "transfer": frozenset({Role.CLERK, Role.LEADER}),
    "merge": frozenset({Role.CLERK, Role.LEADER}),
    "reject": frozenset({Role.CLERK, Role.LEADER}),
    "answer": frozenset({Role.SPECIALIST, Role.LEADER}),
    "close": frozenset({Role.LEADER, Role.CLERK}),
}
# What a dispatcher may do with a report in the queue (no agency yet).
DISPATCH_ACTIONS = frozenset({"acknowledge", "transfer", "merge", "reject"})
DISPATCHER_ROLES = frozenset({Role.CLERK, Role.AGENCY_ADMIN})
OFFICIAL_ACTIONS = tuple(ACTION_ROLES)
__all__ = [
    "ActionNotAllowed",
    "InvalidInput",
    "NotFound",
    "NotPermitted",
    "ReportError",
]


# --- permissions -----------------------------------------------------------------------------


def dispatcher_agency_ids(user: Any) -> set[int]:
    """Agencies where ``user`` dispatches the queue: the one-stop centres where they are a clerk
    or the agency administrator."""
    roles = agency_roles(user)
    candidates = [agency_id for agency_id, held in roles.items() if held & DISPATCHER_ROLES]
    if not candidates:
        return set()
    return set(
        Agency.objects.filter(
            pk__in=candidates, kind=Agency.Kind.ONE_STOP_CENTRE, is_active=True
        ).values_list("pk", flat=True)
    )


def is_dispatcher(user: Any) -> bool:
    return bool(dispatcher_agency_ids(user))


def may_act(user: Any, report: Report, action: str) -> bool:
    """Whether ``user``'s roles allow ``action`` on ``report`` (its state is checked apart)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if report.agency_id is None:
        return action in DISPATCH_ACTIONS and is_dispatcher(user)
    held = agency_roles(user).get(report.agency_id, set())
    return bool(held & ACTION_ROLES.get(action, frozenset()))


def is_handler(user: Any, report: Report) -> bool:
    """Staff of the responsible agency (any role), or a dispatcher for a queued report: they
    see the report in full, private or not (never the reporter's contact through the public
    view)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if report.agency_id is None:
        return is_dispatcher(user)
    return report.agency_id in agency_roles(user)


def _require(user: User, report: Report, action: str) -> None:
    if not may_act(user, report, action):
        raise NotPermitted(_("Bạn không có quyền thực hiện thao tác này với phản ánh."))


def _require_state(report: Report, allowed: Sequence[str]) -> None:
    if report.status not in allowed:
        raise ActionNotAllowed(
            _("Phản ánh đang ở trạng thái “%(status)s”: không thể thực hiện thao tác này.")
            % {"status": report.get_status_display()},
            "action",
        )


# --- building blocks -------------------------------------------------------------------------


def _locked(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("category", "agency")
        .get(pk=report.pk)
    )


@contextmanager
def _official_step(
    report: Report, user: User, action: str, states: Sequence[str]
) -> Iterator[Report]:
    """An official's step, in one transaction: the report locked, then the user's role for
    ``action`` and the report's state checked (NotPermitted / ActionNotAllowed otherwise)."""
    with transaction.atomic():
        locked = _locked(report)
        _require(user, locked, action)
        _require_state(locked, states)
        yield locked


def _record(
    report: Report,
    *,
    action: str,
    actor: User | None,
    before: str,
    now: datetime.datetime,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> ReportEvent:
    """One history row and one audit entry, in the caller's transaction."""
    event = ReportEvent.objects.create(
        report=report,
        action=action,
        actor=actor,
        from_status=before,
        to_status=report.status,
        comment=comment,
        agency_id=report.agency_id,
        at=now,
    )
    log_event(
        action=f"report.{action}",
        actor=actor,
        target=f"report:{report.public_id}",
        details={"from": before, "to": report.status, **(details or {})},
    )
    return event


def clean_text(value: str, *, field_name: str, required: bool, limit: int) -> str:
    """Trimmed plain text: no NUL, no markup, at most ``limit`` characters."""
    text = (value or "").strip()
    if "\x00" in text:
        raise InvalidInput(_("Nội dung chứa ký tự không hợp lệ."), field_name)
    if required and not text:
        raise InvalidInput(_("Vui lòng nhập nội dung."), field_name)
    if len(text) > limit:
        raise InvalidInput(_("Nội dung dài quá %(limit)d ký tự.") % {"limit": limit}, field_name)
    if _MARKUP.search(text):
        raise InvalidInput(_("Nội dung không được chứa mã HTML."), field_name)
    return text


def _coordinate(value: Any, *, field_name: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("Tọa độ không hợp lệ."), field_name) from exc
    if not number.is_finite() or not low <= number <= high:
        raise InvalidInput(_("Tọa độ không hợp lệ."), field_name)
    return number.quantize(Decimal("0.000001"))


def active_category(code: str) -> Category:
    category = Category.objects.filter(code=code or "", is_active=True).first()
    if category is None:
        raise InvalidInput(_("Vui lòng chọn loại phản ánh hợp lệ."), "category")
    return category


def responsible_agency(category: Category, commune_id: int | None) -> Agency | None:
    """The agency that answers: the commune's People's Committee when competence is local
    (found through the agency's unit), else the category's agency; None → dispatch queue."""
    if category.per_unit_competence and commune_id is not None:
        local = Agency.objects.filter(
            unit_id=commune_id, kind=Agency.Kind.COMMUNE_COMMITTEE, is_active=True
        ).first()
        if local is not None:
            return local
    agency = category.agency
    return agency if agency is not None and agency.is_active else None


# --- phone confirmation of anonymous reporters -----------------------------------------------


def _code_hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"reports:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def generate_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _phone(value: str, field_name: str = "phone") -> str:
    try:
        return normalize_phone(value or "")
    except Exception as exc:  # a ValidationError with the identifiers' own message
        raise InvalidInput(_("Số điện thoại di động không hợp lệ."), field_name) from exc


@transaction.atomic
def request_phone_code(*, phone: str, now: datetime.datetime | None = None) -> None:
    """Send a one-time code by SMS to confirm ``phone`` (only its hash is kept)."""
    now = now or timezone.now()
    number = _phone(phone)
    code = generate_code()
    PhoneCode.objects.create(
        phone=number,
        code_hash=_code_hash(number, code),
        expires_at=now + datetime.timedelta(seconds=settings.TINHSO_REPORTS_PHONE_CODE_SECONDS),
    )
    log_event(action="report.phone_code_sent", actor=None, details={"phone": number})
    sms = _("Tinh So: ma xac nhan phan anh %(code)s. Khong cung cap ma cho bat ky ai.") % {
        "code": code
    }
    sender = code_senders.sender(code_senders.SMS)
    if sender is not None:
        transaction.on_commit(lambda: sender(number, _("Mã xác nhận phản ánh"), sms))


def confirm_phone(phone: str, code: str, now: datetime.datetime) -> str:
    """The normalised number when ``code`` is the latest live code sent to it; the code is used
    up. Runs in its own transaction, before the use case's, so that a wrong code's attempt is
    counted even though the use case then fails."""
    number = _phone(phone)
    with transaction.atomic():
        pending = (
            PhoneCode.objects.select_for_update()
            .filter(phone=number, used=False, expires_at__gt=now)
            .order_by("-created_at", "-pk")
            .first()
        )
        confirmed = False
        if pending is not None and pending.attempts < settings.TINHSO_REPORTS_PHONE_CODE_ATTEMPTS:
            confirmed = hmac.compare_digest(
                pending.code_hash, _code_hash(number, (code or "").strip())
            )
            if confirmed:
                PhoneCode.objects.filter(pk=pending.pk).update(used=True)
            else:
                PhoneCode.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1)
    if not confirmed:
        raise InvalidInput(_("Mã xác nhận điện thoại không đúng hoặc đã hết hạn."), "phone_code")
    return number


# --- filing ----------------------------------------------------------------------------------


@dataclass
class NewReport:
    """What a citizen (or a client app on their behalf) sends."""

    category: str
    description: str
    lat: Any = None
    lon: Any = None
    address: str = ""
    private: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    phone_code: str = ""
    photos: Sequence[UploadedFile] = field(default_factory=list)
    use_photo_place: bool = False
    dossier: str = ""  # a dossier code, for a petition about it
    procedure: str = ""  # a national procedure code
    source: str = Report.Source.PORTAL
    client: str = ""  # the Open311 client's name


@contextmanager
def _files_removed_on_error() -> Iterator[list[str]]:
    """Storage writes happen before the commit: delete what was written if the transaction
    fails, so a failed report leaves no orphan file."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _place(
    data: NewReport, category: Category, checked: list[photos.CheckedPhoto]
) -> tuple[Decimal | None, Decimal | None, str]:
    address = clean_text(data.address, field_name="address", required=False, limit=300)
    has_pin = data.lat not in (None, "") or data.lon not in (None, "")
    lat = lon = None
    if has_pin:
        lat = _coordinate(data.lat, field_name="lat", low=-90, high=90)
        lon = _coordinate(data.lon, field_name="long", low=-180, high=180)
    elif data.use_photo_place:
        found = next((p.position for p in checked if p.position is not None), None)
        if found is None:
            raise InvalidInput(
                _("Ảnh không có thông tin vị trí: hãy chọn vị trí trên bản đồ."), "photos"
            )
        lat = _coordinate(found[0], field_name="lat", low=-90, high=90)
        lon = _coordinate(found[1], field_name="long", low=-180, high=180)
    if lat is not None and lon is not None and not geo.inside_province(float(lat), float(lon)):
        raise InvalidInput(_("Vị trí đã chọn nằm ngoài địa bàn tỉnh."), "lat")
    if category.located and lat is None and not address:
        raise InvalidInput(_("Loại phản ánh này cần vị trí trên bản đồ hoặc địa chỉ."), "lat")
    return lat, lon, address


def _reporter_contact(
    data: NewReport, reporter: User | None, now: datetime.datetime
) -> tuple[str, str]:
    if reporter is not None:
        return reporter.display_name, reporter.phone
    name = clean_text(data.contact_name, field_name="name", required=False, limit=200)
    if data.source == Report.Source.PORTAL:
        # Anonymous on the portal: a phone confirmed by a code, so the answer reaches someone.
        if not data.contact_phone:
            raise InvalidInput(_("Vui lòng nhập số điện thoại để nhận kết quả."), "phone")
        return name, confirm_phone(data.contact_phone, data.phone_code, now)
    # A client app (Open311 key) or the national system vouches for its reporter's contact.
    return name, _phone(data.contact_phone) if data.contact_phone else ""


def _links(data: NewReport, reporter: User | None) -> tuple[Dossier | None, Procedure | None]:
    dossier = procedure = None
    if data.dossier:
        dossier = Dossier.objects.filter(code=data.dossier).first()
        if dossier is None or reporter is None or dossier.applicant_id != reporter.pk:
            raise InvalidInput(_("Không tìm thấy hồ sơ của bạn với mã này."), "dossier")
    if data.procedure:
        procedure = Procedure.objects.filter(code=data.procedure).first()
        if procedure is None:
            raise InvalidInput(_("Không tìm thấy thủ tục với mã này."), "procedure")
    return dossier, procedure


def _unused_public_id() -> str:
    """A fresh ``PA-…`` id; 50 random bits make a clash rare (about 1 in 2,000 over a million
    reports), and a clash is drawn again rather than failing the citizen's report."""
    while True:
        candidate = new_public_id()
        if not Report.objects.filter(public_id=candidate).exists():
            return candidate


def file_report(
    *, data: NewReport, reporter: User | None, now: datetime.datetime | None = None
) -> Report:
    """File a report: checked, placed, routed to its agency (or the dispatch queue), given its
    deadlines, with its photos — all or nothing."""
    now = now or timezone.now()
    category = active_category(data.category)
    description = clean_text(
        data.description, field_name="description", required=True, limit=MAX_DESCRIPTION
    )
    checked = photos.check_all(data.photos, want_position=data.use_photo_place)
    lat, lon, address = _place(data, category, checked)
    dossier, procedure = _links(data, reporter)
    name, phone = _reporter_contact(data, reporter, now)  # last: it uses up the phone code
    with _files_removed_on_error() as written, transaction.atomic():
        guess = (
            geo.commune_at(float(lat), float(lon)) if lat is not None and lon is not None else None
        )
        commune_id = guess.unit.pk if guess else None
        agency = responsible_agency(category, commune_id)
        limits = deadlines_for(category, now)
        report = Report.objects.create(
            public_id=_unused_public_id(),
            category=category,
            description=description,
            search_text=fold(description),
            lat=lat,
            lon=lon,
            address=address,
            commune_id=commune_id,
            commune_approximate=bool(guess and guess.approximate),
            reporter=reporter,
            reporter_name=name,
            reporter_phone=phone,
            private=data.private,
            agency=agency,
            received_at=now,
            classify_due_at=limits.classify_due_at,
            due_at=limits.due_at,
            dossier=dossier,
            procedure=procedure,
            source=data.source,
            client=data.client[:100],
        )
        for photo in checked:
            written.append(photos.save(report, photo).file.name)
        _record(
            report,
            action="file",
            actor=reporter,
            before="",
            now=now,
            details={
                "category": category.code,
                "agency": agency.code if agency else None,
                "queue": agency is None,
                "photos": len(checked),
                "source": data.source,
            },
        )
    return report


# --- citizens --------------------------------------------------------------------------------


def support(
    *,
    report: Report,
    user: User | None,
    phone: str = "",
    phone_code: str = "",
    now: datetime.datetime | None = None,
) -> Supporter:
    """ "This is my problem too": follow an open public report instead of filing a duplicate.
    Supporting twice is harmless (the first support is returned)."""
    now = now or timezone.now()
    number = confirm_phone(phone, phone_code, now) if user is None else ""
    with transaction.atomic():
        report = _locked(report)
        if report.private or report.status not in OPEN_STATUSES:
            raise ActionNotAllowed(_("Không thể cùng phản ánh với phản ánh này."), "report")
        if user is not None and report.reporter_id == user.pk:
            raise ActionNotAllowed(_("Bạn là người gửi phản ánh này."), "report")
        if user is not None:
            supporter, created = Supporter.objects.get_or_create(report=report, user=user)
        else:
            supporter, created = Supporter.objects.get_or_create(report=report, phone=number)
        if created:
            before = report.status
            _record(report, action="support", actor=user, before=before, now=now)
    return supporter


def _require_reporter(user: User, report: Report) -> None:
    if report.reporter_id is None or report.reporter_id != user.pk:
        raise NotPermitted(_("Chỉ người gửi phản ánh mới thực hiện được thao tác này."))


def reopen(
    *, report: Report, user: User, comment: str = "", now: datetime.datetime | None = None
) -> Report:
    """The reporter reopens an answered report within ``TINHSO_REPORTS_REOPEN_DAYS`` days: back
    to in progress with a new full answer period (a reopened report counts against 766 5.3)."""
    now = now or timezone.now()
    text = clean_text(comment, field_name="comment", required=False, limit=MAX_DESCRIPTION)
    with transaction.atomic():
        report = _locked(report)
        _require_reporter(user, report)
        _require_state(report, (Status.ANSWERED, Status.CLOSED))
        assert report.answered_at is not None
        limit = report.answered_at + datetime.timedelta(days=settings.TINHSO_REPORTS_REOPEN_DAYS)
        if now > limit:
            raise ActionNotAllowed(
                _("Đã quá %(days)d ngày kể từ khi trả lời: không thể mở lại phản ánh.")
                % {"days": settings.TINHSO_REPORTS_REOPEN_DAYS},
                "action",
            )
        before = report.status
        report.status = Status.IN_PROGRESS
        report.reopened = True
        report.reopen_count += 1
        report.closed_at = None
        report.due_at = after_working_days(now, report.category.handle_days)
        report.save()
        _record(report, action="reopen", actor=user, before=before, now=now, comment=text)
    return report


def rate(
    *, report: Report, user: User, rating: str, now: datetime.datetime | None = None
) -> Report:
    """The reporter says whether the answer satisfies them (766 5.3)."""
    now = now or timezone.now()
    if rating not in (Report.Rating.SATISFIED, Report.Rating.DISSATISFIED):
        raise InvalidInput(_("Vui lòng chọn hài lòng hoặc không hài lòng."), "rating")
    with transaction.atomic():
        report = _locked(report)
        _require_reporter(user, report)
        _require_state(report, (Status.ANSWERED, Status.CLOSED))
        report.citizen_rating = rating
        report.save(update_fields=["citizen_rating", "updated_at"])
        _record(
            report,
            action="rate",
            actor=user,
            before=report.status,
            now=now,
            details={"rating": rating},
        )
    return report


# --- officials -------------------------------------------------------------------------------


def acknowledge(
    *, report: Report, user: User, comment: str = "", now: datetime.datetime | None = None
) -> Report:
    """Classify a received report: it is within the agency's competence and will be handled."""
    now = now or timezone.now()
    text = clean_text(comment, field_name="comment", required=False, limit=MAX_DESCRIPTION)
    with _official_step(report, user, "acknowledge", (Status.RECEIVED,)) as report:
        report.status = Status.ACKNOWLEDGED
        report.save(update_fields=["status", "updated_at"])
        _record(
            report, action="acknowledge", actor=user, before=Status.RECEIVED, now=now, comment=text
        )
        notify.on_commit(report, "acknowledge")  # notify: issue 18 part 2
    return report


def assign(
    *,
    report: Report,
    user: User,
    assignee: User,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Report:
    """Give the report to one official of the responsible agency."""
    now = now or timezone.now()
    text = clean_text(comment, field_name="comment", required=False, limit=MAX_DESCRIPTION)
    with _official_step(report, user, "assign", tuple(OPEN_STATUSES)) as report:
        if report.agency_id not in agency_roles(assignee):
            raise InvalidInput(
                _("Cán bộ được giao phải thuộc cơ quan chịu trách nhiệm."), "assignee"
            )
        before = report.status
        report.assignee = assignee
        report.status = Status.ASSIGNED
        report.save(update_fields=["assignee", "status", "updated_at"])
        _record(
            report,
            action="assign",
            actor=user,
            before=before,
            now=now,
            comment=text,
            details={"assignee": assignee.username},
        )
    return report


def transfer(
    *,
    report: Report,
    user: User,
    agency: Agency,
    comment: str,
    now: datetime.datetime | None = None,
) -> Report:
    """Send the report to the competent agency, with the reason. The clock keeps running: the
    due date does not change (the citizen's wait does not restart)."""
    now = now or timezone.now()
    text = clean_text(comment, field_name="comment", required=True, limit=MAX_DESCRIPTION)
    with _official_step(report, user, "transfer", tuple(OPEN_STATUSES)) as report:
        if not agency.is_active or agency.pk == report.agency_id:
            raise InvalidInput(_("Vui lòng chọn một cơ quan khác đang hoạt động."), "agency")
        before = report.status
        previous = report.agency.code if report.agency else None
        report.agency = agency
        report.assignee = None
        report.status = Status.RECEIVED
        report.save(update_fields=["agency", "assignee", "status", "updated_at"])
        _record(
            report,
            action="transfer",
            actor=user,
            before=before,
            now=now,
            comment=text,
            details={"from_agency": previous, "to_agency": agency.code},
        )
        notify.on_commit(report, "transfer")  # notify: issue 18 part 2
    return report


def answer(
    *, report: Report, user: User, comment: str, now: datetime.datetime | None = None
) -> Report:
    """The agency's answer: published with a public report (as Vietnamese portals do)."""
    now = now or timezone.now()
    text = clean_text(comment, field_name="comment", required=True, limit=MAX_DESCRIPTION)
    with _official_step(report, user, "answer", tuple(OPEN_STATUSES)) as report:
        before = report.status
        report.status = Status.ANSWERED
        report.answer = text
        report.answerer = user
        report.answered_at = now
        report.save(update_fields=["status", "answer", "answerer", "answered_at", "updated_at"])
        _record(
            report,
            action="answer",
            actor=user,
            before=before,
            now=now,
            comment=text,
            details={"on_time": now <= report.due_at},
        )
        notify.on_commit(report, "answer")  # notify: issue 18 part 2
    return report


def close(
    *, report: Report, user: User, comment: str = "", now: datetime.datetime | None = None
) -> Report:
    """End an answered report (the reporter may still reopen it within the period)."""
    now = now or timezone.now()
    text = clean_text(comment, field_name="comment", required=False, limit=MAX_DESCRIPTION)
    with _official_step(report, user, "close", (Status.ANSWERED,)) as report:
        report.status = Status.CLOSED
        report.closed_at = now
        report.save(update_fields=["status", "closed_at", "updated_at"])
        _record(report, action="close", actor=user, before=Status.ANSWERED, now=now, comment=text)
        notify.on_commit(report, "close")  # notify: issue 18 part 2
    return report


def reject(
    *, report: Report, user: User, comment: str, now: datetime.datetime | None = None
) -> Report:
    """Refuse to consider a report (abusive, not a report at all), with the reason."""
    now = now or timezone.now()
    text = clean_text(comment, field_name="comment", required=True, limit=MAX_DESCRIPTION)
    with _official_step(report, user, "reject", tuple(OPEN_STATUSES)) as report:
        before = report.status
        report.status = Status.REJECTED
        report.closed_at = now
        report.save(update_fields=["status", "closed_at", "updated_at"])
        _record(report, action="reject", actor=user, before=before, now=now, comment=text)
    return report


def _move_supporters(report: Report, survivor: Report) -> int:
    """Supporters of ``report`` (and its reporter) follow ``survivor``; returns how many moved."""
    moved = 0
    users = set(survivor.supporters.exclude(user=None).values_list("user_id", flat=True))
    phones = set(survivor.supporters.exclude(phone="").values_list("phone", flat=True))
    followers = [(s.user_id, s.phone) for s in report.supporters.all()]
    if report.reporter_id is not None:
        followers.append((report.reporter_id, ""))
    elif report.reporter_phone:
        followers.append((None, report.reporter_phone))
    for user_id, phone in followers:
        if user_id is not None:
            if user_id in users or user_id == survivor.reporter_id:
                continue
            Supporter.objects.create(report=survivor, user_id=user_id)
            users.add(user_id)
        else:
            if phone in phones:
                continue
            Supporter.objects.create(report=survivor, phone=phone)
            phones.add(phone)
        moved += 1
    report.supporters.all().delete()
    return moved


def merge(
    *,
    report: Report,
    user: User,
    into: Report,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Report:
    """Mark ``report`` as a duplicate of ``into``: its supporters and reporter follow the
    surviving report, which alone is counted (R-NAT-093)."""
    now = now or timezone.now()
    text = clean_text(comment, field_name="comment", required=False, limit=MAX_DESCRIPTION)
    with transaction.atomic():
        report = _locked(report)
        survivor = _locked(into)
        _require(user, report, "merge")
        _require_state(report, tuple(OPEN_STATUSES))
        if survivor.pk == report.pk or survivor.status in (Status.MERGED, Status.REJECTED):
            raise InvalidInput(_("Phản ánh được gộp vào không hợp lệ."), "duplicate_of")
        if survivor.category_id != report.category_id:
            raise InvalidInput(_("Chỉ gộp được các phản ánh cùng loại."), "duplicate_of")
        notify.on_commit(report, "merge", into=survivor)  # notify: issue 18 part 2
        moved = _move_supporters(report, survivor)
        before = report.status
        report.status = Status.MERGED
        report.duplicate_of = survivor
        report.closed_at = now
        report.save(update_fields=["status", "duplicate_of", "closed_at", "updated_at"])
        _record(
            report,
            action="merge",
            actor=user,
            before=before,
            now=now,
            comment=text,
            details={"into": survivor.public_id, "supporters_moved": moved},
        )
    return report


# --- outside systems -------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateResult:
    update: Update
    created: bool


def add_update(
    *,
    report: Report,
    source: str,
    external_id: str,
    description: str = "",
    status: str = "",
    at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> UpdateResult:
    """Record an update from an outside system, once per (source, ``update_id``): a retried
    update returns the one already stored (R-NAT-094: 200 with the existing id)."""
    now = now or timezone.now()
    key = clean_text(external_id, field_name="update_id", required=True, limit=100)
    text = clean_text(description, field_name="description", required=False, limit=MAX_DESCRIPTION)
    existing = Update.objects.filter(source=source, external_id=key).first()
    if existing is not None:
        return _same_report(existing, report)
    try:
        with transaction.atomic():
            update = Update.objects.create(
                report=report,
                source=source[:100],
                external_id=key,
                description=text,
                status=status[:16],
                at=at or now,
            )
            _record(
                report,
                action="update",
                actor=None,
                before=report.status,
                now=now,
                comment=text,
                details={"source": source, "update_id": key},
            )
    except IntegrityError:
        # A concurrent retry stored it first: answer as a retry.
        return _same_report(Update.objects.get(source=source, external_id=key), report)
    return UpdateResult(update, True)


def _same_report(existing: Update, report: Report) -> UpdateResult:
    if existing.report_id != report.pk:
        raise ActionNotAllowed(
            _("Mã cập nhật này đã được dùng cho một phản ánh khác."), "update_id"
        )
    return UpdateResult(existing, False)


def users_by_username(username: str) -> User | None:
    return User.objects.filter(Q(username=username), is_active=True).first()
