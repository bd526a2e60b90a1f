"""Dossier endpoints. Thin: parse, check access through selectors, call one service."""

import datetime
import json
from typing import Any, NoReturn

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import NinjaJSONEncoder, Status

from tinhso.accounts.api import bearer, session_user
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.apierrors import ApiError, ErrorOut
from tinhso.dossiers import selectors, services
from tinhso.dossiers.lookup import LookupLocked, checked_public_lookup
from tinhso.dossiers.models import STATUS_CODES, Dossier, HistoryEntry
from tinhso.dossiers.models import Status as DossierStatus
from tinhso.dossiers.signals import personal_data_read
from tinhso.dossiers.workflow import action_label
from tinhso.procedures.models import ProcedureVersion
from tinhso.procedures.selectors import competent_agencies, version_by_code
from tinhso.uploads import UploadRejected, check_upload

router = Router(tags=["dossiers"], auth=[bearer, session_user])


class DossierIn(Schema):
    procedure: str
    data: dict[str, Any]
    agency: str | None = None
    fee_exemption: str = ""
    postal_address: str = ""  # for postal return; the account's address when empty


class HistoryOut(Schema):
    seq: int
    action: str
    label: str
    status: str
    status_code: int | None
    status_label: str
    at: datetime.datetime
    comment: str


class AttachmentOut(Schema):
    id: int
    document: str
    name: str
    content_type: str
    size: int
    sha256: str


class DossierOut(Schema):
    code: str
    # The code another system gave the dossier (the national portal's for a dossier filed there,
    # R-NAT-102) and that system; "" when none. GET /dossiers/{code} accepts either code.
    other_code: str
    other_code_issuer: str
    procedure: str
    procedure_name: str
    agency: str
    status: str
    status_code: int | None
    status_label: str
    submitted_at: datetime.datetime | None
    received_at: datetime.datetime | None
    due_at: datetime.datetime | None
    original_due_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    timeliness: str
    available_actions: list[str]
    attachments: list[AttachmentOut]
    history: list[HistoryOut]


class ActionIn(Schema):
    action: str
    comment: str = ""
    items: list[str] = []
    new_due_at: datetime.datetime | None = None
    assignee: str | None = None
    return_method: str = ""
    postal_tracking: str = ""
    postal_address: str = ""


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _load(request: HttpRequest, code: str) -> Dossier:
    try:
        return selectors.dossier_for_user(request.user, code)
    except selectors.DossierNotFound:
        raise ApiError(
            404, _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code}, "code"
        ) from None


def _history_item(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "action": entry.action,
        "label": action_label(entry.action),
        "status": entry.to_status,
        "status_code": STATUS_CODES.get(entry.to_status),
        "at": entry.at,
        "comment": entry.comment,
        "status_label": str(DossierStatus(entry.to_status).label),
    }


