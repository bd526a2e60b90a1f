"""One JSON error shape for the REST API: {"detail": <message in the caller's language>, "field": <name>}."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


class ErrorOut(Schema):
    detail: str
    field: str | None = None


def install_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return api.create_response(
            request, {"detail": exc.message, "field": exc.field}, status=exc.status
        )

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        loc = [
            str(p)
            for p in first.get("loc", [])
            if p not in ("body", "payload", "query", "form", "file")
        ]
        field = ".".join(loc) or None
        if first.get("type") == "missing":
            message = _("Thiếu trường bắt buộc: %(field)s.") % {"field": field}
        else:
            message = _("Giá trị của trường %(field)s không hợp lệ.") % {"field": field}
        return api.create_response(request, {"detail": message, "field": field}, status=400)

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": _("Cần đăng nhập (Authorization: Bearer <token>)."), "field": None},
            status=401,
        )
