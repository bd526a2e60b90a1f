"""Pages of the personal document store: list, upload, download, delete (owner only).

Every document is loaded through ``stores.selectors``; another person's document is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tinhso.accounts.models import User
from tinhso.stores import selectors, services
from tinhso.stores.forms import UploadForm

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _render_list(request: HttpRequest, form: UploadForm, *, status: int = 200) -> HttpResponse:
    page = Paginator(selectors.store_contents(_user(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "stores/list.html", {"page": page, "form": form}, status=status)


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, UploadForm())


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid() or form.checked is None:
        return _render_list(request, form, status=400)
    try:
        document = services.store_upload(
            owner=_user(request), title=form.cleaned_data["title"], upload=form.checked
        )
    except services.StoreError as exc:
        form.add_error("title" if exc.field == "title" else None, exc.message)
        return _render_list(request, form, status=400)
    messages.success(request, _("Đã lưu “%(title)s” vào kho giấy tờ.") % {"title": document.title})
    return redirect("stores:list")


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    document = selectors.document_for_user(request.user, pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Không tìm thấy tệp.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=services.download_name(document),
        content_type=document.content_type,
    )


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for_user(request.user, pk)
    try:
        services.delete_upload(user=_user(request), document=document)
    except services.StoreError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Đã xóa “%(title)s” khỏi kho giấy tờ.") % {"title": document.title}
        )
    return redirect("stores:list")
