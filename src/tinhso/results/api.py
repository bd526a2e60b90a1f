"""Result endpoints: public verification of a signed PDF, and the signed PDF of a dossier."""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from tinhso.accounts.api import bearer, session_user
from tinhso.accounts.models import User
from tinhso.apierrors import ApiError, ErrorOut
from tinhso.dossiers.models import Dossier
from tinhso.results import selectors, services, verification
from tinhso.results.models import ResultDraft
from tinhso.results.views import pdf_response
from tinhso.uploads import UploadRejected, check_upload

router = Router(tags=["results"])


class VerifyOut(Schema):
    valid: bool
    status: str
    signer: str
    signed_at: datetime.datetime | None
    document_number: str
    revoked: bool
    reason: str


@router.post(
    "/verify",
    response={200: VerifyOut, 400: ErrorOut},
    auth=None,
    summary="Verify a signed result PDF",
)
def verify(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """Public. ``status`` is ``valid`` (intact, signed by a trusted agency, in the register, not
    revoked), ``invalid`` (changed after signing, damaged, or revoked) or ``unknown`` (not signed,
    unknown signer, or not in the register); ``reason`` explains it in Vietnamese."""
    try:
        data = verification.read_upload(file)
    except UploadRejected as exc:
        raise ApiError(400, exc.message, exc.field) from exc
    return verification.verify_pdf(data).as_dict()


class ResultFieldsIn(Schema):
    fields: dict[str, Any]


class ResultDraftOut(Schema):
    dossier: str
    paper_code: str
    paper_name: str
    fields: dict[str, Any]
    has_file: bool
    file_pages: int
    revision: int
    prepared_by: str
    updated_at: datetime.datetime
    preview_url: str


def _not_found(code: str) -> ApiError:
    return ApiError(404, _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code}, "code")


def _official_dossier(request: HttpRequest, code: str) -> Dossier:
    try:
        return selectors.dossier_for_agency_official(request.user, code)
    except selectors.DossierNotFound:
        raise _not_found(code) from None


def draft_out(dossier: Dossier, draft: ResultDraft) -> dict[str, Any]:
    paper = dossier.procedure_version.main_result_paper
    return {
        "dossier": dossier.code,
        "paper_code": draft.paper_code,
        "paper_name": str(paper.get("name", "")),
        "fields": draft.fields,
        "has_file": bool(draft.file),
        "file_pages": draft.file_pages,
        "revision": draft.revision,
        "prepared_by": draft.prepared_by.full_name or draft.prepared_by.username,
        "updated_at": draft.updated_at,
        "preview_url": f"/api/v1/dossiers/{dossier.code}/result?draft=1",
    }


@router.post(
    "/dossiers/{code}/result",
    response={201: ResultDraftOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=[bearer, session_user],
    summary="Prepare the result of a dossier (a draft)",
)
def prepare_result(
    request: HttpRequest, code: str, payload: ResultFieldsIn
) -> Status[dict[str, Any]]:
    """A specialist of the competent agency fills the fields of the procedure's main result paper
    (``result_schema`` of ``GET /procedures/{code}``); each call replaces the draft (a new
    revision). 400 with ``field`` = ``fields.<name>`` when a field is missing or invalid, 403 for
    another official of the agency, 404 for anyone else, 409 once the result is approved or signed."""
    dossier = _official_dossier(request, code)
    user = request.user
    assert isinstance(user, User)
    try:
        draft = services.prepare_result(user=user, dossier=dossier, fields=payload.fields)
    except services.ResultError as exc:
        raise ApiError(exc.status, exc.message, exc.field) from exc
    return Status(201, draft_out(dossier, draft))


@router.post(
    "/dossiers/{code}/result/file",
    response={201: ResultDraftOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=[bearer, session_user],
    summary="Attach the result paper produced by another system (a PDF) to the draft",
)
def attach_result_file(
    request: HttpRequest, code: str, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Multipart ``file``: a PDF produced by a national or sector system (checked by content,
    page count read by pypdf), stored as the draft's paper. Same rights and states as
    ``POST /dossiers/{code}/result``; 400 with ``field`` = ``file`` for anything but a readable PDF."""
    dossier = _official_dossier(request, code)
    user = request.user
    assert isinstance(user, User)
    if not services.can_prepare(user, dossier):  # before reading and scanning the file
        raise ApiError(
            403, _("Chỉ chuyên viên xử lý của cơ quan có thẩm quyền mới chuẩn bị được kết quả.")
        )
    try:
        draft = services.attach_result_file(user=user, dossier=dossier, upload=check_upload(file))
    except UploadRejected as exc:
        raise ApiError(400, exc.message, exc.field) from exc
    except services.ResultError as exc:
        raise ApiError(exc.status, exc.message, exc.field) from exc
    return Status(201, draft_out(dossier, draft))


@router.get(
    "/dossiers/{code}/result",
    response={404: ErrorOut, 409: ErrorOut},
    auth=[bearer, session_user],
    summary="The signed result PDF of a dossier",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The signed PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def dossier_result(request: HttpRequest, code: str, draft: bool = False) -> HttpResponseBase:
    """The signed PDF: for whoever may see the dossier; 404 otherwise, 409 while no signed result
    exists. ``draft=1``: the prepared draft as it will be signed, unsigned and with the number as a
    placeholder, for the officials of the competent agency only (404 for anyone else, 409 while
    there is no draft); never cached."""
    if draft:
        return _draft_pdf(request, code)
    try:
        result = selectors.result_for_user(request.user, code)
    except selectors.DossierNotFound:
        raise ApiError(
            404, _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code}, "code"
        ) from None
    if result is None:
        raise ApiError(409, _("Hồ sơ chưa có kết quả điện tử được ký số."), "code")
    return pdf_response(result)


def _draft_pdf(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _official_dossier(request, code)
    prepared = selectors.draft_of(dossier)
    if prepared is None:
        raise ApiError(409, _("Hồ sơ chưa có dự thảo kết quả."), "code")
    response = HttpResponse(services.render_draft_pdf(prepared), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="du-thao-ket-qua-{dossier.code}.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
