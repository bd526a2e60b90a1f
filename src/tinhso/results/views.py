"""Public verification pages: upload a result PDF to check it, or open a result from its QR code."""

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.audit.services import log_event
from tinhso.results import selectors, verification
from tinhso.results.models import ResultDocument
from tinhso.uploads import UploadRejected


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp kết quả (PDF)"),
        help_text=_("Tệp PDF kết quả giải quyết thủ tục hành chính có chữ ký số."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a PDF; the server re-validates its signature and looks it up in the register."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            data = verification.read_upload(form.cleaned_data["file"])
        except UploadRejected as exc:
            form.add_error("file", exc.message)
        else:
            outcome = verification.verify_pdf(data)
    status = 400 if form.errors else 200
    context = {"form": form, "outcome": outcome}
    return render(request, "results/verify.html", context, status=status)


@require_GET
def token(request: HttpRequest, token: str) -> HttpResponse:
    """The register entry behind a QR code: number, agency, signer, time, hash, revocation."""
    result = _by_token(token)
    response = render(request, "results/token.html", {"result": result})
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def download(request: HttpRequest, token: str) -> HttpResponseBase:
    """The signed PDF as issued. A revoked result is no longer handed out publicly."""
    result = _by_token(token)
    if result.revoked:
        response = render(request, "results/token.html", {"result": result}, status=410)
        response["X-Robots-Tag"] = "noindex"
        return response
    log_event(
        action="result.download",
        actor=None,  # the signed-in user, if any, is taken from the request
        target=f"dossier:{result.dossier.code}",
        details={"result_id": result.pk},
        request=request,
    )
    return pdf_response(result)


def pdf_response(result: ResultDocument) -> FileResponse:
    response = FileResponse(
        result.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=download_name(result),
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def download_name(result: ResultDocument) -> str:
    return f"ket-qua-{slugify(result.number.replace('/', '-'))}.pdf"


def _by_token(token: str) -> ResultDocument:
    try:
        return selectors.result_by_token(token)
    except selectors.ResultNotFound:
        raise Http404(token) from None
