"""The officials' back office: inbox, dossier page with its actions, counter receipt.

Views are thin: access through ``accounts.access`` and the dossier selectors, input
through ``backoffice.forms``, every change through ``tinhso.dossiers.services``.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.accounts.access import (
    agency_roles,
    clerk_agency_ids,
    is_platform_admin,
    official,
    staff_agencies,
    staff_required,
)
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.audit.services import log_event
from tinhso.backoffice import display, inbox
from tinhso.backoffice.counter import counter_agencies, counter_of, receivable_versions
from tinhso.backoffice.forms import ActionForm, ApplicantForm, action_form, staff_of
from tinhso.backoffice.results import FILE_FIELD as RESULT_FILE_FIELD
from tinhso.backoffice.results import ResultPanel
from tinhso.backoffice.results import panel as result_panel
from tinhso.calendars.worktime import WorkCalendar, get_calendar
from tinhso.documents.formatting import dong
from tinhso.documents.models import SlipKind
from tinhso.documents.services import render_control_slip
from tinhso.dossiers import selectors, services
from tinhso.dossiers.models import CLOCK_RUNNING, Channel, Dossier, Status
from tinhso.dossiers.workflow import ACTIONS
from tinhso.integrations.population import service as population
from tinhso.integrations.postal.filing import asks_return_method, remember_phone
from tinhso.procedures.forms import DATA_PREFIX, SchemaForm, check_documents, document_inputs
from tinhso.procedures.models import ProcedureVersion, WorkflowStep
from tinhso.results import selectors as result_selectors
from tinhso.results import services as result_services
from tinhso.results.models import ResultDocument
from tinhso.results.views import pdf_response
from tinhso.uploads import UploadRejected, check_upload

# The next step of the work: shown open and first. "claim" is a plain button after them.
PRIMARY_ACTIONS = frozenset(
    {
        "receive",
        "complete_step",
        "approve",
        "issue_result",
        "return_result",
        "supplement",
        "confirm_payment",
    }
)
SINGLE_BUTTON = frozenset({"claim"})
DANGER_ACTIONS = frozenset({"refuse", "stop", "withdraw"})


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    section: str = "inbox",
    status: int = 200,
) -> HttpResponse:
    user = official(request)
    roles = {role for held in agency_roles(user).values() for role in held}
    context = {
        "bo_is_clerk": bool(clerk_agency_ids(user)),
        "bo_is_leader": bool(roles & {"leader", "agency_admin"}),
        "bo_section": section,
        **context,
    }
    return render(request, template, context, status=status)


# --- inbox -----------------------------------------------------------------------------------


@dataclass
class InboxRow:
    dossier: Dossier
    deadline: display.Deadline
    step: WorkflowStep | None


def _filters(request: HttpRequest, user: User, agencies: list[Agency]) -> inbox.Filters:
    default_tab = "moi" if clerk_agency_ids(user) or is_platform_admin(user) else "dang-xu-ly"
    tab = request.GET.get("tab", default_tab)
    agency_id = None
    raw_agency = request.GET.get("co_quan", "")
    if raw_agency.isdigit() and int(raw_agency) in {a.pk for a in agencies}:
        agency_id = int(raw_agency)
    return inbox.Filters(
        tab=tab if tab in inbox.TAB_SLUGS else default_tab,
        agency_id=agency_id,
        query=request.GET.get("q", "").strip()[:100],
        mine=request.GET.get("cua_toi") == "1",
    )


def _inbox_url(filters: inbox.Filters, **changes: Any) -> str:
    params = {
        "tab": filters.tab,
        "co_quan": filters.agency_id or "",
        "q": filters.query,
        "cua_toi": "1" if filters.mine else "",
    }
    params.update(changes)
    return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})


@require_GET
@staff_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    user = official(request)
    agencies = list(
        Agency.objects.order_by("name")
        if is_platform_admin(user)
        else staff_agencies(user).order_by("name")
    )
    filters = _filters(request, user, agencies)
    now, cal = timezone.now(), get_calendar()
    conditions = inbox.tab_conditions(user, now, cal)
    dossiers = inbox.scope(user, filters)
    sides = inbox.sides(user, filters)
    counts = inbox.counters(dossiers, conditions, sides)
    raw_page = request.GET.get("trang", "")
    page = inbox.page(
        inbox.tab_rows(dossiers, conditions, filters.tab),
        sides,
        filters.tab,
        int(raw_page) if raw_page.isdigit() and len(raw_page) < 6 else 1,
        counts[filters.tab],
    )
    rows = [
        InboxRow(d, display.deadline(d, now, cal), selectors.current_step(d)) for d in page.rows
    ]
    tabs = [
        {
            "tab": tab,
            "count": counts[tab.slug],
            "url": _inbox_url(filters, tab=tab.slug, trang=""),
            "current": tab.slug == filters.tab,
        }
        for tab in inbox.TABS
    ]
    current_tab = next(t for t in inbox.TABS if t.slug == filters.tab)
    return _render(
        request,
        "backoffice/inbox.html",
        {
            "tabs": tabs,
            "current_tab": current_tab,
            "rows": rows,
            "page": page,
            "filters": filters,
            "agencies": agencies,
            "prev_url": _inbox_url(filters, trang=page.number - 1) if page.has_previous else "",
            "next_url": _inbox_url(filters, trang=page.number + 1) if page.has_next else "",
            "due_soon_hours": display.due_soon_minutes() // 60,
        },
    )


# --- dossier page ----------------------------------------------------------------------------


@dataclass
class ActionPanel:
    name: str
    form: ActionForm
    primary: bool
    danger: bool
    open: bool


def _step_info(dossier: Dossier, now: Any, cal: WorkCalendar) -> dict[str, Any]:
    step = selectors.current_step(dossier)
    steps = getattr(dossier, "_steps", [])
    info: dict[str, Any] = {"step": step, "steps": steps}
    if step is not None:
        info["role"] = display.role_label(step.role)
    if step is None or dossier.clock_started_at is None:
        return info
    total = dossier.procedure_version.processing_minutes_for(dossier.is_online)
    budget = int(total * step.share)
    info["budget"] = display.working_duration(budget, cal.minutes_per_day)
    if dossier.step_started_at is not None and dossier.status in CLOCK_RUNNING:
        spent = cal.working_minutes_between(dossier.step_started_at, now)
        info["spent"] = display.working_duration(spent, cal.minutes_per_day)
        info["over_budget"] = spent > budget
    return info


def _documents(dossier: Dossier) -> list[dict[str, Any]]:
    attachments = list(
        dossier.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk")
    )
    rows: list[dict[str, Any]] = []
    for document in dossier.procedure_version.documents.all():
        files = [a for a in attachments if a.document_code == document.code]
        rows.append(
            {"document": document, "files": files, "missing": document.required and not files}
        )
    known = {row["document"].code for row in rows}
    extra = [a for a in attachments if a.document_code not in known]
    if extra:
        rows.append({"document": None, "files": extra, "missing": False})
    return rows


def _action_panels(
    user: User, dossier: Dossier, posted: ActionForm | None = None
) -> list[ActionPanel]:
    staff = staff_of(dossier)
    panels = []
    for name in selectors.available_actions(user, dossier):
        if name == "submit":
            continue
        form = (
            posted
            if posted is not None and posted.spec.name == name
            else action_form(name, dossier, staff)
        )
        primary = name in PRIMARY_ACTIONS or name in SINGLE_BUTTON
        panels.append(
            ActionPanel(name, form, primary, name in DANGER_ACTIONS, primary or form.is_bound)
        )
    panels.sort(key=lambda p: (not p.primary, p.danger))
    return panels


def _dossier_page(
    request: HttpRequest,
    dossier: Dossier,
    posted: ActionForm | None = None,
    status: int = 200,
    result: ResultPanel | None = None,
) -> HttpResponse:
    user = official(request)
    now, cal = timezone.now(), get_calendar()
    history = list(dossier.history.select_related("actor", "agency").order_by("seq"))
    remaining = ""
    if dossier.status in CLOCK_RUNNING and dossier.due_at is not None:
        left = cal.working_minutes_between(now, dossier.due_at)
        remaining = display.working_duration(left, cal.minutes_per_day) if left else ""
    context = {
        "dossier": dossier,
        "deadline": display.deadline(dossier, now, cal),
        "remaining": remaining,
        "form_rows": display.form_data_rows(
            dossier.procedure_version.form_schema, dossier.data or {}
        ),
        "documents": _documents(dossier),
        "history": display.history_rows(history),
        "pauses": list(dossier.pauses.order_by("started_at")),
        "slips": list(dossier.slips.select_related("issued_by").order_by("history_seq", "kind")),
        "panels": _action_panels(user, dossier, posted),
        "return_method": display.return_method_labels().get(
            dossier.return_method, dossier.return_method
        ),
        "assignee": dossier.assignee,
        "supplement_due_at": dossier.supplement_due_at
        if dossier.status == Status.SUPPLEMENT_REQUESTED
        else None,
        "supplement_overdue": display.supplement_overdue(dossier, now),
        "fee": dong(dossier.fee_amount) if dossier.fee_amount else "",
        "result": result or result_panel(user, dossier),
        "result_file_field": RESULT_FILE_FIELD,
        **_step_info(dossier, now, cal),
    }
    return _render(request, "backoffice/dossier.html", context, status=status)


@require_GET
@staff_required
def dossier_view(request: HttpRequest, code: str) -> HttpResponse:
    dossier = selectors.dossier_for_official(official(request), code)
    log_event(
        action="dossier.view", actor=official(request), target=f"dossier:{code}", request=request
    )
    return _dossier_page(request, dossier)


@require_POST
@staff_required
def act_view(request: HttpRequest, code: str) -> HttpResponse:
    user = official(request)
    dossier = selectors.dossier_for_official(user, code)
    name = request.POST.get("action", "")
    if name not in ACTIONS or name == "submit":
        messages.error(request, _("Thao tác không hợp lệ."))
        return redirect("backoffice:dossier", code=code)
    form = action_form(name, dossier, staff_of(dossier), data=request.POST, files=request.FILES)
    if not form.is_valid():
        return _dossier_page(request, dossier, posted=form, status=400)
    try:
        _perform(user, dossier, form)
    except UploadRejected as exc:
        form.add_error("file", exc.message)
        return _dossier_page(request, dossier, posted=form, status=400)
    except services.DossierError as exc:
        if name not in selectors.available_actions(user, dossier):
            messages.error(request, exc.message)  # the page no longer offers this action
            return redirect("backoffice:dossier", code=code)
        form.add_service_error(exc)
        return _dossier_page(request, dossier, posted=form, status=exc.status)
    messages.success(
        request,
        _("Đã thực hiện “%(action)s” cho hồ sơ %(code)s.")
        % {
            "action": ACTIONS[name].label,
            "code": code,
        },
    )
    return redirect("backoffice:dossier", code=code)


def _perform(user: User, dossier: Dossier, form: ActionForm) -> None:
    """One action; a supplement with a scanned file attaches it and resumes in one step."""
    upload = form.cleaned_data.get("file")
    if form.spec.name == "supplement" and upload is not None:
        services.supplement_dossier(
            user=user,
            dossier=dossier,
            document_code=form.cleaned_data.get("document") or "",
            uploads=[check_upload(upload, "file")],
            comment=form.cleaned_data.get("comment") or "",
            digitised=True,
        )
        return
    services.perform_action(user=user, dossier=dossier, request=form.to_request())


# --- the result (issue 15) ------------------------------------------------------------------


@require_POST
@staff_required
def result_draft_save(request: HttpRequest, code: str) -> HttpResponse:
    """Save the draft result: the fields of the result paper (when any was posted) and/or the
    PDF another system produced."""
    user = official(request)
    dossier = selectors.dossier_for_official(user, code)
    form = SchemaForm(dossier.procedure_version.result_schema)
    fields = form.bind(request.POST)
    upload = request.FILES.get(RESULT_FILE_FIELD)
    has_fields = any(key.startswith(DATA_PREFIX) for key in request.POST)
    if not has_fields and upload is None:
        messages.error(request, _("Hãy nhập nội dung kết quả hoặc chọn tệp PDF."))
        return redirect("backoffice:dossier", code=code)

    def again(status: int, file_error: str = "") -> HttpResponse:
        panel = result_panel(user, dossier, form=form, file_error=file_error)
        return _dossier_page(request, dossier, status=status, result=panel)

    if has_fields and not form.validate():
        return again(400)
    try:
        if has_fields:
            result_services.prepare_result(user=user, dossier=dossier, fields=fields)
        if upload is not None:
            result_services.attach_result_file(
                user=user, dossier=dossier, upload=check_upload(upload, RESULT_FILE_FIELD)
            )
    except UploadRejected as exc:
        return again(400, exc.message)
    except result_services.ResultError as exc:
        if exc.field and exc.field.startswith("fields."):
            form.add_error(exc.field.removeprefix("fields.").split(".")[0], exc.message)
            return again(exc.status)
        if exc.field == "file":
            return again(exc.status, exc.message)
        messages.error(request, exc.message)
        return redirect("backoffice:dossier", code=code)
    messages.success(request, _("Đã lưu dự thảo kết quả của hồ sơ %(code)s.") % {"code": code})
    return redirect("backoffice:dossier", code=code)


@require_GET
@staff_required
def result_draft_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The draft as it will be signed, the register number a placeholder; never cached."""
    try:
        dossier = result_selectors.dossier_for_agency_official(official(request), code)
    except result_selectors.DossierNotFound:
        raise Http404 from None
    draft = result_selectors.draft_of(dossier)
    if draft is None:
        raise Http404
    response = HttpResponse(result_services.render_draft_pdf(draft), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="du-thao-ket-qua-{dossier.code}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_required
def result_signed_pdf(request: HttpRequest, code: str) -> FileResponse:
    """The signed result, for an official who may see the dossier; audited like any download."""
    user = official(request)
    dossier = selectors.dossier_for_official(user, code)
    document = ResultDocument.objects.filter(dossier=dossier, signed_at__isnull=False).first()
    if document is None:
        raise Http404
    log_event(
        action="attachment.download",
        actor=user,
        target=f"dossier:{dossier.code}",
        details={"document": "result", "id": document.pk},
        request=request,
    )
    return pdf_response(document)


@require_GET
@staff_required
def attachment_view(request: HttpRequest, code: str, pk: int) -> FileResponse:
    dossier = selectors.dossier_for_official(official(request), code)
    attachment = dossier.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    log_event(
        action="attachment.download",
        actor=official(request),
        target=f"dossier:{dossier.code}",
        details={"document": "attachment", "id": attachment.pk},
        request=request,
    )
    return FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        filename=attachment.original_name,
    )


