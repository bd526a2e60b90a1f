"""The filing page's "fill in from the national population database" (issue 17, R-NAT-081): two
JSON endpoints the page's script calls, with the session's CSRF token. The use case is
``tinhso.integrations.population.consent``; these views only translate it to HTTP."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tinhso.accounts.models import User
from tinhso.integrations.population import consent
from tinhso.procedures.models import ProcedureVersion
from tinhso.procedures.selectors import version_by_code


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@never_cache
@login_required
@require_POST
def send_code(request: HttpRequest, code: str) -> JsonResponse:
    _version(code)
    try:
        sent_to = consent.send_code(_user(request), request.session, request=request)
    except consent.ConsentError as exc:
        return _error(exc.message, exc.status)
    return JsonResponse(
        {
            "sent_to": sent_to,
            "expires_in": consent.CODE_SECONDS,
            "message": _("Đã gửi mã xác nhận tới %(to)s.") % {"to": sent_to},
        }
    )


@never_cache
@login_required
@require_POST
def lookup(request: HttpRequest, code: str) -> JsonResponse:
    version = _version(code)
    try:
        result, values = consent.lookup_with_code(
            _user(request), request.session, request.POST.get("code", ""), version, request=request
        )
    except consent.ConsentError as exc:
        return _error(exc.message, exc.status)
    if not result.available:
        message = _(
            "Chưa tra cứu được CSDL quốc gia về dân cư. Bạn vẫn nộp hồ sơ bình thường: hãy tự khai "
            "các ô của tờ khai."
        )
    elif not result.found:
        message = _("CSDL quốc gia về dân cư không có thông tin của số định danh trên tài khoản.")
    else:
        message = _("Đã điền các ô còn trống từ thông tin đã xác thực; hãy kiểm tra trước khi nộp.")
    citizen = result.citizen
    return JsonResponse(
        {
            "available": result.available,
            "found": result.found,
            "lookup": result.lookup.pk,
            "values": values,
            "confirmed": {
                "name": citizen.name,
                "birth_date": citizen.birth_date.strftime("%d/%m/%Y")
                if citizen.birth_date
                else citizen.birth_text,
                "address": citizen.permanent.text(),
            }
            if citizen is not None
            else {},
            "message": message,
        }
    )


def _version(code: str) -> ProcedureVersion:
    version = version_by_code(code)
    if version is None:
        raise Http404(_("Không tìm thấy thủ tục."))
    return version
