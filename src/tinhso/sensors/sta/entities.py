"""The SensorThings entity sets: their model, properties, navigation and JSON form."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from tinhso.sensors.models import (
    Datastream,
    FeatureOfInterest,
    Location,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)
from tinhso.sensors.sta.query import Prop


def iso(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def interval(start: datetime.datetime | None, end: datetime.datetime | None) -> str | None:
    if start is None or end is None:
        return None
    return f"{iso(start)}/{iso(end)}" if start != end else iso(start)


@dataclass(frozen=True)
class Nav:
    target: str  # entity set name
    many: bool
    lookup: str  # for many: the target's lookup to the parent; for one: the parent's FK attname


@dataclass(frozen=True)
class EntitySet:
    name: str
    model: type[models.Model]
    props: dict[str, Prop]
    navs: dict[str, Nav]
    body: Callable[[Any], dict[str, Any]]
    related: tuple[str, ...] = ()

    @property
    def fields(self) -> set[str]:
        return set(self.props)


def _common(**extra: Prop) -> dict[str, Prop]:
    return {"id": Prop("id", "id"), "@iot.id": Prop("id", "id"), **extra}


def _named(**extra: Prop) -> dict[str, Prop]:
    return _common(name=Prop("name", "text"), description=Prop("description", "text"), **extra)


def _datastream_body(ds: Datastream) -> dict[str, Any]:
    return {
        "name": ds.name,
        "description": ds.description,
        "unitOfMeasurement": ds.unit_of_measurement,
        "observationType": ds.observation_type,
        "observedArea": None,
        "phenomenonTime": interval(ds.phenomenon_time_start, ds.phenomenon_time_end),
        "resultTime": interval(ds.result_time_start, ds.result_time_end),
    }


def _observation_body(o: Observation) -> dict[str, Any]:
    return {
        "phenomenonTime": iso(o.phenomenon_time),
        "resultTime": iso(o.result_time),
        "result": o.result,
        "resultQuality": o.result_quality,
        "validTime": None,
        "parameters": o.parameters,
    }


SETS: dict[str, EntitySet] = {
    "Things": EntitySet(
        "Things",
        Thing,
        _named(**{"properties/river": Prop("properties__river", "text")}),
        {
            "Locations": Nav("Locations", True, "things"),
            "Datastreams": Nav("Datastreams", True, "thing"),
        },
        lambda t: {"name": t.name, "description": t.description, "properties": t.properties},
    ),
    "Locations": EntitySet(
        "Locations",
        Location,
        _named(encodingType=Prop("encoding_type", "text")),
        {"Things": Nav("Things", True, "locations")},
        lambda loc: {
            "name": loc.name,
            "description": loc.description,
            "encodingType": loc.encoding_type,
            "location": loc.location,
        },
    ),
    "Sensors": EntitySet(
        "Sensors",
        Sensor,
        _named(encodingType=Prop("encoding_type", "text")),
        {"Datastreams": Nav("Datastreams", True, "sensor")},
        lambda s: {
            "name": s.name,
            "description": s.description,
            "encodingType": s.encoding_type,
            "metadata": s.metadata,
        },
    ),
    "ObservedProperties": EntitySet(
        "ObservedProperties",
        ObservedProperty,
        _named(definition=Prop("definition", "text")),
        {"Datastreams": Nav("Datastreams", True, "observed_property")},
        lambda p: {"name": p.name, "definition": p.definition, "description": p.description},
    ),
    "Datastreams": EntitySet(
        "Datastreams",
        Datastream,
        _named(
            **{
                "Thing/id": Prop("thing_id", "id"),
                "Sensor/id": Prop("sensor_id", "id"),
                "ObservedProperty/id": Prop("observed_property_id", "id"),
                "Thing/name": Prop("thing__name", "text"),
                "ObservedProperty/name": Prop("observed_property__name", "text"),
                "phenomenonTime": Prop("phenomenon_time_end", "time"),
            }
        ),
        {
            "Thing": Nav("Things", False, "thing_id"),
            "Sensor": Nav("Sensors", False, "sensor_id"),
            "ObservedProperty": Nav("ObservedProperties", False, "observed_property_id"),
            "Observations": Nav("Observations", True, "datastream"),
        },
        _datastream_body,
    ),
    "Observations": EntitySet(
        "Observations",
        Observation,
        _common(
            phenomenonTime=Prop("phenomenon_time", "time"),
            resultTime=Prop("result_time", "time"),
            result=Prop("result", "number"),
            **{
                "Datastream/id": Prop("datastream_id", "id"),
                "Datastream/@iot.id": Prop("datastream_id", "id"),
            },
        ),
        {
            "Datastream": Nav("Datastreams", False, "datastream_id"),
            "FeatureOfInterest": Nav("FeaturesOfInterest", False, "feature_of_interest_id"),
        },
        _observation_body,
    ),
    "FeaturesOfInterest": EntitySet(
        "FeaturesOfInterest",
        FeatureOfInterest,
        _named(encodingType=Prop("encoding_type", "text")),
        {"Observations": Nav("Observations", True, "feature_of_interest")},
        lambda f: {
            "name": f.name,
            "description": f.description,
            "encodingType": f.encoding_type,
            "feature": f.feature,
        },
    ),
}
