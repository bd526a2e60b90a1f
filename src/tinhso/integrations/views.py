"""``/lien-thong/``: the integration operators' page: each outside system's queue and the
dead-letter list, with a re-queue button per message (POST, CSRF, audited), and the procedure
catalogue from the national TTHC database with a "sync now" button (POST, audited; the sync runs
in the worker, never in the request: R-NAT-005)."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tinhso.accounts.models import User
from tinhso.audit.services import log_event
from tinhso.integrations import outbox, systems, tasks
from tinhso.integrations.access import integration_required
from tinhso.integrations.national import catalogue


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
@integration_required
def overview(request: HttpRequest) -> HttpResponse:
    system = request.GET.get("he_thong", "").strip()
    text = request.GET.get("tim", "").strip()[:100]
    known = {s.name: str(s.label) for s in systems.all_systems()}
    response = render(
        request,
        "integrations/overview.html",
        {
            "rows": outbox.status(),
            "dead": outbox.dead_letters(system=system, text=text),
            "systems": known,
            "selected_system": system,
            "text": text,
            "catalogue": catalogue.status(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@integration_required
def requeue(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    count = outbox.requeue(user=_user(request), item_ids=[pk])
    if count:
        messages.success(request, _("Đã đưa thông điệp #%(id)s vào hàng đợi gửi lại.") % {"id": pk})
    else:
        messages.warning(
            request, _("Thông điệp #%(id)s không còn ở danh sách gửi lỗi.") % {"id": pk}
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(back)
    return redirect(reverse("integrations:overview"))


@require_POST
@integration_required
def sync_catalogue(request: HttpRequest) -> HttpResponseRedirect:
    """Ask the worker to import the national catalogue now (audited)."""
    with transaction.atomic():
        log_event(
            action="integrations.catalogue_sync",
            actor=_user(request),
            target="catalogue",
            request=request,
        )
        transaction.on_commit(lambda: tasks.sync_national_catalogue.delay())
    messages.success(
        request,
        _("Đã yêu cầu đồng bộ danh mục TTHC từ CSDL quốc gia; kết quả hiện ở trang này khi xong."),
    )
    return redirect(reverse("integrations:overview") + "#danh-muc")
