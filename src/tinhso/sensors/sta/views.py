"""SensorThings API 1.1 read endpoints: service root, entity sets, entities, navigation.

Paths are walked segment by segment: ``Things``, ``Things(1)``, ``Things(1)/Datastreams``,
``Datastreams(1)/Observations``, ``Observations(5)/Datastream/Thing``, ``Things(1)/name``,
``Things(1)/name/$value``. The JSON of one entity and the error body are in ``serialise``, shared
with the ingest endpoints (``create``), which POSTs are handed to.
"""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from tinhso.sensors.sta.create import create
from tinhso.sensors.sta.entities import SETS, EntitySet
from tinhso.sensors.sta.query import Options, QueryError, parse_filter, parse_options, parse_orderby
from tinhso.sensors.sta.serialise import StaError, base_url, entity_json, error

SEGMENT_RE = re.compile(r"^(?P<name>[A-Za-z]+|\$value)(?:\((?P<id>\d{1,18})\))?$")
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
]


@dataclass
class Collection:
    set: EntitySet
    qs: QuerySet[Any]


@dataclass
class Entity:
    set: EntitySet
    obj: Model


@dataclass
class Property:
    name: str
    value: Any


def _get(entity_set: EntitySet, qs: QuerySet[Any], pk: int) -> Entity:
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise StaError(404, f"No {entity_set.name} with id {pk}")
    return Entity(entity_set, obj)


def resolve(path: str) -> Collection | Entity | Property:
    segments = [s for s in path.split("/") if s]
    target: Collection | Entity | Property | None = None
    for segment in segments:
        match = SEGMENT_RE.match(segment)
        if match is None:
            raise StaError(404, f"Not a resource path segment: {segment!r}")
        name, pk = match.group("name"), match.group("id")
        if target is None:
            entity_set = SETS.get(name)
            if entity_set is None:
                raise StaError(404, f"No entity set {name!r}")
            qs = entity_set.model._default_manager.all()
            target = _get(entity_set, qs, int(pk)) if pk else Collection(entity_set, qs)
        elif isinstance(target, Entity):
            nav = target.set.navs.get(name)
            if nav is not None:
                target_set = SETS[nav.target]
                if nav.many:
                    qs = target_set.model._default_manager.filter(**{nav.lookup: target.obj.pk})
                    target = _get(target_set, qs, int(pk)) if pk else Collection(target_set, qs)
                else:
                    fk = getattr(target.obj, nav.lookup)
                    if fk is None or pk:
                        raise StaError(404, f"{name} not found")
                    target = _get(target_set, target_set.model._default_manager.all(), fk)
            else:
                body = target.set.body(target.obj)
                if name not in body or pk:
                    raise StaError(404, f"{target.set.name} has no property {name!r}")
                target = Property(name, body[name])
        elif isinstance(target, Property) and name == "$value":
            target = Property("$value", target.value)
        else:
            raise StaError(404, f"Cannot address {segment!r} here")
    if target is None:
        raise StaError(404, "Empty path")
    return target


def _apply(entity_set: EntitySet, qs: QuerySet[Any], opts: Options) -> QuerySet[Any]:
    if opts.filter:
        qs = qs.filter(parse_filter(opts.filter, entity_set.props))
    order = parse_orderby(opts.orderby, entity_set.props) if opts.orderby else []
    if not any(o.lstrip("-") == "id" for o in order):
        order.append("id")
    return qs.order_by(*order)


def _expansions(
    entity_set: EntitySet, objs: list[Any], base: str, opts: Options
) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = [{} for _ in objs]
    for name, sub in opts.expand.items():
        nav = entity_set.navs.get(name)
        if nav is None:
            raise StaError(400, f"{entity_set.name} cannot $expand {name!r}")
        target = SETS[nav.target]
        if nav.many:
            for index, obj in enumerate(objs):
                qs = _apply(
                    target, target.model._default_manager.filter(**{nav.lookup: obj.pk}), sub
                )
                rows = list(qs[sub.skip : sub.skip + sub.top + 1])
                result[index][name] = [
                    entity_json(target, o, base, sub, {}) for o in rows[: sub.top]
                ]
                if sub.count:
                    result[index][f"{name}@iot.count"] = qs.count()
                if len(rows) > sub.top:
                    result[index][f"{name}@iot.nextLink"] = (
                        f"{base}/{entity_set.name}({obj.pk})/{name}?"
                        + urlencode({"$top": sub.top, "$skip": sub.skip + sub.top})
                    )
        else:
            ids = {getattr(obj, nav.lookup) for obj in objs} - {None}
            found = target.model._default_manager.in_bulk(list(ids))
            for index, obj in enumerate(objs):
                related = found.get(getattr(obj, nav.lookup))
                if related is not None:
                    result[index][name] = entity_json(target, related, base, sub, {})
    return result


def collection_json(request: HttpRequest, target: Collection, opts: Options) -> dict[str, Any]:
    base = base_url(request)
    qs = _apply(target.set, target.qs, opts)
    out: dict[str, Any] = {}
    if opts.count:
        out["@iot.count"] = qs.count()
    rows = list(qs[opts.skip : opts.skip + opts.top + 1])
    page = rows[: opts.top]
    expanded = _expansions(target.set, page, base, opts)
    if len(rows) > opts.top:
        params = request.GET.copy()
        params["$skip"] = str(opts.skip + opts.top)
        params["$top"] = str(opts.top)
        out["@iot.nextLink"] = (
            request.build_absolute_uri(request.path) + "?" + params.urlencode(safe="$(),'/")
        )
    out["value"] = [
        entity_json(target.set, obj, base, opts, extra)
        for obj, extra in zip(page, expanded, strict=True)
    ]
    return out


def root(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return error(405, "Method not allowed")
    base = base_url(request)
    return JsonResponse(
        {
            "value": [{"name": name, "url": f"{base}/{name}"} for name in SETS],
            "serverSettings": {
                "conformance": CONFORMANCE,
                "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation": {
                    "endpoints": ["mqtt://<broker>:1883"],
                    "topics": ["v1.1/Datastreams(<id>)/Observations"],
                },
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
def resource(request: HttpRequest, path: str) -> HttpResponse:
    """Every path under the service root; POSTs go to the ingest endpoints."""
    if request.method == "POST":
        return create(request, path)
    if request.method != "GET":
        return error(405, "Method not allowed")
    try:
        target = resolve(path)
        params = {k: request.GET[k] for k in request.GET}
        if isinstance(target, Property):
            if target.name == "$value":
                return HttpResponse(str(target.value), content_type="text/plain; charset=utf-8")
            return JsonResponse(
                {target.name: target.value}, json_dumps_params={"ensure_ascii": False}
            )
        opts = parse_options(params)
        if isinstance(target, Entity):
            extra = _expansions(target.set, [target.obj], base_url(request), opts)[0]
            body = entity_json(target.set, target.obj, base_url(request), opts, extra)
        else:
            body = collection_json(request, target, opts)
    except QueryError as exc:
        return error(400, str(exc))
    except StaError as exc:
        return error(exc.status, exc.message)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
