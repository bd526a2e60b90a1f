"""Pages of the open data catalogue (/du-lieu/): browse, preview, chart, download, publish."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tinhso.datasets import datastore, downloads, services
from tinhso.datasets.forms import ColumnTypesForm, DatasetForm, ResourceForm
from tinhso.datasets.models import Dataset, DatastoreTable, Resource
from tinhso.datasets.search import SearchParams, SearchQueryError, search
from tinhso.datasets.selectors import (
    can_publish,
    dataset_for_user,
    is_uuid,
    publishable_organizations,
    resource_for_user,
    visible_datasets,
)

PAGE = 20
PREVIEW_ROWS = 50
FACETS = ["organization", "tags", "res_format"]


def dataset_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    chosen = {f: request.GET.get(f, "").strip() for f in FACETS}
    fq = [f'{f}:"{v}"' for f, v in chosen.items() if v and '"' not in v]
    try:
        page_no = max(int(request.GET.get("trang", "1")), 1)
    except ValueError:
        page_no = 1
    params = SearchParams(
        q=q.replace(":", " "),
        fq=fq,
        rows=PAGE,
        start=(page_no - 1) * PAGE,
        sort="score desc, metadata_modified desc" if q else "metadata_modified desc",
        facet_fields=FACETS,
        facet_limit=10,
    )
    try:
        result = search(visible_datasets(request.user), params)
    except SearchQueryError as exc:
        raise Http404 from exc
    facet_links = {
        name: [
            {
                **item,
                "active": chosen[name] == item["name"],
                "query": urlencode(
                    {
                        k: v
                        for k, v in {
                            **chosen,
                            "q": q,
                            name: "" if chosen[name] == item["name"] else item["name"],
                        }.items()
                        if v
                    }
                ),
            }
            for item in items
        ]
        for name, items in result.facets.items()
    }
    keep = urlencode({k: v for k, v in {**chosen, "q": q}.items() if v})
    return render(
        request,
        "datasets/list.html",
        {
            "q": q,
            "result": result,
            "facets": facet_links,
            "page_no": page_no,
            "has_next": params.start + PAGE < result.count,
            "keep": keep,
            "can_manage": publishable_organizations(request.user).exists(),
        },
    )


def _dataset(request: HttpRequest, name: str) -> Dataset:
    dataset = dataset_for_user(request.user, name)
    if dataset is None or dataset.name != name:
        raise Http404
    return dataset


def _resource(request: HttpRequest, name: str, rid: Any) -> Resource:
    resource = resource_for_user(request.user, str(rid))
    if resource is None or resource.dataset.name != name:
        raise Http404
    return resource


def _table(resource: Resource) -> DatastoreTable | None:
    return DatastoreTable.objects.filter(resource=resource).first()


def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _dataset(request, name)
    return render(
        request,
        "datasets/dataset.html",
        {
            "dataset": dataset,
            "resources": dataset.resources.prefetch_related("versions").select_related("datastore"),
            "can_edit": can_publish(request.user, dataset.organization),
        },
    )


def resource_detail(request: HttpRequest, name: str, rid: Any) -> HttpResponse:
    resource = _resource(request, name, rid)
    table = _table(resource)
    context: dict[str, Any] = {
        "dataset": resource.dataset,
        "resource": resource,
        "table": table,
        "versions": resource.versions.all(),
        "can_edit": can_publish(request.user, resource.dataset.organization),
    }
    if table is not None:
        paginator = Paginator(range(table.row_count), PREVIEW_ROWS)
        page = paginator.get_page(request.GET.get("trang"))
        found = datastore.search(
            table,
            datastore.Query(
                limit=PREVIEW_ROWS, offset=page.start_index() - 1 if table.row_count else 0
            ),
        )
        columns = [f["id"] for f in table.fields]
        context.update(
            {
                "columns": table.fields,
                "rows": [[r[c] for c in columns] for r in found.records],
                "page": page,
                "numeric_columns": [
                    f["id"] for f in table.fields if f["type"] in ("int", "numeric")
                ],
                "label_columns": [
                    f["id"] for f in table.fields if f["type"] not in ("int", "numeric")
                ],
            }
        )
    return render(request, "datasets/resource.html", context)


def download(request: HttpRequest, name: str, rid: Any, fmt: str) -> HttpResponseBase:
    resource = _resource(request, name, rid)
    table = _table(resource)
    if table is None:
        raise Http404
    filename = f"{resource.dataset.name}-{str(resource.pk)[:8]}"
    if fmt == "csv":
        return downloads.csv_response(table, filename)
    if fmt == "xlsx":
        return downloads.xlsx_response(table, filename)
    return downloads.json_response(table, filename)


def resource_file(request: HttpRequest, name: str, rid: Any, filename: str) -> FileResponse:
    resource = _resource(request, name, rid)
    versions = resource.versions.all()
    wanted = request.GET.get("v")
    version = (
        versions.filter(number=wanted).first() if wanted and wanted.isdigit() else versions.first()
    )
    if version is None:
        raise Http404
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.filename,
        content_type=version.mimetype or "application/octet-stream",
    )


# --- publishing ------------------------------------------------------------------------------


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    organizations = publishable_organizations(request.user)
    if not organizations.exists():
        raise Http404
    datasets = (
        Dataset.objects.filter(organization__in=organizations)
        .exclude(state=Dataset.State.DELETED)
        .select_related("organization")
        .order_by("-metadata_modified")
    )
    return render(request, "datasets/manage.html", {"datasets": datasets})


def _editable(request: HttpRequest, name: str) -> Dataset:
    dataset = _dataset(request, name)
    if not can_publish(request.user, dataset.organization):
        raise Http404
    return dataset


def _initial(dataset: Dataset) -> dict[str, Any]:
    return {
        "title": dataset.title,
        "name": dataset.name,
        "organization": dataset.organization,
        "notes": dataset.notes,
        "license_id": dataset.license_id,
        "tags": ", ".join(t.name for t in dataset.tags.all()),
        "groups": list(dataset.groups.all()),
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "spatial_codes": ", ".join(dataset.spatial_codes or []),
        "frequency": dataset.frequency,
        "maintainer": dataset.maintainer,
        "maintainer_email": dataset.maintainer_email,
        "private": dataset.private,
        "state": dataset.state,
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, name: str | None = None) -> HttpResponse:
    dataset = _editable(request, name) if name else None
    organizations = publishable_organizations(request.user)
    if not organizations.exists():
        raise Http404
    form = DatasetForm(
        request.POST or None,
        organizations=organizations,
        initial=_initial(dataset) if dataset else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_dataset(user=request.user, data=form.to_data(), dataset=dataset)  # type: ignore[arg-type]
        except services.DataRejected as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("Đã lưu bộ dữ liệu."))
            return redirect("datasets:dataset", name=saved.name)
    return render(request, "datasets/edit.html", {"form": form, "dataset": dataset})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _editable(request, name)
    target = None
    rid = request.GET.get("tai-nguyen") or request.POST.get("resource")
    if rid:
        target = dataset.resources.filter(pk=rid).first() if is_uuid(rid) else None
        if target is None:
            raise Http404
    form = ResourceForm(request.POST or None, request.FILES or None)
    rejected: services.DataRejected | None = None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        data = services.DataFile(file.name, file.read()) if file else None
        try:
            services.add_resource(
                user=request.user,  # type: ignore[arg-type]
                dataset=dataset,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                upload=data,
                url=form.cleaned_data["url"] if not file else "",
                resource=target,
            )
        except services.DataRejected as exc:
            rejected = exc
        else:
            messages.success(request, _("Đã tải lên tài nguyên."))
            return redirect("datasets:dataset", name=dataset.name)
    return render(
        request,
        "datasets/upload.html",
        {"form": form, "dataset": dataset, "target": target, "rejected": rejected},
        status=422 if rejected else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def columns(request: HttpRequest, name: str, rid: Any) -> HttpResponse:
    _editable(request, name)
    resource = _resource(request, name, rid)
    table = _table(resource)
    if table is None:
        raise Http404
    form = ColumnTypesForm(request.POST or None, table=table)
    rejected: services.DataRejected | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.set_column_types(user=request.user, resource=resource, types=form.types())  # type: ignore[arg-type]
        except services.DataRejected as exc:
            rejected = exc
        else:
            messages.success(request, _("Đã đổi kiểu cột và nạp lại dữ liệu."))
            return redirect("datasets:resource", name=name, rid=resource.pk)
    return render(
        request,
        "datasets/columns.html",
        {"form": form, "dataset": resource.dataset, "resource": resource, "rejected": rejected},
        status=422 if rejected else 200,
    )
