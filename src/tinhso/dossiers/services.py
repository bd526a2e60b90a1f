"""Dossier use cases. Each function is one atomic, recorded step; views and the API call these.

Each action of the transition table (``workflow.ACTIONS``) has a named use case
(``receive_dossier``, ``approve_dossier`` …); ``perform_action`` is the dispatch table over them
that the API and the pages call with an action name. Every use case records a "dossier changed"
event (``tinhso.dossiers.events.record``) in its transaction; the apps that react to dossiers
(slips, notifications, e-results) subscribe to it, so this module imports none of them (ADR 0009).
Files written to storage inside a failed transaction are deleted again (no orphan files).
"""

import datetime
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import jsonschema
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.access import agency_roles, clerk_agency_ids, counter_agency_ids
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, Role
from tinhso.calendars.worktime import WorkCalendar, get_calendar
from tinhso.dossiers import events, guards
from tinhso.dossiers.models import (
    Attachment,
    Channel,
    Dossier,
    DossierEvent,
    HistoryEntry,
    IdempotencyKey,
    Pause,
    Rating,
    Status,
    Timeliness,
)
from tinhso.dossiers.selectors import acting_role, capacity, current_step, is_owner
from tinhso.dossiers.workflow import ACTIONS, APPLICANT, SYSTEM_EVENTS, ActionSpec
from tinhso.procedures.models import FeeQuote, ProcedureVersion, WorkflowStep, quote_fee
from tinhso.procedures.selectors import competent_agencies
from tinhso.stores.models import StoredDocument
from tinhso.stores.services import download_name
from tinhso.uploads import CheckedUpload

RowT = TypeVar("RowT", bound=Model)


