"""Loading the shipped catalogue and searching it as a citizen types."""

import datetime
import json
import shutil

import pytest

from tinhso.dossiers import services
from tinhso.procedures.loader import CATALOGUE_DIR, load_catalogue
from tinhso.procedures.models import ProcedureVersion
from tinhso.procedures.selectors import search_procedures, version_by_code
from tinhso.testing import make_cast


@pytest.fixture
def catalogue(db):
    make_cast()
    return load_catalogue()


def names(query: str) -> list[str]:
    return [v.name for v in search_procedures(query)]


def test_loading_twice_creates_nothing_new(catalogue):
    assert catalogue.created >= 20
    before = ProcedureVersion.objects.count()
    again = load_catalogue()
    assert again.created == 0 and ProcedureVersion.objects.count() == before


def test_search_without_diacritics_finds_the_accented_names(catalogue):
    found = names("giay khai sinh")
    assert "Giấy khai sinh" in found[0]
    assert "Đăng ký khai sinh" in found  # matched through its result, the "Giấy khai sinh"
    assert names("dang ky khai sinh")[0].startswith("Đăng ký khai sinh")
    assert names("ĐĂNG KÝ KHAI SINH") == names("dang ky khai sinh")
    assert names("xyz không tồn tại") == []


def test_new_version_does_not_touch_dossiers_in_flight(catalogue, tmp_path):
    version = version_by_code("1.001193")
    assert version is not None
    from tinhso.accounts.models import User

    citizen = User.objects.get(username="citizen1")
    birth = {
        "ho_ten_tre": "Nguyễn Thị Mai",
        "ngay_sinh": "2026-11-20",
        "gioi_tinh": "Nữ",
        "noi_sinh": "Bến Tre",
        "dan_toc": "Kinh",
        "ho_ten_me": "Trần Thị Bích",
        "quan_he_nguoi_yeu_cau": "Mẹ",
    }
    dossier, _ = services.file_dossier(
        user=citizen, version=version, data=birth, applicant=services.Applicant.from_user(citizen)
    )
    assert dossier.status == "submitted"
    directory = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, directory)
    entry = json.loads((directory / "1_001193.json").read_text(encoding="utf-8"))
    original_days = version.processing_days
    entry["processing"]["counter_days"] = "9"  # an edit without a new version number: refused
    (directory / "1_001193.json").write_text(
        json.dumps(entry, ensure_ascii=False), encoding="utf-8"
    )
    report = load_catalogue(directory)
    assert report.frozen == 1
    version.refresh_from_db()
    assert version.processing_days == original_days
    entry["version"] = version.version + 1
    entry["effective_from"] = "2030-01-01"
    (directory / "1_001193_v2.json").write_text(
        json.dumps(entry, ensure_ascii=False), encoding="utf-8"
    )
    load_catalogue(directory)
    version.refresh_from_db()
    assert version.effective_to == datetime.date(2030, 1, 1)
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == version.pk
    assert version_by_code("1.001193", datetime.date(2030, 1, 2)).processing_days == 9
