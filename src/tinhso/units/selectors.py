"""Read-side queries on administrative units (public reference data: no permission checks).

Units are versioned (R-UNIT-1): a code names different units at different dates, so every
lookup takes a day. Days are calendar days in Asia/Ho_Chi_Minh.
"""

import csv
import datetime
import functools
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.units.models import AdministrativeUnit, AdministrativeUnitQuerySet, valid_on_q

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
Level = AdministrativeUnit.Level


def today_in_vietnam() -> datetime.date:
    return timezone.localdate(timezone=VIETNAM)


def unit_on(code: str, day: datetime.date) -> AdministrativeUnit | None:
    """The unit with GSO ``code`` valid on ``day``, or None (codes are reused across periods)."""
    return (
        AdministrativeUnit.objects.valid_on(day)
        .filter(code=code)
        .select_related("parent__parent")
        .order_by("-valid_from")
        .first()
    )


def communes_on(day: datetime.date, province_code: str | None = None) -> AdministrativeUnitQuerySet:
    """Commune-level units (xã, phường, thị trấn) valid on ``day``, ordered by code.

    With ``province_code``, only those of the province with that code valid on ``day``, whether
    the commune hangs from a district (before 1 July 2025) or directly from the province.
    """
    communes = AdministrativeUnit.objects.valid_on(day).filter(level=Level.COMMUNE)
    if province_code is not None:
        communes = communes.filter(
            (
                Q(parent__level=Level.PROVINCE, parent__code=province_code)
                & valid_on_q(day, "parent__")
            )
            | (
                Q(parent__parent__level=Level.PROVINCE, parent__parent__code=province_code)
                & valid_on_q(day, "parent__parent__")
            )
        )
    return communes.select_related("parent").order_by("code")


def current_successors(
    unit: AdministrativeUnit, day: datetime.date | None = None
) -> list[AdministrativeUnit]:
    """The units that carry ``unit`` on ``day`` (default: today in Vietnam), following successors.

    ``[unit]`` itself when it is still valid that day; an empty list when no successor valid on
    that day is recorded (for example a unit that ended without a known successor, or a day
    before ``unit`` existed). A commune split between several units yields all of them.
    """
    day = day or today_in_vietnam()
    found: dict[int, AdministrativeUnit] = {}
    seen: set[int] = set()
    frontier = [unit]
    while frontier:
        to_follow: list[int] = []
        for candidate in frontier:
            if candidate.pk in seen:
                continue
            seen.add(candidate.pk)
            if candidate.is_valid_on(day):
                found.setdefault(candidate.pk, candidate)
            elif candidate.valid_to is not None and candidate.valid_to <= day:
                to_follow.append(candidate.pk)
        if not to_follow:
            break
        frontier = list(
            AdministrativeUnit.objects.filter(predecessors__in=to_follow)
            .exclude(pk__in=seen)
            .select_related("parent__parent")
            .distinct()
        )
    return sorted(found.values(), key=lambda u: (u.code, u.valid_from))


def display_with_successor(unit: AdministrativeUnit, day: datetime.date | None = None) -> str:
    """The unit's name, followed by the unit(s) that carry it on ``day`` if it has ended.

    "Xã An Khánh (nay là Xã Phú Túc, tỉnh Vĩnh Long)"; for a split commune
    "Xã Hòa Lộc (nay là Xã Tân Thành Bình và Xã Hòa Hiệp, tỉnh Vĩnh Long)". The name alone when
    the unit is still valid on ``day`` or no successor is recorded.
    """
    successors = [s for s in current_successors(unit, day) if s.pk != unit.pk]
    if not successors:
        return unit.name
    places = [_place_suffix(s) for s in successors]
    if len(set(places)) == 1:
        described = _join([s.name for s in successors]) + places[0]
    else:
        described = _join([s.name + place for s, place in zip(successors, places, strict=True)])
    return _("%(name)s (nay là %(successors)s)") % {"name": unit.name, "successors": described}


def _place_suffix(unit: AdministrativeUnit) -> str:
    """ ", huyện Châu Thành, tỉnh Bến Tre": the unit's ancestors as written inside an address."""
    parts = []
    ancestor = unit.parent
    while ancestor is not None:
        parts.append(ancestor.name[:1].lower() + ancestor.name[1:])
        ancestor = ancestor.parent
    return "".join(f", {part}" for part in parts)


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("%(first)s và %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


SEATS_FILE = Path(__file__).parent / "data" / "seats.csv"


@dataclass(frozen=True)
class Seat:
    """Where a unit's People's Committee sits: a point, not a boundary. Most positions are
    approximate town or ward centres typed from general knowledge (``approximate`` true), never
    surveyed; they place a unit on the map and find the nearest commune of a report's pin."""

    code: str
    name: str
    lat: float
    lon: float
    approximate: bool


@functools.cache
def seats() -> dict[str, Seat]:
    """The seat positions by unit GSO code (``units/data/seats.csv``)."""
    with SEATS_FILE.open(encoding="utf-8") as handle:
        return {
            row["code"]: Seat(
                code=row["code"],
                name=row["name"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                approximate=row["approximate"] == "1",
            )
            for row in csv.DictReader(handle)
        }
