"""HTTP face of the sandbox's post (docs/postal.md): ``post/token``, ``post/orders``,
``post/orders/<ItemCode>`` and the test control ``post/advance``, which records an event and sends
its signed notification to ``TINHSO_POSTAL_SANDBOX_NOTIFICATION_URL`` over real HTTP (from a
thread, as the real post would not wait). Knobs: ``POSTAL_UNAVAILABLE`` (503 on orders),
``TIMEOUT_RATE``/``TIMEOUT_AFTER_COMMIT`` of service ``VNPost``. 404 unless the sandbox is on."""

import contextlib
import hashlib
import hmac
import json
import threading
import time
from typing import Any

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from tinhso.sandboxes.national import faults, gateway, post
from tinhso.sandboxes.national.views import _enabled, json_api

_threads: list[threading.Thread] = []


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(code: str, message: str, status: int) -> JsonResponse:
    return _json({"error": {"code": code, "message": message}}, status)


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _authorised(request: HttpRequest) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header.startswith("Bearer ") and post.token_valid(header[7:].strip())


def _credentials_ok(username: Any, password: Any) -> bool:
    """The sandbox accepts the credentials Tỉnh Số is configured with (``TINHSO_POSTAL_*``)."""
    user_ok = hmac.compare_digest(str(username or ""), str(settings.TINHSO_POSTAL_USERNAME))
    pass_ok = hmac.compare_digest(str(password or ""), str(settings.TINHSO_POSTAL_PASSWORD))
    return user_ok and pass_ok


@json_api
def token(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    if not isinstance(body, dict) or not _credentials_ok(
        body.get("username"), body.get("password")
    ):
        return _error("credentials", "Sai tên đăng nhập hoặc mật khẩu.", 401)
    return _json({"token": post.issue_token(), "expires_in": post.TOKEN_LIFETIME})


@json_api
def orders(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        return _error("token", "Token không hợp lệ hoặc đã hết hạn.", 401)
    if faults.value("POSTAL_UNAVAILABLE", post.SERVICE):
        return _error("unavailable", "Hệ thống bưu chính tạm ngừng.", 503)
    try:
        order = post.check_order(_body(request))
    except post.Refused as exc:
        return _error("invalid", f"Trường không hợp lệ: {exc}", 400)
    delay = gateway.timeout(post.SERVICE)
    if delay is not None:
        seconds, after_commit = delay
        if after_commit:
            post.create(order)
        time.sleep(seconds)
        return HttpResponse("<html><body><h1>504 Gateway Time-out</h1></body></html>", status=504)
    record, created = post.create(order)
    answer = {k: record[k] for k in ("ItemCode", "OrderNumber", "Status")}
    return _json(answer, 201 if created else 200)


@require_GET
def order(request: HttpRequest, item_code: str) -> HttpResponse:
    _enabled()
    if not _authorised(request):
        return _error("token", "Token không hợp lệ hoặc đã hết hạn.", 401)
    record = post.find(item_code)
    if record is None:
        return _error("not_found", "Không có bưu gửi này.", 404)
    return _json({k: record[k] for k in ("ItemCode", "OrderNumber", "Status", "Events")})


def notification_url() -> str:
    return str(settings.TINHSO_POSTAL_SANDBOX_NOTIFICATION_URL).replace(
        "{site_url}", str(settings.TINHSO_SITE_URL).rstrip("/")
    )


def send_notification(event: dict[str, Any]) -> None:
    secret = str(settings.TINHSO_POSTAL_SANDBOX_SECRET or settings.TINHSO_POSTAL_WEBHOOK_SECRET)
    body = json.dumps(event, ensure_ascii=False).encode()
    sig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Postal-Signature": sig}
    # A lost notification is what the poll is for.
    with contextlib.suppress(requests.RequestException):
        requests.post(notification_url(), data=body, headers=headers, timeout=10)


def wait_for_notifications(timeout: float = 30) -> None:
    while _threads:
        _threads.pop().join(timeout)


@json_api
def advance(request: HttpRequest) -> HttpResponse:
    """Test control: ``{ItemCode, status, notify?}`` records one event and (unless ``notify`` is
    false) sends its notification. ``POSTAL_RETURN_TO_SENDER`` turns a ``delivered`` into a
    ``returned_to_sender``."""
    body = _body(request)
    if not isinstance(body, dict):
        return _error("invalid", "Nội dung phải là một đối tượng JSON.", 400)
    status = str(body.get("status", ""))
    if status == "delivered" and faults.value("POSTAL_RETURN_TO_SENDER", post.SERVICE):
        status = "returned_to_sender"
    try:
        event = post.advance(str(body.get("ItemCode", "")), status, str(body.get("note", "")))
    except post.Refused as exc:
        return _error("invalid", f"Trường không hợp lệ: {exc}", 400)
    if body.get("notify", True):
        thread = threading.Thread(target=send_notification, args=(event,), daemon=True)
        _threads.append(thread)
        thread.start()
    return _json(event)
