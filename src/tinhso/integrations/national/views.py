"""The route the national portal fetches dossier files from, by signed link (R-NAT-035)."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_safe

from tinhso.audit.services import log_event
from tinhso.dossiers.models import Attachment
from tinhso.integrations.national import links
from tinhso.results.models import ResultDocument


@require_safe
def national_file(request: HttpRequest, token: str) -> HttpResponseBase:
    """Serve the file a valid, unexpired link names; 404 for anything else (a forged or expired
    link learns nothing). Every download is audited with no actor: the national side has none.
    HEAD (the portal checks a link before fetching it, spec §11.2 S-6) answers the headers only
    and is not a download."""
    target = links.read_token(token)
    if target is None:
        raise Http404
    file, name, content_type, size = _file_of(target)
    if request.method == "HEAD":
        head = HttpResponse(content_type=content_type)
        head["Content-Length"] = str(size)
        head["Cache-Control"] = "no-store"
        return head
    log_event(
        action="national.file_download",
        actor=None,
        target=f"dossier:{target.dossier_id}",
        details={"kind": target.kind, "id": target.pk},
        request=request,
    )
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_of(target: links.LinkTarget) -> tuple[FieldFile, str, str, int]:
    """The stored file a link opens, if it still is the file the link was made for; a result
    only while signed and not revoked."""
    if target.kind == "attachment":
        attachment = Attachment.objects.filter(pk=target.pk, dossier_id=target.dossier_id).first()
        if attachment is None or not attachment.sha256.startswith(target.sha256_prefix):
            raise Http404
        return attachment.file, attachment.original_name, attachment.content_type, attachment.size
    result = ResultDocument.objects.filter(pk=target.pk, dossier_id=target.dossier_id).first()
    if (
        result is None
        or not result.is_signed
        or result.revoked
        or not result.file
        or not result.sha256.startswith(target.sha256_prefix)
    ):
        raise Http404
    return result.file, f"{result.number}.pdf", "application/pdf", result.size
