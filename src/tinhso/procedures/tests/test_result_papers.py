"""Result papers declared in the catalogue (issue 15): loaded, checked, and shown by the API."""

import json
import shutil

import pytest

from tinhso.procedures.loader import CATALOGUE_DIR, CatalogueError, load_catalogue, read_files
from tinhso.procedures.selectors import version_by_code
from tinhso.testing import make_cast

DEMO_RESULTS = {
    "3.000333": ("Phiếu lý lịch tư pháp", "platform", {"loai_phieu", "tinh_trang_an_tich"}),
    "1.004873": (
        "Giấy xác nhận tình trạng hôn nhân",
        "platform",
        {"tinh_trang_hon_nhan", "muc_dich_su_dung", "co_gia_tri_den"},
    ),
    "2.000635": ("Bản sao Trích lục hộ tịch", "platform", {"noi_dung_trich_luc"}),
    "1.001612": ("Giấy chứng nhận đăng ký hộ kinh doanh", "platform", {"ma_so_ho_kinh_doanh"}),
    "3.000347": ("Giấy phép lái xe", "external", {"so_gplx", "hang"}),
}


@pytest.fixture
def catalogue(db):
    make_cast()
    return load_catalogue()


@pytest.mark.parametrize("code", sorted(DEMO_RESULTS))
def test_demo_results_declare_their_paper_and_its_fields(catalogue, code):
    name, issued_by, fields = DEMO_RESULTS[code]
    version = version_by_code(code)
    assert version is not None
    paper = version.main_result_paper
    assert paper["name"] == name and paper.get("issued_by") == issued_by
    assert fields <= set(version.result_schema["properties"])
    assert fields <= set(version.result_schema["required"]) | {"noi_dung_trich_luc"}


def test_procedure_api_shows_the_main_result_schema_and_further_papers(client, catalogue):
    body = client.get("/api/v1/procedures/2.001610").json()
    assert body["result_paper"]["issued_by"] == "external"
    assert "Hệ thống thông tin quốc gia về đăng ký doanh nghiệp" in body["result_paper"]["system"]
    assert body["result_schema"]["required"] == ["ma_so_doanh_nghiep", "ngay_dang_ky_lan_dau"]
    assert [p["code"] for p in body["result_papers"]] == ["THONG_BAO_SUA_DOI"]
    assert "noi_dung_can_sua_doi" in body["result_papers"][0]["result_schema"]["properties"]


def test_a_procedure_without_declared_papers_has_an_empty_object_schema(client, catalogue):
    body = client.get("/api/v1/procedures/1.000656").json()
    assert body["result_schema"] == {"type": "object", "properties": {}}
    assert body["result_paper"] is None and body["result_papers"] == []


def _copy_with(tmp_path, code: str, papers) -> None:
    for path in CATALOGUE_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / (code.replace(".", "_") + ".json")
    entry = json.loads(target.read_text(encoding="utf-8"))
    entry["result_papers"] = papers
    target.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    "papers",
    [
        {"code": "X"},
        [{"code": "X", "name": "Giấy", "issued_by": "somewhere"}],
        [{"code": "X", "name": "Giấy", "issued_by": "external"}],  # no system named
        [{"code": "X", "name": "Giấy", "schema": {"type": "array"}}],
        [{"code": "X", "name": "Giấy", "schema": {"type": "object", "required": "a"}}],
        [{"code": "X", "name": "A"}, {"code": "X", "name": "B"}],
    ],
)
def test_malformed_result_papers_are_refused(tmp_path, papers):
    _copy_with(tmp_path, "3.000333", papers)
    with pytest.raises(Exception) as caught:
        read_files(tmp_path)
    assert isinstance(caught.value, CatalogueError) or "required" in str(caught.value)
