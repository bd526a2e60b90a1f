"""HTTP face of the sandbox's payment platform (PayGov v1.0.6, spec §5.2 and §11.1): ``pay/init``,
``pay/query``, ``pay/bill`` (the platform's API), the checkout page ``pay/checkout/<MaThamChieu>``
with its three buttons, and ``pay/complete`` (JSON, for tests) doing what the buttons do. A paid
or failed checkout sends the signed confirm callback(s) to ``TINHSO_PAYGOV_SANDBOX_CALLBACK_URL``
(Tỉnh Số's ``/payments/paygov/callback``) over real HTTP: synchronously, or after
``pay.OUT_OF_ORDER_DELAY`` seconds from a thread with ``OUT_OF_ORDER``. Every route is 404 unless
``TINHSO_NATIONAL_SANDBOX``."""

import json
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tinhso.sandboxes.national import faults, pay
from tinhso.sandboxes.national.views import _enabled, json_api

logger = logging.getLogger(__name__)
CALLBACK_TIMEOUT = 10.0  # ours (the platform's), not Tỉnh Số's
_threads: list[threading.Thread] = []


def _wrapped(inner: Mapping[str, Any]) -> JsonResponse:
    """``{"error_code": "0", "message": "<JSON text>"}`` (spec §5.2)."""
    text = json.dumps(dict(inner), ensure_ascii=False)
    return JsonResponse(
        {"error_code": "0", "message": text}, json_dumps_params={"ensure_ascii": False}
    )


def _refused(reason: str) -> JsonResponse:
    return JsonResponse(
        {"error_code": "-1", "message": reason}, json_dumps_params={"ensure_ascii": False}
    )


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


@json_api
def init(request: HttpRequest) -> HttpResponse:
    checkout = request.build_absolute_uri(reverse("sandboxes:national-pay-checkout", args=["x"]))[
        :-2
    ]
    try:
        return _wrapped(pay.init(_body(request), checkout))
    except pay.Refused as exc:
        return _refused(str(exc))


@json_api
def query(request: HttpRequest) -> HttpResponse:
    try:
        return _wrapped(pay.query(_body(request)))
    except pay.Refused as exc:
        return _refused(str(exc))


@json_api
def bill(request: HttpRequest) -> HttpResponse:
    """The receipt PDF bytes (spec §5.2: the answer of GET_BILL is the PDF)."""
    try:
        content = pay.bill(_body(request))
    except pay.Refused as exc:
        return _refused(str(exc))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="bienlai.pdf"'
    return response


def callback_url() -> str:
    return str(settings.TINHSO_PAYGOV_SANDBOX_CALLBACK_URL).replace(
        "{site_url}", str(settings.TINHSO_SITE_URL).rstrip("/")
    )


def send_callback(message: Mapping[str, str]) -> dict[str, Any]:
    """POST one confirm callback; Tỉnh Số's answer (or the error) is recorded with the transaction."""
    try:
        response = requests.post(callback_url(), json=dict(message), timeout=CALLBACK_TIMEOUT)
        try:
            answer: dict[str, Any] = dict(response.json())
        except ValueError:
            answer = {"error": response.text[:200]}
        answer["http_status"] = response.status_code
    except requests.RequestException as exc:
        answer = {"http_status": 0, "error": str(exc)}
    pay.record_delivery(str(message.get("MaThamChieu", "")), message, answer)
    return answer


def _send_later(calls: list[dict[str, str]], delay: float) -> None:
    time.sleep(delay)
    for message in calls:
        send_callback(message)


def deliver(calls: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Send now, in order; with ``OUT_OF_ORDER`` later, from a thread (a QUERY then answers first)."""
    if calls and faults.value("OUT_OF_ORDER", pay.SERVICE):
        thread = threading.Thread(
            target=_send_later, args=(calls, pay.OUT_OF_ORDER_DELAY), daemon=True
        )
        _threads.append(thread)
        thread.start()
        return []
    return [send_callback(message) for message in calls]


def wait_for_callbacks(timeout: float = 30) -> None:
    """Block until the delayed callbacks started so far are sent (tests)."""
    while _threads:
        _threads.pop().join(timeout)


@json_api
def complete(request: HttpRequest) -> HttpResponse:
    """``{MaThamChieu, result: "pay"|"fail"|"pending"}``: what the checkout page's buttons do."""
    body = _body(request)
    if not isinstance(body, dict):
        return JsonResponse({"detail": _("Nội dung phải là một đối tượng JSON.")}, status=400)
    try:
        txn, calls = pay.complete(str(body.get("MaThamChieu", "")), str(body.get("result", "")))
    except pay.Refused as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    answers = deliver(calls)
    return JsonResponse(
        {"status": txn["status"], "MaGiaoDich": txn["MaGiaoDich"], "callbacks": answers},
        json_dumps_params={"ensure_ascii": False},
    )


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, reference: str) -> HttpResponse:
    """The platform's checkout page: the amount and three buttons (a real form posting back)."""
    _enabled()
    found = pay.find(reference)
    if found is None:
        return render(request, "sandboxes/pay_checkout.html", {"missing": True}, status=404)
    txn = found[1]
    context: dict[str, Any] = {"reference": reference, "init": txn["init"], "status": txn["status"]}
    if request.method == "POST":
        result = request.POST.get("result", "")
        try:
            txn, calls = pay.complete(reference, result)
        except pay.Refused as exc:
            context["error"] = str(exc)
            return render(request, "sandboxes/pay_checkout.html", context, status=400)
        deliver(calls)
        context |= {"status": txn["status"], "done": result}
    return render(request, "sandboxes/pay_checkout.html", context)
