"""Places of reports: distances, the province boundary and the nearest commune.

The project holds no unit geometry today (units are codes and names; the map draws a GeoJSON
file only when a deployment provides one), so a pin is checked against a configured boundary
(``TINHSO_REPORTS_BOUNDARY``: a GeoJSON polygon or a ``min_lon,min_lat,max_lon,max_lat`` box)
and its commune is the one whose seat (``units/data/seats.csv``) is nearest, marked
approximate. When unit boundaries are imported, ``commune_at`` is the one place to change.
"""

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.signals import connection_created
from django.db.models import Expression, F, FloatField, Func, Value
from django.db.models.sql.compiler import SQLCompiler

from tinhso.units.models import AdministrativeUnit
from tinhso.units.selectors import seats, today_in_vietnam

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
METRES_PER_DEGREE_LAT = 111_320.0
SQLITE_DISTANCE_FUNCTION = "reports_distance_m"
BOX_MARGIN_DEGREES = 0.35  # about 38 km around the outermost demo seats


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (the haversine formula; under 0.5 % off at our scale)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _sqlite_distance(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> float | None:
    if None in (lat1, lon1, lat2, lon2):
        return None
    return haversine_m(float(lat1), float(lon1), float(lat2), float(lon2))


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite may be built without trigonometric functions: give it the distance in Python."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_DISTANCE_FUNCTION, 4, _sqlite_distance, deterministic=True
        )


def connect_signals() -> None:
    connection_created.connect(register_sqlite_function, dispatch_uid="reports_distance_m")


_PG_HAVERSINE = (
    "(2 * {r} * ASIN(LEAST(1.0, SQRT("
    "POWER(SIN(RADIANS(CAST({lat2} AS double precision) - CAST({lat1} AS double precision)) / 2), 2)"
    " + COS(RADIANS(CAST({lat1} AS double precision)))"
    " * COS(RADIANS(CAST({lat2} AS double precision)))"
    " * POWER(SIN(RADIANS(CAST({lon2} AS double precision) - CAST({lon1} AS double precision)) / 2), 2)"
    "))))"
)


class DistanceM(Func):
    """Distance in metres between two points given as four expressions (lat1, lon1, lat2, lon2):
    a registered Python function on SQLite, plain SQL on PostgreSQL."""

    function = SQLITE_DISTANCE_FUNCTION
    arity = 4
    output_field = FloatField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        for expression in self.get_source_expressions():
            sql, part_params = compiler.compile(expression)
            parts.append(sql)
            params.append(tuple(part_params))
        names = ("lat1", "lon1", "lat2", "lon2")
        # Each operand appears twice or once: build the params in the order they are written.
        order = ["lat2", "lat1", "lat1", "lat2", "lon2", "lon1"]
        mapping = dict(zip(names, parts, strict=True))
        by_name = dict(zip(names, params, strict=True))
        sql = _PG_HAVERSINE.format(r=EARTH_RADIUS_M, **mapping)
        flat: list[Any] = [p for name in order for p in by_name[name]]
        return sql, flat


def bounding_box(lat: float, lon: float, distance_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) containing every point within ``distance_m``: the
    indexed prefilter before the exact distance."""
    dlat = distance_m / METRES_PER_DEGREE_LAT
    dlon = distance_m / (METRES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# --- the province boundary -------------------------------------------------------------------


@dataclass(frozen=True)
class Boundary:
    """A set of polygons (rings of (lon, lat), the GeoJSON order); a box is one polygon."""

    polygons: tuple[tuple[tuple[float, float], ...], ...]

    def contains(self, lat: float, lon: float) -> bool:
        return any(_in_ring(lon, lat, ring) for ring in self.polygons)


def _in_ring(x: float, y: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Ray casting; a point on an edge may fall either way (irrelevant at a province's edge)."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _box(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Boundary:
    ring = ((min_lon, min_lat), (max_lon, min_lat), (max_lon, max_lat), (min_lon, max_lat))
    return Boundary((ring,))


def parse_boundary(value: str) -> Boundary:
    """A ``min_lon,min_lat,max_lon,max_lat`` box, or GeoJSON (Polygon, MultiPolygon, a Feature
    or FeatureCollection of them); only the outer ring of each polygon is used."""
    text = value.strip()
    if not text.startswith("{"):
        try:
            min_lon, min_lat, max_lon, max_lat = (float(x) for x in text.split(","))
        except ValueError as exc:
            raise ImproperlyConfigured(
                "TINHSO_REPORTS_BOUNDARY: expected min_lon,min_lat,max_lon,max_lat or GeoJSON"
            ) from exc
        if min_lon >= max_lon or min_lat >= max_lat:
            raise ImproperlyConfigured("TINHSO_REPORTS_BOUNDARY: an empty box")
        return _box(min_lon, min_lat, max_lon, max_lat)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured("TINHSO_REPORTS_BOUNDARY: invalid GeoJSON") from exc
    polygons = tuple(_rings(data))
    if not polygons:
        raise ImproperlyConfigured("TINHSO_REPORTS_BOUNDARY: no polygon in the GeoJSON")
    return Boundary(polygons)


def _rings(data: Any) -> list[tuple[tuple[float, float], ...]]:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        return [ring for feature in data.get("features", []) for ring in _rings(feature)]
    if kind == "Feature":
        return _rings(data.get("geometry") or {})
    if kind == "Polygon":
        return [tuple((float(p[0]), float(p[1])) for p in data["coordinates"][0])]
    if kind == "MultiPolygon":
        return [tuple((float(p[0]), float(p[1])) for p in poly[0]) for poly in data["coordinates"]]
    return []


def default_boundary() -> Boundary:
    """A box around every seat position of the demo province, with a margin."""
    points = list(seats().values())
    return _box(
        min(s.lon for s in points) - BOX_MARGIN_DEGREES,
        min(s.lat for s in points) - BOX_MARGIN_DEGREES,
        max(s.lon for s in points) + BOX_MARGIN_DEGREES,
        max(s.lat for s in points) + BOX_MARGIN_DEGREES,
    )


@functools.cache
def _boundary_for(value: str) -> Boundary:
    return parse_boundary(value) if value.strip() else default_boundary()


def province_boundary() -> Boundary:
    return _boundary_for(settings.TINHSO_REPORTS_BOUNDARY)


def inside_province(lat: float, lon: float) -> bool:
    return province_boundary().contains(lat, lon)


# --- the commune of a place --------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneGuess:
    unit: AdministrativeUnit
    approximate: bool
    distance_m: float


def commune_at(lat: float, lon: float) -> CommuneGuess | None:
    """The commune whose seat is nearest to the point, always approximate (no unit geometry)."""
    positions = seats()
    communes = AdministrativeUnit.objects.valid_on(today_in_vietnam()).filter(
        level=AdministrativeUnit.Level.COMMUNE, code__in=list(positions)
    )
    best: CommuneGuess | None = None
    for unit in communes:
        seat = positions[unit.code]
        distance = haversine_m(lat, lon, seat.lat, seat.lon)
        if best is None or distance < best.distance_m:
            best = CommuneGuess(unit=unit, approximate=True, distance_m=distance)
    return best


def distance_to(lat: Expression | str, lon: Expression | str, at: tuple[float, float]) -> DistanceM:
    """The distance from the columns (or expressions) ``lat``/``lon`` to the point ``at``."""
    left_lat = F(lat) if isinstance(lat, str) else lat
    left_lon = F(lon) if isinstance(lon, str) else lon
    return DistanceM(
        left_lat,
        left_lon,
        Value(at[0], output_field=FloatField()),
        Value(at[1], output_field=FloatField()),
    )
