"""The salinity network as SensorThings entities, from the app's own ``data/stations.json``.

``ensure_network()`` is idempotent: each station becomes a Thing (code = the station code) with
one Location and one salinity Datastream in g/L, sharing one Sensor and one ObservedProperty.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from tinhso.sensors.models import Datastream, Location, ObservedProperty, Sensor, Thing
from tinhso.sensors.thresholds import SALINITY_CODE

DATA = Path(__file__).resolve().parent / "data"
SALINITY_UNIT = {
    "name": "gram per litre",
    "symbol": "g/L",
    "definition": "http://qudt.org/vocab/unit/GM-PER-L",
}
SALINITY_DEFINITION = "http://vocabs.lter-europe.net/EnvThes/21579"  # salinity (EnvThes)
SALINITY_RANGE = (0.0, 40.0)  # g/L; sea water is about 35
SENSOR_NAME = "Đầu đo độ dẫn điện (EC) quy đổi độ mặn"


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    river: str
    lat: float
    lon: float
    coords_confirmed: bool
    synthetic_peak: float
    facts: dict[str, Any]


@cache
def stations() -> list[Station]:
    raw = json.loads((DATA / "stations.json").read_text(encoding="utf-8"))
    return [
        Station(
            s["code"],
            s["name"],
            s["river"],
            float(s["lat"]),
            float(s["lon"]),
            bool(s["coords_confirmed"]),
            float(s["synthetic_peak_g_per_l"]),
            {k: v for k, v in s.items() if k not in ("synthetic_peak_g_per_l", "lat", "lon")},
        )
        for s in raw["stations"]
    ]


def salinity_property() -> ObservedProperty:
    prop, _ = ObservedProperty.objects.get_or_create(
        code=SALINITY_CODE,
        defaults={
            "name": "Độ mặn",
            "definition": SALINITY_DEFINITION,
            "description": "Độ mặn của nước sông (g/L ≈ ‰)",
            "min_valid": SALINITY_RANGE[0],
            "max_valid": SALINITY_RANGE[1],
        },
    )
    return prop


@transaction.atomic
def ensure_network() -> dict[str, Datastream]:
    """Create the missing stations; return the salinity datastream of every station by code."""
    prop = salinity_property()
    sensor, _ = Sensor.objects.get_or_create(
        name=SENSOR_NAME,
        defaults={
            "description": "Đầu đo EC đặt tại trạm, quy đổi sang độ mặn (g/L)",
            "encoding_type": "text/plain",
            "metadata": "EC → độ mặn theo phương trình UNESCO PSS-78",
        },
    )
    found: dict[str, Datastream] = {}
    for st in stations():
        thing, created = Thing.objects.get_or_create(
            code=st.code,
            defaults={
                "name": st.name,
                "description": f"Trạm đo mặn {st.name}, sông {st.river}",
                "properties": {"kind": "salinity_station", **st.facts},
            },
        )
        if created:
            location = Location.objects.create(
                name=st.name,
                description=f"Vị trí trạm {st.name}",
                location={"type": "Point", "coordinates": [st.lon, st.lat]},
            )
            thing.locations.add(location)
        ds = thing.datastreams.filter(observed_property=prop).first()
        if ds is None:
            ds = Datastream.objects.create(
                name=f"Độ mặn tại {st.name}",
                description=f"Độ mặn nước sông {st.river} tại trạm {st.name} (g/L)",
                unit_of_measurement=SALINITY_UNIT,
                thing=thing,
                sensor=sensor,
                observed_property=prop,
            )
        found[st.code] = ds
    return found
