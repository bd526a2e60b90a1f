"""One JSON error shape for the REST API: {"detail": <message in the caller's language>, "field": <name>}."""

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.openapi.schema import BODY_CONTENT_TYPES
from ninja.operation import Operation


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}


class ErrorOut(Schema):
    detail: str
    field: str | None = None


_SOURCES = frozenset({"body", "query", "path", "form", "file", "header", "cookie"})


def field_name(loc: Sequence[object]) -> str | None:
    """The client's name for the field a ninja validation error is about, or None for the whole
    body. ninja's ``loc`` starts with where the value came from (``("query", "phone_last4")``,
    ``("file", "file")``) and, for a JSON body, the view's parameter name next
    (``("body", "payload", "procedure")``): only those prefixes are dropped, never a field that
    happens to share their name."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)
    return ".".join(parts) or None


def error_response(status: int, message: str, field: str | None = None) -> JsonResponse:
    """The error body where no ninja view answers (refused input, ``tinhso.middleware``)."""
    return JsonResponse({"detail": message, "field": field}, status=status)


def multipart_not_json() -> str:
    return _("Địa chỉ này không nhận nội dung multipart/form-data: hãy gửi JSON.")


def declared_media_type(operation: Operation) -> str | None:
    """The media type an operation's request body must have, or None when it takes no body.

    The same rule django-ninja follows when it writes the operation's ``requestBody`` in the
    OpenAPI document (``OpenAPISchema.request_body``): one body parameter model gives its own
    type (JSON for ``Body``/schemas, ``multipart/form-data`` for ``File``); a mix of models is
    sent as ``multipart/form-data``. So what is refused is exactly what docs/openapi.json
    does not declare."""
    sources = [
        model.__ninja_param_source__
        for model in operation.models
        if model.__ninja_param_source__ in BODY_CONTENT_TYPES
    ]
    if not sources:
        return None
    if len(sources) == 1:
        return BODY_CONTENT_TYPES[sources[0]]
    return BODY_CONTENT_TYPES["file"]


def unsupported_media_type(expected: str) -> str:
    return _("Kiểu nội dung không được hỗ trợ: địa chỉ này chỉ nhận %(expected)s.") % {
        "expected": expected
    }


def _has_body(request: HttpRequest) -> bool:
    # Django's WSGI request reads exactly CONTENT_LENGTH bytes (a chunked body without it is
    # read as empty), so the header is what decides whether there is a body at all; a
    # body-less POST (an action without input) keeps its usual answer.
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return True


def _require_declared_media_type(run: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps ``Operation.run`` (ninja's "view" decorator mode: before authentication and
    parsing) so that a body whose Content-Type is not the operation's declared one is refused
    with 415 (ASVS 13.1.5, 13.2.5), instead of ninja reading any body as JSON."""
    operation = getattr(run, "__self__", None)
    if not isinstance(operation, Operation):  # pragma: no cover - a decorator wrapped it first
        raise TypeError("the media-type guard must be the API's first view decorator")
    expected = declared_media_type(operation)
    if expected is None:
        return run

    @functools.wraps(run)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if _has_body(request) and request.content_type != expected:
            return operation.api.create_response(
                request,
                {"detail": unsupported_media_type(expected), "field": None},
                status=415,
            )
        return run(request, *args, **kwargs)

    return guarded


def install_handlers(api: NinjaAPI) -> None:
    api.add_decorator(_require_declared_media_type, mode="view")

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        response = api.create_response(
            request, {"detail": exc.message, "field": exc.field}, status=exc.status
        )
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        field = field_name(first.get("loc", ()))
        missing = first.get("type") == "missing"
        if field is None and missing:  # the whole JSON body
            message = _("Thiếu nội dung yêu cầu: gửi một đối tượng JSON.")
        elif field is None:
            message = _("Nội dung yêu cầu phải là một đối tượng JSON.")
        elif missing:
            message = _("Thiếu trường bắt buộc: %(field)s.") % {"field": field}
        else:
            message = _("Giá trị của trường %(field)s không hợp lệ.") % {"field": field}
        return api.create_response(request, {"detail": message, "field": field}, status=400)

    @api.exception_handler(RawPostDataException)
    def _multipart_body(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
        # tinhso.middleware streamed a large multipart body while checking its fields: an
        # operation that reads a JSON body was sent a form instead.
        return api.create_response(
            request, {"detail": multipart_not_json(), "field": None}, status=415
        )

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": _("Cần đăng nhập (Authorization: Bearer <token>)."), "field": None},
            status=401,
        )
