"""Calls to VNPay's JSON API (``querydr``, ``refund``): over HTTP, or in this thread when the API
is this site's own sandbox and ``TINHSO_VNPAY_SANDBOX_DELIVERY`` is "inprocess".

The in-process road resolves the API URL against this site's URLconf and calls the view found
there with a ``RequestFactory`` request, so no server needs to be running and a caller holding an
SQLite write lock is not blocked by its own gateway. It knows the sandbox only as "a view of this
site": nothing here imports ``tinhso.payments.sandbox``.
"""

import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.test import RequestFactory
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils.translation import gettext as _

from tinhso.payments.providers import ProviderError
from tinhso.payments.providers.vnpay.config import site_url

logger = logging.getLogger(__name__)


def local_view(url: str) -> ResolverMatch | None:
    """The view of this site at ``url`` when API calls to the sandbox stay in-process, else None."""
    if not settings.TINHSO_VNPAY_SANDBOX or settings.TINHSO_VNPAY_SANDBOX_DELIVERY != "inprocess":
        return None
    if not url.startswith(site_url() + "/"):
        return None
    try:
        return resolve(urlsplit(url).path)
    except Resolver404:
        return None


def post_json(url: str, body: dict[str, str], timeout: int) -> dict[str, Any]:
    """POST ``body`` as JSON and decode the JSON answer; ProviderError on any failure."""
    match = local_view(url)
    if match is not None:
        request = RequestFactory().post(
            urlsplit(url).path, json.dumps(body), content_type="application/json"
        )
        response = match.func(request, *match.args, **match.kwargs)
        answer: Any = json.loads(response.content)
    else:
        answer = _post_http(url, body, timeout)
    if not isinstance(answer, dict):
        raise ProviderError(_("VNPay trả lời không đúng định dạng."))
    return answer


def _post_http(url: str, body: dict[str, str], timeout: int) -> Any:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ProviderError(_("Địa chỉ API VNPay không hợp lệ."))
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.warning("VNPay API call to %s failed: %s", url, exc)
        raise ProviderError(_("Không kết nối được với VNPay: %(error)s") % {"error": exc}) from exc
