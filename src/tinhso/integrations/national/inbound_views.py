"""The push adapter of dossiers filed on the national portal (spec §4.1-1, R-NAT-050): the national
side POSTs the inbound dossier object to ``/national/inbound/dossiers`` and reads OpenCPS's answer,
``{"error_code": 0|1|-1, "message": "<MaHoSo>|…"}`` (contract in docs/integrations.md).

A machine endpoint: the caller proves itself with ``Authorization: Bearer
<TINHSO_NATIONAL_INBOUND_SECRET>`` (compared in constant time; no secret configured closes the
endpoint), sends JSON only, and is answered in JSON, never cached.
"""

import hmac
import json
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tinhso.integrations import outbox
from tinhso.integrations.models import InboundDossier, IntegrationLog
from tinhso.integrations.national import inbound

SERVICE = "inbound/push"
MAX_DEPTH = 20  # nesting of the JSON body walked for NUL characters


def _answer(body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _refused(message: str, status: int) -> JsonResponse:
    return _answer({"error_code": -1, "message": message}, status)


def bad_input(request: HttpRequest, status: int, message: str, field: str | None) -> JsonResponse:
    """The answer to input refused before the view runs (``tinhso.middleware``: a body that is
    not JSON, a NUL character, an unknown path or method under ``/national/inbound/``), in the
    endpoint's own format. Registered with ``register_error_format`` in the app's ``ready()``."""
    return _refused(message, status)


def _authorised(request: HttpRequest, secret: str) -> bool:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    return hmac.compare_digest(token.strip().encode(), secret.encode())


def _has_nul(value: Any, depth: int = 0) -> bool:
    """A NUL character anywhere in the body's strings or keys (PostgreSQL's text and JSON refuse
    it; no legitimate dossier carries one). Too deep a nesting counts as one: refused too."""
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k, depth) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


# CSRF: this view authenticates by the bearer secret alone and never reads a cookie, a session or
# ``request.user``: a browser on another site cannot attach that header (a cross-site request
# with an Authorization header or a JSON body needs a CORS preflight, which we never grant), so
# Django's CSRF token, which protects cookie-authenticated requests, has nothing to protect here
# and the national portal could not send it anyway. Unlike the sandbox's ``json_api`` (which has
# no authentication and so leans on the content type), the secret is the protection; the JSON
# content type is still required (415 otherwise).
@csrf_exempt
def push(request: HttpRequest) -> JsonResponse:
    """Receive one dossier filed on the national portal (R-NAT-051: a repeat answers
    ``error_code`` 1 with the existing dossier)."""
    started = time.monotonic()
    if request.method != "POST":
        response = _refused(_("Chỉ nhận yêu cầu POST."), 405)
        response["Allow"] = "POST"
        return response
    secret = settings.TINHSO_NATIONAL_INBOUND_SECRET
    if not secret:
        return _refused(_("Cổng nhận hồ sơ từ Cổng DVCQG chưa được bật."), 403)
    if not _authorised(request, secret):
        response = _refused(_("Không có quyền gửi hồ sơ đến địa chỉ này."), 401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    if request.content_type != "application/json":
        return _refused(_("Cần nội dung JSON (Content-Type: application/json)."), 415)
    try:
        raw = request.body
    except RequestDataTooBig:
        return _refused(_("Nội dung gửi đến vượt quá dung lượng cho phép."), 413)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _refused(_("Nội dung yêu cầu không phải JSON hợp lệ."), 400)
    if not isinstance(body, dict) or _has_nul(body):
        return _refused(_("Nội dung yêu cầu không phải một hồ sơ hợp lệ."), 400)
    result = inbound.import_dossier(body, channel=InboundDossier.Channel.PUSH)
    status = 400 if result.outcome == "malformed" else 200
    answer = result.answer()
    outbox.log_call(
        system=inbound.SOURCE,
        service=SERVICE,
        key=result.national_code,
        request_hash=outbox.request_hash(raw),
        http_status=status,
        error_code=str(answer["error_code"]),
        message=result.outcome if result.outcome != "refused" else answer["message"],
        latency_ms=int((time.monotonic() - started) * 1000),
        outcome=result.outcome,
        direction=IntegrationLog.Direction.IN,
    )
    return _answer(answer, status)
