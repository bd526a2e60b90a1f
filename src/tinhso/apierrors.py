"""One JSON error shape for the REST API: {"detail": <message in the caller's language>, "field": <name>}."""

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError


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


def install_handlers(api: NinjaAPI) -> None:
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
