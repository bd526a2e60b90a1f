"""Result endpoints: public verification of a signed PDF, and the signed PDF of a dossier."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from tinhso.accounts.api import bearer, session_user
from tinhso.apierrors import ApiError, ErrorOut
from tinhso.results import selectors, verification
from tinhso.results.views import pdf_response
from tinhso.uploads import UploadRejected

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
def dossier_result(request: HttpRequest, code: str) -> HttpResponseBase:
    """For whoever may see the dossier; 404 otherwise, 409 while no signed result exists."""
    try:
        result = selectors.result_for_user(request.user, code)
    except selectors.DossierNotFound:
        raise ApiError(
            404, _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code}, "code"
        ) from None
    if result is None:
        raise ApiError(409, _("Hồ sơ chưa có kết quả điện tử được ký số."), "code")
    return pdf_response(result)
