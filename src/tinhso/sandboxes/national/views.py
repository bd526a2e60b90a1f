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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.sandboxes.national import delivery, faults, gateway, inbound, index766, pakn, store
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
    if service in pakn.SERVICES:
        return _serve(service, lambda: pakn.integration(body, dstcode, now))
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


# --- Catalogue gateway and the pull adapter (bearer: a Profile A session or a Profile C token) ---


def _bearer_ok(request: HttpRequest, service: str) -> bool:
    scheme, _sep, bearer = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and gateway.session_ok(bearer.strip(), service)


def _with_bearer(request: HttpRequest, service: str, call: Callable[[], Answer]) -> HttpResponse:
    def checked() -> Answer:
        if not _bearer_ok(request, service):
            return gateway.bearer_refused(service)
        return call()

    return _serve(service, checked)


CATALOGUE_ROUTES = {
    "LayDanhSachTTHCDonVi": gateway.UNIT_LIST,
    "LayThuTuc": gateway.PROCEDURE,
    "LayQDCB": gateway.DECISION,
}


@require_GET
def catalogue_route(request: HttpRequest, route: str) -> HttpResponse:
    """``catalogue/LayDanhSachTTHCDonVi?maDonVi=``, ``LayThuTuc?maTTHC=``, ``LayQDCB?idQDCB=``."""
    _enabled()
    service = CATALOGUE_ROUTES[route]
    params = {key: request.GET.get(key, "").strip() for key in ("maDonVi", "maTTHC", "idQDCB")}
    return _with_bearer(request, service, lambda: gateway.catalogue_rest(service, params))


@require_GET
def inbound_list(request: HttpRequest) -> HttpResponse:
    _enabled()
    unit = request.GET.get("maDonVi", "").strip() or None
    return _with_bearer(request, inbound.SERVICE, lambda: gateway.inbound_list(unit))


@require_GET
def inbound_detail(request: HttpRequest, item_id: str) -> HttpResponse:
    _enabled()
    return _with_bearer(request, inbound.SERVICE, lambda: gateway.inbound_detail(item_id))


# A PUT from an outside client with a bearer token: no browser form can send PUT, and a
# cross-site fetch with JSON would need a CORS preflight the sandbox never grants.
@csrf_exempt
@require_http_methods(["PUT"])
def inbound_ack(request: HttpRequest) -> HttpResponse:
    _enabled()
    body = _json(request)
    return _with_bearer(request, inbound.SERVICE, lambda: gateway.inbound_ack(body))


# --- Test control -------------------------------------------------------------------------------


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})


@json_api
def inbound_seed(request: HttpRequest) -> JsonResponse:
    """``inbound/seed``: a dossier filed on the portal now; pushed at once with ``"push": true``."""
    body = _json(request)
    try:
        seed = inbound.parse_seed(body)
    except inbound.SeedError as exc:
        return _bad_request(str(exc))
    push = body.get("push", False)
    if not isinstance(push, bool):
        return _bad_request(_("push phải là true hoặc false."))
    item = inbound.seed(seed, timezone.now())
    code = item["object"]["MaHoSo"]
    answer: dict[str, Any] = {"MaHoSo": code, "id": item["id"]}
    if push:
        answer["pushes"] = delivery.push(code)
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})


@json_api
def inbound_push(request: HttpRequest) -> JsonResponse:
    """``inbound/push``: push a seeded dossier (again) now; 400 for a code never seeded."""
    body = _json(request)
    code = body.get("MaHoSo") if isinstance(body, dict) else None
    pushes = delivery.push(code) if isinstance(code, str) else None
    if pushes is None:
        return _bad_request(
            _("MaHoSo %(code)r không phải hồ sơ đã tạo trên Cổng.") % {"code": code}
        )
    return JsonResponse({"pushes": pushes}, json_dumps_params={"ensure_ascii": False})


@require_GET
def index_766(request: HttpRequest) -> JsonResponse:
    """``index766?period=YYYY-MM[&MaCoQuan=]``: S-9, the 766 simulator."""
    _enabled()
    period = request.GET.get("period", "")
    try:
        result = index766.compute(period, request.GET.get("MaCoQuan") or None, timezone.now())
    except index766.PeriodError:
        return _bad_request(_("period phải có dạng YYYY-MM."))
    return JsonResponse(result, json_dumps_params={"ensure_ascii": False})


@require_GET
def state(request: HttpRequest) -> JsonResponse:
    """``state?MaHoSo=``: one dossier as the portal holds it; without it, the codes held.
    ``state?HOIDAPID=``: one Q&A question (empty: the ids held)."""
    _enabled()
    if "HOIDAPID" in request.GET:
        return _pakn_state(request.GET["HOIDAPID"])
    code = request.GET.get("MaHoSo")
    if code is None:
        return JsonResponse({"dossiers": store.dossier_codes()})
    record = store.load_dossier(code)
    seeded = inbound.summary(code)
    if seeded is not None:
        record = (record or store.empty_record()) | {"inbound": seeded}
    if record is None:
        return JsonResponse(
            {"detail": _("Không có hồ sơ %(code)s.") % {"code": code}},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False})


def _pakn_state(ident: str) -> JsonResponse:
    if not ident:
        return JsonResponse({"hoidap": pakn.ids()})
    held = pakn.summary(ident)
    if held is None:
        return JsonResponse(
            {"detail": _("Không có câu hỏi %(id)s.") % {"id": ident}},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    response = JsonResponse(held, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"  # the asker's contact details
    return response


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
    return JsonResponse(
        {"knobs": knobs, "environment": faults.env_knobs()},
        json_dumps_params={"ensure_ascii": False},
    )
