"""The integration layer's API: ``GET /api/v1/integrations/status`` and
``POST /api/v1/integrations/requeue`` (docs/integrations.md), for integration operators and the
platform administrator. A session caller's POST carries the CSRF token (``session_user``)."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from tinhso.accounts.api import bearer, session_user
from tinhso.accounts.models import User
from tinhso.apierrors import ApiError, ErrorOut
from tinhso.integrations import outbox
from tinhso.integrations.access import can_operate_integrations

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
