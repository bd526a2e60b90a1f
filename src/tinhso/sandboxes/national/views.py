"""HTTP face of the national portal sandbox. Every route answers 404 unless
``TINHSO_NATIONAL_SANDBOX`` is on. Faults that replace or delay an answer are applied here, around
the gateway call, so they behave the same on every profile."""

import base64
import binascii
import functools
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tinhso.sandboxes.national import faults, gateway, store
from tinhso.sandboxes.national.gateway import PROFILE_B, PROFILE_C, Answer


def _enabled() -> None:
    if not settings.TINHSO_NATIONAL_SANDBOX:
        raise Http404(_("Cổng DVCQG thử nghiệm không được bật."))


def _response(answer: Answer) -> HttpResponse:
    response: HttpResponse
    if isinstance(answer.body, str):
        kind = "text/html" if answer.html else "text/plain"
        response = HttpResponse(
            answer.body, status=answer.status, content_type=f"{kind}; charset=utf-8"
        )
    else:
        response = JsonResponse(
            answer.body,
            status=answer.status,
            safe=False,
            json_dumps_params={"ensure_ascii": False},
        )
    for name, value in answer.headers.items():
        response[name] = value
    return response


def _serve(service: str, call: Callable[[], Answer]) -> HttpResponse:
    """Run ``call`` under the knobs of ``service``: early faults, then ``TIMEOUT_RATE`` (sleep
    before answering; the call is served first only with ``TIMEOUT_AFTER_COMMIT``)."""
    early = gateway.before_call(service)
    if early is not None:
        return _response(early)
    delay = gateway.timeout(service)
    if delay is None:
        return _response(call())
    seconds, after_commit = delay
    answer = call() if after_commit else gateway.timed_out()
    time.sleep(seconds)
    return _response(answer)


def json_api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST endpoint of the emulated portal, which takes JSON only.

    Django's CSRF token protects our own forms; an outside system's API has no such token. What
    stops a page on another site from making a developer's browser call these endpoints (reset
    the sandbox, set its faults) is the content type: a browser sends ``application/json`` across
    sites only after a CORS preflight, which the sandbox never grants, and a plain form cannot
    send it. So the token check is replaced by that check, and anything else answers 415.
    """

    @functools.wraps(view)
    @require_POST
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _enabled()
        if request.content_type != "application/json":
            return JsonResponse(
                {"detail": _("Cần nội dung JSON (Content-Type: application/json).")},
                status=415,
                json_dumps_params={"ensure_ascii": False},
            )
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)


def _json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _not_json(profile: str, service: str) -> HttpResponse:
    message = _("Nội dung yêu cầu không phải JSON hợp lệ")
    return _response(gateway.reply(profile, service, gateway.INVALID, message))


# --- Profile A ----------------------------------------------------------------------------------


@json_api
def auth(request: HttpRequest) -> HttpResponse:
    body = _json(request)
    dstcode = request.headers.get("dstcode", "")
    return _serve(gateway.AUTH, lambda: gateway.auth(body, dstcode))


@json_api
def integration(request: HttpRequest) -> HttpResponse:
    body = _json(request)
    if not isinstance(body, dict):
        return _not_json(gateway.PROFILE_A, "")
    service = str(body.get("service") or "")
    query_updating = request.GET.get("isUpdating")
    dstcode = request.headers.get("dstcode", "")
    now = timezone.now()
    return _serve(service, lambda: gateway.integration(body, query_updating, dstcode, now))


# --- Profile B (and C behind a bearer token) ----------------------------------------------------

OPERATIONS = {"themmoi": gateway.UPSERT, "capnhat": gateway.UPSERT, "tientrinh": gateway.PROGRESS}


def _profile_b_call(profile: str, operation: str, body: Any) -> Callable[[], Answer]:
    now = timezone.now()
    if operation == "tientrinh":
        return lambda: gateway.progress_b(body, now)
    return lambda: gateway.upsert(profile, body, operation == "themmoi", now)


@json_api
def hoso(request: HttpRequest, operation: str) -> HttpResponse:
    """``hoso/themmoi``, ``hoso/capnhat``, ``hoso/tientrinh``: bare JSON arrays."""
    service = OPERATIONS[operation]
    return _serve(service, _profile_b_call(PROFILE_B, operation, _json(request)))


def _basic(request: HttpRequest) -> tuple[str, str]:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _colon, password = base64.b64decode(value).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, password


# Authenticated by the client's id and secret (its protocol's key), sent as a form: exempt from
# the token check meant for our own forms.
@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """Profile C ``token``: client id/secret in the form or in HTTP Basic."""
    _enabled()
    client_id = request.POST.get("client_id", "")
    client_secret = request.POST.get("client_secret", "")
    if not client_id:
        client_id, client_secret = _basic(request)
    grant = request.POST.get("grant_type", "")
    return _serve(gateway.TOKEN, lambda: gateway.token(grant, client_id, client_secret))


@json_api
def lgsp_hoso(request: HttpRequest, operation: str) -> HttpResponse:
    """Profile C: the Profile B operations behind ``Authorization: Bearer``."""
    service = OPERATIONS[operation]
    scheme, _sep, bearer = request.headers.get("Authorization", "").partition(" ")
    call = _profile_b_call(PROFILE_C, operation, _json(request))

    def checked() -> Answer:
        if scheme.lower() != "bearer" or not gateway.session_ok(bearer.strip(), service):
            answer = gateway.reply(
                PROFILE_C, service, gateway.SESSION_INVALID, gateway.session_message()
            )
            answer.status = 401
            answer.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return answer
        return call()

    return _serve(service, checked)


# --- Test control -------------------------------------------------------------------------------


@require_GET
def state(request: HttpRequest) -> JsonResponse:
    """``state?MaHoSo=``: one dossier as the portal holds it; without it, the codes held."""
    _enabled()
    code = request.GET.get("MaHoSo")
    if code is None:
        return JsonResponse({"dossiers": store.dossier_codes()})
    record = store.load_dossier(code)
    if record is None:
        return JsonResponse(
            {"detail": _("Không có hồ sơ %(code)s.") % {"code": code}},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False})


@json_api
def reset(request: HttpRequest) -> JsonResponse:
    store.reset()
    return JsonResponse({"reset": True})


@json_api
def set_faults(request: HttpRequest) -> JsonResponse:
    """``faults``: a JSON object of knobs, global unless it names a ``service``."""
    body = _json(request)
    if not isinstance(body, dict):
        return JsonResponse({"detail": _("Cần một đối tượng JSON.")}, status=400)
    try:
        knobs = faults.set_knobs(body)
    except faults.KnobError as exc:
        return JsonResponse(
            {"detail": str(exc)}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    return JsonResponse({"knobs": knobs})
