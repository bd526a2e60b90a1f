"""CKAN Action API v3, read subset: ``/api/3/action/<name>`` (and ``/api/action/<name>``).

Answers with CKAN's envelope and error types so that CKAN clients (``ckanapi``) work unchanged.
Parameters come from the query string (GET) or a JSON body (POST). Callers are anonymous, a
browser session, or an API token in the ``Authorization`` header (as CKAN sends it).
"""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tinhso.accounts.api import BearerToken
from tinhso.datasets import datastore
from tinhso.datasets.dictize import group_dict, organization_dict, package_dict, resource_dict
from tinhso.datasets.models import DatastoreTable, Group, Organization, Tag
from tinhso.datasets.search import SearchParams, SearchQueryError, search
from tinhso.datasets.selectors import dataset_for_user, resource_for_user, visible_datasets


class NotFound(Exception):
    pass


class Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


Params = dict[str, Any]
CKAN_VERSION = "2.10.0"
ACTIONS: dict[str, Callable[[Any, Params, str], Any]] = {}


def action(fn: Callable[[Any, Params, str], Any]) -> Callable[[Any, Params, str], Any]:
    ACTIONS[fn.__name__] = fn
    return fn


# --- parameters ------------------------------------------------------------------------------


def _int(params: Params, name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise Invalid({name: ["Invalid integer"]}) from exc
    if value < 0:
        raise Invalid({name: ["Must be a natural number"]})
    return min(value, maximum) if maximum is not None else value


def _signed_int(params: Params, name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except (TypeError, ValueError) as exc:
        raise Invalid({name: ["Invalid integer"]}) from exc


def _bool(params: Params, name: str, default: bool) -> bool:
    raw = params.get(name, default)
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("true", "1", "yes", "on")


def _json_or(value: Any) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise Invalid({"__junk": [f"Could not parse JSON: {value[:80]}"]}) from exc
    return value


def _list(value: Any) -> list[str]:
    value = _json_or(value)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise Invalid({name: ["Missing value"]})
    return str(value)


# --- actions ---------------------------------------------------------------------------------


@action
def package_list(user: Any, params: Params, base: str) -> list[str]:
    """Names of the public datasets, sorted; ``limit`` and ``offset`` page the list."""
    qs = visible_datasets(user).filter(private=False).order_by("name")
    offset = _int(params, "offset", 0)
    if "limit" in params:
        qs = qs[offset : offset + _int(params, "limit", 0)]
    elif offset:
        qs = qs[offset:]
    return list(qs.values_list("name", flat=True))


@action
def package_search(user: Any, params: Params, base: str) -> dict[str, Any]:
    """Search datasets: ``q`` (diacritics optional), ``fq``/``fq_list``, ``rows`` (≤1000), ``start``, ``sort``, ``facet.field``, ``facet.limit``, ``facet.mincount``, ``include_private``."""
    fq = [str(params["fq"])] if params.get("fq") else []
    fq += [str(f) for f in _json_or(params.get("fq_list") or [])]
    search_params = SearchParams(
        q=str(params.get("q") or ""),
        fq=fq,
        rows=_int(params, "rows", 10, 1000),
        start=_int(params, "start", 0),
        sort=str(params.get("sort") or "score desc, metadata_modified desc"),
        facet_fields=_list(params.get("facet.field")) if _bool(params, "facet", True) else [],
        facet_limit=_signed_int(params, "facet.limit", 50),
        facet_mincount=_signed_int(params, "facet.mincount", 1),
    )
    visible = visible_datasets(user)
    if not _bool(params, "include_private", False):
        visible = visible.filter(private=False)
    if not _bool(params, "include_drafts", False):
        visible = visible.exclude(state="draft")
    try:
        result = search(visible, search_params)
    except SearchQueryError as exc:
        raise _SearchQuery(str(exc)) from exc
    return {
        "count": result.count,
        "sort": search_params.sort,
        "results": [package_dict(d, base) for d in result.results],
        "facets": {f: {i["name"]: i["count"] for i in items} for f, items in result.facets.items()},
        "search_facets": {f: {"title": f, "items": items} for f, items in result.facets.items()},
    }


class _SearchQuery(Exception):
    pass


@action
def package_show(user: Any, params: Params, base: str) -> dict[str, Any]:
    """One dataset by ``id`` or name, with its resources."""
    dataset = dataset_for_user(user, _required(params, "id"))
    if dataset is None:
        raise NotFound("Dataset not found")
    return package_dict(dataset, base)


@action
def resource_show(user: Any, params: Params, base: str) -> dict[str, Any]:
    """One resource by ``id``."""
    resource = resource_for_user(user, _required(params, "id"))
    if resource is None:
        raise NotFound("Resource was not found.")
    return resource_dict(resource, base)


def _counted(model: type[Organization] | type[Group], user: Any) -> Any:
    visible = visible_datasets(user).filter(private=False).values("pk")
    return model.objects.annotate(
        package_count=Count("datasets", filter=Q(datasets__in=visible), distinct=True)
    )


def _listing(
    model: type[Organization] | type[Group], user: Any, params: Params, names_key: str
) -> list[Any]:
    all_fields = _bool(params, "all_fields", False)
    qs = _counted(model, user)
    names = _list(params.get(names_key))
    if names:
        qs = qs.filter(name__in=names)
    sort = str(params.get("sort") or "title asc").strip()
    field, _space, direction = sort.partition(" ")
    if field not in ("title", "name", "package_count"):
        raise Invalid({"sort": [f"Cannot sort by field `{field}`"]})
    order = ("-" if direction.strip().lower() == "desc" else "") + field
    qs = qs.order_by(order, "name")
    offset = _int(params, "offset", 0)
    limit = _int(params, "limit", 25 if all_fields else 1000)
    rows = list(qs[offset : offset + limit])
    if not all_fields:
        return [r.name for r in rows]
    counted = _bool(params, "include_dataset_count", True)
    as_dict = organization_dict if model is Organization else group_dict
    return [as_dict(r, r.package_count if counted else None) for r in rows]


@action
def organization_list(user: Any, params: Params, base: str) -> list[Any]:
    """Organisations: ``all_fields``, ``sort`` (title, name, package_count), ``limit``, ``offset``, ``organizations``."""
    return _listing(Organization, user, params, "organizations")


@action
def group_list(user: Any, params: Params, base: str) -> list[Any]:
    """Groups (themes): same parameters as organization_list."""
    return _listing(Group, user, params, "groups")


def _show(
    model: type[Organization] | type[Group], user: Any, params: Params, base: str
) -> dict[str, Any]:
    key = _required(params, "id")
    query = Q(name=key)
    try:
        import uuid

        query |= Q(pk=uuid.UUID(key))
    except ValueError:
        pass
    found = _counted(model, user).filter(query).first()
    if found is None:
        raise NotFound(f"{'Organization' if model is Organization else 'Group'} not found")
    counted = _bool(params, "include_dataset_count", True)
    as_dict = organization_dict if model is Organization else group_dict
    result = as_dict(found, found.package_count if counted else None)
    if _bool(params, "include_datasets", False):
        field = "organization" if model is Organization else "groups"
        datasets = (
            visible_datasets(user)
            .filter(private=False, **{field: found})
            .prefetch_related("tags", "groups", "resources__versions", "resources__datastore")[
                :1000
            ]
        )
        result["packages"] = [package_dict(d, base) for d in datasets]
    result["users"] = []
    result["extras"] = []
    return result


@action
def organization_show(user: Any, params: Params, base: str) -> dict[str, Any]:
    """One organisation by ``id`` or name; ``include_datasets``, ``include_dataset_count``."""
    return _show(Organization, user, params, base)


@action
def group_show(user: Any, params: Params, base: str) -> dict[str, Any]:
    """One group by ``id`` or name; ``include_datasets``, ``include_dataset_count``."""
    return _show(Group, user, params, base)


@action
def tag_list(user: Any, params: Params, base: str) -> list[Any]:
    """Tags of the public datasets; ``query`` filters, ``all_fields`` returns objects."""
    visible = visible_datasets(user).filter(private=False).values("pk")
    qs = Tag.objects.filter(datasets__in=visible).distinct().order_by("name")
    if params.get("query"):
        qs = qs.filter(name__icontains=str(params["query"]))
    if _bool(params, "all_fields", False):
        return [
            {"id": str(t.pk), "name": t.name, "display_name": t.name, "vocabulary_id": None}
            for t in qs
        ]
    return list(qs.values_list("name", flat=True))


@action
def datastore_search(user: Any, params: Params, base: str) -> dict[str, Any]:
    """Rows of a datastore table: ``resource_id``, ``filters``, ``q``, ``limit`` (≤32000), ``offset``, ``fields``, ``sort``, ``include_total``, ``records_format``."""
    resource_id = _required(params, "resource_id")
    resource = resource_for_user(user, resource_id)
    table = DatastoreTable.objects.filter(resource=resource).first() if resource else None
    if table is None:
        raise NotFound(f'Resource "{resource_id}" was not found.')
    records_format = str(params.get("records_format") or "objects")
    if records_format not in ("objects", "lists", "csv"):
        raise Invalid({"records_format": ["Value must be one of ['objects', 'lists', 'csv']"]})
    fields = _list(params["fields"]) if params.get("fields") else None
    q = _json_or(params.get("q") or "")
    filters = _json_or(params.get("filters") or {})
    query = datastore.Query(
        filters=filters,
        q=q,
        limit=_int(params, "limit", 100),
        offset=_int(params, "offset", 0),
        fields=fields,
        sort=str(params.get("sort") or ""),
        include_total=_bool(params, "include_total", True),
    )
    try:
        page = datastore.search(table, query)
    except datastore.DatastoreError as exc:
        raise Invalid(exc.errors) from exc
    limit = min(query.limit, datastore.MAX_LIMIT)
    columns = [f["id"] for f in page.fields]
    records: Any = page.records
    if records_format != "objects":
        lists = [[r[c] for c in columns] for r in page.records]
        records = datastore.as_csv(lists) if records_format == "csv" else lists
    result: dict[str, Any] = {
        "resource_id": str(resource.pk) if resource else resource_id,
        "fields": page.fields,
        "records": records,
        "records_format": records_format,
        "limit": limit,
        "offset": query.offset,
        "include_total": query.include_total,
        "_links": _links(params, query.offset, limit),
    }
    for name in ("filters", "q", "sort"):
        if params.get(name):
            result[name] = _json_or(params[name])
    if page.total is not None:
        result["total"] = page.total
        result["total_was_estimated"] = False
    return result


@action
def help_show(user: Any, params: Params, base: str) -> str:
    """The documentation of the action ``name``."""
    name = _required(params, "name")
    if name not in ACTIONS:
        raise NotFound(f"Action function not found: {name}")
    return (ACTIONS[name].__doc__ or name).strip()


@action
def status_show(user: Any, params: Params, base: str) -> dict[str, Any]:
    """Site information; the CKAN version is the API level this server follows."""
    return {
        "ckan_version": CKAN_VERSION,
        "site_url": base.rstrip("/"),
        "site_title": f"Dữ liệu mở tỉnh {settings.TINHSO_PROVINCE_NAME}",
        "site_description": "",
        "locale_default": "vi",
        "extensions": ["datastore"],
    }


def _links(params: Params, offset: int, limit: int) -> dict[str, str]:
    keep = {}
    for key, value in params.items():
        if key == "offset":
            continue
        keep[key] = (
            json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
        )
    start = "/api/3/action/datastore_search?" + urlencode(keep)
    return {"start": start, "next": start + "&" + urlencode({"offset": offset + limit})}


# --- HTTP ------------------------------------------------------------------------------------


def _caller(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "").strip()
    if header:
        token = header.removeprefix("Bearer ").strip()
        found = BearerToken().authenticate(request, token)
        if found is not None:
            return found
    return request.user


def _params(request: HttpRequest) -> Params:
    if request.method == "GET":
        return {k: (v[0] if len(v) == 1 else v) for k, v in request.GET.lists()}
    # Content type first: a large multipart body was streamed (tinhso.middleware), no raw body.
    if request.content_type != "multipart/form-data" and request.body:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise Invalid({"__junk": ["Could not parse JSON body"]}) from exc
        if not isinstance(body, dict):
            raise Invalid({"__junk": ["The request body must be a JSON object"]})
        return body
    return {k: (v[0] if len(v) == 1 else v) for k, v in request.POST.lists()}


def _error(help_url: str, status: int, error: dict[str, Any]) -> JsonResponse:
    return JsonResponse(
        {"help": help_url, "success": False, "error": error},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def bad_input(request: HttpRequest, status: int, message: str, field: str | None) -> JsonResponse:
    """Input refused before any action runs (a NUL character, text that is not UTF-8, a body that
    does not parse: ``tinhso.middleware``), in CKAN's envelope."""
    name = request.path.rstrip("/").rsplit("/", 1)[-1]
    help_url = request.build_absolute_uri("/api/3/action/help_show?" + urlencode({"name": name}))
    error: dict[str, Any] = {"__type": "Validation Error", "message": message}
    if field:
        error[field] = [message]
    return _error(help_url, status, error)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def action_view(request: HttpRequest, name: str) -> JsonResponse:
    handler = ACTIONS.get(name)
    if handler is None:
        return JsonResponse(f"Bad request: Action name not known: {name}", safe=False, status=400)
    help_url = request.build_absolute_uri(f"/api/3/action/help_show?name={name}")
    base = request.build_absolute_uri("/")
    try:
        result = handler(_caller(request), _params(request), base)
    except NotFound as exc:
        return _error(help_url, 404, {"__type": "Not Found Error", "message": f"Not found: {exc}"})
    except Invalid as exc:
        message = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items())
        return _error(
            help_url, 409, {"__type": "Validation Error", "message": message, **exc.errors}
        )
    except _SearchQuery as exc:
        return _error(
            help_url,
            400,
            {"__type": "Search Query Error", "message": f"Search Query is invalid: {exc}"},
        )
    return JsonResponse(
        {"help": help_url, "success": True, "result": result},
        json_dumps_params={"ensure_ascii": False},
    )


def api_version(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": 3})