def dossier_out(user: Any, dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "other_code": dossier.other_code,
        "other_code_issuer": dossier.other_code_issuer,
        "procedure": dossier.procedure_version.procedure.code,
        "procedure_name": dossier.procedure_version.name,
        "agency": dossier.agency.code,
        "status": dossier.status,
        "status_code": dossier.status_code,
        "status_label": dossier.get_status_display(),
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "original_due_at": dossier.original_due_at,
        "completed_at": dossier.completed_at,
        "returned_at": dossier.returned_at,
        "timeliness": dossier.timeliness,
        "available_actions": selectors.available_actions(user, dossier),
        "attachments": [
            {
                "id": a.pk,
                "document": a.document_code,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in dossier.attachments.all()
        ],
        "history": [_history_item(e) for e in dossier.history.all()],
    }


def _raise(exc: services.DossierError) -> NoReturn:
    raise ApiError(exc.status, exc.message, exc.field) from exc


def answer(data: dict[str, Any], status: int = 200) -> HttpResponse:
    """``data`` written as the API's renderer writes a validated answer, without validating it
    against the declared response schema again: for the dicts built by ``dossier_out`` and
    ``selectors.public_view`` from model rows, whose fields and types the schema tests compare
    with ``DossierOut`` and ``LookupOut`` (test_api.py). The operations keep declaring their
    schema for the OpenAPI document."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _requested_agency(version: ProcedureVersion, wanted: str) -> Agency:
    """The agency named by code or slug: one of the procedure's (no query), else any."""
    for agency in competent_agencies(version):
        if wanted in (agency.code, agency.slug):
            return agency
    found = Agency.objects.filter(code=wanted).first() or Agency.objects.filter(slug=wanted).first()
    if found is None:
        raise ApiError(400, _("Không có cơ quan “%(code)s”.") % {"code": wanted}, "agency")
    return found  # not competent: the service says so


@router.post("/dossiers", response={201: DossierOut, 200: DossierOut}, summary="File a dossier")
def create_dossier(request: HttpRequest, payload: DossierIn) -> HttpResponse:
    # The version comes from the process's catalogue cache (one statement) and the new dossier
    # answers from the rows just written: the statements a filing makes are listed in
    # test_query_counts.py. (No docstring: it would become the operation's OpenAPI description.)
    user = _user(request)
    version = version_by_code(payload.procedure)
    if version is None:
        raise ApiError(
            400, _("Không có thủ tục mã “%(code)s”.") % {"code": payload.procedure}, "procedure"
        )
    agency = _requested_agency(version, payload.agency) if payload.agency else None
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and not (1 <= len(key) <= 128):
        raise ApiError(400, _("Idempotency-Key phải dài từ 1 đến 128 ký tự."), "Idempotency-Key")
    try:
        dossier, created = services.file_dossier(
            user=user,
            version=version,
            data=payload.data,
            applicant=services.Applicant.from_user(user),
            agency=agency,
            idempotency_key=key,
            fingerprint=services.request_fingerprint(payload.dict()),
            exemption_group=payload.fee_exemption,
            postal_address=payload.postal_address,
        )
    except services.DossierError as exc:
        _raise(exc)
    return answer(dossier_out(user, dossier), 201 if created else 200)


@router.get("/dossiers/{code}", response=DossierOut, summary="One dossier")
def get_dossier(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _load(request, code)
    if not selectors.is_owner(request.user, dossier):  # an official reads personal data: audited
        personal_data_read.send(
            sender=Dossier, dossier=dossier, user=_user(request), channel="api", request=request
        )
    return answer(dossier_out(request.user, dossier))


@router.post("/dossiers/{code}/attachments", response={201: AttachmentOut}, summary="Attach a file")
def add_attachment(
    request: HttpRequest, code: str, document: Form[str], file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    dossier = _load(request, code)
    user = _user(request)
    if not (selectors.is_owner(user, dossier) or selectors.roles_on(user, dossier, "either")):
        raise ApiError(404, _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code}, "code")
    try:
        checked = check_upload(file)
        attachment = services.add_attachment(
            user=user, dossier=dossier, document_code=document, upload=checked
        )
    except UploadRejected as exc:
        raise ApiError(400, exc.message, exc.field) from exc
    except services.DossierError as exc:
        _raise(exc)
    return Status(
        201,
        {
            "id": attachment.pk,
            "document": attachment.document_code,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )


@router.post("/dossiers/{code}/actions", response=DossierOut, summary="Act on a dossier")
def act(request: HttpRequest, code: str, payload: ActionIn) -> HttpResponse:
    user = _user(request)
    try:  # receipt anywhere in the province (R-ACT-1): a counter clerk receives by exact code
        dossier = selectors.dossier_for_action(user, code, payload.action)
    except selectors.DossierNotFound:
        raise ApiError(
            404, _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code}, "code"
        ) from None
    assignee = None
    if payload.assignee:
        assignee = User.objects.filter(username=payload.assignee).first()
        if assignee is None:
            raise ApiError(400, _("Không có cán bộ “%(u)s”.") % {"u": payload.assignee}, "assignee")
    new_due = payload.new_due_at
    if new_due is not None and timezone.is_naive(new_due):
        new_due = timezone.make_aware(new_due)
    try:
        updated = services.perform_action(
            user=user,
            dossier=dossier,
            request=services.ActionRequest(
                action=payload.action,
                comment=payload.comment,
                items=payload.items,
                new_due_at=new_due,
                assignee=assignee,
                return_method=payload.return_method,
                postal_tracking=payload.postal_tracking,
                postal_address=payload.postal_address,
            ),
        )
    except services.DossierError as exc:
        _raise(exc)
    return answer(dossier_out(user, updated))


public_router = Router(tags=["lookup"])


class LookupStep(Schema):
    label: str
    status_label: str
    status_code: int | None
    at: datetime.datetime


class LookupOut(Schema):
    code: str
    procedure_name: str
    agency: str
    status: str
    status_code: int | None
    status_label: str
    submitted_at: datetime.datetime | None
    received_at: datetime.datetime | None
    due_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    history: list[LookupStep]


@public_router.get(
    "/lookup/{code}",
    response={200: LookupOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Public status lookup",
)
def lookup(request: HttpRequest, code: str, phone_last4: str) -> HttpResponse:
    """Status, dates and the citizen-readable history; never names, identifiers or comments.

    Failed lookups share the lookup page's limit (TINHSO_LOOKUP_FAILURES_PER_HOUR per client
    address and per code): past it the answer is 429 with Retry-After, even for the right digits."""
    # One indexed statement when the answer is in the cache, two when the dossier changed since
    # it was kept (tinhso.dossiers.lookup).
    if not (len(phone_last4) == 4 and phone_last4.isdigit()):
        raise ApiError(400, _("Nhập đúng 4 chữ số cuối của số điện thoại."), "phone_last4")
    try:
        found = checked_public_lookup(request, code, phone_last4)
    except LookupLocked as exc:
        raise ApiError(
            429,
            _(
                "Bạn đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau một giờ hoặc liên hệ "
                "bộ phận một cửa."
            ),
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    if found is None:
        raise ApiError(404, _("Không tìm thấy hồ sơ với mã và số điện thoại này."), "code")
    return answer(found)