class DossierError(Exception):
    """A request the rules do not allow; ``field`` names the offending input when there is one."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DossierError):
    status = 400


class ActionNotAllowed(DossierError):
    status = 409


class NotPermitted(ActionNotAllowed):
    """The dossier's state allows the action, the user's role does not (e.g. an apology by anyone
    but the agency's leader): 403."""

    status = 403


@dataclass
class Applicant:
    name: str
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    user: User | None = None

    @classmethod
    def from_user(cls, user: User) -> "Applicant":
        return cls(
            name=user.display_name,
            id_number=user.personal_id or user.tax_code,
            phone=user.phone,
            email=user.email,
            address=user.address,
            user=user,
        )


@dataclass
class NewFile:
    """A file for one dossier component: a fresh upload, or a document from the applicant's store
    (``stored``), which is copied into the dossier and recorded as reuse."""

    document_code: str
    upload: CheckedUpload | None = None
    digitised: bool = False
    stored: StoredDocument | None = None

    def __post_init__(self) -> None:
        if (self.upload is None) == (self.stored is None):
            raise ValueError("NewFile takes either an upload or a stored document")


@dataclass
class ActionRequest:
    action: str
    comment: str = ""
    items: list[str] = field(default_factory=list)
    new_due_at: datetime.datetime | None = None
    assignee: User | None = None
    return_method: str = ""
    postal_tracking: str = ""
    postal_address: str = ""


# --- building blocks --------------------------------------------------------------------


@contextmanager
def _files_removed_on_error() -> Iterator[list[str]]:
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _next_code(unit_code: str, day: datetime.date) -> str:
    """Per-unit daily sequence (R-CODE-1, R-CODE-2): one atomic upsert, no first-of-day race."""
    return f"{unit_code}-{day:%y%m%d}-{_counter_next(unit_code, day):04d}"


def _counter_next(key: str, day: datetime.date) -> int:
    """The next number of the ``DailyCounter`` row (key, day), in one atomic upsert; the dossier
    codes and the apology letters' register (``_next_register_number``) count with it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dossiers_dailycounter (unit_code, day, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (unit_code, day) DO UPDATE SET last = dossiers_dailycounter.last + 1 "
            "RETURNING last",
            [key, day],
        )
        (number,) = cursor.fetchone()
    return int(number)


def validate_form_data(version: ProcedureVersion, data: Any) -> dict[str, Any]:
    errors = form_errors(version, data)
    if errors:
        raise errors[0]
    return data


def form_errors(version: ProcedureVersion, data: Any) -> list[InvalidInput]:
    """Every way ``data`` fails the version's e-form schema, in the order of the fields, each as
    the ``InvalidInput`` a filing would be refused with (its message names the field). A filing
    answers the first; a channel that cannot be answered (a dossier filed on the national portal)
    keeps them all as intake problems."""
    if not isinstance(data, dict):
        return [InvalidInput(_("Nội dung tờ khai phải là một đối tượng JSON."), "data")]
    validator = jsonschema.Draft202012Validator(
        version.form_schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    found: dict[str | None, InvalidInput] = {}
    for error in errors:
        for problem in _form_errors(version, error):
            found.setdefault(problem.field, problem)  # one per field (jsonschema repeats
            # a "required" error once per missing property)
    return list(found.values())


def _form_errors(
    version: ProcedureVersion, error: jsonschema.ValidationError
) -> list[InvalidInput]:
    path = ".".join(str(p) for p in error.absolute_path)
    properties = version.form_schema.get("properties", {})
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [k for k in required if k not in instance] or [""]
        return [
            InvalidInput(
                _("Thiếu thông tin bắt buộc: %(field)s.")
                % {"field": properties.get(name, {}).get("title", name)},
                "data." + ".".join(filter(None, [path, name])),
            )
            for name in missing
        ]
    title = properties.get(path.split(".")[0], {}).get("title", path)
    return [
        InvalidInput(_("Thông tin “%(field)s” không hợp lệ.") % {"field": title}, f"data.{path}")
    ]


def quote_dossier_fee(
    version: ProcedureVersion, data: Any, channel: int, exemption_group: str = ""
) -> FeeQuote:
    """The fee for this filing; an exemption must be one the procedure lists (recorded with its reason)."""
    groups = {e.get("group") for e in version.fee_exemptions}
    if exemption_group and exemption_group not in groups:
        raise InvalidInput(
            _("Đối tượng miễn, giảm phí không có trong quy định của thủ tục."), "fee_exemption"
        )
    return quote_fee(
        version,
        online=channel == Channel.ONLINE,
        data=data if isinstance(data, dict) else {},
        exemption_group=exemption_group,
    )


def choose_agency(
    version: ProcedureVersion, requested: Agency | None, applicant: User | None
) -> Agency:
    allowed = competent_agencies(version)
    if requested is not None:
        if requested not in allowed:
            raise InvalidInput(_("Cơ quan này không giải quyết thủ tục đã chọn."), "agency")
        return requested
    if version.level == ProcedureVersion.Level.COMMUNE:
        commune_id = applicant.commune_id if applicant else None
        for agency in allowed:
            if commune_id is not None and agency.unit_id == commune_id:
                return agency
        raise InvalidInput(_("Hãy chọn UBND xã, phường nơi nộp hồ sơ."), "agency")
    if not allowed:
        raise InvalidInput(_("Thủ tục chưa có cơ quan giải quyết."), "procedure")
    if version.default_agency is not None and version.default_agency in allowed:
        return version.default_agency
    return allowed[0]


def _record(
    dossier: Dossier,
    *,
    action: str,
    actor: User | None,
    role: str,
    from_status: str,
    comment: str = "",
    details: dict[str, Any] | None = None,
    at: datetime.datetime,
    step_outcome: str = "",
    step: WorkflowStep | None = None,
    agency: Agency | None = None,
    advance: bool = True,
) -> HistoryEntry:
    """Write the history row of a change. ``advance``: take the next sequence number (the caller
    saves the dossier's ``history_seq`` afterwards); False when the caller advanced and saved it
    with the change already (a filing writes the dossier once)."""
    if advance:
        dossier.history_seq += 1
    entry = HistoryEntry.objects.create(
        dossier=dossier,
        seq=dossier.history_seq,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        actor=actor,
        actor_role=role,
        agency=agency,
        at=at,
        comment=comment,
        details=details or {},
        step_position=step.position if step else None,
        step_name=step.name if step else "",
        step_due_at=dossier.due_at,
        step_outcome=step_outcome,
    )
    return entry


def _store_files(
    dossier: Dossier, files: Sequence[NewFile], user: User, written: list[str]
) -> list[Attachment]:
    """Write the files of ``files`` to storage and their rows; returns the new attachments."""
    if not files:
        return []
    codes = {d.code for d in dossier.procedure_version.documents.all()}
    stored: list[Attachment] = []
    for item in files:
        if item.document_code not in codes:
            raise InvalidInput(
                _("Thành phần hồ sơ “%(code)s” không có trong thủ tục.")
                % {"code": item.document_code},
                "document",
            )
        if item.stored is not None:
            stored.append(_store_reused(dossier, item.document_code, item.stored, user, written))
            continue
        assert item.upload is not None
        attachment = Attachment(
            dossier=dossier,
            document_code=item.document_code,
            original_name=item.upload.name,
            content_type=item.upload.content_type,
            size=item.upload.size,
            sha256=item.upload.sha256,
            uploaded_by=user,
            digitised=item.digitised,
        )
        attachment.file.save(item.upload.name, item.upload.file, save=False)
        written.append(attachment.file.name)
        attachment.save()
        stored.append(attachment)
    return stored


def _store_reused(
    dossier: Dossier, document_code: str, stored: StoredDocument, user: User, written: list[str]
) -> Attachment:
    """Copy a document of the applicant's store into the dossier, recorded as reuse (R-DIG-5)."""
    if stored.revoked or dossier.applicant_id is None or stored.owner_id != dossier.applicant_id:
        raise InvalidInput(_("Giấy tờ đã chọn không có trong kho của chủ hồ sơ."), "document")
    with stored.file.open("rb") as source:
        content = source.read()
    if hashlib.sha256(content).hexdigest() != stored.sha256:
        raise InvalidInput(_("Tệp trong kho giấy tờ không còn nguyên vẹn."), "document")
    name = download_name(stored)
    attachment = Attachment(
        dossier=dossier,
        document_code=document_code,
        original_name=name,
        content_type=stored.content_type,
        size=len(content),
        sha256=stored.sha256,
        uploaded_by=user,
        reused_from=stored,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    written.append(attachment.file.name)
    attachment.save()
    return attachment


def _known_rows(
    dossier: Dossier, *, history: list[HistoryEntry], attachments: list[Attachment]
) -> None:
    """Give a dossier just written the rows it has, as ``prefetch_related`` would, so that
    answering with it (``dossier.history.all()``, ``dossier.attachments.all()``) reads nothing
    back from the database."""
    cache: dict[str, QuerySet[Any]] = dossier.__dict__.setdefault("_prefetched_objects_cache", {})
    cache["history"] = _prefetched(HistoryEntry.objects.filter(dossier=dossier), history)
    cache["attachments"] = _prefetched(Attachment.objects.filter(dossier=dossier), attachments)


def _prefetched(queryset: QuerySet[RowT], rows: list[RowT]) -> QuerySet[RowT]:
    queryset._result_cache = list(rows)  # what prefetch_related_objects does
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    return queryset


def _announce(
    entry: HistoryEntry, kind: str, payload: dict[str, Any] | None = None
) -> DossierEvent:
    """Record the dossier-changed event of a history row, in the same transaction."""
    return events.record(
        dossier_id=entry.dossier_id,
        kind=kind,
        action=entry.action,
        from_status=entry.from_status,
        to_status=entry.to_status,
        actor=entry.actor,
        at=entry.at,
        history_seq=entry.seq,
        payload=payload,
    )


# --- filing -----------------------------------------------------------------------------


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# --- what the e-form says about the filing itself --------------------------------------

RETURN_METHODS = ("counter", "postal", "online")


def form_choices(version: ProcedureVersion, data: Any) -> tuple[str, str]:
    """The notification e-mail and the return method the applicant gave on the e-form.

    The e-mail is the answer to a property of ``"format": "email"``; the return method is the
    answer to the property whose ``"x-return-method"`` maps each of its answers to ``counter``,
    ``postal`` or ``online`` (docs/catalogue.md). Empty strings when the form asks neither, the
    answer is empty or the e-mail is not one (a draft is saved unvalidated)."""
    schema = version.form_schema if isinstance(version.form_schema, dict) else {}
    properties = schema.get("properties")
    values = data if isinstance(data, dict) else {}
    email = method = ""
    for name, prop in (properties if isinstance(properties, dict) else {}).items():
        value = values.get(name)
        if not isinstance(prop, dict) or not isinstance(value, str) or not value.strip():
            continue
        if prop.get("format") == "email" and not email:
            try:
                validate_email(value.strip())
            except ValidationError:
                continue
            email = value.strip()[:254]
        mapping = prop.get("x-return-method")
        if not method and isinstance(mapping, dict) and mapping.get(value) in RETURN_METHODS:
            method = str(mapping[value])
    return email, method


def declaration_code(version: ProcedureVersion) -> str:
    """The code of the document the e-form stands for when filed online (``"x-declaration"`` of
    the form schema): the declaration is asked once, as the e-form, never again as an upload."""
    schema = version.form_schema if isinstance(version.form_schema, dict) else {}
    code = schema.get("x-declaration")
    return code if isinstance(code, str) else ""


def file_dossier(
    *,
    user: User,
    version: ProcedureVersion,
    data: Any,
    applicant: Applicant,
    agency: Agency | None = None,
    channel: int = Channel.ONLINE,
    files: Sequence[NewFile] = (),
    draft: bool = False,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    exemption_group: str = "",
    counter: Agency | None = None,
    other_code: str = "",
    other_code_issuer: str = "",
    submitted_at: datetime.datetime | None = None,
    intake_problems: Sequence[str] = (),
    keep_form_errors: bool = False,
    actor_role: str = "",
    on_filed: Callable[[Dossier], None] | None = None,
    postal_address: str = "",
) -> tuple[Dossier, bool]:
    """File a dossier (or save a draft). Returns (dossier, created); a repeated idempotency key returns
    the dossier of the first request without creating another. ``counter``: the one-stop counter
    where a clerk enters it (R-ACT-1), its receiving agency unless the clerk works at the
    procedure's receiving agency or the competent one.

    For a dossier that arrives through another system (a dossier filed on the national portal,
    R-NAT-050): ``other_code``/``other_code_issuer`` keep that system's code (R-NAT-102);
    ``submitted_at`` is when the applicant submitted it there (never later than now; the deadline
    still starts at receipt, R-NAT-054); ``intake_problems`` are what was wrong on arrival
    (R-NAT-053) and, with ``keep_form_errors``, the e-form's schema errors join them instead of
    refusing the filing (ADR 0017: such a dossier is never dropped, the officials decide);
    ``actor_role`` overrides the role recorded for the filer; ``on_filed`` runs in the filing's
    transaction, so what it writes commits or rolls back with the dossier and its files.
    ``postal_address``: where the result goes when the e-form asks for postal return (the
    applicant's address when not given); a filing that asks for it without any is refused."""
    if idempotency_key:
        previous = (
            IdempotencyKey.objects.filter(user=user, key=idempotency_key)
            .select_related("dossier")
            .first()
        )
        if previous is not None:
            if previous.request_hash != fingerprint:
                raise ActionNotAllowed(
                    _("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác."),
                    "Idempotency-Key",
                )
            return previous.dossier, False
    if not version.procedure.in_use:
        raise ActionNotAllowed(
            _(
                "Thủ tục này đã ngừng áp dụng (không còn trong Cơ sở dữ liệu quốc gia về thủ tục "
                "hành chính): không nhận hồ sơ mới."
            ),
            "procedure",
        )
    if channel == Channel.ONLINE and not version.offered_online:
        raise ActionNotAllowed(
            _(
                "Thủ tục này không được cung cấp trực tuyến: vui lòng nộp hồ sơ tại Bộ phận Một "
                "cửa hoặc qua dịch vụ bưu chính."
            ),
            "procedure",
        )
    problems = list(intake_problems)
    if keep_form_errors and not draft:
        problems += [error.message for error in form_errors(version, data)]
    elif not draft:
        validate_form_data(version, data)
    chosen = choose_agency(version, agency, applicant.user)
    receiving = version.receiving_agency or chosen
    if counter is not None and not clerk_agency_ids(user) & {receiving.pk, chosen.pk}:
        receiving = counter
    # Data that failed the schema is not priced from (a tier table over an absurd count): the
    # base fee stands until an official corrects the dossier.
    priced = {} if len(problems) > len(intake_problems) else data
    fee = quote_dossier_fee(version, priced, channel, exemption_group)
    given_email, return_method = form_choices(version, data)
    postal_address = _postal_address(return_method, postal_address, applicant.address)
    if return_method == "postal" and not postal_address and not draft and not keep_form_errors:
        raise InvalidInput(
            _("Vui lòng nhập địa chỉ nhận kết quả qua dịch vụ bưu chính."), "postal_address"
        )
    now = timezone.now()
    filed_at = min(submitted_at, now) if submitted_at is not None else now
    try:
        with _files_removed_on_error() as written, transaction.atomic():
            dossier = Dossier(
                procedure_version=version,
                agency=chosen,
                receiving_agency=receiving,
                applicant=applicant.user,
                filed_by=user,
                channel=channel,
                applicant_name=applicant.name,
                applicant_id_number=applicant.id_number,
                applicant_phone=applicant.phone,
                applicant_email=given_email or applicant.email,
                applicant_address=applicant.address,
                applicant_unit_id=applicant.user.commune_id if applicant.user else None,
                data=data if isinstance(data, dict) else {},
                fee_amount=fee.amount,
                fee_exemption=fee.exemption,
                return_method=return_method,
                postal_address=postal_address,
                step_position=1,
                other_code=other_code,
                other_code_issuer=other_code_issuer if other_code else "",
                intake_problems=problems,
            )
            attachments: list[Attachment] = []
            if draft or files:
                # Saved as a draft first, so that the files are written to storage before the
                # day's counter is taken (below): its row stays locked until the commit.
                dossier.refresh_search_text()
                dossier.save()
                attachments = _store_files(dossier, files, user, written)
            if draft:
                events.record(
                    dossier_id=dossier.pk,
                    kind=DossierEvent.Kind.DRAFT_SAVED,
                    to_status=dossier.status,
                    actor=user,
                    at=now,
                )
            else:
                # The counter as late as it can be: what is left until the commit are the
                # dossier's row, its history (with the audit entry) and its event.
                dossier.code = _next_code(receiving.code, timezone.localdate(now))
                dossier.status = Status.SUBMITTED
                dossier.submitted_at = filed_at
                dossier.history_seq = 1
                dossier.refresh_search_text()
                dossier.save()
                entry = _record(
                    dossier,
                    action="submit",
                    actor=user,
                    role=actor_role or ("applicant" if is_owner(user, dossier) else "clerk"),
                    from_status=Status.DRAFT,
                    details={"intake_problems": problems} if problems else None,
                    at=filed_at,
                    advance=False,
                )
                _announce(entry, DossierEvent.Kind.FILED)
                _known_rows(dossier, history=[entry], attachments=attachments)
            if on_filed is not None:
                on_filed(dossier)
            if idempotency_key:
                IdempotencyKey.objects.create(
                    user=user, key=idempotency_key, request_hash=fingerprint, dossier=dossier
                )
    except IntegrityError:
        if idempotency_key:  # a concurrent request with the same key won the race
            previous = IdempotencyKey.objects.filter(user=user, key=idempotency_key).first()
            if previous is not None and previous.request_hash == fingerprint:
                return previous.dossier, False
        raise
    return dossier, True


def _postal_address(return_method: str, given: str, applicant_address: str) -> str:
    """The delivery address of a filing: the one given, else the applicant's for postal return."""
    address = given.replace("\x00", "").strip() or (
        applicant_address.strip() if return_method == "postal" else ""
    )
    return address[:300]


def update_draft(
    *,
    user: User,
    dossier: Dossier,
    data: Any,
    files: Sequence[NewFile] = (),
    postal_address: str = "",
    on_saved: Callable[[Dossier], None] | None = None,
) -> Dossier:
    """Save a draft's e-form and new files. ``postal_address`` as for ``file_dossier`` (the
    applicant's address when the e-form's answer is postal and none is given); ``on_saved`` runs
    in the same transaction (the portal keeps the receiver's phone with it)."""
    if dossier.status != Status.DRAFT or dossier.filed_by_id != user.pk:
        raise ActionNotAllowed(_("Chỉ người tạo mới sửa được bản nháp."))
    with _files_removed_on_error() as written, transaction.atomic():
        dossier.data = data if isinstance(data, dict) else {}
        given_email, dossier.return_method = form_choices(dossier.procedure_version, data)
        account_email = dossier.applicant.email if dossier.applicant else ""
        dossier.applicant_email = given_email or account_email or dossier.applicant_email
        dossier.postal_address = _postal_address(
            dossier.return_method, postal_address, dossier.applicant_address
        )
        dossier.save(
            update_fields=[
                "data",
                "applicant_email",
                "return_method",
                "postal_address",
                "updated_at",
            ]
        )
        _store_files(dossier, files, user, written)
        if on_saved is not None:
            on_saved(dossier)
        events.record(
            dossier_id=dossier.pk,
            kind=DossierEvent.Kind.DRAFT_SAVED,
            from_status=dossier.status,
            to_status=dossier.status,
            actor=user,
            payload={"files": len(files)},
        )
    return dossier


def submit_draft(*, user: User, dossier: Dossier) -> Dossier:
    if dossier.status != Status.DRAFT or dossier.filed_by_id != user.pk:
        raise ActionNotAllowed(_("Hồ sơ này không còn là bản nháp."))
    validate_form_data(dossier.procedure_version, dossier.data)
    now = timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.status != Status.DRAFT:
            raise ActionNotAllowed(_("Hồ sơ này không còn là bản nháp."))
        locked.postal_address = _postal_address(
            locked.return_method, locked.postal_address, locked.applicant_address
        )
        if locked.return_method == "postal" and not locked.postal_address:
            raise InvalidInput(
                _("Vui lòng nhập địa chỉ nhận kết quả qua dịch vụ bưu chính."), "postal_address"
            )
        locked.code = _next_code(locked.receiving_agency.code, timezone.localdate(now))
        locked.status = Status.SUBMITTED
        locked.submitted_at = now
        locked.refresh_search_text()
        entry = _record(
            locked, action="submit", actor=user, role="applicant", from_status=Status.DRAFT, at=now
        )
        locked.save()
        _announce(entry, DossierEvent.Kind.SUBMITTED)
    return locked


def add_attachment(
    *,
    user: User,
    dossier: Dossier,
    document_code: str,
    upload: CheckedUpload,
    digitised: bool = False,
) -> Attachment:
    """Attachments may be added until the clerk receives the dossier (or during a supplement)."""
    allowed = {Status.DRAFT, Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED}
    if dossier.status not in allowed:
        raise ActionNotAllowed(
            _("Không thể bổ sung tệp khi hồ sơ đang ở trạng thái “%(s)s”.")
            % {"s": dossier.get_status_display()}
        )
    with _files_removed_on_error() as written, transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.status not in allowed:
            raise ActionNotAllowed(_("Hồ sơ đã được tiếp nhận; không thể bổ sung tệp."))
        _store_files(locked, [NewFile(document_code, upload, digitised)], user, written)
        attachment = Attachment.objects.filter(dossier=locked).latest("pk")
        events.record(
            dossier_id=locked.pk,
            kind=DossierEvent.Kind.ATTACHMENT,
            from_status=locked.status,
            to_status=locked.status,
            actor=user,
            payload={"attachment": attachment.pk, "document_code": document_code},
        )
    return attachment


def supplement_dossier(
    *,
    user: User,
    dossier: Dossier,
    document_code: str,
    uploads: Sequence[CheckedUpload],
    comment: str = "",
    digitised: bool = False,
) -> Dossier:
    """The applicant's (or clerk's) supplement: the files and the resumption, all or nothing."""
    with _files_removed_on_error() as written, transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.status != Status.SUPPLEMENT_REQUESTED:
            raise ActionNotAllowed(_("Hồ sơ không ở trạng thái chờ bổ sung."), "action")
        files = [NewFile(document_code, upload, digitised) for upload in uploads]
        _store_files(locked, files, user, written)
        return _act(
            user=user,
            dossier=locked,
            request=ActionRequest("supplement", comment=comment),
            kind=DossierEvent.Kind.SUPPLEMENT,
            payload={"document_code": document_code, "files": len(files)},
        )


def missing_documents(dossier: Dossier) -> list[str]:
    present = set(dossier.attachments.values_list("document_code", flat=True))
    if dossier.is_online:  # filed online, the e-form is the declaration
        present.add(declaration_code(dossier.procedure_version))
    return [
        d.name
        for d in dossier.procedure_version.documents.all()
        if d.required and d.code not in present
    ]


# --- actions ----------------------------------------------------------------------------


def perform_action(*, user: User, dossier: Dossier, request: ActionRequest) -> Dossier:
    """Apply one action of the transition table by name: the dispatch table over the use cases
    below, for the API and the pages."""
    spec = ACTIONS.get(request.action)
    if spec is None:
        raise InvalidInput(_("Thao tác “%(a)s” không tồn tại.") % {"a": request.action}, "action")
    return _USE_CASES[spec.name](user, dossier, request)


def receive_dossier(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """Tiếp nhận: start the deadline clock (or wait for the fee); issues the receipt."""
    return _act(user=user, dossier=dossier, request=ActionRequest("receive", comment=comment))


def refuse_dossier(*, user: User, dossier: Dossier, comment: str) -> Dossier:
    """Từ chối tiếp nhận, with the reason; issues the refusal slip."""
    return _act(user=user, dossier=dossier, request=ActionRequest("refuse", comment=comment))


def request_supplement(
    *, user: User, dossier: Dossier, items: Sequence[str], comment: str
) -> Dossier:
    """Yêu cầu bổ sung: pause the clock until the listed items come; issues the supplement slip.
    During processing at most TINHSO_SUPPLEMENT_REQUESTS_MAX requests (409 beyond), except by the
    leader, whose further request records its reason; the response period is set."""
    return _act(
        user=user,
        dossier=dossier,
        request=ActionRequest("request_supplement", comment=comment, items=list(items)),
    )


def resume_after_supplement(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """The supplement has come (its files already attached): resume the clock.
    ``supplement_dossier`` attaches the files and resumes in one step."""
    return _act(user=user, dossier=dossier, request=ActionRequest("supplement", comment=comment))


def complete_step(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """Hoàn thành bước xử lý: hand the dossier on to the next workflow step."""
    return _act(user=user, dossier=dossier, request=ActionRequest("complete_step", comment=comment))


def approve_dossier(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """Phê duyệt (the leader's step): hand the dossier on to the next workflow step."""
    return _act(user=user, dossier=dossier, request=ActionRequest("approve", comment=comment))


def send_back(*, user: User, dossier: Dossier, comment: str) -> Dossier:
    """Trả lại để xử lý lại (the leader's step): the draft result goes back to the specialist of
    the previous step with the leader's comment. No number is used (the result is numbered and
    signed only by the approval), so the register has no gaps."""
    return _act(user=user, dossier=dossier, request=ActionRequest("send_back", comment=comment))


def issue_result(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """Ban hành kết quả: the dossier has its result (the e-result is signed after the commit)."""
    return _act(user=user, dossier=dossier, request=ActionRequest("issue_result", comment=comment))


def return_result(
    *,
    user: User,
    dossier: Dossier,
    return_method: str = "",
    postal_tracking: str = "",
    postal_address: str = "",
    comment: str = "",
) -> Dossier:
    """Trả kết quả at the counter, by post (tracking number required) or online."""
    request = ActionRequest(
        "return_result",
        comment=comment,
        return_method=return_method,
        postal_tracking=postal_tracking,
        postal_address=postal_address,
    )
    return _act(user=user, dossier=dossier, request=request)


def request_payment(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """Yêu cầu thực hiện nghĩa vụ tài chính: pause the clock until the fee is paid."""
    return _act(
        user=user, dossier=dossier, request=ActionRequest("request_payment", comment=comment)
    )


def confirm_payment(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """The clerk confirms the fee was paid at the counter: resume the clock."""
    return _act(
        user=user, dossier=dossier, request=ActionRequest("confirm_payment", comment=comment)
    )


def apologize(
    *, user: User, dossier: Dossier, new_due_at: datetime.datetime | None, comment: str
) -> Dossier:
    """Xin lỗi và hẹn lại, by the competent agency's leader: once, at the latest one working day
    before the due date, to a working instant after it within the allowed span; the letter gets
    the next number of the agency's register (``_apologize``)."""
    return _act(
        user=user,
        dossier=dossier,
        request=ActionRequest("apologize", comment=comment, new_due_at=new_due_at),
    )


def stop_dossier(*, user: User, dossier: Dossier, comment: str) -> Dossier:
    """Dừng xử lý, with the reason; issues the stop slip."""
    return _act(user=user, dossier=dossier, request=ActionRequest("stop", comment=comment))


def withdraw_dossier(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """Rút hồ sơ, by its owner online or by a clerk at the counter."""
    return _act(user=user, dossier=dossier, request=ActionRequest("withdraw", comment=comment))


def claim_dossier(*, user: User, dossier: Dossier, comment: str = "") -> Dossier:
    """Nhận xử lý: the official takes the dossier."""
    return _act(user=user, dossier=dossier, request=ActionRequest("claim", comment=comment))


def assign_dossier(
    *, user: User, dossier: Dossier, assignee: User | None, comment: str = ""
) -> Dossier:
    """Phân công xử lý: a leader gives the dossier to an official of the agency."""
    return _act(
        user=user,
        dossier=dossier,
        request=ActionRequest("assign", comment=comment, assignee=assignee),
    )


UseCase = Callable[[User, Dossier, ActionRequest], Dossier]

# Action name → use case, for ``perform_action``: every action of ``workflow.ACTIONS``.
_USE_CASES: dict[str, UseCase] = {
    "submit": lambda u, d, r: submit_draft(user=u, dossier=d),
    "receive": lambda u, d, r: receive_dossier(user=u, dossier=d, comment=r.comment),
    "refuse": lambda u, d, r: refuse_dossier(user=u, dossier=d, comment=r.comment),
    "request_supplement": lambda u, d, r: request_supplement(
        user=u, dossier=d, items=r.items, comment=r.comment
    ),
    "supplement": lambda u, d, r: resume_after_supplement(user=u, dossier=d, comment=r.comment),
    "complete_step": lambda u, d, r: complete_step(user=u, dossier=d, comment=r.comment),
    "approve": lambda u, d, r: approve_dossier(user=u, dossier=d, comment=r.comment),
    "send_back": lambda u, d, r: send_back(user=u, dossier=d, comment=r.comment),
    "issue_result": lambda u, d, r: issue_result(user=u, dossier=d, comment=r.comment),
    "return_result": lambda u, d, r: return_result(
        user=u,
        dossier=d,
        return_method=r.return_method,
        postal_tracking=r.postal_tracking,
        postal_address=r.postal_address,
        comment=r.comment,
    ),
    "request_payment": lambda u, d, r: request_payment(user=u, dossier=d, comment=r.comment),
    "confirm_payment": lambda u, d, r: confirm_payment(user=u, dossier=d, comment=r.comment),
    "apologize": lambda u, d, r: apologize(
        user=u, dossier=d, new_due_at=r.new_due_at, comment=r.comment
    ),
    "stop": lambda u, d, r: stop_dossier(user=u, dossier=d, comment=r.comment),
    "withdraw": lambda u, d, r: withdraw_dossier(user=u, dossier=d, comment=r.comment),
    "claim": lambda u, d, r: claim_dossier(user=u, dossier=d, comment=r.comment),
    "assign": lambda u, d, r: assign_dossier(
        user=u, dossier=d, assignee=r.assignee, comment=r.comment
    ),
}


def _act(
    *,
    user: User,
    dossier: Dossier,
    request: ActionRequest,
    kind: str = DossierEvent.Kind.ACTION,
    payload: dict[str, Any] | None = None,
) -> Dossier:
    """Apply one action of the transition table, atomically, with a history row and its event."""
    spec = ACTIONS[request.action]
    comment = request.comment.strip()
    if spec.comment_required and not comment:
        raise InvalidInput(_("Vui lòng nhập lý do (bắt buộc với thao tác này)."), "comment")
    now = timezone.now()
    with transaction.atomic():
        # FOR UPDATE OF the dossier only: the joined procedure version is read, not changed, and
        # locking it would make every concurrent filing on that procedure (whose foreign-key
        # check takes a share lock on it) wait or deadlock (found by the fault tests under load,
        # when the operations centre still wrote in this transaction).
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("procedure_version")
            .get(pk=dossier.pk)
        )
        role = acting_role(user, locked, spec)
        if role is None and _lacks_role(user, locked, spec):
            raise NotPermitted(
                _("Bạn không có thẩm quyền thực hiện “%(action)s” với hồ sơ này.")
                % {"action": spec.label},
                "action",
            )
        if role is None:
            raise ActionNotAllowed(
                _(
                    "Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s” hoặc bạn không có quyền."
                )
                % {"action": spec.label, "status": locked.get_status_display()},
                "action",
            )
        refused = guards.refusal(spec.name, user=user, dossier=locked)
        if refused is not None:
            raise ActionNotAllowed(refused.message, refused.field)
        from_status = locked.status
        step = current_step(locked) if spec.step_action else None
        handler = _HANDLERS[spec.name]
        slip, event, details, outcome = handler(locked, user, request, now)
        if spec.to_state is not None:
            locked.status = spec.to_state
        entry = _record(
            locked,
            action=spec.name,
            actor=user,
            role=role,
            from_status=from_status,
            comment=comment,
            details=details,
            at=now,
            step_outcome=outcome,
            step=step,
            agency=_acting_agency(user, locked, role, spec.scope_for(from_status)),
        )
        locked.save()
        effects = {"slip": slip, "notify": event}  # read by the slips and notifications apps
        _announce(
            entry, kind, (payload or {}) | {key: value for key, value in effects.items() if value}
        )
    return locked


Handled = tuple[str | None, str | None, dict[str, Any], str]


def _lacks_role(user: User, dossier: Dossier, spec: ActionSpec) -> bool:
    """The state allows ``spec`` and it is no workflow step's turn question: only the user's
    roles stand in the way (403 rather than 409)."""
    if dossier.status not in spec.from_states or spec.step_action is not None:
        return False
    held = capacity(user, dossier)
    if APPLICANT in spec.actors and held.owner:
        return False
    return not (held.roles(spec.scope_for(dossier.status)) & spec.actors)


def _acting_agency(user: User, dossier: Dossier, role: str, scope: str) -> Agency | None:
    """The unit the official acted for: the receiving counter when the role is held there."""
    if role == APPLICANT:
        return None
    roles = agency_roles(user)
    if scope in ("receiving", "either", "counter") and role in roles.get(
        dossier.receiving_agency_id, set()
    ):
        return dossier.receiving_agency
    return dossier.agency


def _step_outcome(dossier: Dossier, now: datetime.datetime) -> tuple[str, dict[str, Any]]:
    """Classify the finished step by its time budget (R-DL-15)."""
    step = current_step(dossier)
    if step is None or dossier.step_started_at is None or dossier.clock_started_at is None:
        return "", {}
    total = dossier.procedure_version.processing_minutes_for(dossier.is_online)
    budget = int(total * step.share)
    spent = get_calendar().working_minutes_between(dossier.step_started_at, now)
    outcome = (
        Timeliness.EARLY
        if spent < budget
        else Timeliness.ON_TIME
        if spent == budget
        else Timeliness.LATE
    )
    return outcome, {"step_budget_minutes": budget, "step_spent_minutes": spent}


def _advance(dossier: Dossier, now: datetime.datetime) -> tuple[str, dict[str, Any]]:
    outcome, details = _step_outcome(dossier, now)
    dossier.step_position += 1
    dossier.step_started_at = now
    dossier.assignee = None
    return outcome, details


def _receive(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    missing = missing_documents(d)
    if missing:
        raise ActionNotAllowed(
            _("Chưa đủ thành phần hồ sơ: %(docs)s. Hãy yêu cầu bổ sung thay vì tiếp nhận.")
            % {"docs": "; ".join(missing)},
            "documents",
        )
    _route_to_counter(d, user)
    cal = get_calendar()
    version = d.procedure_version
    d.received_at = now
    d.clock_started_at = cal.clock_start(now)
    d.due_at = cal.due_at(
        now,
        version.processing_minutes_for(d.is_online),
        same_day=version.same_day,
        cutoff=version.same_day_cutoff,
    )
    d.original_due_at = d.due_at
    d.step_position += 1
    d.step_started_at = d.clock_started_at
    d.assignee = None
    d.status = Status.RECEIVED
    if version.requires_payment_before_processing and d.paid_amount < d.fee_amount:
        _pause(d, now, reason="payment", items=[])
        d.status = Status.AWAITING_PAYMENT
    return "receipt", "received", {"due_at": d.due_at.isoformat()}, Timeliness.ON_TIME


def _route_to_counter(d: Dossier, user: User) -> None:
    """Receipt anywhere in the province (R-ACT-1): the counter that receives the dossier becomes
    its receiving agency (it keeps the dossier in its "received here" list, issues the receipt
    and returns the result); the competent agency (``d.agency``) owns the processing. A clerk of
    the receiving agency, or of the competent agency, receives it where it was filed."""
    roles = agency_roles(user)
    if Role.CLERK in roles.get(d.receiving_agency_id, set()) | roles.get(d.agency_id, set()):
        return
    counters = counter_agency_ids(user)
    if counters:
        d.receiving_agency = Agency.objects.get(pk=counters[0])


def _pause(d: Dossier, now: datetime.datetime, *, reason: str, items: list[str]) -> None:
    remaining = None
    if d.due_at is not None:
        cal = get_calendar()
        remaining = (
            cal.working_minutes_between(now, d.due_at)
            if now < d.due_at
            else -cal.working_minutes_between(d.due_at, now)
        )
    d.remaining_minutes = remaining
    d.resume_status = d.status
    Pause.objects.create(
        dossier=d, reason=reason, started_at=now, remaining_minutes=remaining or 0, items=items
    )


def _resume(d: Dossier, now: datetime.datetime) -> dict[str, Any]:
    pause = d.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
    details: dict[str, Any] = {}
    if d.remaining_minutes is not None and d.due_at is not None:
        cal = get_calendar()
        previous = d.due_at
        d.due_at = _due_on_resume(d, now, pause=pause)
        # The appointment by law moves with the pause too; an apology's extension stays on top.
        extension = d.apology_extension_minutes or 0
        d.original_due_at = (
            cal.subtract_working_minutes(d.due_at, extension) if extension else d.due_at
        )
        if d.step_started_at is not None and pause is not None:
            spent = cal.working_time_between(d.step_started_at, pause.started_at)
            d.step_started_at = (
                cal.subtract_working_time(cal.clock_start(now), spent) if spent else now
            )
        details = {"previous_due_at": previous.isoformat(), "due_at": d.due_at.isoformat()}
    if pause is not None:
        pause.ended_at = now
        pause.save(update_fields=["ended_at"])
    d.status = d.resume_status or Status.PROCESSING
    d.resume_status = ""
    d.remaining_minutes = None
    d.supplement_due_at = None
    return details


def _due_on_resume(
    d: Dossier, at: datetime.datetime, *, pause: Pause | None = None
) -> datetime.datetime:
    """The appointment of a paused dossier if its clock resumed at ``at``: ``at`` plus the
    working time that was left (or minus the time it was already late), to the second."""
    assert d.remaining_minutes is not None
    cal = get_calendar()
    left = _time_left_at_pause(d, pause)
    if left >= datetime.timedelta(0):
        return cal.add_working_time(at, left)
    return cal.subtract_working_time(cal.clock_start(at), -left)


def _time_left_at_pause(d: Dossier, pause: Pause | None) -> datetime.timedelta:
    """The working time a paused dossier had left (negative: how late it already was), exact.

    The dossier keeps it in whole minutes; the seconds come from the open pause's start and the
    appointment it stopped, both kept. When they no longer agree with the whole minutes (an
    apology during the pause moved the appointment by whole minutes), the minutes are the
    measure.
    """
    assert d.remaining_minutes is not None
    stored = datetime.timedelta(minutes=d.remaining_minutes)
    if pause is None:
        pause = d.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
    if pause is None or d.due_at is None or pause.remaining_minutes != d.remaining_minutes:
        return stored
    cal = get_calendar()
    if pause.started_at < d.due_at:
        exact = cal.working_time_between(pause.started_at, d.due_at)
        whole = exact // datetime.timedelta(minutes=1)
    else:
        exact = -cal.working_time_between(d.due_at, pause.started_at)
        whole = -(-exact // datetime.timedelta(minutes=1))
    return exact if whole == d.remaining_minutes else stored


def _refuse(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    if d.status == Status.SUBMITTED:
        _route_to_counter(d, user)
    if d.status == Status.SUPPLEMENT_REQUESTED:
        d.pauses.filter(ended_at__isnull=True).update(ended_at=now)
        d.resume_status = ""
    d.closed_at = now
    return "refusal", "refused", {}, ""


# Supplement requests made during processing (the clock was running), as opposed to the counter's
# guidance before receipt (R-LC-2), which the limit does not count.
PROCESSING_STATES = (Status.RECEIVED, Status.PROCESSING)


def _request_supplement(
    d: Dossier, user: User, req: ActionRequest, now: datetime.datetime
) -> Handled:
    from django.conf import settings

    items = [i.strip() for i in req.items if i and i.strip()]
    if not items:
        raise InvalidInput(_("Hãy liệt kê ít nhất một giấy tờ hoặc nội dung cần bổ sung."), "items")
    details: dict[str, Any] = {"items": items}
    if d.status == Status.SUBMITTED:
        _route_to_counter(d, user)  # the counter that guides the applicant receives them later
    if d.status in PROCESSING_STATES:
        earlier = d.history.filter(
            action="request_supplement", from_status__in=PROCESSING_STATES
        ).count()
        allowed = int(settings.TINHSO_SUPPLEMENT_REQUESTS_MAX)
        if earlier >= allowed:
            if not _is_leader_of(user, d):
                raise ActionNotAllowed(
                    _(
                        "Hồ sơ đã được yêu cầu bổ sung %(n)d lần trong quá trình giải quyết (tối "
                        "đa %(max)d lần). Chỉ lãnh đạo cơ quan mới được yêu cầu bổ sung thêm, "
                        "kèm lý do."
                    )
                    % {"n": earlier, "max": allowed},
                    "action",
                )
            # The leader's request beyond the limit: its reason is the (mandatory) comment.
            details |= {"beyond_limit": True, "reason": req.comment.strip()}
        details["request_number"] = earlier + 1
    _pause(d, now, reason="supplement", items=items)
    response_days = int(settings.TINHSO_SUPPLEMENT_RESPONSE_DAYS)
    if response_days > 0:
        cal = get_calendar()
        d.supplement_due_at = cal.add_working_minutes(now, response_days * cal.minutes_per_day)
        details["respond_by"] = d.supplement_due_at.isoformat()
    return "supplement", "supplement_requested", details, ""


def _is_leader_of(user: User, d: Dossier) -> bool:
    """A leader of the competent agency today (a dated leader assignment is a delegation)."""
    return Role.LEADER in agency_roles(user).get(d.agency_id, set())


def _supplement(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    _check_not_empty(d)
    details = _resume(d, now)
    _into_processing(d)
    return None, None, details, ""


def _into_processing(d: Dossier) -> None:
    """After a pause (5 or 6) the dossier goes back to processing (4), as the specification's
    table says (R-ST-3: 5 → 4, 6 → 4), also when the pause began right after receipt (2). A
    supplement asked for at the counter, before receipt, goes back to 1 (the named deviation 1
    of docs/lifecycle.md)."""
    if d.status == Status.RECEIVED:
        d.status = Status.PROCESSING


def _check_not_empty(d: Dossier) -> None:
    """A supplement must bring something: a document added since the request. (The e-form's
    fields cannot be changed while a supplement is awaited, so files are what can change.)"""
    pause = d.pauses.filter(ended_at__isnull=True, reason="supplement").order_by("-started_at")
    opened = pause.values_list("started_at", flat=True).first()
    if opened is None:  # no recorded request (data from before pauses were kept)
        return
    if not d.attachments.filter(uploaded_at__gte=opened).exists():
        raise InvalidInput(
            _(
                "Hồ sơ bổ sung chưa có giấy tờ nào mới: hãy đính kèm giấy tờ được yêu cầu trước "
                "khi gửi bổ sung."
            ),
            "files",
        )


def _complete_step(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    outcome, details = _advance(d, now)
    return None, None, details, outcome


def _send_back(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    """Back to the previous processing step, to the official who completed it (a leader's step
    right after receipt cannot be sent back: there is no processing step to return to)."""
    steps = {step.position: step for step in d.procedure_version.steps.all()}
    previous = steps.get(d.step_position - 1)
    if previous is None or previous.action != "complete_step":
        raise ActionNotAllowed(
            _("Quy trình của thủ tục không có bước xử lý trước bước phê duyệt để trả lại."),
            "action",
        )
    outcome, details = _step_outcome(d, now)
    last = (
        HistoryEntry.objects.filter(
            dossier_id=d.pk, action="complete_step", step_position=previous.position
        )
        .order_by("-seq")
        .values_list("actor_id", flat=True)
        .first()
    )
    d.step_position = previous.position
    d.step_started_at = now
    d.assignee_id = last
    return None, None, details | {"to_step": previous.position}, outcome


def _issue_result(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    paid: dict[str, Any] = {}
    if d.status == Status.AWAITING_PAYMENT:
        # 6 → 9 (R-ST-3; spec §4 step 7 "6, then 4 or 9"): the financial obligation asked for at
        # the last step is paid at the counter as the result is issued; the clock resumes first,
        # so the pause does not count against the agency.
        paid = _resume(d, now) | {"amount": d.fee_amount, "paid_at_issue": True}
    outcome, details = _step_outcome(d, now)
    details |= paid
    d.completed_at = now
    # Against the appointment by law, never the one an apology moved (R-DL-12, docs/lifecycle.md).
    d.timeliness = classify(now, d.original_due_at or d.due_at)
    d.step_position += 1
    d.assignee = None
    # No notice here: the results app signs the e-result and then records "result signed",
    # which is what tells the applicant the result is ready.
    return None, None, details | {"timeliness": d.timeliness}, outcome


def classify(done: datetime.datetime, due: datetime.datetime | None) -> str:
    """Early / on time / late against the appointment (R-DL-13); granularity is a setting."""
    from django.conf import settings

    if due is None:
        return ""
    if settings.TINHSO_TIMELINESS_GRANULARITY == "datetime":
        return (
            Timeliness.EARLY
            if done < due
            else Timeliness.ON_TIME
            if done == due
            else Timeliness.LATE
        )
    done_day, due_day = timezone.localdate(done), timezone.localdate(due)
    return (
        Timeliness.EARLY
        if done_day < due_day
        else Timeliness.ON_TIME
        if done_day == due_day
        else Timeliness.LATE
    )


def _return_result(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    method = req.return_method or ("online" if d.is_online else "counter")
    if method not in ("counter", "postal", "online"):
        raise InvalidInput(
            _("Hình thức trả kết quả không hợp lệ (counter, postal, online)."), "return_method"
        )
    if method == "postal" and not req.postal_tracking.strip():
        raise InvalidInput(_("Trả qua bưu chính cần có mã vận đơn."), "postal_tracking")
    if method == "postal":
        d.postal_address = (req.postal_address.strip() or d.postal_address or d.applicant_address)[
            :300
        ]
        if not d.postal_address:
            raise InvalidInput(_("Trả qua bưu chính cần có địa chỉ nhận."), "postal_address")
    d.return_method = method
    d.postal_tracking = req.postal_tracking.strip()
    d.returned_at = now
    d.closed_at = now
    return (
        None,
        "returned",
        {
            "return_method": method,
            "postal_tracking": d.postal_tracking,
            "postal_address": d.postal_address,
        },
        Timeliness.ON_TIME,
    )


def _request_payment(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    if d.fee_amount <= 0 or d.paid_amount >= d.fee_amount:
        raise ActionNotAllowed(_("Thủ tục này không thu phí, lệ phí."), "action")
    _pause(d, now, reason="payment", items=[])
    return None, None, {"amount": d.fee_amount}, ""


def _confirm_payment(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    details = _resume(d, now)
    _into_processing(d)
    return None, None, details | {"amount": d.fee_amount}, ""


def _apologize(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    """Xin lỗi và hẹn lại (R-DL-11, R-DL-12, form 04): once; by the end of the last working day
    before the current due date; the new date a working instant after it and at most the allowed
    span later. During a pause the current due date is the one the dossier would have if its
    clock resumed now."""
    if d.apologized:
        raise ActionNotAllowed(
            _("Hồ sơ đã được hẹn lại một lần; không thể hẹn lại lần nữa."), "action"
        )
    if d.due_at is None:  # e.g. a supplement asked for at the counter, before receipt
        raise ActionNotAllowed(
            _("Hồ sơ chưa được tiếp nhận nên chưa có ngày hẹn trả để hẹn lại."), "action"
        )
    new = req.new_due_at
    if new is None:
        raise InvalidInput(_("Hãy nhập ngày hẹn trả mới."), "new_due_at")
    cal = get_calendar()
    paused = d.remaining_minutes is not None
    current = _due_on_resume(d, now) if paused else d.due_at
    if now > cal.apology_deadline(current):
        raise ActionNotAllowed(
            _("Đã quá thời hạn xin lỗi, hẹn lại (chậm nhất 01 ngày làm việc trước ngày hẹn trả)."),
            "action",
        )
    _check_new_appointment(d, new, current)
    extension = cal.working_minutes_between(current, new)
    number = _next_register_number(d.agency, now)
    previous = d.due_at
    if d.original_due_at is None and not paused:  # rows from before it was kept: set it once
        d.original_due_at = previous
    d.due_at = new
    d.apologized = True
    d.apology_number = number
    d.apology_extension_minutes = extension
    if paused:  # the new date is kept, in working time, when the clock resumes
        assert d.remaining_minutes is not None
        d.remaining_minutes += extension
    return (
        "apology",
        "apologized",
        {
            "previous_due_at": current.isoformat(),
            "new_due_at": new.isoformat(),
            "number": number,
            "extension_minutes": extension,
        }
        | ({"due_at_before_pause": previous.isoformat()} if paused else {}),
        "",
    )


def _check_new_appointment(d: Dossier, new: datetime.datetime, current: datetime.datetime) -> None:
    """The new appointment: a working instant (office hours of a working day, both ends of a
    period included), later than ``current``, at most the allowed span after it."""
    from django.conf import settings

    cal = get_calendar()
    local = timezone.localtime(new)
    if not cal.is_working_day(local.date()):
        raise InvalidInput(
            _("Ngày hẹn mới %(day)s là ngày nghỉ (thứ Bảy, Chủ nhật hoặc ngày lễ, Tết).")
            % {"day": local.strftime("%d/%m/%Y")},
            "new_due_at",
        )
    if not cal.is_working_instant(new):
        raise InvalidInput(
            _("Giờ hẹn mới %(time)s nằm ngoài giờ làm việc (%(hours)s).")
            % {"time": local.strftime("%H:%M"), "hours": _office_hours_text(cal)},
            "new_due_at",
        )
    if new <= current:
        raise InvalidInput(
            _("Ngày hẹn mới phải sau ngày hẹn hiện tại (%(due)s).")
            % {"due": timezone.localtime(current).strftime("%H:%M %d/%m/%Y")},
            "new_due_at",
        )
    days = int(settings.TINHSO_APOLOGY_MAX_EXTENSION_DAYS)
    span = (
        days * cal.minutes_per_day
        if days > 0
        else max(d.procedure_version.processing_minutes_for(d.is_online), cal.minutes_per_day)
    )
    latest = cal.add_working_minutes(current, span)
    if new > latest:
        raise InvalidInput(
            _(
                "Ngày hẹn mới không được muộn hơn %(latest)s (hẹn lại tối đa %(days)s ngày làm "
                "việc sau ngày hẹn hiện tại)."
            )
            % {
                "latest": timezone.localtime(latest).strftime("%H:%M %d/%m/%Y"),
                "days": f"{span / cal.minutes_per_day:g}".replace(".", ","),
            },
            "new_due_at",
        )


def _office_hours_text(cal: WorkCalendar) -> str:
    return ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in cal.office_hours)


def _next_register_number(agency: Agency, now: datetime.datetime) -> str:
    """The letter's number in the competent agency's register of apology letters for the year:
    the same atomic per-key counter as the dossier codes (``_next_code``), keyed by the register
    and the year's first day. ``3/2025/STP-XL``: number / year / agency - "xin lỗi"."""
    year = timezone.localdate(now).year
    number = _counter_next(f"XL:{agency.code}", datetime.date(year, 1, 1))
    return f"{number}/{year}/{agency.slug.upper()}-XL"


def _stop(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    d.pauses.filter(ended_at__isnull=True).update(ended_at=now)
    d.closed_at = now
    return "stop", "stopped", {}, ""


def _withdraw(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    d.pauses.filter(ended_at__isnull=True).update(ended_at=now)
    d.closed_at = now
    channel = "online" if is_owner(user, d) else "counter"
    return "stop", "withdrawn", {"channel": channel}, ""


def _claim(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    d.assignee = user
    return None, None, {"assignee": user.username}, ""


def _assign(d: Dossier, user: User, req: ActionRequest, now: datetime.datetime) -> Handled:
    target = req.assignee
    if target is None or (
        d.agency_id not in agency_roles(target)
        and d.receiving_agency_id not in agency_roles(target)
    ):
        raise InvalidInput(
            _("Người được phân công phải là cán bộ của cơ quan xử lý hồ sơ."), "assignee"
        )
    d.assignee = target
    return None, None, {"assignee": target.username}, ""


_HANDLERS = {
    "receive": _receive,
    "refuse": _refuse,
    "request_supplement": _request_supplement,
    "supplement": _supplement,
    "complete_step": _complete_step,
    "approve": _complete_step,
    "send_back": _send_back,
    "issue_result": _issue_result,
    "return_result": _return_result,
    "request_payment": _request_payment,
    "confirm_payment": _confirm_payment,
    "apologize": _apologize,
    "stop": _stop,
    "withdraw": _withdraw,
    "claim": _claim,
    "assign": _assign,
}


# --- after the result -------------------------------------------------------------------


def rate_dossier(*, user: User, dossier: Dossier, score: int, comment: str = "") -> Rating:
    if not is_owner(user, dossier):
        raise ActionNotAllowed(_("Chỉ chủ hồ sơ mới đánh giá được."))
    if dossier.status != Status.RETURNED:
        raise ActionNotAllowed(_("Chỉ đánh giá được sau khi đã nhận kết quả."))
    if not 1 <= score <= 5:
        raise InvalidInput(_("Mức đánh giá từ 1 đến 5."), "score")
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                dossier=dossier, score=score, comment=comment.strip()[:2000]
            )
            events.record(
                dossier_id=dossier.pk,
                kind=DossierEvent.Kind.RATING,
                from_status=dossier.status,
                to_status=dossier.status,
                actor=user,
                payload={"score": score},
            )
            return rating
    except IntegrityError as exc:
        raise ActionNotAllowed(_("Hồ sơ này đã được đánh giá.")) from exc


# --- events recorded for other apps ---------------------------------------------------------


def record_event(
    *,
    dossier_id: int,
    action: str,
    actor: User | None,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> HistoryEntry:
    """Add a history row for something that happened to the dossier outside its lifecycle actions
    (a system event of ``workflow.SYSTEM_EVENTS``), without changing its state."""
    if action not in SYSTEM_EVENTS:
        raise ValueError(f"Unknown dossier event {action!r}")
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier_id)
        entry = _record(
            locked,
            action=action,
            actor=actor,
            role="system" if actor is None else "official",
            from_status=locked.status,
            comment=comment,
            details=details,
            at=timezone.now(),
        )
        locked.save(update_fields=["history_seq", "updated_at"])
        _announce(entry, DossierEvent.Kind.SYSTEM)
    return entry


# --- payments (called by tinhso.payments once a payment is confirmed) -----------------------


def return_by_post(
    *, dossier_id: int, actor: User, postal_tracking: str, postal_address: str
) -> Dossier | None:
    """The post took the result for delivery (its tracking says so): the dossier is returned by
    post, with the waybill, as the clerk's "return" action would record it, but by an outside
    system's account (``actor``: inactive, no staff role) and with the role ``system`` in the
    history, as ``record_payment`` records a payment. None when the dossier is no longer waiting
    for its result to be returned (returned at the counter meanwhile, withdrawn …)."""
    spec = ACTIONS["return_result"]
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))  # the dossier only (see _act)
            .select_related("procedure_version")
            .get(pk=dossier_id)
        )
        if locked.status != Status.RESULT_READY:
            return None
        request = ActionRequest(
            spec.name,
            return_method="postal",
            postal_tracking=postal_tracking,
            postal_address=postal_address,
        )
        from_status = locked.status
        step = current_step(locked) if spec.step_action else None
        slip, event, details, outcome = _HANDLERS[spec.name](locked, actor, request, now)
        if spec.to_state is not None:
            locked.status = spec.to_state
        entry = _record(
            locked,
            action=spec.name,
            actor=actor,
            role="system",
            from_status=from_status,
            details=details,
            at=now,
            step_outcome=outcome,
            step=step,
            agency=locked.receiving_agency,
        )
        locked.save()
        effects = {"slip": slip, "notify": event}
        _announce(
            entry,
            DossierEvent.Kind.ACTION,
            {key: value for key, value in effects.items() if value},
        )
    return locked


def record_payment(*, dossier_id: int, amount: int, online: bool, reference: str) -> Dossier:
    """Apply a confirmed payment to its dossier: add it to what was paid and, when the dossier was
    waiting for it, resume processing. Recorded in the history with no human actor."""
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))  # the dossier only (see _act)
            .select_related("procedure_version")
            .get(pk=dossier_id)
        )
        from_status = locked.status
        locked.paid_amount += amount
        locked.paid_online = locked.paid_online or online
        details: dict[str, Any] = {"amount": amount, "reference": reference, "online": online}
        if locked.status == Status.AWAITING_PAYMENT and locked.paid_amount >= locked.fee_amount:
            details |= _resume(locked, now)
            _into_processing(locked)
        entry = _record(
            locked,
            action="payment_received",
            actor=None,
            role="system",
            from_status=from_status,
            details=details,
            at=now,
        )
        locked.save()
        _announce(entry, DossierEvent.Kind.PAYMENT)
    return locked
