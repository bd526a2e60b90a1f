"""Loading the administrative-unit reference data shipped in ``tinhso/units/data``.

The fixtures are the project's own encoding of GSO facts (see ``docs/units.md``): one row per
unit *version* in ``units.csv`` (identified by code + ``valid_from``) and one row per successor
link in ``successors.csv``. Loading is idempotent: rows are matched on code + ``valid_from``,
changed ones are updated, nothing is ever deleted.
"""

import csv
import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from tinhso.units.models import AdministrativeUnit

DATA_DIR = Path(__file__).resolve().parent / "data"
UNITS_FILE = DATA_DIR / "units.csv"
SUCCESSORS_FILE = DATA_DIR / "successors.csv"

UnitKey = tuple[str, datetime.date]


class UnitDataError(ValueError):
    """The fixture files are inconsistent (unknown parent, bad date, unknown level...)."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links_added: int = 0
    links_removed: int = 0


def load_units(
    *, units_path: Path = UNITS_FILE, successors_path: Path = SUCCESSORS_FILE
) -> LoadReport:
    """Create or update every unit and successor link in the fixture files, atomically.

    Successor links between two units of the fixtures are synchronised (added or removed);
    links that involve a unit not in the fixtures (added by hand) are left alone.
    """
    report = LoadReport()
    with transaction.atomic():
        units = _load_unit_rows(units_path, report)
        _sync_successors(units, successors_path, report)
    return report


def _read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            yield line, {key: (value or "").strip() for key, value in row.items()}


def _date(value: str, where: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise UnitDataError(
            _("%(where)s: ngày không hợp lệ %(value)r") % {"where": where, "value": value}
        ) from exc


def _at(where: str, key: UnitKey) -> dict[str, str]:
    return {"where": where, "code": key[0], "day": key[1].isoformat()}


def _load_unit_rows(path: Path, report: LoadReport) -> dict[UnitKey, AdministrativeUnit]:
    loaded: dict[UnitKey, AdministrativeUnit] = {}
    existing = {(u.code, u.valid_from): u for u in AdministrativeUnit.objects.all()}
    for line, row in _read_rows(path):
        where = f"{path.name}:{line}"
        key = (row["code"], _date(row["valid_from"], where))
        if key in loaded:
            raise UnitDataError(_("%(where)s: đơn vị %(code)s từ %(day)s bị lặp") % _at(where, key))
        if row["level"] not in AdministrativeUnit.Level.values:
            raise UnitDataError(
                _("%(where)s: cấp không hợp lệ %(level)r") % {"where": where, "level": row["level"]}
            )
        parent = None
        if row["parent_code"]:
            parent_key = (row["parent_code"], _date(row["parent_valid_from"], where))
            parent = loaded.get(parent_key)
            if parent is None:
                raise UnitDataError(
                    _(
                        "%(where)s: đơn vị cấp trên %(code)s từ %(day)s "
                        "không có hoặc chưa đứng trước trong tệp"
                    )
                    % _at(where, parent_key)
                )
        valid_to = _date(row["valid_to"], where) if row["valid_to"] else None
        if valid_to is not None and valid_to <= key[1]:
            raise UnitDataError(
                _("%(where)s: ngày hết hiệu lực phải sau ngày bắt đầu") % {"where": where}
            )
        wanted = {
            "name": row["name"],
            "kind": row["kind"],
            "level": row["level"],
            "parent": parent,
            "valid_to": valid_to,
        }
        unit = existing.get(key)
        if unit is None:
            unit = AdministrativeUnit(code=key[0], valid_from=key[1], **wanted)
            unit.save()
            report.created += 1
        elif _differs(unit, wanted):
            for field, value in wanted.items():
                setattr(unit, field, value)
            unit.save()
            report.updated += 1
        else:
            report.unchanged += 1
        loaded[key] = unit
    return loaded


def _differs(unit: AdministrativeUnit, wanted: Mapping[str, object]) -> bool:
    parent = wanted["parent"]
    parent_id = parent.pk if isinstance(parent, AdministrativeUnit) else None
    return (
        unit.name != wanted["name"]
        or unit.kind != wanted["kind"]
        or unit.level != wanted["level"]
        or unit.parent_id != parent_id
        or unit.valid_to != wanted["valid_to"]
        or unit.search_text != unit.folded_search_text()
    )


def _sync_successors(
    units: dict[UnitKey, AdministrativeUnit], path: Path, report: LoadReport
) -> None:
    wanted: set[tuple[int, int]] = set()
    for line, row in _read_rows(path):
        where = f"{path.name}:{line}"
        old_key = (row["code"], _date(row["valid_from"], where))
        new_key = (row["successor_code"], _date(row["successor_valid_from"], where))
        for key in (old_key, new_key):
            if key not in units:
                raise UnitDataError(
                    _("%(where)s: đơn vị %(code)s từ %(day)s không có trong tệp đơn vị")
                    % _at(where, key)
                )
        wanted.add((units[old_key].pk, units[new_key].pk))

    link = AdministrativeUnit.successors.through
    ids = [unit.pk for unit in units.values()]
    current = set(
        link.objects.filter(
            from_administrativeunit_id__in=ids, to_administrativeunit_id__in=ids
        ).values_list("from_administrativeunit_id", "to_administrativeunit_id")
    )
    missing = wanted - current
    extra = current - wanted
    link.objects.bulk_create(
        [
            link(from_administrativeunit_id=old, to_administrativeunit_id=new)
            for old, new in sorted(missing)
        ]
    )
    for old, new in extra:
        link.objects.filter(from_administrativeunit_id=old, to_administrativeunit_id=new).delete()
    report.links_added = len(missing)
    report.links_removed = len(extra)
