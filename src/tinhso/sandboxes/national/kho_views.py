"""HTTP face of the sandbox's citizen data store (spec §6, §11.1): ``POST store/ketqua``,
``POST store/file`` and ``GET store/results?SoDinhDanh=``. Every route answers 404 unless the
sandbox is on and runs under the knobs of service ``kho`` (``HTTP5XX_RATE``, ``TIMEOUT_RATE``,
``RATE_LIMIT``, ``WRAP_MESSAGE``…). The two POSTs ask for HTTP Basic credentials (401 in the
store's answer style otherwise); ``results`` is also the sandbox's inspection route (the issue's
acceptance check reads it without credentials): wrong credentials are refused there, none are
accepted."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.sandboxes.national import kho
from tinhso.sandboxes.national.gateway import Answer
from tinhso.sandboxes.national.views import _basic, _enabled, _json, _response, _serve, json_api


def _authorised(
    request: HttpRequest, call: Callable[[], Answer], *, open_read: bool = False
) -> HttpResponse:
    anonymous = open_read and "Authorization" not in request.headers
    if not anonymous and not kho.credentials_ok(*_basic(request)):
        answer = kho.reply(-2, _("Sai thông tin xác thực kho dữ liệu."))
        answer.status = 401
        answer.headers["WWW-Authenticate"] = 'Basic realm="kho"'
        return _response(answer)
    return _serve(kho.SERVICE, call)


@json_api
def ketqua(request: HttpRequest) -> HttpResponse:
    """A result pushed into its owner's store."""
    body = _json(request)
    return _authorised(request, lambda: kho.push(body, timezone.now()))


@json_api
def file(request: HttpRequest) -> HttpResponse:
    """A file of the store by its location, base64."""
    body = _json(request)
    return _authorised(request, lambda: kho.file(body))


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """What the store holds for ``SoDinhDanh`` (optionally only the ``MaKetQua`` listed)."""
    _enabled()
    owner = request.GET.get("SoDinhDanh", "").strip()
    wanted = [code.strip() for code in request.GET.getlist("MaKetQua") if code.strip()]
    return _authorised(request, lambda: kho.results(owner, wanted), open_read=True)
