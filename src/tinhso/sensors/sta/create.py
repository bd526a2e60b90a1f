"""HTTP ingest: ``POST CreateObservations`` (dataArray), ``POST Datastreams(<id>)/Observations``
and ``POST Observations`` (with ``"Datastream": {"@iot.id": …}``).

Authentication: ``Authorization: Bearer <token>``, either a device token (``tinhso
sensors_device_token <station>``: the device may write only its own station's datastreams) or
a user's API token (``POST /api/v1/auth/token``) whose user holds the permission
``sensors.add_observation`` (platform integrations; any datastream). Everything goes through the
same ``ingest.ingest`` as MQTT.
"""

import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from tinhso.accounts.api import bearer
from tinhso.sensors import services
from tinhso.sensors.ingest import ingest
from tinhso.sensors.readings import Invalid, Reading, Rejection, parse_observation
from tinhso.sensors.sta.entities import SETS
from tinhso.sensors.sta.query import Options
from tinhso.sensors.sta.serialise import base_url, entity_json, error

MAX_BODY = 5 * 1024 * 1024
DATASTREAM_OBSERVATIONS = re.compile(r"^Datastreams\((\d{1,18})\)/Observations/?$")
STATUS = {"unknown_datastream": 404, "forbidden": 403, "duplicate": 409}


def _authorise(request: HttpRequest) -> tuple[set[int] | None, JsonResponse | None]:
    """(things the caller may write, None) or (None, an error response)."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        response = error(401, "Authorization: Bearer <token> required")
        response["WWW-Authenticate"] = "Bearer"
        return None, response
    device = services.device_for_token(key.strip())
    if device is not None:
        return {device.thing_id}, None
    user = bearer.authenticate(request, key.strip())
    if user is None:
        response = error(401, "Unknown or revoked token")
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return None, response
    if not user.has_perm("sensors.add_observation"):
        return None, error(403, "This account may not create observations")
    return None, None


def _body(request: HttpRequest) -> Any:
    if len(request.body) > MAX_BODY:
        raise Invalid("body too large")
    try:
        return json.loads(request.body)
    except ValueError:
        raise Invalid("body is not JSON") from None


def create(request: HttpRequest, path: str) -> HttpResponse:
    allowed, refusal = _authorise(request)
    if refusal is not None:
        return refusal
    try:
        body = _body(request)
    except Invalid as exc:
        return error(400, str(exc))
    if path.rstrip("/") == "CreateObservations":
        return _create_many(request, body, allowed)
    match = DATASTREAM_OBSERVATIONS.match(path)
    if match is not None:
        return _create_one(request, body, int(match.group(1)), allowed)
    if path.rstrip("/") == "Observations":
        ds = body.get("Datastream", {}) if isinstance(body, dict) else {}
        if not isinstance(ds, dict) or not isinstance(ds.get("@iot.id"), int):
            return error(400, 'Observation needs "Datastream": {"@iot.id": <id>}')
        return _create_one(request, body, ds["@iot.id"], allowed)
    return error(405, "Only Observations can be created here")


def _create_one(
    request: HttpRequest, body: Any, datastream_id: int, allowed: set[int] | None
) -> HttpResponse:
    try:
        reading = parse_observation(body, datastream_id, timezone.now(), time_required=False)
    except Invalid as exc:
        ingest(
            [],
            [Rejection("malformed", str(exc), json.dumps(body)[:500], "", datastream_id)],
            source="http",
        )
        return error(400, str(exc))
    result = ingest([reading], source="http", allowed_things=allowed)
    if not result.stored:
        rejection = result.rejected[0]
        return error(STATUS.get(rejection.reason, 400), f"{rejection.reason}: {rejection.detail}")
    pk = result.ids[(reading.datastream_id, reading.phenomenon_time)]
    obs_set = SETS["Observations"]
    obj = obs_set.model._default_manager.get(pk=pk)
    payload = entity_json(obs_set, obj, base_url(request), Options(), {})
    response = JsonResponse(payload, status=201)
    response["Location"] = payload["@iot.selfLink"]
    return response


def _create_many(request: HttpRequest, body: Any, allowed: set[int] | None) -> HttpResponse:
    """dataArray: ``[{"Datastream": {"@iot.id": 1}, "components": [...], "dataArray": [[...]]}]``.

    Answers 201 with one entry per row, in order: the new Observation's selfLink, or
    ``"error"`` (OGC 18-088 §14.2.2); rejected rows are recorded with their reason.
    """
    if not isinstance(body, list):
        return error(400, "CreateObservations expects a JSON array")
    now = timezone.now()
    rows: list[Reading | None] = []
    readings: list[Reading] = []
    rejections: list[Rejection] = []
    for group in body:
        if not isinstance(group, dict):
            return error(400, "each item needs Datastream, components and dataArray")
        ds = group.get("Datastream")
        components = group.get("components")
        data = group.get("dataArray")
        if (
            not isinstance(ds, dict)
            or not isinstance(ds.get("@iot.id"), int)
            or not isinstance(components, list)
            or not isinstance(data, list)
        ):
            return error(400, "each item needs Datastream, components and dataArray")
        if "result" not in components or "phenomenonTime" not in components:
            return error(400, "components must include phenomenonTime and result")
        for row in data:
            if not isinstance(row, list) or len(row) != len(components):
                rows.append(None)
                rejections.append(
                    Rejection("malformed", "row length differs from components", str(row)[:500])
                )
                continue
            obs = dict(zip(components, row, strict=True))
            try:
                reading = parse_observation(obs, ds["@iot.id"], now)
            except Invalid as exc:
                rows.append(None)
                rejections.append(
                    Rejection("malformed", str(exc), str(row)[:500], "", ds["@iot.id"])
                )
                continue
            rows.append(reading)
            readings.append(reading)
    result = ingest(readings, rejections, source="http", allowed_things=allowed)
    base = base_url(request)
    answer = []
    for row_reading in rows:
        key = (
            None
            if row_reading is None
            else (row_reading.datastream_id, row_reading.phenomenon_time)
        )
        # pop: a row repeated in the same request gets "error", not the same link twice
        pk = result.ids.pop(key, None) if key is not None else None
        answer.append(f"{base}/Observations({pk})" if pk is not None else "error")
    return JsonResponse(answer, status=201, safe=False)
