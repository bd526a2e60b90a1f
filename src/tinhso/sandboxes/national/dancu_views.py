"""HTTP face of the sandbox's population database: ``POST dancu/lookup`` (404 unless the national
sandbox is on). ``DANCU_UNAVAILABLE`` makes the lookup time out: the answer comes only after
``TIMEOUT_SECONDS`` (the knob of service ``dancu``; set it past the client's read timeout), and
then as a 504, as a gateway that gave up on the ministry's side would answer."""

import json
import time

from django.http import HttpRequest, HttpResponse, JsonResponse

from tinhso.sandboxes.national import dancu, faults
from tinhso.sandboxes.national.views import json_api


@json_api
def lookup(request: HttpRequest) -> HttpResponse:
    if faults.value("DANCU_UNAVAILABLE", dancu.SERVICE):
        time.sleep(float(faults.value("TIMEOUT_SECONDS", dancu.SERVICE)))
        return HttpResponse(
            "<html><body>504 Gateway Time-out</body></html>",
            status=504,
            content_type="text/html; charset=utf-8",
        )
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    return JsonResponse(dancu.lookup(body), json_dumps_params={"ensure_ascii": False})