@require_GET
@staff_required
def slip_view(request: HttpRequest, code: str, pk: int) -> FileResponse:
    dossier = selectors.dossier_for_official(official(request), code)
    slip = dossier.slips.filter(pk=pk).first()
    if slip is None:
        raise Http404
    log_event(
        action="attachment.download",
        actor=official(request),
        target=f"dossier:{dossier.code}",
        details={"document": "slip", "id": slip.pk, "kind": slip.kind},
        request=request,
    )
    return FileResponse(
        slip.file.open("rb"),
        content_type="application/pdf",
        filename=f"{slip.kind}-{dossier.code}.pdf",
    )


@require_GET
@staff_required
def control_slip_view(request: HttpRequest, code: str) -> HttpResponse:
    dossier = selectors.dossier_for_official(official(request), code)
    log_event(
        action="attachment.download",
        actor=official(request),
        target=f"dossier:{dossier.code}",
        details={"document": "control_slip"},
        request=request,
    )
    response = HttpResponse(render_control_slip(dossier), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="phieu-kiem-soat-{dossier.code}.pdf"'
    return response


# --- the counter -----------------------------------------------------------------------------


def _clerk(request: HttpRequest) -> User:
    user = official(request)
    if not clerk_agency_ids(user):
        raise Http404
    return user


@require_http_methods(["GET", "POST"])
@staff_required
def counter_new(request: HttpRequest) -> HttpResponse:
    user = _clerk(request)
    versions = receivable_versions(user)
    code = request.GET.get("thu_tuc", "")
    version = versions.filter(procedure__code=code).first() if code else None
    if version is None:
        return _counter_pick(request, user, unknown=bool(code))
    agencies = counter_agencies(user, version)
    counter = counter_of(user)
    schema = SchemaForm(version.form_schema)
    documents = document_inputs(version)
    if request.method != "POST":
        own = agencies.filter(pk__in=clerk_agency_ids(user)).first() if agencies else None
        form = ApplicantForm(
            agencies=agencies,
            initial={"agency": own} if own else None,
            postal=asks_return_method(version),
        )
        return _counter_page(request, version, form, schema, documents)
    if LOOKUP_BUTTON in request.POST:
        return _counter_lookup(request, user, version, agencies, schema, documents)
    data = schema.bind(request.POST)
    form = ApplicantForm(
        request.POST,
        agencies=agencies,
        postal=asks_return_method(version),
        by_post=services.form_choices(version, data)[1] == "postal",
    )
    schema.validate()
    uploads = check_documents(documents, request.FILES, submitting=False)
    form_ok = form.is_valid()
    if form_ok and form.cleaned_data["receive_now"]:
        given = {document_code for document_code, _upload in uploads}
        for item in documents:
            if item.document.required and item.document.code not in given and not item.error:
                item.error = _("Cần bản quét của giấy tờ bắt buộc này để tiếp nhận ngay.")
    if not form_ok or schema.errors or any(item.error for item in documents):
        return _counter_page(request, version, form, schema, documents, status=400)
    try:
        dossier, _created = services.file_dossier(
            user=user,
            version=version,
            data=data,
            applicant=form.applicant(),
            agency=form.cleaned_data.get("agency"),
            channel=Channel.COUNTER,
            counter=counter,
            files=[
                services.NewFile(doc_code, upload, digitised=True) for doc_code, upload in uploads
            ],
            **_counter_postal(form),
        )
    except services.DossierError as exc:
        _counter_error(form, schema, exc)
        return _counter_page(request, version, form, schema, documents, status=exc.status)
    lookup_id = form.cleaned_data.get("population_lookup")
    if lookup_id:
        population.attach(lookup_id, user=user, dossier=dossier)
    if form.cleaned_data["receive_now"]:
        try:
            services.perform_action(
                user=user, dossier=dossier, request=services.ActionRequest("receive")
            )
        except services.DossierError as exc:
            messages.warning(
                request,
                _("Đã đăng ký hồ sơ %(code)s nhưng chưa tiếp nhận: %(reason)s")
                % {
                    "code": dossier.code,
                    "reason": exc.message,
                },
            )
            return redirect("backoffice:counter_done", code=dossier.code)
    messages.success(request, _("Đã nhập hồ sơ %(code)s.") % {"code": dossier.code})
    return redirect("backoffice:counter_done", code=dossier.code)


def _counter_postal(form: ApplicantForm) -> dict[str, Any]:
    """The filing's postal arguments when the declaration asks for postal return: the delivery
    address (the service's refusal of a missing one lands on the form's field) and the receiver's
    phone, kept in the filing's transaction."""
    if not form.by_post:
        return {}
    phone = form.cleaned_data["postal_phone"]
    return {
        "postal_address": form.cleaned_data["postal_address"],
        "on_filed": lambda dossier: remember_phone(dossier, phone),
    }


LOOKUP_BUTTON = "tra_cuu_dan_cu"
LOOKUP_FIELD_LABELS = {
    "name": _lazy("Họ và tên"),
    "birth_date": _lazy("Ngày sinh"),
    "address": _lazy("Nơi thường trú"),
}


@dataclass
class LookupPanel:
    """What the counter page shows of a population lookup: the confirmed fields, the declared
    fields that differ, or that the database did not answer."""

    result: population.LookupResult
    copied: list[str]

    @property
    def mismatch_labels(self) -> list[str]:
        return [str(LOOKUP_FIELD_LABELS.get(name, name)) for name in self.result.mismatches]

    @property
    def copied_labels(self) -> list[str]:
        return [str(LOOKUP_FIELD_LABELS.get(name, name)) for name in self.copied]


def _counter_lookup(
    request: HttpRequest,
    user: User,
    version: ProcedureVersion,
    agencies: Any,
    schema: SchemaForm,
    documents: list[Any],
) -> HttpResponse:
    """The button "Tra cứu CSDL quốc gia về dân cư": look the applicant's ID up (spec §7), compare
    it with what the clerk entered, fill the fields left empty from what the database confirms,
    and carry the lookup's id to the filing. An unavailable database only says so: the clerk goes
    on with paper proof and the dossier is linked to the failed lookup."""
    posted = request.POST.copy()
    schema.bind(request.POST)  # keep the declaration the clerk has typed
    personal_id = posted.get("personal_id", "").strip()
    name = posted.get("name", "").strip()
    address = posted.get("address", "").strip()
    try:
        result = population.lookup(
            personal_id,
            requested_by=user,
            name=name,
            address=address,
            request=request,
        )
    except ValidationError as exc:
        form = ApplicantForm(posted, agencies=agencies, postal=asks_return_method(version))
        form.is_valid()
        form.errors.clear()
        form.add_error(
            "personal_id",
            exc.messages[0] if personal_id else _("Nhập số định danh cá nhân để tra cứu."),
        )
        return _counter_page(request, version, form, schema, documents, status=400)
    copied: list[str] = []
    citizen = result.citizen
    if citizen is not None:
        if not name:
            posted["name"] = citizen.name
            copied.append("name")
        if not address and citizen.permanent.text():
            posted["address"] = citizen.permanent.text()
            copied.append("address")
        population.mark_copied(result.lookup, copied)
    posted["population_lookup"] = str(result.lookup.pk)
    form = ApplicantForm(posted, agencies=agencies, postal=asks_return_method(version))
    form.is_valid()
    form.errors.clear()  # not filed yet: no "required" errors on the page
    return _counter_page(
        request, version, form, schema, documents, lookup=LookupPanel(result, copied)
    )


def _counter_pick(
    request: HttpRequest,
    user: User,
    *,
    unknown: bool = False,
    not_found: str = "",
    status: int = 200,
) -> HttpResponse:
    """The counter's start page: find a dossier filed online by its code, or enter a paper one
    (step 1: the procedure); and the open dossiers received here for other agencies."""
    return _render(
        request,
        "backoffice/counter_pick.html",
        {
            "versions": receivable_versions(user),
            "unknown": unknown,
            "not_found": not_found,
            "received_here": _received_here(user),
        },
        section="counter",
        status=status,
    )


def _counter_error(form: ApplicantForm, schema: SchemaForm, exc: services.DossierError) -> None:
    field = exc.field or ""
    if field.startswith("data."):
        schema.add_error(field.removeprefix("data.").split(".")[0], exc.message)
    elif field in form.fields:
        form.add_error(field, exc.message)
    else:
        form.add_error(None, exc.message)


def _counter_page(
    request: HttpRequest,
    version: ProcedureVersion,
    form: ApplicantForm,
    schema: SchemaForm,
    documents: list[Any],
    status: int = 200,
    lookup: LookupPanel | None = None,
) -> HttpResponse:
    return _render(
        request,
        "backoffice/counter_new.html",
        {
            "version": version,
            "form": form,
            "schema_fields": schema.fields(),
            "schema_errors": schema.error_list(),
            "documents": documents,
            "document_errors": [d for d in documents if d.error],
            "lookup": lookup,
        },
        section="counter",
        status=status,
    )


def _received_here(user: User) -> list[Dossier]:
    """Open dossiers this clerk's counters received for other agencies ("received here"): the
    counter issues their receipt and returns their result; the competent agency processes them."""
    counters = clerk_agency_ids(user)
    return list(
        Dossier.objects.select_related("procedure_version", "agency")
        .filter(receiving_agency_id__in=counters, status__in=inbox.INBOX_STATUSES)
        .exclude(agency_id__in=counters)
        .order_by("-received_at", "-pk")[:RECEIVED_HERE_SHOWN]
    )


RECEIVED_HERE_SHOWN = 50


@require_GET
@staff_required
def counter_find(request: HttpRequest) -> HttpResponse:
    """Receipt anywhere in the province (R-ACT-1): a submitted dossier of any agency, found by its
    exact code; what receipt needs only (``selectors.receipt_view``), each look-up audited."""
    user = _clerk(request)
    code = request.GET.get("ma", "").strip()[:64]
    if not code:
        return redirect("backoffice:counter_new")
    try:
        own = selectors.dossier_for_official(user, code)
    except selectors.DossierNotFound:
        own = None
    if own is not None:  # a dossier of the clerk's own agencies: its full page
        return redirect("backoffice:dossier", code=own.code)
    try:
        dossier = selectors.dossier_for_receipt(user, code)
    except selectors.DossierNotFound:
        _audit_receipt_view(request, user, code, "failure")
        return _counter_pick(request, user, not_found=code, status=404)
    return _receipt_page(request, user, dossier)


def _audit_receipt_view(request: HttpRequest, user: User, code: str | None, outcome: str) -> None:
    """A counter's look-up of a dossier by code, found or not, in the audit log."""
    log_event(
        action="dossier.view",
        actor=user,
        target=f"dossier:{code}",
        details={"view": "receipt"},
        request=request,
        outcome=outcome,
    )


def _receipt_page(
    request: HttpRequest, user: User, dossier: Dossier, error: str = "", status: int = 200
) -> HttpResponse:
    _audit_receipt_view(request, user, dossier.code, "success")
    return _render(
        request,
        "backoffice/counter_receive.html",
        {"receipt": selectors.receipt_view(dossier), "error": error},
        section="counter",
        status=status,
    )


@require_POST
@staff_required
def counter_receive(request: HttpRequest, code: str) -> HttpResponse:
    """What this counter does with a dossier found by its code (R-ACT-1): receive it (the
    platform routes it to the competent agency), or, when it is incomplete or not receivable,
    ask for a supplement or refuse it with the reason — each issuing its slip from this counter,
    which becomes the dossier's receiving agency."""
    user = _clerk(request)
    name = request.POST.get("action", "receive")
    if name not in selectors.COUNTER_ACTIONS:
        name = "receive"
    dossier = selectors.dossier_for_action(user, code, name)
    items = [line.strip() for line in request.POST.get("items", "").splitlines() if line.strip()]
    try:
        services.perform_action(
            user=user,
            dossier=dossier,
            request=services.ActionRequest(
                name, comment=request.POST.get("comment", "")[:2000], items=items[:30]
            ),
        )
    except services.DossierError as exc:
        return _receipt_page(request, user, dossier, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("Đã thực hiện “%(action)s” cho hồ sơ %(code)s.")
        % {"action": ACTIONS[name].label, "code": dossier.code},
    )
    if name != "receive":  # the slip issued is on the dossier's page (the counter now holds it)
        return redirect("backoffice:dossier", code=dossier.code)
    return redirect("backoffice:counter_done", code=dossier.code)


@require_GET
@staff_required
def counter_done(request: HttpRequest, code: str) -> HttpResponse:
    dossier = selectors.dossier_for_official(official(request), code)
    receipts = list(dossier.slips.filter(kind=SlipKind.RECEIPT).order_by("-history_seq"))
    context = {
        "dossier": dossier,
        "receipt": receipts[0] if receipts else None,
        "waiting": not receipts and dossier.received_at is not None,
    }
    if getattr(request, "htmx", False):
        return render(request, "backoffice/_receipt.html", context)
    return _render(request, "backoffice/counter_done.html", context, section="counter")
