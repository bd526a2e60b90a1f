"""Vietnamese first: pages ignore the browser's Accept-Language.

A page is shown in English only when the user chose it (the language switch sets a cookie);
API callers, who cannot click a switch, are answered in the language their Accept-Language asks for.
"""

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.urls import get_resolver
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from tinhso.apierrors import error_response, multipart_not_json


class VietnameseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Views that show personal data to a caller who is not signed in, behind a secret in the URL or a
# code and phone digits: result register entries and downloads, the status lookup, sensor alert
# subscriptions (the subscriber's address).
PERSONAL_VIEWS = frozenset(
    {
        "api:lookup",
        "portal:lookup",
        "results:token",
        "results:download",
        "sensors:confirm",
        "sensors:unsubscribe",
    }
)


class PersonalNoStoreMiddleware:
    """No browser or shared cache keeps an answer with personal data (``Cache-Control: no-store``).

    The rule, in one place: every answer to a signed-in caller (a session, or an API bearer token)
    and every answer of a view in ``PERSONAL_VIEWS`` gets Django's never-cache headers
    (``max-age=0, no-cache, no-store, must-revalidate, private``), unless it already says
    ``no-store``. Anonymous public pages (catalogue, open data) stay cacheable; for them the
    session is not even read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", "") and _personal(request):
            add_never_cache_headers(response)
        return response


def _personal(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is not None and match.view_name in PERSONAL_VIEWS:
        return True
    if getattr(request, "auth", None) is not None:  # django-ninja: the API caller's identity
        return True
    has_credentials = (
        settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
    )
    user = getattr(request, "user", None)
    return has_credentials and user is not None and user.is_authenticated


# --- Malformed input: one rule for every endpoint ----------------------------------------------


class MalformedInput(SuspiciousOperation):
    """Input no view should see: a NUL character, bytes that are not UTF-8, a JSON body that does
    not parse, a multipart body without a usable boundary."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


ErrorFormat = Callable[[HttpRequest, int, str, str | None], HttpResponse]
_ERROR_FORMATS: dict[str, ErrorFormat] = {}
logger = logging.getLogger("django.security.MalformedInput")


def register_error_format(prefix: str, respond: ErrorFormat) -> None:
    """Answer refused input to paths under ``prefix`` with ``respond(request, status, message,
    field)``, a protocol's own error body. Apps call this from ``AppConfig.ready()``; the REST
    API's is registered here, and every other path gets the HTML 400 page (``400.html``)."""
    _ERROR_FORMATS[prefix] = respond


def _rest_api_error(
    request: HttpRequest, status: int, message: str, field: str | None
) -> HttpResponse:
    return error_response(status, message, field)


register_error_format("/api/v1/", _rest_api_error)


