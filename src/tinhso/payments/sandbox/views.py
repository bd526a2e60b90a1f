"""HTTP face of the sandbox gateway: the payment page and the JSON API. 404 unless enabled."""

import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from tinhso.payments.providers.vnpay import protocol
from tinhso.payments.sandbox import delivery, gateway


def _enabled() -> None:
    if not settings.TINHSO_VNPAY_SANDBOX:
        raise Http404(_("Cổng thanh toán thử nghiệm không được bật."))


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "payments/sandbox/error.html", {"message": message}, status=status)


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest) -> HttpResponse:
    """GET: check the merchant's signed request and show the payment page. POST (the page's
    buttons, carrying the same signed parameters): settle, notify the IPN URL, go back to the
    merchant's Return URL with the signed result."""
    _enabled()
    source = request.GET if request.method == "GET" else request.POST
    params = {k: v for k, v in protocol.single_values(source).items() if k.startswith("vnp_")}
    now = timezone.now()
    try:
        pay_request = gateway.check_pay_request(params, now)
    except gateway.SandboxError as exc:
        return _error(request, exc.message, 400)
    if request.method == "GET":
        context: dict[str, Any] = {"req": pay_request, "hidden": sorted(params.items())}
        return render(request, "payments/sandbox/pay.html", context)
    outcome = request.POST.get("outcome", "")
    if outcome not in gateway.OUTCOMES:
        return _error(request, _("Lựa chọn không hợp lệ."), 400)
    try:
        txn = gateway.settle(pay_request, outcome, now)
    except gateway.SandboxError as exc:
        return _error(request, exc.message, 409)
    delivery.send(txn)
    return HttpResponseRedirect(gateway.return_url(txn))


@csrf_exempt
@require_POST
def api(request: HttpRequest) -> JsonResponse:
    """``querydr`` and ``refund`` (JSON in, JSON out), answered as VNPay's transaction API."""
    _enabled()
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    return JsonResponse(gateway.handle_api(body, timezone.now()))


def api_bad_input(
    request: HttpRequest, status: int, message: str, field: str | None
) -> JsonResponse:
    """A body refused before the view (a NUL, text that is not UTF-8, JSON that does not parse:
    ``tinhso.middleware``), answered as VNPay answers a body it cannot read (code 03)."""
    _enabled()
    return JsonResponse(gateway.handle_api(None, timezone.now()))
