"""The citizen portal: catalogue, online filing, "my dossiers", public lookup.

Views are thin: they load through the selectors (the only way to reach a dossier), validate the
input, and make the service call. Every page works without JavaScript; htmx only refreshes the
procedure search results in place.
"""

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.documents.models import IssuedSlip
from tinhso.dossiers import selectors, services
from tinhso.dossiers.lookup import LookupLocked, checked_public_lookup
from tinhso.dossiers.models import Dossier, HistoryEntry, Rating, Status
from tinhso.dossiers.workflow import APPLICANT_COMMENTS, action_label, is_public
from tinhso.integrations.datastore import reuse
from tinhso.integrations.population import consent as population_consent
from tinhso.integrations.postal.filing import given_phone, remember_phone
from tinhso.portal.forms import (
    ACCEPT,
    DocumentInput,
    LookupForm,
    PostalForm,
    RatingForm,
    SupplementForm,
    WithdrawForm,
    asks_return_method,
    check_reuse,
    document_inputs,
    prefill,
)
from tinhso.portal.payments import payment_context
from tinhso.procedures.forms import SchemaForm, check_documents
from tinhso.procedures.models import ProcedureVersion
from tinhso.procedures.selectors import (
    competent_agencies,
    current_versions,
    search_procedures,
    version_by_code,
)
from tinhso.results.models import ResultDocument
from tinhso.results.selectors import HANDED_OVER
from tinhso.stores.models import StoredDocument
from tinhso.stores.selectors import documents_for
from tinhso.uploads import CheckedUpload, UploadRejected, check_upload

PAGE_SIZE = 20
APPLICANT_ACTIONS = ("supplement", "withdraw")
SUBMISSION_KEY = re.compile(r"^[0-9a-f]{32}$")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _upload_limits() -> dict[str, Any]:
    limit = settings.TINHSO_UPLOAD_MAX_BYTES
    return {
        "accept": ACCEPT,
        "max_bytes": limit,
        "max_mb": f"{limit / 1024 / 1024:g}".replace(".", ","),
    }


def _page(request: HttpRequest, items: Any) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


# --- catalogue -------------------------------------------------------------------------


def _catalogue_stats() -> dict[str, int]:
    versions = current_versions()
    total = versions.count()
    full = versions.filter(mode=ProcedureVersion.Mode.FULL_ONLINE).count()
    paid_online, owing = selectors.online_payment_share()
    return {
        "total": total,
        "full_online": full,
        "percent": round(100 * full / total) if total else 0,
        "paid_online": paid_online,
        "owing": owing,
        "paid_percent": round(100 * paid_online / owing) if owing else 0,
    }


def home(request: HttpRequest) -> HttpResponse:
    featured = search_procedures().filter(mode=ProcedureVersion.Mode.FULL_ONLINE)[:6]
    return render(request, "portal/home.html", {"featured": featured, "stats": _catalogue_stats()})


