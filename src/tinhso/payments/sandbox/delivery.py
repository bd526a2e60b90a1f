"""How the sandbox reaches the merchant's IPN URL.

``TINHSO_VNPAY_SANDBOX_DELIVERY`` chooses the road:

* ``inprocess`` (default): the view mounted at the IPN URL is called in this thread with a
  request built by ``RequestFactory``, so the demo and the tests run the real views without a
  listening server (the merchant reaches the sandbox's API the same way:
  ``tinhso.payments.providers.vnpay.transport``);
* ``http``: a real HTTP call, as VNPay makes (used with ``runserver`` or pytest's live_server).
"""

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.http import HttpResponseBase
from django.test import RequestFactory
from django.urls import Resolver404, resolve
from django.utils import timezone

from tinhso.payments.providers.vnpay import protocol
from tinhso.payments.providers.vnpay.config import resolve_url
from tinhso.payments.sandbox import gateway, store
from tinhso.payments.sandbox.store import SandboxTransaction

logger = logging.getLogger(__name__)
MODES = ("inprocess", "http")
_threads: list[threading.Thread] = []


def mode() -> str:
    value = str(settings.TINHSO_VNPAY_SANDBOX_DELIVERY)
    if value not in MODES:
        raise ImproperlyConfigured(f"TINHSO_VNPAY_SANDBOX_DELIVERY must be one of {MODES}")
    return value


def ipn_url() -> str:
    return resolve_url(settings.TINHSO_VNPAY_SANDBOX_IPN_URL)


def _answer(status: int, content: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(content.decode("utf-8"))
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return {"http_status": status, "error": content[:200].decode("utf-8", "replace")}
    return answer | {"http_status": status}


def deliver_ipn(params: dict[str, str]) -> dict[str, Any]:
    """Send one IPN call with ``params``; return the merchant's JSON answer plus ``http_status``."""
    url = ipn_url()
    if mode() == "inprocess":
        path = urlsplit(url).path
        try:
            match = resolve(path)
        except Resolver404:
            return {"http_status": 404, "error": f"no view at {path}"}
        response: HttpResponseBase = match.func(
            RequestFactory().get(path, params), *match.args, **match.kwargs
        )
        return _answer(response.status_code, response.content)  # type: ignore[attr-defined]
    request = urllib.request.Request(  # noqa: S310 (URL from settings, http or https)
        protocol.append_query(url, protocol.query_string(params))
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return _answer(answer.status, answer.read())
    except urllib.error.HTTPError as exc:
        return _answer(exc.code, exc.read())
    except (urllib.error.URLError, OSError) as exc:
        return {"http_status": 0, "error": str(exc)}


def plan(txn: SandboxTransaction) -> list[dict[str, str]]:
    """The IPN calls for a settled transaction: the result ``TINHSO_VNPAY_SANDBOX_IPN_COPIES``
    times, then, when ``TINHSO_VNPAY_SANDBOX_IPN_LATE_FAILURE`` is on and the payment succeeded,
    a signed "failed" notice for the same TxnRef arriving last, as a reordered network might."""
    calls = [gateway.result_params(txn)] * max(1, int(settings.TINHSO_VNPAY_SANDBOX_IPN_COPIES))
    if settings.TINHSO_VNPAY_SANDBOX_IPN_LATE_FAILURE and txn.paid:
        calls.append(gateway.result_params(txn, gateway.LATE_FAILURE))
    return calls


def notify(txn: SandboxTransaction) -> list[dict[str, Any]]:
    """Make every planned IPN call now and keep the merchant's answers with the transaction."""
    answers = []
    for params in plan(txn):
        answer = deliver_ipn(params)
        answers.append(answer)
        logger.info("VNPay sandbox IPN %s → %s", txn.txn_ref, answer)
        with store.update(txn.tmn_code, txn.txn_ref) as locked:
            locked.deliveries.append(
                {
                    "at": protocol.format_date(timezone.now()),
                    "vnp_ResponseCode": params["vnp_ResponseCode"],
                    "answer": answer,
                }
            )
    return answers


def _notify_later(txn: SandboxTransaction, delay: float) -> None:
    try:
        time.sleep(delay)
        notify(txn)
    except Exception:
        logger.exception("VNPay sandbox IPN for %s failed", txn.txn_ref)
    finally:
        connections.close_all()


def send(txn: SandboxTransaction) -> threading.Thread | None:
    """Notify now, or after ``TINHSO_VNPAY_SANDBOX_IPN_DELAY`` seconds from a background thread
    (the payer then reaches the Return URL before the IPN, as happens with VNPay)."""
    delay = int(settings.TINHSO_VNPAY_SANDBOX_IPN_DELAY)
    if delay <= 0:
        notify(txn)
        return None
    thread = threading.Thread(target=_notify_later, args=(txn, delay), daemon=True)
    _threads.append(thread)
    thread.start()
    return thread


def wait_for_deliveries(timeout: float = 30) -> None:
    """Block until the delayed IPN calls started so far are done (tests, management commands)."""
    while _threads:
        _threads.pop().join(timeout)
