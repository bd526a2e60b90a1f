"""``POST /postal/tracking``: the post's tracking notifications (its NotificationUrl).

The body is one event (docs/postal.md), signed with HMAC-SHA256 of the raw body under the shared
``TINHSO_POSTAL_WEBHOOK_SECRET``, hex in ``X-Postal-Signature``. Answers are JSON: 200 (applied or
seen before), 400 (not an event), 401 (bad signature), 404 (unknown ItemCode: the post retries).
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tinhso.integrations import outbox
from tinhso.integrations.models import IntegrationLog
from tinhso.integrations.postal import tracking
from tinhso.integrations.postal.client import SYSTEM
from tinhso.integrations.postal.models import ShipmentEvent

SIGNATURE_HEADER = "HTTP_X_POSTAL_SIGNATURE"


def signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _answer(data: dict[str, object], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def bad_input(request: HttpRequest, status: int, message: str, field: str | None) -> HttpResponse:
    """Refused input (a NUL byte, text that is not UTF-8), before the view: our JSON error."""
    error = {"code": "invalid", "field": field or "body", "message": message}
    return _answer({"error": error}, status)


# CSRF-exempt: a key-authenticated protocol endpoint called server to server by the post; no
# browser session is involved and the HMAC of the body is what authenticates it.
@csrf_exempt
@require_POST
def notify(request: HttpRequest) -> JsonResponse:
    secret = str(settings.TINHSO_POSTAL_WEBHOOK_SECRET)
    given = request.META.get(SIGNATURE_HEADER, "")
    if not secret or not hmac.compare_digest(signature(request.body, secret), str(given)):
        return _answer({"error": {"code": "signature", "message": _("Chữ ký không hợp lệ.")}}, 401)
    try:
        event = tracking.parse_event(json.loads(request.body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError) as exc:
        field = str(exc) if isinstance(exc, tracking.BadEvent) else "body"
        message = _("Sự kiện không hợp lệ: %(field)s.") % {"field": field}
        return _answer({"error": {"code": "invalid", "field": field, "message": message}}, 400)
    applied = tracking.apply_event(event, source=ShipmentEvent.Source.NOTIFICATION)
    status = 404 if applied is None else 200
    outbox.log_call(
        system=SYSTEM,
        service="tracking",
        key=event.item_code,
        request_hash=outbox.request_hash(request.body),
        http_status=status,
        outcome="unknown_item" if applied is None else "applied" if applied else "duplicate",
        direction=IntegrationLog.Direction.IN,
    )
    if applied is None:
        message = _("Không có bưu gửi mang mã vận đơn này.")
        return _answer({"error": {"code": "unknown_item", "message": message}}, status)
    return _answer({"ok": True, "duplicate": not applied})
