import csv
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tinhso.units.models import AdministrativeUnit
from tinhso.units.services import SUCCESSORS_FILE, UNITS_FILE, load_units

pytestmark = pytest.mark.django_db

UNIT_ROWS = 1 + 9 + 159 + 1 + 49  # Bến Tre, its districts, commune versions, Vĩnh Long, new units
LINKS = 157


def _links() -> set[tuple[int, int]]:
    through = AdministrativeUnit.successors.through
    return set(
        through.objects.values_list("from_administrativeunit_id", "to_administrativeunit_id")
    )


def _snapshot() -> list[tuple]:
    return list(
        AdministrativeUnit.objects.order_by("pk").values_list(
            "pk",
            "code",
            "name",
            "kind",
            "level",
            "parent_id",
            "valid_from",
            "valid_to",
            "search_text",
        )
    )


def test_first_run_creates_every_unit_and_link_and_reports_in_vietnamese():
    out = StringIO()
    call_command("load_units", stdout=out)

    assert AdministrativeUnit.objects.count() == UNIT_ROWS
    assert len(_links()) == LINKS
    assert out.getvalue().strip() == (
        f"Đơn vị hành chính: tạo mới {UNIT_ROWS}, cập nhật 0, giữ nguyên 0. "
        f"Liên kết kế thừa: thêm {LINKS}, gỡ 0."
    )


def test_second_run_creates_nothing_and_changes_nothing():
    call_command("load_units", stdout=StringIO())
    before, links_before = _snapshot(), _links()

    out = StringIO()
    call_command("load_units", stdout=out)

    assert _snapshot() == before
    assert _links() == links_before
    assert f"tạo mới 0, cập nhật 0, giữ nguyên {UNIT_ROWS}" in out.getvalue()
    assert "thêm 0, gỡ 0" in out.getvalue()


def _copy_with(tmp_path: Path, source: Path, change) -> Path:
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fieldnames = reader.fieldnames
        rows = [row for row in map(change, reader) if row is not None]
    target = tmp_path / source.name
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_changed_name_in_the_data_updates_the_existing_row(tmp_path):
    load_units()
    original = AdministrativeUnit.objects.get(code="28807", valid_from="2020-01-01")
    assert original.name == "Xã Qưới Sơn"

    def fix_spelling(row):
        if row["code"] == "28807" and row["valid_from"] == "2020-01-01":
            row["name"] = "Xã Quới Sơn"
        return row

    report = load_units(units_path=_copy_with(tmp_path, UNITS_FILE, fix_spelling))

    assert (report.created, report.updated, report.unchanged) == (0, 1, UNIT_ROWS - 1)
    updated = AdministrativeUnit.objects.get(pk=original.pk)
    assert updated.name == "Xã Quới Sơn"
    assert updated.search_text == "28807 xa quoi son"


def test_link_dropped_from_the_data_is_removed_but_hand_made_links_stay(tmp_path):
    load_units()
    hoa_loc = AdministrativeUnit.objects.get(code="28924", valid_from="2020-01-01")
    elsewhere = AdministrativeUnit.objects.create(
        code="99999", name="Xã Thử Nghiệm", kind="Xã", level="commune", valid_from="2025-07-01"
    )
    hoa_loc.successors.add(elsewhere)

    def drop_hoa_hiep(row):
        return None if (row["code"], row["successor_code"]) == ("28924", "29734") else row

    report = load_units(successors_path=_copy_with(tmp_path, SUCCESSORS_FILE, drop_hoa_hiep))

    assert (report.links_added, report.links_removed) == (0, 1)
    assert sorted(hoa_loc.successors.values_list("code", flat=True)) == ["28921", "99999"]


def test_inconsistent_data_is_refused_and_nothing_is_written(tmp_path):
    def orphan(row):
        if row["code"] == "28756" and row["valid_from"] == "2025-07-01":
            row["parent_valid_from"] = "2024-01-01"
        return row

    units = _copy_with(tmp_path, UNITS_FILE, orphan)
    shutil.copy(SUCCESSORS_FILE, tmp_path / SUCCESSORS_FILE.name)

    with pytest.raises(ValueError, match="đơn vị cấp trên 86 từ 2024-01-01"):
        load_units(units_path=units, successors_path=tmp_path / SUCCESSORS_FILE.name)
    assert AdministrativeUnit.objects.count() == 0


def test_command_reports_bad_data_as_a_command_error(tmp_path):
    def bad_level(row):
        if row["code"] == "83":
            row["level"] = "region"
        return row

    bad = _copy_with(tmp_path, UNITS_FILE, bad_level)

    with pytest.raises(CommandError, match=r"không hợp lệ: .*cấp không hợp lệ 'region'"):
        call_command("load_units", units=bad, stdout=StringIO())
    assert AdministrativeUnit.objects.count() == 0
