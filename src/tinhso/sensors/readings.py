"""Parsing of incoming observations (MQTT payloads and HTTP bodies) into readings or rejections.

Nothing here touches the database: a payload becomes a list of :class:`Reading` and a list of
:class:`Rejection` with a reason. Checks that need the database (unknown datastream, range of
the observed property, duplicates) happen in ``ingest.py``.
"""

import datetime
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from math import isfinite
from typing import Any

from tinhso.sensors.models import RejectedReading

TOPIC_RE = re.compile(r"^v1\.1/Datastreams\((\d{1,18})\)/Observations$")
# MQTT wildcards must fill a whole topic level ("Datastreams(+)" is an invalid filter, paho and
# Mosquitto refuse it), so the worker subscribes to every entity of the level and TOPIC_RE keeps
# the Datastreams(<id>) ones.
SUBSCRIBE_TOPIC = "v1.1/+/Observations"
PUBLISH_TOPIC = "v1.1/Datastreams({id})/Observations"
MAX_FUTURE = datetime.timedelta(hours=1)
PAYLOAD_EXCERPT = 500
UTC = datetime.UTC
NUMBER = (int, float)
MISSING = object()
Reason = RejectedReading.Reason


@dataclass(frozen=True, slots=True)
class Reading:
    datastream_id: int
    phenomenon_time: datetime.datetime
    result: float
    result_time: datetime.datetime | None = None
    parameters: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    result_quality: Any = field(default=None, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    detail: str
    payload: str = ""
    topic: str = ""
    datastream_id: int | None = None


class Invalid(ValueError):
    """One observation is malformed; the message is the reason shown to the sender."""


def parse_time(value: Any, name: str) -> datetime.datetime:
    """An ISO 8601 instant with a zone (``Z`` or an offset); a naive time is refused."""
    if value.__class__ is not str or not 10 <= len(value) <= 40:
        raise Invalid(f"{name} must be an ISO 8601 time string")
    if "/" in value:
        raise Invalid(f"{name}: time intervals are not supported, send an instant")
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name} is not an ISO 8601 time: {value[:40]!r}") from None
    zone = parsed.tzinfo
    if zone is UTC:  # the common case ("Z" or "+00:00"): already what is stored
        return parsed
    if zone is None or parsed.utcoffset() is None:
        raise Invalid(f"{name} has no time zone (add Z or +07:00)")
    return parsed.astimezone(UTC)


def parse_observation(
    body: Any, datastream_id: int, now: datetime.datetime, *, time_required: bool = True
) -> Reading:
    """One SensorThings Observation object → a reading; raises :class:`Invalid`."""
    return _observation(body, datastream_id, now, now + MAX_FUTURE, time_required)


def _observation(
    body: Any,
    datastream_id: int,
    now: datetime.datetime,
    latest: datetime.datetime,
    time_required: bool = True,
) -> Reading:
    """:func:`parse_observation` with the future limit computed once per message (hot path)."""
    if body.__class__ is not dict and not isinstance(body, dict):
        raise Invalid("an Observation must be a JSON object")
    result = body.get("result")
    kind = result.__class__
    if kind is not float:
        if kind is bool or not isinstance(result, NUMBER):
            raise Invalid("result must be a number")
        result = float(result)
    if not isfinite(result):
        raise Invalid("result must be a finite number")
    stamp = body.get("phenomenonTime", MISSING)
    if stamp is not MISSING:
        phenomenon_time = parse_time(stamp, "phenomenonTime")
    elif time_required:
        raise Invalid("phenomenonTime is required (it identifies the reading)")
    else:
        phenomenon_time = now
    if phenomenon_time > latest:
        raise Invalid("phenomenonTime is in the future")
    if len(body) == 2 and stamp is not MISSING:  # just result and phenomenonTime: the usual
        return Reading(datastream_id, phenomenon_time, result)
    result_time = None
    if body.get("resultTime") is not None:
        result_time = parse_time(body["resultTime"], "resultTime")
    parameters = body.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise Invalid("parameters must be a JSON object")
    claimed = body.get("Datastream")
    if claimed is not None and (
        not isinstance(claimed, dict) or claimed.get("@iot.id") != datastream_id
    ):
        raise Invalid("Datastream does not match the topic or URL")
    return Reading(
        datastream_id=datastream_id,
        phenomenon_time=phenomenon_time,
        result=result,
        result_time=result_time,
        parameters=parameters,
        result_quality=body.get("resultQuality"),
    )


def parse_mqtt(
    topic: str, payload: bytes, now: datetime.datetime, prefix: str = ""
) -> tuple[list[Reading], list[Rejection]]:
    """An MQTT message on ``[prefix]v1.1/Datastreams(<id>)/Observations``: one Observation
    object, or (an extension for loggers that buffer) a JSON array of them."""
    datastream_id = _topic_datastream(topic, prefix)
    if datastream_id is None:
        return [], [Rejection(Reason.MALFORMED, "unexpected topic", _excerpt(payload), topic[:200])]
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return [], [
            Rejection(
                Reason.MALFORMED, "payload is not JSON", _excerpt(payload), topic, datastream_id
            )
        ]
    items = body if isinstance(body, list) else [body]
    readings: list[Reading] = []
    rejections: list[Rejection] = []
    latest = now + MAX_FUTURE
    for item in items:
        try:
            readings.append(_observation(item, datastream_id, now, latest))
        except Invalid as exc:
            item_excerpt = json.dumps(item, ensure_ascii=False)[:PAYLOAD_EXCERPT]
            rejections.append(
                Rejection(Reason.MALFORMED, str(exc), item_excerpt, topic, datastream_id)
            )
    if not items:
        rejections.append(
            Rejection(Reason.MALFORMED, "empty array", _excerpt(payload), topic, datastream_id)
        )
    return readings, rejections


def _excerpt(payload: bytes) -> str:
    return payload[:PAYLOAD_EXCERPT].decode("utf-8", "replace")


@lru_cache(maxsize=4096)
def _topic_datastream(topic: str, prefix: str) -> int | None:
    """The datastream id of an observations topic (topics repeat: remembered)."""
    match = TOPIC_RE.match(topic[len(prefix) :]) if topic.startswith(prefix) else None
    return int(match.group(1)) if match else None