@vary_on_headers("HX-Request")
def procedures(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    context = {
        "q": query,
        "page": _page(request, search_procedures(query)),
        "stats": _catalogue_stats(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "portal/_procedure_results.html", context)
    return render(request, "portal/procedures.html", context)


def _version_or_404(code: str) -> ProcedureVersion:
    version = version_by_code(code)
    if version is None:
        raise Http404(_("Không tìm thấy thủ tục."))
    return version


def procedure(request: HttpRequest, code: str) -> HttpResponse:
    version = _version_or_404(code)
    is_commune = version.level == ProcedureVersion.Level.COMMUNE
    return render(
        request,
        "portal/procedure.html",
        {
            "version": version,
            "documents": version.documents.all(),
            "declaration": services.declaration_code(version),
            "agencies": [] if is_commune else competent_agencies(version),
            "is_commune": is_commune,
            "fee_counter": version.fee_for(online=False),
            "fee_online": version.fee_for(online=True),
            "days_counter": version.processing_days_for(online=False),
            "days_online": version.processing_days_for(online=True),
            "exemptions": [str(e) for e in version.fee_exemptions if isinstance(e, str | int)],
        },
    )


# --- filing ----------------------------------------------------------------------------


@dataclass
class Application:
    """The state of the e-form page: the form, its file inputs and the agency choice."""

    version: ProcedureVersion
    form: SchemaForm
    documents: list[DocumentInput]
    agencies: list[Agency] = field(default_factory=list)  # commune-level only
    agency: Agency | None = None
    agency_error: str = ""
    general_error: str = ""
    submission_key: str = ""
    postal: PostalForm | None = None  # the e-form asks the return method

    @property
    def postal_errors(self) -> bool:
        return self.postal is not None and self.postal.is_bound and bool(self.postal.errors)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.form.errors
            or self.agency_error
            or self.general_error
            or any(d.error for d in self.documents)
            or self.postal_errors
        )

    def error_summary(self) -> list[tuple[str, str, str]]:
        items = self.form.error_list()
        if self.agency_error:
            items.append(("f-agency", _("Nơi nộp hồ sơ"), self.agency_error))
        items += [(d.error_target, d.document.name, d.error) for d in self.documents if d.error]
        if self.postal is not None and self.postal_errors:
            items += self.postal.error_items()
        return items

    def route_error(self, exc: services.DossierError) -> None:
        """Show a service error next to the input it names."""
        name = exc.field or ""
        if name.startswith("data.") and name[5:].split(".")[0] in self.form.properties:
            self.form.add_error(name[5:].split(".")[0], exc.message)
        elif name == "agency":
            self.agency_error = exc.message
        elif name == "postal_address" and self.postal is not None and self.postal.is_bound:
            self.postal.add_error("postal_address", exc.message)
        else:
            self.general_error = exc.message


def _commune_agencies(version: ProcedureVersion) -> list[Agency]:
    if version.level != ProcedureVersion.Level.COMMUNE:
        return []
    return sorted(competent_agencies(version), key=lambda a: a.name)


def _home_agency(agencies: list[Agency], user: User) -> Agency | None:
    return next((a for a in agencies if user.commune_id and a.unit_id == user.commune_id), None)


def _render_application(
    request: HttpRequest, app: Application, dossier: Dossier | None = None
) -> HttpResponse:
    context = {
        "app": app,
        "version": app.version,
        "fields": app.form.fields(),
        "dossier": dossier,
        "user_profile": _user(request),
        "fee_exemption": request.POST.get("fee_exemption", "")
        or ((dossier.fee_exemption or {}).get("group", "") if dossier else ""),
        **_upload_limits(),
    }
    return render(request, "portal/apply.html", context, status=400 if app.has_errors else 200)


def _submission_key(request: HttpRequest) -> str:
    key = request.POST.get("submission_key", "")
    return key if SUBMISSION_KEY.match(key) else uuid.uuid4().hex


def _new_files(
    checked: list[tuple[str, CheckedUpload]], reused: list[tuple[str, StoredDocument]]
) -> list[services.NewFile]:
    """Uploaded files, then documents chosen from the applicant's store (copied, marked as reuse)."""
    return [services.NewFile(c, upload) for c, upload in checked] + [
        services.NewFile(c, stored=document) for c, document in reused
    ]


def _reusable(user: User) -> list[StoredDocument | reuse.Offer]:
    """The applicant's Tỉnh Số store, then what their store on the national portal holds (a
    direct call with a short timeout while the page waits; nothing from it when it cannot say)."""
    local = list(documents_for(user))
    return [*local, *reuse.offers(user, local)]


def _taken(
    app: Application, user: User, reused: list[tuple[str, StoredDocument | reuse.Offer]]
) -> list[tuple[str, StoredDocument]]:
    """Copy the documents chosen from the national store into the applicant's store (R-NAT-071);
    one the store cannot give is an error on its input."""
    taken: list[tuple[str, StoredDocument]] = []
    for code, document in reused:
        if isinstance(document, reuse.Offer):
            try:
                document = reuse.take(user, document)
            except reuse.ReuseError as exc:
                item = next(d for d in app.documents if d.document.code == code)
                item.error, item.reuse_error = str(exc), True
                continue
        taken.append((code, document))
    return taken


@login_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    version = _version_or_404(code)
    if not version.offered_online:
        messages.error(
            request,
            _(
                "Thủ tục này không được cung cấp trực tuyến: vui lòng nộp hồ sơ tại Bộ phận Một "
                "cửa hoặc qua dịch vụ bưu chính."
            ),
        )
        return redirect("portal:procedure", code=code)
    user = _user(request)
    agencies = _commune_agencies(version)
    app = Application(
        version=version,
        form=SchemaForm(version.form_schema, initial=prefill(version, user)),
        documents=document_inputs(version, store=_reusable(user)),
        agencies=agencies,
        agency=_home_agency(agencies, user),
        submission_key=_submission_key(request),
        postal=PostalForm(None, user=user) if asks_return_method(version) else None,
    )
    if request.method != "POST":
        return _render_application(request, app)

    draft = request.POST.get("action") == "draft"
    data = app.form.bind(request.POST)
    if not draft:
        app.form.validate()
    if app.postal is not None:
        by_post = services.form_choices(version, data)[1] == "postal" and not draft
        app.postal = PostalForm(request.POST, user=user, chosen=by_post)
        app.postal.is_valid()
    postal = app.postal.cleaned_data if app.postal is not None and app.postal.is_bound else {}
    if agencies:
        chosen = request.POST.get("agency", "")
        app.agency = next((a for a in agencies if str(a.pk) == chosen), None)
        if app.agency is None:
            app.agency_error = _("Hãy chọn UBND xã, phường nơi nộp hồ sơ.")
    picked = check_reuse(app.documents, request.POST)
    checked = check_documents(app.documents, request.FILES, submitting=not draft)
    if app.has_errors:
        return _render_application(request, app)
    reused = _taken(app, user, picked)
    if app.has_errors:
        return _render_application(request, app)
    try:
        dossier, created = services.file_dossier(
            user=user,
            version=version,
            data=data,
            applicant=services.Applicant.from_user(user),
            agency=app.agency,
            files=_new_files(checked, reused),
            draft=draft,
            exemption_group=request.POST.get("fee_exemption", "")[:300],
            postal_address=postal.get("postal_address", ""),
            on_filed=lambda d: remember_phone(d, postal.get("postal_phone", "")),
            idempotency_key=app.submission_key,
            fingerprint=services.request_fingerprint(
                {
                    "version": version.pk,
                    "data": data,
                    "agency": app.agency.pk if app.agency else None,
                    "draft": draft,
                    "fee_exemption": request.POST.get("fee_exemption", ""),
                    "files": sorted(u.sha256 for _c, u in checked),
                    "reused": sorted(d.pk for _c, d in reused),
                    "postal": postal,
                }
            ),
        )
    except services.DossierError as exc:
        if exc.field == "Idempotency-Key":
            exc = services.DossierError(
                _("Biểu mẫu này đã được gửi trước đó. Vui lòng kiểm tra rồi gửi lại.")
            )
            app.submission_key = uuid.uuid4().hex
        app.route_error(exc)
        return _render_application(request, app)
    if dossier.status == Status.DRAFT:
        messages.success(request, _("Đã lưu bản nháp. Bạn có thể tiếp tục và nộp hồ sơ sau."))
        return redirect("portal:draft", pk=dossier.pk)
    if created:
        # The citizen's own population lookup made on this page, if any (R-NAT-081, 4.5b).
        population_consent.attach_to_filing(
            user,
            dossier,
            request.POST.get("population_lookup", ""),
            request.POST.get("population_fields", ""),
        )
        messages.success(request, _("Đã nộp hồ sơ. Mã hồ sơ: %(code)s") % {"code": dossier.code})
    else:
        messages.info(
            request,
            _("Hồ sơ này đã được nộp trước đó. Mã hồ sơ: %(code)s") % {"code": dossier.code},
        )
    return redirect("portal:dossier", code=dossier.code)


def _draft_postal(
    request: HttpRequest, user: User, dossier: Dossier, *, chosen: bool = False
) -> PostalForm | None:
    """The postal fieldset of a draft (None when its e-form does not ask the return method):
    pre-filled with what the draft keeps, else the account's address and phone; bound to the
    POST, if any, and ``chosen`` when the applicant submits with the postal answer."""
    if not asks_return_method(dossier.procedure_version):
        return None
    saved = {"postal_address": dossier.postal_address, "postal_phone": given_phone(dossier)}
    data = request.POST if request.method == "POST" else None
    form = PostalForm(data, user=user, chosen=chosen, saved=saved)
    if data is not None:
        form.is_valid()
    return form


@login_required
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        dossier = selectors.draft_for_user(user, pk)
    except selectors.DossierNotFound:
        raise Http404(_("Không tìm thấy bản nháp.")) from None
    version = dossier.procedure_version
    app = Application(
        version=version,
        form=SchemaForm(version.form_schema, initial=dossier.data),
        documents=document_inputs(
            version,
            list(dossier.attachments.all()),
            store=_reusable(user),
        ),
        agency=dossier.agency,
    )
    if request.method != "POST":
        app.postal = _draft_postal(request, user, dossier)
        return _render_application(request, app, dossier)

    submitting = request.POST.get("action") != "draft"
    data = app.form.bind(request.POST)
    if submitting:
        app.form.validate()
    by_post = submitting and services.form_choices(version, data)[1] == "postal"
    app.postal = _draft_postal(request, user, dossier, chosen=by_post)
    postal = app.postal.cleaned_data if app.postal is not None else {}
    picked = check_reuse(app.documents, request.POST)
    checked = check_documents(app.documents, request.FILES, submitting=submitting)
    if app.has_errors:
        return _render_application(request, app, dossier)
    reused = _taken(app, user, picked)
    if app.has_errors:
        return _render_application(request, app, dossier)
    try:
        services.update_draft(
            user=user,
            dossier=dossier,
            data=data,
            files=_new_files(checked, reused),
            postal_address=postal.get("postal_address", ""),
            on_saved=lambda d: remember_phone(d, postal.get("postal_phone", "")),
        )
    except services.DossierError as exc:
        app.route_error(exc)
        return _render_application(request, app, dossier)
    if not submitting:
        messages.success(request, _("Đã lưu bản nháp."))
        return redirect("portal:draft", pk=dossier.pk)
    try:
        dossier = services.submit_draft(user=user, dossier=dossier)
    except services.DossierError as exc:  # the edits are saved; show why submission failed
        messages.error(request, exc.message)
        return redirect("portal:draft", pk=dossier.pk)
    messages.success(request, _("Đã nộp hồ sơ. Mã hồ sơ: %(code)s") % {"code": dossier.code})
    return redirect("portal:dossier", code=dossier.code)


# --- my dossiers -----------------------------------------------------------------------


def _owned(user: User) -> Any:
    owner = Q(applicant_id=user.pk) | Q(applicant__isnull=True, filed_by_id=user.pk)
    return (
        selectors.visible_dossiers(user)
        .filter(owner)
        .select_related("procedure_version__procedure")
    )


@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    owned = _owned(_user(request))
    context = {
        "drafts": owned.filter(status=Status.DRAFT).order_by("-updated_at"),
        "page": _page(request, owned.exclude(status=Status.DRAFT).order_by("-submitted_at", "-pk")),
    }
    return render(request, "portal/my_dossiers.html", context)


def _dossier_or_404(request: HttpRequest, code: str) -> Dossier:
    try:
        return selectors.dossier_for_user(request.user, code)
    except selectors.DossierNotFound:
        raise Http404(_("Không tìm thấy hồ sơ.")) from None


def _applicant_actions(user: User, dossier: Dossier) -> list[str]:
    if not selectors.is_owner(user, dossier):
        return []
    return [a for a in selectors.available_actions(user, dossier) if a in APPLICANT_ACTIONS]


def _history(entries: list[HistoryEntry]) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        if not is_public(entry.action):
            continue
        rows.append(
            {
                "label": action_label(entry.action),
                "status_label": Status(entry.to_status).label,
                "at": entry.at,
                "comment": entry.comment if entry.action in APPLICANT_COMMENTS else "",
                "requested": entry.details.get("items", [])
                if entry.action == "request_supplement"
                else [],
            }
        )
    return rows


def _render_dossier(
    request: HttpRequest, dossier: Dossier, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = _user(request)
    version = dossier.procedure_version
    entries = list(dossier.history.all())
    actions = _applicant_actions(user, dossier)
    names = {d.code: d.name for d in version.documents.all()}
    rating = Rating.objects.filter(dossier=dossier).first()
    can_rate = (
        dossier.status == Status.RETURNED and rating is None and selectors.is_owner(user, dossier)
    )
    supplement_request = next(
        (e for e in reversed(entries) if e.action == "request_supplement"), None
    )
    context = {
        "dossier": dossier,
        "version": version,
        "history": _history(entries),
        "attachments": [
            (a, names.get(a.document_code, a.document_code)) for a in dossier.attachments.all()
        ],
        "slips": IssuedSlip.objects.filter(dossier=dossier).order_by("issued_at"),
        "actions": actions,
        "supplement_request": supplement_request,
        "supplement_items": supplement_request.details.get("items", [])
        if supplement_request
        else [],
        "supplement_form": forms.get("supplement_form") or SupplementForm(version=version),
        "supplement_error": forms.get("supplement_error", ""),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "rating": rating,
        "rating_form": (forms.get("rating_form") or RatingForm()) if can_rate else None,
        "due_changed": dossier.original_due_at is not None
        and dossier.original_due_at != dossier.due_at,
        **_upload_limits(),
        **payment_context(user, dossier),
        # Signed at the leader's approval, shown to the applicant once handed over.
        "result": ResultDocument.objects.filter(dossier=dossier).first()
        if dossier.status in HANDED_OVER
        else None,
    }
    return render(request, "portal/dossier.html", context, status=status)


@login_required
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _render_dossier(request, _dossier_or_404(request, code))


@login_required
def attachment(request: HttpRequest, code: str, pk: int) -> FileResponse:
    found = _dossier_or_404(request, code).attachments.filter(pk=pk).first()
    if found is None:
        raise Http404(_("Không tìm thấy tệp."))
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type,
    )


@login_required
def slip(request: HttpRequest, code: str, pk: int) -> FileResponse:
    dossier = _dossier_or_404(request, code)
    found = IssuedSlip.objects.filter(dossier=dossier, pk=pk).first()
    if found is None:
        raise Http404(_("Không tìm thấy phiếu."))
    return FileResponse(
        found.file.open("rb"),
        filename=f"{found.kind}-{dossier.code}.pdf",
        content_type="application/pdf",
    )


def _not_now(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    messages.error(request, _("Không thể thực hiện thao tác này với hồ sơ ở trạng thái hiện tại."))
    return redirect("portal:dossier", code=dossier.code)


@login_required
@require_POST
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    dossier = _dossier_or_404(request, code)
    if "supplement" not in _applicant_actions(user, dossier):
        return _not_now(request, dossier)
    form = SupplementForm(request.POST, version=dossier.procedure_version)
    uploads = request.FILES.getlist("files")
    error = "" if uploads else _("Hãy chọn ít nhất một tệp để bổ sung.")
    checked = []
    for upload in uploads:
        try:
            checked.append(check_upload(upload, "files"))
        except UploadRejected as exc:
            error = exc.message
            break
    if not form.is_valid() or error:
        return _render_dossier(
            request, dossier, status=400, supplement_form=form, supplement_error=error
        )
    try:
        services.supplement_dossier(
            user=user,
            dossier=dossier,
            document_code=form.cleaned_data["document"],
            uploads=checked,
            comment=form.cleaned_data["comment"],
        )
    except services.DossierError as exc:
        messages.error(request, exc.message)
        return redirect("portal:dossier", code=dossier.code)
    messages.success(request, _("Đã gửi hồ sơ bổ sung. Cơ quan sẽ tiếp tục giải quyết."))
    return redirect("portal:dossier", code=dossier.code)


@login_required
@require_POST
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    dossier = _dossier_or_404(request, code)
    if "withdraw" not in _applicant_actions(user, dossier):
        return _not_now(request, dossier)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_dossier(request, dossier, status=400, withdraw_form=form)
    try:
        services.perform_action(
            user=user,
            dossier=dossier,
            request=services.ActionRequest("withdraw", comment=form.cleaned_data["reason"]),
        )
    except services.DossierError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã rút hồ sơ."))
    return redirect("portal:dossier", code=dossier.code)


@login_required
@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _dossier_or_404(request, code)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _render_dossier(request, dossier, status=400, rating_form=form)
    try:
        services.rate_dossier(
            user=_user(request),
            dossier=dossier,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except services.DossierError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cảm ơn bạn đã đánh giá."))
    return redirect("portal:dossier", code=dossier.code)


# --- public lookup ---------------------------------------------------------------------


def lookup(request: HttpRequest) -> HttpResponse:
    """Anonymous status lookup: code + last 4 phone digits. Shows no personal data at all.

    Failures count against the limit the API's lookup shares (tinhso.dossiers.lookup)."""
    form = LookupForm(request.POST or None)
    result = None
    not_found = False
    retry_after = 0
    if request.method == "POST" and form.is_valid():
        try:
            result = checked_public_lookup(
                request, form.cleaned_data["code"], form.cleaned_data["phone_last4"]
            )
        except LookupLocked as exc:
            retry_after = exc.retry_after
        else:
            not_found = result is None
    throttled = bool(retry_after)
    status = 429 if throttled else 404 if not_found else 400 if form.errors else 200
    context = {"form": form, "result": result, "not_found": not_found, "throttled": throttled}
    response = render(request, "portal/lookup.html", context, status=status)
    if throttled:
        response["Retry-After"] = str(retry_after)
    return response