class MalformedInputMiddleware:
    r"""Refuses, before any view runs, a request whose path, query string, cookies, form
    fields or JSON body hold a NUL character (PostgreSQL cannot store one: the query fails
    with a 500) or text that is not UTF-8, a body declared JSON that does not parse, and a
    multipart body Django cannot parse (no boundary). JSON is checked after parsing, where a
    ``\u0000`` escape becomes a NUL; any body that parses as JSON is checked, whatever its
    Content-Type, since the API, CKAN and SensorThings read bodies as JSON. The answer is 400
    in the endpoint's own error format (``register_error_format``).

    Under those prefixes, an error answered by something other than the endpoint's views (Django's
    404 for an unknown path, django-ninja's plain-text 405 for a method the path does not take) is
    given the same format, so a client of a protocol never has to parse an HTML page.

    A multipart body is parsed here (``request.POST``). One larger than
    ``FILE_UPLOAD_MAX_MEMORY_SIZE`` is streamed, as Django's CSRF check does, so a view that
    then reads ``request.body`` cannot: ``process_exception`` answers that with 415 in the
    same format."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_input(request)
        except MalformedInput as exc:
            return malformed_input_response(request, exc)
        except RequestDataTooBig:  # over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 in the endpoint's format
            too_big = _("Nội dung gửi đến vượt quá dung lượng cho phép.")
            return malformed_input_response(request, MalformedInput(too_big, status=413))
        response = self.get_response(request)
        if response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            respond = _error_format(request.path)
            if respond is not None:
                return _in_format(respond, request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RawPostDataException):
            return malformed_input_response(request, multipart_not_accepted())
        return None


def multipart_not_accepted() -> MalformedInput:
    return MalformedInput(multipart_not_json(), status=415)


def _error_format(path: str) -> ErrorFormat | None:
    for prefix in sorted(_ERROR_FORMATS, key=len, reverse=True):
        if path.startswith(prefix):
            return _ERROR_FORMATS[prefix]
    return None


_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Cache-Control")


def _in_format(respond: ErrorFormat, request: HttpRequest, response: HttpResponse) -> HttpResponse:
    status = response.status_code
    if status == 404:
        message = _("Không có tài nguyên nào ở địa chỉ này.")
    elif status == 405:
        message = _("Địa chỉ này không nhận phương thức %(method)s.") % {"method": request.method}
    else:
        message = _("Yêu cầu không được chấp nhận (HTTP %(status)d).") % {"status": status}
    answer = respond(request, status, message, None)
    for name in _KEPT_HEADERS:
        if name in response:
            answer[name] = response[name]
    return answer


def malformed_input_response(request: HttpRequest, exc: MalformedInput) -> HttpResponse:
    logger.warning("Malformed input (%s): %r", exc.message, request.path)
    respond = _error_format(request.path)
    if respond is not None:
        return respond(request, exc.status, exc.message, exc.field)
    handler = get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(400)
    response: HttpResponse = handler(request, exception=exc)  # type: ignore[call-arg]
    response.status_code = exc.status
    # The page is answered before the CSP and framing middlewares run: its own strict headers.
    response.headers.setdefault("Content-Security-Policy", _ERROR_PAGE_CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


_ERROR_PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def check_input(request: HttpRequest) -> None:
    """Raise ``MalformedInput`` for the first thing wrong in the path, the query string, the
    cookies, the form fields or the JSON body of ``request``."""
    # The path arrives percent-decoded; bytes that are not UTF-8 Django has escaped again
    # (``%FF``), so only a NUL can be left in it.
    _check_text(request.path_info, None)
    _check_urlencoded(_wsgi_bytes(request.META.get("QUERY_STRING", "")))
    for name, value in request.COOKIES.items():  # quoted, "\000" is a NUL
        _check_text(name, None)
        _check_text(value, name)
    if request.content_type == "multipart/form-data":
        _check_multipart(request)
    elif request.content_type == "application/x-www-form-urlencoded":
        charset = (request.content_params or {}).get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise MalformedInput(_utf8_message(), None)
        _check_urlencoded(request.body)
    elif request.body:
        _check_json(request.body, declared=_declares_json(request.content_type or ""))


def _nul_message() -> str:
    return _("Dữ liệu gửi lên chứa ký tự NUL (mã 0), không được chấp nhận.")


def _utf8_message() -> str:
    return _("Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ.")


def _wsgi_bytes(value: str) -> bytes:
    """A WSGI environ string as the bytes the client sent (PEP 3333: decoded as ISO-8859-1)."""
    try:
        return value.encode("iso-8859-1")
    except UnicodeEncodeError:  # not from a WSGI server: already text
        return value.encode("utf-8", "surrogatepass")


def _check_bytes(data: bytes, field: str | None) -> None:
    if b"\x00" in data:
        raise MalformedInput(_nul_message(), field)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedInput(_utf8_message(), field) from None


def _check_text(text: str, field: str | None) -> None:
    if "\x00" in text:
        raise MalformedInput(_nul_message(), field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a JSON "\ud800" escape
        raise MalformedInput(_utf8_message(), field) from None


def _check_urlencoded(raw: bytes) -> None:
    for pair in raw.split(b"&"):
        name, _sep, value = (unquote_to_bytes(p.replace(b"+", b" ")) for p in pair.partition(b"="))
        _check_bytes(name, None)
        _check_bytes(value, name.decode("utf-8") or None)


def _check_multipart(request: HttpRequest) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1  # the parser refuses it below
    if 0 <= length <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
        # Read whole first, as Django would keep such uploads in memory anyway, so the raw body
        # stays readable (a webhook checking a signature); larger bodies are streamed.
        request.body  # noqa: B018
    try:
        fields, files = request.POST, request.FILES
    except MultiPartParserError:
        raise MalformedInput(
            _("Nội dung multipart/form-data không đọc được (thiếu hoặc sai boundary).")
        ) from None
    for name, values in fields.lists():
        _check_text(name, None)
        for value in values:
            _check_text(value, name)
    for name, uploads in files.lists():
        _check_text(name, None)
        for upload in uploads:
            _check_text(upload.name or "", name)


def _declares_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _check_json(body: bytes, declared: bool) -> None:
    """A body declared JSON must be UTF-8 and parse; any body that parses is checked inside."""
    if declared:
        _check_bytes(body, None)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        if declared:
            raise MalformedInput(_("Nội dung yêu cầu không phải JSON hợp lệ.")) from None
        return
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            _check_text(value, path or None)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, path or None)
                stack.append((item, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{path}.{index}" if path else str(index))
                for index, item in enumerate(value)
            )
