"""SensorThings JSON shared by the read endpoints (``views``) and the ingest endpoints
(``create``): the error body, the service's base URL and one entity's representation.

Errors answer ``{"code": <status>, "type": "error", "message": …}`` as FROST-Server does
(OGC 18-088 does not fix an error body).
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from tinhso.sensors.sta.entities import EntitySet
from tinhso.sensors.sta.query import Options


class StaError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"code": status, "type": "error", "message": message}, status=status)


def bad_input(request: HttpRequest, status: int, message: str, field: str | None) -> JsonResponse:
    """Input refused before any view runs (a NUL character, text that is not UTF-8, a body that
    does not parse: ``tinhso.middleware``)."""
    return error(status, f"{field}: {message}" if field else message)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("sensorthings:root")).rstrip("/")


def entity_json(
    entity_set: EntitySet, obj: Any, base: str, opts: Options, expanded: dict[str, Any]
) -> dict[str, Any]:
    link = f"{base}/{entity_set.name}({obj.pk})"
    body = entity_set.body(obj)
    selected = set(opts.select) or {"@iot.id", "@iot.selfLink", *body, *entity_set.navs}
    unknown = selected - {"id", "@iot.id", "@iot.selfLink", *body, *entity_set.navs}
    if unknown:
        raise StaError(400, f"Cannot $select {sorted(unknown)[0]!r} on {entity_set.name}")
    out: dict[str, Any] = {}
    if selected & {"id", "@iot.id"}:
        out["@iot.id"] = obj.pk
    if "@iot.selfLink" in selected:
        out["@iot.selfLink"] = link
    out.update({k: v for k, v in body.items() if k in selected})
    for nav in entity_set.navs:
        if nav in selected:
            out[f"{nav}@iot.navigationLink"] = f"{link}/{nav}"
    out.update(expanded)
    return out
