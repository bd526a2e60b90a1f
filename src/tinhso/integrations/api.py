"""The integration layer's API: ``GET /api/v1/integrations/status`` and
``POST /api/v1/integrations/requeue`` (docs/integrations.md), for integration operators and the
platform administrator. A session caller's POST carries the CSRF token (``session_user``).
``GET /api/v1/citizens/lookup`` (docs/population.md): the national population database, for
counter clerks and the platform administrator."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from tinhso.accounts.access import clerk_agency_ids, is_platform_admin
from tinhso.accounts.api import bearer, session_user
from tinhso.accounts.models import User
from tinhso.apierrors import ApiError, ErrorOut
from tinhso.integrations import outbox
from tinhso.integrations.access import can_operate_integrations
from tinhso.integrations.population import service as population
from tinhso.integrations.population.models import PopulationLookup

router = Router(tags=["integrations"], auth=[bearer, session_user])


class SystemOut(Schema):
    name: str
    label: str
    queued: int
    failed: int
    dead: int
    last_success: datetime.datetime | None


class StatusOut(Schema):
    systems: list[SystemOut]


class RequeueIn(Schema):
    ids: list[int] = Field(min_length=1, max_length=500)


class RequeueOut(Schema):
    requeued: int


def _operator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_operate_integrations(user):
        raise ApiError(403, _("Bạn không có quyền xem tình trạng kết nối."))
    return user


@router.get(
    "/integrations/status",
    response={200: StatusOut, 401: ErrorOut, 403: ErrorOut},
    summary="Queues of the outside systems",
    description=(
        "Per registered outside system: messages waiting (`queued`), of which after at least "
        "one failed attempt (`failed`), given up (`dead`, on the operations page to re-queue) "
        "and the time of the last delivered message (`last_success`). Integration operators "
        "and the platform administrator only."
    ),
)
def integration_status(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    _operator(request)
    response["Cache-Control"] = "no-store"
    return {"systems": [row.as_dict() for row in outbox.status()]}


@router.post(
    "/integrations/requeue",
    response={200: RequeueOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="Re-queue dead messages",
    description=(
        "Puts the given dead messages back in the queue, due now. Ids of messages that are not "
        "dead are ignored; `requeued` says how many were. Audited."
    ),
)
def integration_requeue(
    request: HttpRequest, payload: RequeueIn, response: HttpResponse
) -> dict[str, int]:
    user = _operator(request)
    response["Cache-Control"] = "no-store"
    try:
        count = outbox.requeue(user=user, item_ids=payload.ids)
    except PermissionDenied as exc:  # checked above; the service checks again
        raise ApiError(403, str(exc)) from exc
    return {"requeued": count}


# --- the national population database (spec §7) -----------------------------------------------


class AddressOut(Schema):
    text: str
    detail: str
    commune: str
    province: str
    commune_code: str
    province_code: str


class PersonOut(Schema):
    personal_id: str
    name: str
    birth_date: datetime.date | None
    birth_text: str
    sex: str
    permanent_residence: AddressOut
    current_residence: AddressOut


class LookupOut(Schema):
    available: bool
    found: bool | None = None
    request_id: str
    person: PersonOut | None = None
    checked: dict[str, str] | None = None
    mismatches: list[str] | None = None


def _address(address: Any) -> dict[str, str]:
    return {
        "text": address.text(),
        "detail": address.detail,
        "commune": address.commune,
        "province": address.province,
        "commune_code": address.commune_code,
        "province_code": address.province_code,
    }


def lookup_body(result: population.LookupResult) -> dict[str, Any]:
    """The API's answer: only what the lookup confirms and the field-by-field comparison."""
    body: dict[str, Any] = {
        "available": result.available,
        "request_id": result.lookup.request_id,
    }
    if not result.available:
        return body
    body["found"] = result.found
    citizen = result.citizen
    if citizen is not None:
        body["person"] = {
            "personal_id": citizen.personal_id,
            "name": citizen.name,
            "birth_date": citizen.birth_date,
            "birth_text": citizen.birth_text,
            "sex": citizen.sex,
            "permanent_residence": _address(citizen.permanent),
            "current_residence": _address(citizen.current),
        }
        body["checked"] = result.comparison
        body["mismatches"] = result.mismatches
    return body


@router.get(
    "/citizens/lookup",
    response={200: LookupOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    exclude_none=True,
    summary="Look a person up in the national population database",
    description=(
        "`personal_id` (12 digits) and, to compare, the declared `name`, `birth_date` "
        "(YYYY-MM-DD) and `address`. Answers the confirmed fields and `mismatches` (which "
        "declared fields differ), `found: false` for an unknown ID, and `available: false` when "
        "the database does not answer within the read timeout (go on with paper proof). Counter "
        "clerks and the platform administrator only; every lookup is logged and audited, the "
        "answer itself is not stored."
    ),
)
def citizen_lookup(
    request: HttpRequest,
    response: HttpResponse,
    personal_id: str,
    name: str = "",
    birth_date: str = "",
    address: str = "",
) -> dict[str, Any]:
    user = request.user
    if not isinstance(user, User) or not (clerk_agency_ids(user) or is_platform_admin(user)):
        raise ApiError(403, _("Chỉ cán bộ một cửa mới được tra cứu CSDL quốc gia về dân cư."))
    response["Cache-Control"] = "no-store"
    born: datetime.date | None = None
    if birth_date:
        try:
            born = datetime.date.fromisoformat(birth_date)
        except ValueError:
            raise ApiError(
                400, _("Ngày sinh phải có dạng YYYY-MM-DD."), field="birth_date"
            ) from None
    try:
        result = population.lookup(
            personal_id,
            requested_by=user,
            name=name[:200],
            birth_date=born,
            address=address[:300],
            purpose=PopulationLookup.Purpose.API,
            request=request,
        )
    except ValidationError as exc:
        raise ApiError(400, " ".join(exc.messages), field="personal_id") from exc
    return lookup_body(result)
